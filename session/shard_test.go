package session_test

// A sharded model in the session, on real servers: shard 1 is a fresh
// database on the main PostgreSQL cluster (testdb.PG), shard 2 one on the
// second cluster (testdb.PGShard2); each shard has its replicas. The
// shard key is the primary key, hashed by router.HashShard.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

type ShsOrder struct {
	_      struct{} `athanor:",table:shs_orders"`
	ID     int64
	UserID int64
	Amount float64
	Name   string `athanor:",size:32"`
}

// shsDDL is the table on each server, its text in byte order (the
// merge's order of strings).
var shsDDL = map[string]string{
	"postgres": `CREATE TABLE shs_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) COLLATE "C" NOT NULL)`,
	"mariadb":  `CREATE TABLE shs_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) COLLATE utf8mb4_bin NOT NULL)`,
	"sqlite":   `CREATE TABLE shs_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) NOT NULL)`,
}

// shsCluster gives a fresh database of kind: PostgreSQL's second call
// the second cluster's (shard 2 on its own server); MariaDB's a second
// database on the same server; SQLite's a second file.
func shsCluster(t *testing.T, kind string, shard int) testdb.Cluster {
	switch kind {
	case "postgres":
		if shard == 1 {
			return testdb.PGShard2(t)
		}
		return testdb.PG(t)
	case "mariadb":
		return testdb.MySQL(t)
	}
	return testdb.Cluster{Primary: testdb.Endpoint{}}
}

// shsOpen opens the primary of c, or a fresh SQLite file for kind sqlite.
func shsOpen(t *testing.T, kind string, e testdb.Endpoint, sqlite string) *engine.DB {
	url := "sqlite://" + sqlite
	if kind != "sqlite" {
		url = e.URL()
	}
	db, err := engine.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachShardServer runs f on PostgreSQL, MariaDB and SQLite.
func eachShardServer(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

// shsObserver counts routing decisions per bind group.
type shsObserver struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *shsObserver) Routed(ctx context.Context, d router.Decision) context.Context {
	o.mu.Lock()
	o.n[d.Group]++
	o.mu.Unlock()
	return ctx
}

func (o *shsObserver) take() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.n
	o.n = map[string]int{}
	return n
}

type shsEnv struct {
	r      *router.Router
	reg    *mapper.Registry
	obs    *shsObserver
	direct [2]*engine.DB // each shard's primary
	shards []testdb.Cluster
	kind   string
}

func newShsEnv(t *testing.T, kind string) shsEnv {
	t.Helper()
	if kind == "postgres" {
		testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	}
	ctx := context.Background()
	shards := []testdb.Cluster{shsCluster(t, kind, 0), shsCluster(t, kind, 1)}
	env := shsEnv{obs: &shsObserver{n: map[string]int{}}, shards: shards, kind: kind}
	cfg := router.Config{CausalWait: 2 * time.Millisecond, MaxLag: -1, Observer: env.obs}
	for i, c := range shards {
		file := ""
		if kind == "sqlite" {
			file = testdb.SQLite(t)
		}
		env.direct[i] = shsOpen(t, kind, c.Primary, file)
		if _, err := env.direct[i].Exec(ctx, core.Raw(shsDDL[kind])); err != nil {
			t.Fatal(err)
		}
		gc := router.GroupConfig{Name: fmt.Sprint("s", i+1), Primary: shsOpen(t, kind, c.Primary, file)}
		for _, rep := range c.Replicas {
			gc.Replicas = append(gc.Replicas, shsOpen(t, kind, rep, ""))
			gc.ReplicaNames = append(gc.ReplicaNames, rep.Addr())
		}
		cfg.Groups = append(cfg.Groups, gc)
	}
	cfg.Shards = []router.ShardConfig{{Name: "orders", Groups: []string{"s1", "s2"}, Tables: []string{"shs_orders"}}}
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	env.r = r
	env.reg = mapper.NewRegistry()
	if _, err := mapper.RegisterIn[ShsOrder](env.reg); err != nil {
		t.Fatal(err)
	}
	env.caughtUp(t)
	env.obs.take()
	return env
}

// caughtUp waits for every shard's replicas to reach its primary.
func (env shsEnv) caughtUp(t *testing.T) {
	t.Helper()
	for _, c := range env.shards {
		if len(c.Replicas) > 0 {
			testdb.CaughtUp(t, c)
		}
	}
}

func (env shsEnv) session(t *testing.T, opts session.Options) *session.Session {
	opts.Registry = env.reg
	s := session.New(env.r, opts)
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// shardOfID is the shard (0 or 1) of an order's key.
func shardOfID(t *testing.T, id int64) int {
	t.Helper()
	i, err := router.HashShard(id, 2)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// idsOn returns the ids in shard i's primary, ascending.
func (env shsEnv) idsOn(t *testing.T, i int) []int64 {
	t.Helper()
	var ids []int64
	err := env.direct[i].QueryFunc(context.Background(), core.Raw(`SELECT id FROM shs_orders ORDER BY id`), func(rows *engine.Rows) error {
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func shsOrder(id int64) *ShsOrder {
	return &ShsOrder{ID: id, UserID: id % 7, Amount: float64(id%13) * 1.5, Name: fmt.Sprintf("n%02d", id%17)}
}

func TestShardSessionWritesAndReads(t *testing.T) {
	eachShardServer(t, testShardSessionWritesAndReads)
}

func testShardSessionWritesAndReads(t *testing.T, kind string) {
	env := newShsEnv(t, kind)
	ctx := context.Background()

	// One commit of objects on both shards, opted in with MultiGroup.
	s := env.session(t, session.Options{MultiGroup: true})
	var want [2][]int64
	for id := int64(1); id <= 40; id++ {
		s.Add(shsOrder(id))
		want[shardOfID(t, id)] = append(want[shardOfID(t, id)], id)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if len(want[0]) == 0 || len(want[1]) == 0 {
		t.Fatalf("keys per shard %d/%d: both shards must be written", len(want[0]), len(want[1]))
	}
	for i := range 2 {
		if got := env.idsOn(t, i); !slices.Equal(got, want[i]) {
			t.Fatalf("shard %d holds %v, want %v", i+1, got, want[i])
		}
	}

	// Without the opt-in, a commit writing two shards is refused, and
	// neither shard keeps a row.
	a, b := int64(101), int64(102)
	for shardOfID(t, b) == shardOfID(t, a) {
		b++
	}
	s2 := env.session(t, session.Options{})
	s2.Add(shsOrder(a))
	s2.Add(shsOrder(b))
	if err := s2.Commit(ctx); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("cross-shard commit: %v, want router.ErrCrossShard", err)
	}
	for i := range 2 {
		if got := env.idsOn(t, i); !slices.Equal(got, want[i]) {
			t.Fatalf("after the refused commit shard %d holds %v, want %v", i+1, got, want[i])
		}
	}
	// A key the database would generate cannot choose a shard.
	s3 := env.session(t, session.Options{})
	s3.Add(&ShsOrder{Name: "nokey"})
	if err := s3.Commit(ctx); err == nil {
		t.Fatal("commit of a sharded object without its key: no error")
	}

	// Get by key reads the key's shard only; the identity map holds it.
	env.obs.take()
	r := env.session(t, session.Options{Token: s.Token()})
	for _, id := range []int64{want[0][0], want[1][0]} {
		o, err := session.Get[ShsOrder](ctx, r, id)
		if err != nil {
			t.Fatal(err)
		}
		if *o != *shsOrder(id) {
			t.Fatalf("Get(%d) = %+v", id, *o)
		}
		shard := fmt.Sprint("s", shardOfID(t, id)+1)
		if n := env.obs.take(); len(n) != 1 || n[shard] != 1 {
			t.Fatalf("Get(%d) routed %v, want one read on %s", id, n, shard)
		}
		again, err := session.Get[ShsOrder](ctx, r, id)
		if err != nil || again != o {
			t.Fatalf("Get(%d) again: %p, %v; want the identity map's %p", id, again, err, o)
		}
	}
	if _, err := session.Get[ShsOrder](ctx, r, int64(9999)); !errors.Is(err, athanor.ErrNoRows) {
		t.Fatalf("Get of a missing key: %v", err)
	}

	// A query with a key reads its shard only.
	env.obs.take()
	id := want[1][1]
	got, err := session.Query[ShsOrder](r).Filter("ID", id).All(router.WithShardKey(ctx, id))
	if err != nil || len(got) != 1 || got[0].ID != id {
		t.Fatalf("query by key %d: %v, %v", id, got, err)
	}
	if n := env.obs.take(); len(n) != 1 || n["s2"] != 1 {
		t.Fatalf("query by key routed %v, want one read on s2", n)
	}
	// Without a key it is refused.
	if _, err := session.Query[ShsOrder](r).All(ctx); !errors.Is(err, router.ErrNoShardKey) {
		t.Fatalf("query without a shard key: %v, want router.ErrNoShardKey", err)
	}

	// An update and a delete go to the object's shard, one per shard in
	// a MultiGroup commit.
	w := env.session(t, session.Options{MultiGroup: true, Token: s.Token()})
	u, err := session.Get[ShsOrder](ctx, w, want[0][2])
	if err != nil {
		t.Fatal(err)
	}
	u.Amount = 1000
	d, err := session.Get[ShsOrder](ctx, w, want[1][2])
	if err != nil {
		t.Fatal(err)
	}
	w.Delete(d)
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want[1] = slices.DeleteFunc(want[1], func(x int64) bool { return x == d.ID })
	// Deletes of several objects on both shards: one statement per shard.
	del := env.session(t, session.Options{MultiGroup: true, Token: w.Token()})
	gone := []int64{want[0][3], want[0][4], want[1][3], want[1][4]}
	for _, id := range gone {
		o, err := session.Get[ShsOrder](ctx, del, id)
		if err != nil {
			t.Fatal(err)
		}
		del.Delete(o)
	}
	if err := del.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		want[i] = slices.DeleteFunc(want[i], func(x int64) bool { return slices.Contains(gone, x) })
		if got := env.idsOn(t, i); !slices.Equal(got, want[i]) {
			t.Fatalf("after the deletes shard %d holds %v, want %v", i+1, got, want[i])
		}
	}
	if got := env.idsOn(t, 1); !slices.Equal(got, want[1]) {
		t.Fatalf("after the delete shard 2 holds %v, want %v", got, want[1])
	}
	// Refresh rereads the object's row from its shard.
	if _, err := env.direct[0].Exec(ctx, core.Raw(`UPDATE shs_orders SET name = 'fresh' WHERE id = ?`, u.ID)); err != nil {
		t.Fatal(err)
	}
	env.caughtUp(t) // the direct write carries no token
	env.obs.take()
	if err := w.Refresh(ctx, u); err != nil || u.Name != "fresh" {
		t.Fatalf("Refresh of %d: name %q, %v", u.ID, u.Name, err)
	}
	if n := env.obs.take(); len(n) != 1 || n["s1"] != 1 {
		t.Fatalf("Refresh routed %v, want one read on s1", n)
	}
	var amount float64
	if err := env.direct[0].QueryRow(ctx, core.Raw(`SELECT amount FROM shs_orders WHERE id = ?`, u.ID)).Scan(&amount); err != nil || amount != 1000 {
		t.Fatalf("updated amount on shard 1: %v, %v", amount, err)
	}
}

// TestShardSessionAllShardsMerge compares all-shard session queries with
// ORDER BY and LIMIT to the same queries on an oracle holding every row.
func TestShardSessionAllShardsMerge(t *testing.T) {
	eachShardServer(t, testShardSessionAllShardsMerge)
}

func testShardSessionAllShardsMerge(t *testing.T, kind string) {
	env := newShsEnv(t, kind)
	ctx := context.Background()
	file := ""
	if kind == "sqlite" {
		file = testdb.SQLite(t)
	}
	oracle := shsOpen(t, kind, shsCluster(t, kind, 0).Primary, file)
	if _, err := oracle.Exec(ctx, core.Raw(shsDDL[kind])); err != nil {
		t.Fatal(err)
	}
	s := env.session(t, session.Options{MultiGroup: true})
	for id := int64(1); id <= 90; id++ {
		o := shsOrder(id)
		s.Add(o)
		if _, err := oracle.Exec(ctx, core.Raw(`INSERT INTO shs_orders VALUES (?, ?, ?, ?)`, o.ID, o.UserID, o.Amount, o.Name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	oracleIDs := func(q string) []int64 {
		var ids []int64
		err := oracle.QueryFunc(ctx, core.Raw(q), func(rows *engine.Rows) error {
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	cases := []struct {
		name   string
		q      func(*session.QueryOf[ShsOrder]) *session.QueryOf[ShsOrder]
		oracle string
	}{
		{"amount desc, id, limit", func(q *session.QueryOf[ShsOrder]) *session.QueryOf[ShsOrder] {
			return q.OrderBy("-Amount", "ID").Limit(17)
		}, `SELECT id FROM shs_orders ORDER BY amount DESC, id LIMIT 17`},
		{"name, id desc, limit offset", func(q *session.QueryOf[ShsOrder]) *session.QueryOf[ShsOrder] {
			return q.OrderBy("Name", "-ID").Limit(11).Offset(6)
		}, `SELECT id FROM shs_orders ORDER BY name, id DESC LIMIT 11 OFFSET 6`},
		{"filtered, user, id", func(q *session.QueryOf[ShsOrder]) *session.QueryOf[ShsOrder] {
			return q.Filter("UserID", int64(3)).OrderBy("ID").Limit(5)
		}, `SELECT id FROM shs_orders WHERE user_id = 3 ORDER BY id LIMIT 5`},
		{"every row by id", func(q *session.QueryOf[ShsOrder]) *session.QueryOf[ShsOrder] {
			return q.OrderBy("ID")
		}, `SELECT id FROM shs_orders ORDER BY id`},
	}
	r := env.session(t, session.Options{Token: s.Token()})
	for _, c := range cases {
		env.obs.take()
		objs, err := c.q(session.Query[ShsOrder](r)).All(router.AllShards(ctx))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var ids []int64
		for _, o := range objs {
			ids = append(ids, o.ID)
			if *o != *shsOrder(o.ID) {
				t.Fatalf("%s: loaded %+v", c.name, *o)
			}
		}
		if want := oracleIDs(c.oracle); !slices.Equal(ids, want) {
			t.Fatalf("%s: merged %v, oracle %v", c.name, ids, want)
		}
		if n := env.obs.take(); n["s1"] != 1 || n["s2"] != 1 {
			t.Fatalf("%s: routed %v, want one read per shard", c.name, n)
		}
	}
	// Keys of both shards: the two shards read, their rows merged.
	a, b := int64(1), int64(2)
	for shardOfID(t, b) == shardOfID(t, a) {
		b++
	}
	env.obs.take()
	q2 := session.Query[ShsOrder](r)
	two, err := q2.Where(core.In(q2.C("ID"), a, b)).OrderBy("-ID").All(router.WithShardKey(ctx, a, b))
	if err != nil || len(two) != 2 || two[0].ID != b || two[1].ID != a {
		t.Fatalf("query with keys %d and %d: %v, %v", a, b, two, err)
	}
	if n := env.obs.take(); n["s1"] != 1 || n["s2"] != 1 {
		t.Fatalf("query with keys of both shards routed %v, want one read per shard", n)
	}
	// First is a merged query too; Count over several shards sums the
	// shards' counts (see shard_read_test.go).
	top, err := session.Query[ShsOrder](r).OrderBy("-Amount", "-ID").First(router.AllShards(ctx))
	if want := oracleIDs(`SELECT id FROM shs_orders ORDER BY amount DESC, id DESC LIMIT 1`); err != nil || top.ID != want[0] {
		t.Fatalf("all-shard First: %v, %v; oracle %v", top, err, want)
	}
	if n, err := session.Query[ShsOrder](r).Count(router.AllShards(ctx)); err != nil || n != 90 {
		t.Fatalf("all-shard Count: %d, %v; want 90", n, err)
	}
	// The merged objects are the identity map's.
	one, err := session.Get[ShsOrder](ctx, r, int64(5))
	if err != nil {
		t.Fatal(err)
	}
	all, err := session.Query[ShsOrder](r).OrderBy("ID").All(router.AllShards(ctx))
	if err != nil || len(all) != 90 || all[4] != one {
		t.Fatalf("all-shard query: %d objects, %v; want 90 with the identity map's object for 5", len(all), err)
	}
	// Inside a transaction an all-shard read is refused.
	tx := env.session(t, session.Options{})
	tx.Add(shsOrder(500))
	if _, err := session.Query[ShsOrder](tx).All(router.AllShards(ctx)); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("all-shard read in a transaction: %v, want router.ErrCrossShard", err)
	}
}

// TestShardSessionReadYourWrites writes through sessions with every
// replica of both shards paused, and reads back through new sessions
// carrying the writer's token: no read may be stale.
func TestShardSessionReadYourWrites(t *testing.T) {
	env := newShsEnv(t, "postgres")
	ctx := context.Background()
	testdb.LockReplication(t)
	for _, c := range env.shards {
		for _, rep := range c.Replicas {
			testdb.PauseReplay(t, rep)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	seen := [2]int{}
	used := map[int64]bool{}
	fresh := func() int64 {
		for {
			id := rng.Int64N(1 << 40)
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
	for trial := range 120 {
		w := env.session(t, session.Options{})
		id := fresh()
		ids := []int64{id}
		w.Add(shsOrder(id))
		if trial%2 == 1 { // two rows on one shard: the transaction path
			id2 := fresh()
			for shardOfID(t, id2) != shardOfID(t, id) {
				id2 = fresh()
			}
			w.Add(shsOrder(id2))
			ids = append(ids, id2)
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		seen[shardOfID(t, id)]++
		r := env.session(t, session.Options{Token: w.Token()})
		for _, x := range ids {
			if trial%3 == 0 {
				got, err := session.Query[ShsOrder](r).Filter("ID", x).All(router.WithShardKey(ctx, x))
				if err != nil || len(got) != 1 {
					t.Fatalf("trial %d: query %d on shard %d: %d rows, %v: stale read", trial, x, shardOfID(t, x)+1, len(got), err)
				}
				continue
			}
			if _, err := session.Get[ShsOrder](ctx, r, x); err != nil {
				t.Fatalf("trial %d: Get %d on shard %d: %v: stale read", trial, x, shardOfID(t, x)+1, err)
			}
		}
	}
	if seen[0] == 0 || seen[1] == 0 {
		t.Fatalf("trials per shard %v: both shards must be written", seen)
	}
	// The replicas are indeed behind (asked directly: a tokenless read
	// through the router may go to a primary when a health probe timed
	// out on a loaded machine), so the reads above were not fresh by luck.
	for i, c := range env.shards {
		for _, rep := range c.Replicas {
			n, err := engine.One[int64](ctx, shsOpen(t, env.kind, rep, ""), core.Raw("SELECT COUNT(*) FROM shs_orders").ReadOnly())
			if err != nil {
				t.Fatalf("shard %d replica %s: %v", i+1, rep.Addr(), err)
			}
			if n != 0 {
				t.Fatalf("shard %d replica %s holds %d rows while paused; want none", i+1, rep.Addr(), n)
			}
		}
	}
}
