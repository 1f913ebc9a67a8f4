package router_test

// Sharding on real servers: shard 1 is a fresh database on the main
// PostgreSQL cluster (testdb.PG), shard 2 one on the second cluster of
// scripts/dbup-shard (testdb.PGShard2); each shard has its replicas.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

var shdOrders = core.MustTable(core.TableDef{Name: "shd_orders", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "user_id", Type: core.BigInt()},
	{Name: "amount", Type: core.Double()},
	{Name: "name", Type: core.String(32)},
	{Name: "score", Type: core.BigInt(), Nullable: true},
	{Name: "created", Type: core.TimestampTZ()},
}})

// countingObserver counts routing decisions per bind group.
type countingObserver struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *countingObserver) Routed(ctx context.Context, d router.Decision) context.Context {
	o.mu.Lock()
	o.n[d.Group]++
	o.mu.Unlock()
	return ctx
}

func (o *countingObserver) take() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.n
	o.n = map[string]int{}
	return n
}

type shardEnv struct {
	r      *router.Router
	set    *router.ShardSet
	obs    *countingObserver
	shards []testdb.Cluster
}

func newShardEnv(t *testing.T, cfg router.Config) shardEnv {
	t.Helper()
	testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	shards := []testdb.Cluster{testdb.PG(t), testdb.PGShard2(t)}
	obs := &countingObserver{n: map[string]int{}}
	cfg.Observer = obs
	for i, c := range shards {
		gc := router.GroupConfig{Name: fmt.Sprint("s", i+1), Primary: openEngine(t, c.Primary)}
		for _, rep := range c.Replicas {
			gc.Replicas = append(gc.Replicas, openEngine(t, rep))
			gc.ReplicaNames = append(gc.ReplicaNames, rep.Addr())
		}
		cfg.Groups = append(cfg.Groups, gc)
	}
	cfg.Shards = []router.ShardConfig{{Name: "orders", Groups: []string{"s1", "s2"}, Tables: []string{"shd_orders"}}}
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close router: %v", err)
		}
	})
	ctx := context.Background()
	for _, g := range r.ShardSet("orders").Shards() {
		if _, err := g.Exec(ctx, core.CreateTable(shdOrders)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range shards {
		testdb.CaughtUp(t, c)
	}
	obs.take()
	return shardEnv{r: r, set: r.ShardSet("orders"), obs: obs, shards: shards}
}

func shdInsert(id, user int64) core.Statement {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var score any
	if id%7 != 0 {
		score = id % 13
	}
	name := string(rune('a'+id%26)) + string(rune('a'+id%5))
	return core.Insert(shdOrders).Columns(shdOrders.Columns()...).
		Values(id, user, float64(id%17)*1.5, name, score, base.Add(time.Duration(id%31)*time.Hour))
}

func shardOf(t *testing.T, key any) int {
	t.Helper()
	i, err := router.HashShard(key, 2)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// rowsOf reads every row of stmt straight from db, as strings.
func rowsOf(t *testing.T, db *engine.DB, stmt core.Statement) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), stmt)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, len(rows.Columns()))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestShardsRouteMergeAndRefuse(t *testing.T) {
	env := newShardEnv(t, router.Config{})
	oracle := openEngine(t, testdb.PG(t).Primary)
	t.Cleanup(func() { oracle.Close() })
	ctx := context.Background()
	if _, err := oracle.Exec(ctx, core.CreateTable(shdOrders)); err != nil {
		t.Fatal(err)
	}
	const n = 240
	for id := int64(1); id <= n; id++ {
		user := id % 40
		if _, err := env.set.Exec(router.WithShardKey(ctx, user), shdInsert(id, user)); err != nil {
			t.Fatal(err)
		}
		if _, err := oracle.Exec(ctx, shdInsert(id, user)); err != nil {
			t.Fatal(err)
		}
	}
	if got := env.obs.take(); got["s1"] == 0 || got["s2"] == 0 || got["s1"]+got["s2"] != n {
		t.Fatalf("insert decisions per shard: %v", got)
	}

	// Each row is on its key's shard, checked on each server directly.
	total := 0
	for i, g := range env.set.Shards() {
		users := rowsOf(t, g.Primary(), core.Select(shdOrders.C("user_id")).From(shdOrders))
		for _, u := range users {
			var user int64
			fmt.Sscan(u, &user)
			if shardOf(t, user) != i {
				t.Fatalf("user %d's row is on shard %d, HashShard says %d", user, i, shardOf(t, user))
			}
		}
		if len(users) == 0 {
			t.Fatalf("shard %d holds no row", i)
		}
		total += len(users)
	}
	if total != n {
		t.Fatalf("%d rows over the shards, want %d", total, n)
	}
	for _, c := range env.shards {
		testdb.CaughtUp(t, c)
	}

	// A read by key runs on that shard only; an IN list on the keys' shards.
	var k1, k2 int64 = -1, -1
	for u := int64(0); u < 40 && (k1 < 0 || k2 < 0); u++ {
		if shardOf(t, u) == 0 && k1 < 0 {
			k1 = u
		} else if shardOf(t, u) == 1 && k2 < 0 {
			k2 = u
		}
	}
	byUser := core.Select(shdOrders.C("id")).From(shdOrders).Where(core.Eq(shdOrders.C("user_id"), k2)).OrderBy(shdOrders.C("id"))
	rows, err := env.set.Query(router.WithShardKey(ctx, k2), byUser)
	if err != nil {
		t.Fatal(err)
	}
	if got := env.obs.take(); got["s2"] != 1 || got["s1"] != 0 {
		t.Fatalf("read by key %d (shard 2): decisions %v, want one on s2", k2, got)
	}
	if rows.Len() != n/40 {
		t.Fatalf("read by key %d: %d rows, want %d", k2, rows.Len(), n/40)
	}
	both := core.Select(shdOrders.C("id")).From(shdOrders).Where(core.In(shdOrders.C("user_id"), k1, k2)).OrderBy(shdOrders.C("id"))
	if rows, err = env.set.Query(router.WithShardKey(ctx, k1, k2), both); err != nil {
		t.Fatal(err)
	}
	if got := env.obs.take(); got["s1"] != 1 || got["s2"] != 1 {
		t.Fatalf("IN list over both shards: decisions %v", got)
	}
	if want := rowsOf(t, oracle, both); rows.Len() != len(want) {
		t.Fatalf("IN list: %d rows, oracle %d", rows.Len(), len(want))
	}

	// All shards, ORDER BY/LIMIT/OFFSET: equal to the oracle database.
	cases := compareMerged(t, env.set, oracle)
	if got := env.obs.take(); got["s1"] != cases || got["s2"] != cases {
		t.Fatalf("all-shard reads: decisions %v, want %d per shard", got, cases)
	}

	o := shdOrders
	all := core.Select(o.C("id"), o.C("user_id")).From(o)
	// Scan into typed destinations.
	rows, err = env.set.Query(router.AllShards(ctx), core.Select(o.C("id"), o.C("amount"), o.C("score")).From(o).OrderBy(o.C("id")).Limit(7))
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(1); rows.Next(); i++ {
		var id int64
		var amount float64
		var score *int64
		if err := rows.Scan(&id, &amount, &score); err != nil {
			t.Fatal(err)
		}
		if id != i || amount != float64(i%17)*1.5 || (i%7 == 0) != (score == nil) {
			t.Fatalf("row %d: %d %v %v", i, id, amount, score)
		}
	}

	// Through the Router itself, by the key in the context.
	env.obs.take()
	var cnt int64
	countK2 := core.Select(core.Count(core.Star())).From(o).Where(core.Eq(o.C("user_id"), k2))
	if err := env.r.QueryRow(router.WithShardKey(ctx, k2), countK2).Scan(&cnt); err != nil || cnt != n/40 {
		t.Fatalf("Router.QueryRow by key: %d, %v", cnt, err)
	}
	if _, err := env.r.Exec(router.WithShardKey(ctx, k1), shdInsert(5000, k1)); err != nil {
		t.Fatal(err)
	}
	byK2 := core.Select(o.C("id")).From(o).Where(core.Eq(o.C("user_id"), k2))
	if res, err := env.r.Batch(router.WithShardKey(ctx, k2), byK2); err != nil || res[0].Err != nil || res[0].RowsAffected != n/40 {
		t.Fatalf("Router.Batch by key: %v, %v", res, err)
	}
	if got := env.obs.take(); got["s1"] != 1 || got["s2"] != 2 {
		t.Fatalf("Router reads on shard 2 and write on shard 1: decisions %v", got)
	}
	if ids := rowsOf(t, env.set.Shards()[0].Primary(), core.Select(o.C("id")).From(o).Where(core.Eq(o.C("id"), int64(5000)))); len(ids) != 1 {
		t.Fatal("Router.Exec by key: the row is not on its shard")
	}
	if _, err := env.r.Query(ctx, all); !errors.Is(err, router.ErrNoShardKey) {
		t.Fatalf("Router.Query on a sharded table without a key: err = %v", err)
	}
	if _, err := env.r.Exec(router.WithShardKey(ctx, k1, k2), core.Delete(o)); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("Router.Exec over two shards: err = %v", err)
	}

	// Refusals: none of them reaches a server.
	if _, err := env.set.Query(ctx, all); !errors.Is(err, router.ErrNoShardKey) {
		t.Fatalf("read without a key: err = %v, want ErrNoShardKey", err)
	}
	if _, err := env.set.Exec(router.WithShardKey(ctx, k1, k2), core.Delete(o)); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("write over two shards: err = %v, want ErrCrossShard", err)
	}
	if _, err := env.set.Exec(router.AllShards(ctx), core.Delete(o)); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("write on all shards: err = %v, want ErrCrossShard", err)
	}
	if tx, err := env.set.Begin(router.WithShardKey(ctx, k1, k2), engine.TxOptions{}); !errors.Is(err, router.ErrCrossShard) {
		if tx != nil {
			tx.Rollback(ctx)
		}
		t.Fatalf("transaction over two shards: err = %v, want ErrCrossShard", err)
	}
	if got := env.obs.take(); len(got) != 0 {
		t.Fatalf("a refused statement was routed: %v", got)
	}
	// Found once the shards answer: their result's columns.
	if _, err := env.set.Query(router.AllShards(ctx), core.Select(o.C("id")).From(o).OrderBy(o.C("amount"))); !errors.Is(err, router.ErrShardMerge) {
		t.Fatalf("ORDER BY a column not in the result: err = %v, want ErrShardMerge", err)
	}

	// The opt-in multi-shard transaction commits on both shards.
	mt, err := env.set.BeginMulti(ctx, engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mt.Rollback(ctx)
	for _, k := range []int64{k1, k2} {
		tx, err := mt.On(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, shdInsert(1000+k, k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := mt.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if g := mt.Token().Groups(); len(g) != 2 {
		t.Fatalf("multi-shard token has groups %v, want both", g)
	}
	for i, k := range []int64{k1, k2} {
		ids := rowsOf(t, env.set.Shards()[i].Primary(), core.Select(o.C("id")).From(o).Where(core.Eq(o.C("id"), 1000+k)))
		if len(ids) != 1 {
			t.Fatalf("multi-shard commit: row %d not on shard %d", 1000+k, i)
		}
	}
}

func TestShardReadYourWritesWithEveryReplicaPaused(t *testing.T) {
	env := newShardEnv(t, router.Config{CausalWait: 2 * time.Millisecond, MaxLag: -1})
	testdb.LockReplication(t)
	for _, c := range env.shards {
		for _, rep := range c.Replicas {
			testdb.PauseReplay(t, rep)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := [2]int{}
	for id := int64(1); id <= 200; id++ {
		user := rng.Int64N(1000)
		seen[shardOf(t, user)]++
		tctx, tr := router.Track(context.Background())
		if id%3 == 0 { // through the Router: the table is the set's
			if _, err := env.r.Exec(router.WithShardKey(tctx, user), shdInsert(id, user)); err != nil {
				t.Fatal(err)
			}
		} else if _, err := env.set.Exec(router.WithShardKey(tctx, user), shdInsert(id, user)); err != nil {
			t.Fatal(err)
		}
		read := router.WithShardKey(tctx, user)
		if id%2 == 0 { // the token as a client would send it back
			tok, err := tr.Resolve(tctx)
			if err != nil {
				t.Fatal(err)
			}
			back, err := router.ParseToken(tok.String())
			if err != nil {
				t.Fatal(err)
			}
			read = router.WithShardKey(router.WithToken(context.Background(), back), user)
		}
		byID := core.Select(shdOrders.C("id")).From(shdOrders).Where(core.Eq(shdOrders.C("id"), id))
		if id%5 == 0 {
			var got int64
			if err := env.r.QueryRow(read, byID).Scan(&got); err != nil || got != id {
				t.Fatalf("trial %d: Router.QueryRow on user %d's shard: %d, %v", id, user, got, err)
			}
			continue
		}
		rows, err := env.set.Query(read, byID)
		if err != nil {
			t.Fatal(err)
		}
		if rows.Len() != 1 {
			t.Fatalf("trial %d: user %d (shard %d) did not read its own write", id, user, shardOf(t, user)+1)
		}
	}
	if seen[0] == 0 || seen[1] == 0 {
		t.Fatalf("trials per shard %v: both shards must be written", seen)
	}
	// Without a token, a read goes to a paused replica and misses the rows.
	rows, err := env.set.Query(router.AllShards(context.Background()), core.Select(shdOrders.C("id")).From(shdOrders))
	if err != nil {
		t.Fatal(err)
	}
	if rows.Len() != 0 {
		t.Fatalf("tokenless read over paused replicas saw %d rows; want the stale empty answer", rows.Len())
	}
}

// compareMerged runs all-shard reads with ORDER BY, LIMIT and OFFSET on
// set and the same reads on oracle, which holds every row, and wants the
// same rows in the same order. It returns the number of reads.
func compareMerged(t *testing.T, set *router.ShardSet, oracle *engine.DB) int {
	t.Helper()
	ctx := context.Background()
	o := shdOrders
	all := core.Select(o.C("id"), o.C("user_id"), o.C("amount"), o.C("name"), o.C("score"), o.C("created")).From(o)
	cases := []struct {
		name string
		q    *core.SelectStmt
	}{
		{"float desc, limit offset", all.OrderBy(core.Desc(o.C("amount")), o.C("id")).Limit(17).Offset(5)},
		{"nulls by default", all.OrderBy(o.C("score"), o.C("id"))},
		{"nulls default desc", all.OrderBy(core.Desc(o.C("score")), core.Desc(o.C("id"))).Limit(40)},
		{"nulls last desc", all.OrderBy(core.Desc(o.C("score")).NullsLast(), o.C("id")).Limit(50).Offset(3)},
		{"nulls first asc", all.OrderBy(core.Asc(o.C("score")).NullsFirst(), o.C("id")).Offset(200)},
		{"strings", all.OrderBy(o.C("name"), o.C("id")).Limit(60)},
		{"times", all.OrderBy(core.Desc(o.C("created")), o.C("id")).Limit(30).Offset(30)},
		{"offset past the end", all.OrderBy(o.C("id")).Limit(10).Offset(1000)},
		{"filtered", all.Where(core.Eq(o.C("score"), int64(3))).OrderBy(o.C("amount"), o.C("id"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := set.Query(router.AllShards(ctx), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			want := rowsOf(t, oracle, tc.q)
			if got.Len() != len(want) {
				t.Fatalf("%d rows, oracle %d", got.Len(), len(want))
			}
			for i := 0; got.Next(); i++ {
				if s := fmt.Sprint(got.Values()...); s != want[i] {
					t.Fatalf("row %d: %s, oracle %s", i, s, want[i])
				}
			}
		})
	}
	return len(cases)
}

// The merge on MariaDB and SQLite, whose NULLs sort first: two shards
// without replicas (two databases), and an oracle holding every row.
func TestShardMergeEachDialect(t *testing.T) {
	dialects := []struct {
		name string
		open func(t *testing.T) *engine.DB
	}{
		{"sqlite", func(t *testing.T) *engine.DB {
			db, err := engine.Open(context.Background(), "sqlite://"+testdb.SQLite(t))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}},
		{"mariadb", func(t *testing.T) *engine.DB { return openEngine(t, testdb.MySQL(t).Primary) }},
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "mariadb" {
				testdb.Require(t, testdb.KindMySQL)
			}
			ctx := context.Background()
			s1, s2, oracle := d.open(t), d.open(t), d.open(t)
			t.Cleanup(func() { oracle.Close() })
			r, err := router.New(router.Config{
				Groups: []router.GroupConfig{{Name: "s1", Primary: s1}, {Name: "s2", Primary: s2}},
				Shards: []router.ShardConfig{{Name: "orders", Groups: []string{"s1", "s2"},
					Choose: func(key any) (int, error) { return int(key.(int64) % 2), nil }}},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			set := r.ShardSet("orders")
			for _, db := range []*engine.DB{s1, s2, oracle} {
				if _, err := db.Exec(ctx, core.CreateTable(shdOrders)); err != nil {
					t.Fatal(err)
				}
			}
			for id := int64(1); id <= 120; id++ {
				if _, err := set.Exec(router.WithShardKey(ctx, id%10), shdInsert(id, id%10)); err != nil {
					t.Fatal(err)
				}
				if _, err := oracle.Exec(ctx, shdInsert(id, id%10)); err != nil {
					t.Fatal(err)
				}
			}
			// The user function placed even users on shard 1, odd on 2.
			for i, g := range set.Shards() {
				odd := rowsOf(t, g.Primary(), core.Select(shdOrders.C("id")).From(shdOrders).
					Where(core.Eq(core.Raw("user_id % 2"), int64(1-i))))
				if len(odd) != 0 {
					t.Fatalf("shard %d holds %d rows of the other shard's users", i+1, len(odd))
				}
			}
			compareMerged(t, set, oracle)
		})
	}
}
