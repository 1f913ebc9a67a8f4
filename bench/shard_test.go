package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// ShardedTop100: the 100 rows of highest amount (ties by id) among
// shardRows, ORDER BY amount DESC, id LIMIT 100 with an index on those
// columns, on one database holding every row and on a set of two shards
// (the main PostgreSQL cluster and the second one, ATHANOR_PG_SHARD2_*)
// holding the rows by router.HashShard of the id. Entries:
//
//	pgx            one database, one query
//	athanor        one database, a session query
//	pgx-2shards    the query on both shards at once (two pgx pools), the
//	               two sorted results merged by hand, first 100 kept
//	athanor-2shards a session over a router with the shard set, the query
//	               with router.AllShards (the router runs it on both
//	               shards concurrently and merges)
//
// Every entry's ids are checked against the top 100 computed in Go.
// GORM, Bun and sqlx have no sharding across servers.

const shardRows = 10_000

// ShardItem is a row of shard_items.
type ShardItem struct {
	_      struct{} `athanor:",table:shard_items"`
	ID     int64    `athanor:",pk"`
	UserID int64
	Amount float64
	Name   string
}

func init() { mapper.MustRegister[ShardItem]() }

const (
	shardDDL   = `CREATE TABLE shard_items (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) COLLATE "C" NOT NULL)`
	shardIndex = "CREATE INDEX shard_items_amount ON shard_items (amount DESC, id)"
	shardTop   = "SELECT id, user_id, amount, name FROM shard_items ORDER BY amount DESC, id LIMIT 100"
	shardFill  = "INSERT INTO shard_items (id, user_id, amount, name) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::text[])"
)

// shardAmount spreads amounts over [0, 100) with ties.
func shardAmount(id int64) float64 { return float64(id*7919%10007) / 100 }

// openPool opens a pgx pool of poolSize connections on ep.
func openPool(b *testing.B, ep testdb.Endpoint) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(ep.DriverDSN())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = poolSize
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p
}

// openDB opens an engine of poolSize connections on ep.
func openDB(b *testing.B, ep testdb.Endpoint) *engine.DB {
	b.Helper()
	cfg, err := engine.ParseConfig(ep.URL())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = poolSize
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// fillShard creates shard_items in p's database with the rows of ids.
func fillShard(b *testing.B, p *pgxpool.Pool, ids []int64) {
	b.Helper()
	ctx := context.Background()
	users, amounts, names := make([]int64, len(ids)), make([]float64, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		users[i], amounts[i], names[i] = id%97, shardAmount(id), fmt.Sprint("item ", id)
	}
	for _, q := range []string{shardDDL, shardIndex} {
		if _, err := p.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := p.Exec(ctx, shardFill, ids, users, amounts, names); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Exec(ctx, "ANALYZE shard_items"); err != nil {
		b.Fatal(err)
	}
}

// shardScan reads the top query's rows.
func shardScan(ctx context.Context, p *pgxpool.Pool) ([]ShardItem, error) {
	rows, err := p.Query(ctx, shardTop)
	if err != nil {
		return nil, err
	}
	out := make([]ShardItem, 0, 100)
	for rows.Next() {
		var it ShardItem
		if err := rows.Scan(&it.ID, &it.UserID, &it.Amount, &it.Name); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// shardBefore is the query's order: amount descending, then id.
func shardBefore(a, b *ShardItem) bool {
	if a.Amount != b.Amount {
		return a.Amount > b.Amount
	}
	return a.ID < b.ID
}

func BenchmarkShardedTop100(b *testing.B) {
	ctx := context.Background()
	one, s1, s2 := testdb.PG(b), testdb.PG(b), testdb.PGShard2(b)
	all := make([]int64, shardRows)
	var byShard [2][]int64
	for i := range all {
		id := int64(i + 1)
		all[i] = id
		sh, err := router.HashShard(id, 2)
		if err != nil {
			b.Fatal(err)
		}
		byShard[sh] = append(byShard[sh], id)
	}
	want := slices.Clone(all)
	slices.SortFunc(want, func(x, y int64) int {
		a, c := ShardItem{ID: x, Amount: shardAmount(x)}, ShardItem{ID: y, Amount: shardAmount(y)}
		if shardBefore(&a, &c) {
			return -1
		}
		return 1
	})
	want = want[:100]

	onePool, pools := openPool(b, one.Primary), [2]*pgxpool.Pool{openPool(b, s1.Primary), openPool(b, s2.Primary)}
	fillShard(b, onePool, all)
	fillShard(b, pools[0], byShard[0])
	fillShard(b, pools[1], byShard[1])

	oneDB := openDB(b, one.Primary)
	b.Cleanup(func() { oneDB.Close() })
	rt, err := router.New(router.Config{
		Groups: []router.GroupConfig{{Name: "s1", Primary: openDB(b, s1.Primary)}, {Name: "s2", Primary: openDB(b, s2.Primary)}},
		Shards: []router.ShardConfig{{Name: "items", Groups: []string{"s1", "s2"}, Tables: []string{"shard_items"}}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })

	check := func(got []ShardItem) error {
		if len(got) != len(want) {
			return fmt.Errorf("got %d rows, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i].ID != want[i] {
				return fmt.Errorf("row %d has id %d, want %d", i, got[i].ID, want[i])
			}
		}
		return nil
	}
	checkPtrs := func(got []*ShardItem, err error) error {
		if err != nil {
			return err
		}
		vals := make([]ShardItem, len(got))
		for i, p := range got {
			vals[i] = *p
		}
		return check(vals)
	}
	for _, im := range []namedOp{
		{"pgx", func(ctx context.Context) error {
			got, err := shardScan(ctx, onePool)
			if err != nil {
				return err
			}
			return check(got)
		}},
		{"athanor", func(ctx context.Context) error {
			s := session.New(oneDB, session.Options{})
			return checkPtrs(session.Query[ShardItem](s).OrderBy("-Amount", "ID").Limit(100).All(ctx))
		}},
		{"pgx-2shards", func(ctx context.Context) error {
			var (
				other    []ShardItem
				otherErr error
				done     = make(chan struct{})
			)
			go func() {
				defer close(done)
				other, otherErr = shardScan(ctx, pools[1])
			}()
			mine, err := shardScan(ctx, pools[0])
			<-done
			if err != nil {
				return err
			}
			if otherErr != nil {
				return otherErr
			}
			merged := make([]ShardItem, 0, 100)
			i, j := 0, 0
			for len(merged) < 100 && (i < len(mine) || j < len(other)) {
				if j >= len(other) || (i < len(mine) && shardBefore(&mine[i], &other[j])) {
					merged = append(merged, mine[i])
					i++
				} else {
					merged = append(merged, other[j])
					j++
				}
			}
			return check(merged)
		}},
		{"athanor-2shards", func(ctx context.Context) error {
			s := session.New(rt, session.Options{})
			return checkPtrs(session.Query[ShardItem](s).OrderBy("-Amount", "ID").Limit(100).All(router.AllShards(ctx)))
		}},
	} {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.fn(ctx) })
			loop(b, func() error { return im.fn(ctx) })
		})
	}
}
