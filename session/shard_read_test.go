package session_test

// Reads of sharded models over several shards beyond All: Count, Exists,
// Page and Stream, on real servers (shards as in shard_test.go), against
// hand-written SQL on each shard and against one database holding every
// row (the oracle), read through a session of its own.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// ShrUser is unsharded: its table is in the default group.
type ShrUser struct {
	_      struct{} `athanor:",table:shr_users"`
	ID     int64
	Name   string `athanor:",size:32"`
	Orders []*ShrOrder
}

// ShrOrder and ShrItem are sharded in one set; an item is on its order's
// shard (see shrChoose).
type ShrOrder struct {
	_      struct{} `athanor:",table:shr_orders"`
	ID     int64
	UserID int64
	User   *ShrUser
	Amount float64
	Name   string `athanor:",size:32"`
	Items  []*ShrItem
	Notes  []*ShrNote
}

// ShrNote is in another shard set than its order: loads between the two
// are refused.
type ShrNote struct {
	_       struct{} `athanor:",table:shr_notes"`
	ID      int64
	OrderID int64
	Order   *ShrOrder
}

type ShrItem struct {
	_       struct{} `athanor:",table:shr_items"`
	ID      int64
	OrderID int64
	Order   *ShrOrder
	Qty     int64
	SKU     string `athanor:",size:16"`
}

// shrDDL per dialect; text merge keys in byte order.
var shrDDL = map[string][]string{
	"postgres": {
		`CREATE TABLE shr_users (id BIGINT PRIMARY KEY, name VARCHAR(32) NOT NULL)`,
		`CREATE TABLE shr_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) COLLATE "C" NOT NULL)`,
		`CREATE TABLE shr_items (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, qty BIGINT NOT NULL, sku VARCHAR(16) COLLATE "C" NOT NULL)`,
		`CREATE TABLE shr_notes (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL)`,
	},
	"mariadb": {
		`CREATE TABLE shr_users (id BIGINT PRIMARY KEY, name VARCHAR(32) NOT NULL)`,
		`CREATE TABLE shr_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) COLLATE utf8mb4_bin NOT NULL)`,
		`CREATE TABLE shr_items (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, qty BIGINT NOT NULL, sku VARCHAR(16) COLLATE utf8mb4_bin NOT NULL)`,
		`CREATE TABLE shr_notes (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL)`,
	},
	"sqlite": {
		`CREATE TABLE shr_users (id BIGINT PRIMARY KEY, name VARCHAR(32) NOT NULL)`,
		`CREATE TABLE shr_orders (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, amount DOUBLE PRECISION NOT NULL, name VARCHAR(32) NOT NULL)`,
		`CREATE TABLE shr_items (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL, qty BIGINT NOT NULL, sku VARCHAR(16) NOT NULL)`,
		`CREATE TABLE shr_notes (id BIGINT PRIMARY KEY, order_id BIGINT NOT NULL)`,
	},
}

// shrChoose puts a key on shard key%2: an item's key (its order's plus a
// multiple of 10000) has its order's parity, so items are co-located
// with their order.
func shrChoose(key any) (int, error) {
	switch k := key.(type) {
	case int64:
		return int(k % 2), nil
	case int:
		return k % 2, nil
	}
	return 0, fmt.Errorf("shr: key of type %T", key)
}

type shrEnv struct {
	r      *router.Router
	reg    *mapper.Registry
	obs    *shsObserver
	main   *engine.DB    // the default group's primary
	direct [2]*engine.DB // each shard's primary
	oracle *engine.DB    // every row of every table
	cls    []testdb.Cluster
	kind   string
}

const (
	shrOrders = 61
	shrUsers  = 7
)

// newShrEnv builds the default group, two shards and the oracle, and
// seeds them: users 1..7 in the default group, orders 1..61 and their
// items on their shards.
func newShrEnv(t *testing.T, kind string) shrEnv {
	t.Helper()
	if kind == "postgres" {
		testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	}
	ctx := context.Background()
	env := shrEnv{obs: &shsObserver{n: map[string]int{}}, kind: kind}
	cfg := router.Config{CausalWait: 2 * time.Millisecond, MaxLag: -1, Observer: env.obs}
	names := []string{router.DefaultGroup, "s1", "s2"}
	for i, name := range names {
		c := shsCluster(t, kind, max(0, i-1))
		env.cls = append(env.cls, c)
		file := ""
		if kind == "sqlite" {
			file = testdb.SQLite(t)
		}
		primary := shsOpen(t, kind, c.Primary, file)
		ddl := shrDDL[kind][1:]
		if i == 0 {
			env.main = primary
			ddl = shrDDL[kind][:1]
		} else {
			env.direct[i-1] = primary
		}
		for _, q := range ddl {
			if _, err := primary.Exec(ctx, core.Raw(q)); err != nil {
				t.Fatal(err)
			}
		}
		gc := router.GroupConfig{Name: name, Primary: shsOpen(t, kind, c.Primary, file)}
		for _, rep := range c.Replicas {
			gc.Replicas = append(gc.Replicas, shsOpen(t, kind, rep, ""))
			gc.ReplicaNames = append(gc.ReplicaNames, rep.Addr())
		}
		cfg.Groups = append(cfg.Groups, gc)
	}
	cfg.Shards = []router.ShardConfig{
		{Name: "shop", Groups: []string{"s1", "s2"}, Choose: shrChoose, Tables: []string{"shr_orders", "shr_items"}},
		{Name: "notes", Groups: []string{"s2", "s1"}, Tables: []string{"shr_notes"}},
	}
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	env.r = r
	env.reg = mapper.NewRegistry()
	for _, reg := range []func(*mapper.Registry) error{
		func(r *mapper.Registry) error { _, err := mapper.RegisterIn[ShrUser](r); return err },
		func(r *mapper.Registry) error { _, err := mapper.RegisterIn[ShrOrder](r); return err },
		func(r *mapper.Registry) error { _, err := mapper.RegisterIn[ShrItem](r); return err },
		func(r *mapper.Registry) error { _, err := mapper.RegisterIn[ShrNote](r); return err },
	} {
		if err := reg(env.reg); err != nil {
			t.Fatal(err)
		}
	}
	file := ""
	if kind == "sqlite" {
		file = testdb.SQLite(t)
	}
	env.oracle = shsOpen(t, kind, shsCluster(t, kind, 0).Primary, file)
	for _, q := range shrDDL[kind] {
		if _, err := env.oracle.Exec(ctx, core.Raw(q)); err != nil {
			t.Fatal(err)
		}
	}
	env.seed(t)
	env.caughtUp(t)
	env.obs.take()
	return env
}

// shrItemsOf are the item keys of order o: o%4 of them.
func shrItemsOf(o int64) []int64 {
	var ids []int64
	for n := int64(1); n <= o%4; n++ {
		ids = append(ids, o+10000*n)
	}
	return ids
}

func shrOrder(id int64) *ShrOrder {
	return &ShrOrder{ID: id, UserID: 1 + id%shrUsers, Amount: float64(id%9) * 2.5, Name: fmt.Sprintf("n%02d", id%13)}
}

func (env shrEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s := env.session(t, session.Options{MultiGroup: true})
	ins := func(q string, args ...any) {
		if _, err := env.oracle.Exec(ctx, core.Raw(q, args...)); err != nil {
			t.Fatal(err)
		}
	}
	for id := int64(1); id <= shrUsers; id++ {
		s.Add(&ShrUser{ID: id, Name: fmt.Sprint("u", id)})
		ins(`INSERT INTO shr_users VALUES (?, ?)`, id, fmt.Sprint("u", id))
	}
	for id := int64(1); id <= shrOrders; id++ {
		o := shrOrder(id)
		s.Add(o)
		ins(`INSERT INTO shr_orders VALUES (?, ?, ?, ?)`, o.ID, o.UserID, o.Amount, o.Name)
		for _, iid := range shrItemsOf(id) {
			it := &ShrItem{ID: iid, OrderID: id, Qty: iid % 5, SKU: fmt.Sprint("k", iid%11)}
			s.Add(it)
			ins(`INSERT INTO shr_items VALUES (?, ?, ?, ?)`, it.ID, it.OrderID, it.Qty, it.SKU)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func (env shrEnv) caughtUp(t *testing.T) {
	t.Helper()
	for _, c := range env.cls {
		if len(c.Replicas) > 0 {
			testdb.CaughtUp(t, c)
		}
	}
}

func (env shrEnv) session(t *testing.T, opts session.Options) *session.Session {
	opts.Registry = env.reg
	s := session.New(env.r, opts)
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// oracleSession reads the oracle database.
func (env shrEnv) oracleSession(t *testing.T) *session.Session {
	s := session.New(env.oracle, session.Options{Registry: env.reg})
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// ints runs q on db and returns its first column.
func ints(t *testing.T, db *engine.DB, q string, args ...any) []int64 {
	t.Helper()
	var out []int64
	err := db.QueryFunc(context.Background(), core.Raw(q, args...), func(rows *engine.Rows) error {
		for rows.Next() {
			var n int64
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func orderIDs(os []*ShrOrder) []int64 {
	ids := make([]int64, len(os))
	for i, o := range os {
		ids[i] = o.ID
	}
	return ids
}

func TestShardReadCountExists(t *testing.T) {
	eachShardServer(t, testShardReadCountExists)
}

func testShardReadCountExists(t *testing.T, kind string) {
	env := newShrEnv(t, kind)
	ctx := context.Background()
	s := env.session(t, session.Options{})
	all := router.AllShards(ctx)
	type qf = func(*session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder]
	cases := []struct {
		name  string
		q     qf
		where string // the oracle's, per shard and on the oracle
		off   int64
		lim   int64 // -1: none
	}{
		{"all", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q }, "1=1", 0, -1},
		{"user 3", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.Filter("UserID", int64(3)) }, "user_id = 3", 0, -1},
		{"none", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.Filter("UserID", int64(99)) }, "user_id = 99", 0, -1},
		{"amount > 10, limit 5", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] {
			return q.Where(core.Gt(q.C("Amount"), 10.0)).Limit(5)
		}, "amount > 10", 0, 5},
		{"offset 50", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.Offset(50) }, "1=1", 50, -1},
		{"offset 58 limit 10", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.Offset(58).Limit(10) }, "1=1", 58, 10},
		{"offset past the end", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.Offset(100) }, "1=1", 100, -1},
	}
	for _, c := range cases {
		// The oracle: each shard's count by hand, summed and cut.
		var sum int64
		for i := range 2 {
			sum += ints(t, env.direct[i], `SELECT COUNT(*) FROM shr_orders WHERE `+c.where)[0]
		}
		want := max(0, sum-c.off)
		if c.lim >= 0 {
			want = min(want, c.lim)
		}
		oq := c.q(session.Query[ShrOrder](env.oracleSession(t)))
		if n, err := oq.Count(ctx); err != nil || n != want {
			t.Fatalf("%s: the oracle session counts %d, %v; the shards by hand %d", c.name, n, err, want)
		}
		env.obs.take()
		n, err := c.q(session.Query[ShrOrder](s)).Count(all)
		if err != nil || n != want {
			t.Fatalf("%s: Count over both shards = %d, %v; want %d", c.name, n, err, want)
		}
		if r := env.obs.take(); r["s1"] != 1 || r["s2"] != 1 || len(r) != 2 {
			t.Fatalf("%s: Count routed %v, want one read per shard", c.name, r)
		}
		ok, err := c.q(session.Query[ShrOrder](s)).Exists(all)
		if err != nil || ok != (want > 0) {
			t.Fatalf("%s: Exists over both shards = %v, %v; want %v", c.name, ok, err, want > 0)
		}
	}
	// A row on one shard only: Exists finds it whichever shard it is on.
	for _, id := range []int64{4, 5} {
		ok, err := session.Query[ShrOrder](s).Filter("ID", id).Exists(all)
		if err != nil || !ok {
			t.Fatalf("Exists of order %d (shard %d): %v, %v", id, id%2+1, ok, err)
		}
	}
	// Keys of both shards name both; a key of one shard reads it alone.
	if n, err := session.Query[ShrOrder](s).Count(router.WithShardKey(ctx, int64(2), int64(3))); err != nil || n != shrOrders {
		t.Fatalf("Count with keys of both shards: %d, %v", n, err)
	}
	env.obs.take()
	n, err := session.Query[ShrOrder](s).Count(router.WithShardKey(ctx, int64(2)))
	if want := ints(t, env.direct[0], `SELECT COUNT(*) FROM shr_orders`)[0]; err != nil || n != want {
		t.Fatalf("Count on shard 1: %d, %v; want %d", n, err, want)
	}
	if r := env.obs.take(); r["s1"] != 1 || len(r) != 1 {
		t.Fatalf("Count with one shard's key routed %v", r)
	}
	// In a transaction a read of several shards is refused.
	tx := env.session(t, session.Options{})
	tx.Add(shrOrder(1000))
	if _, err := session.Query[ShrOrder](tx).Count(all); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("Count over shards in a transaction: %v, want router.ErrCrossShard", err)
	}
	if _, err := session.Query[ShrOrder](tx).Exists(all); !errors.Is(err, router.ErrCrossShard) {
		t.Fatalf("Exists over shards in a transaction: %v, want router.ErrCrossShard", err)
	}
}

func TestShardReadPage(t *testing.T) {
	eachShardServer(t, testShardReadPage)
}

func testShardReadPage(t *testing.T, kind string) {
	env := newShrEnv(t, kind)
	ctx := context.Background()
	all := router.AllShards(ctx)
	type qf = func(*session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder]
	cases := []struct {
		name   string
		q      qf
		size   int
		oracle string
	}{
		{"amount desc", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.OrderBy("-Amount") }, 7,
			`SELECT id FROM shr_orders ORDER BY amount DESC, id`},
		{"name, id desc", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.OrderBy("Name", "-ID") }, 6,
			`SELECT id FROM shr_orders ORDER BY name, id DESC`},
		{"by key", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q }, 10,
			`SELECT id FROM shr_orders ORDER BY id`},
		{"filtered", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] {
			return q.Where(core.Ge(q.C("Amount"), 5.0)).OrderBy("UserID", "-Amount")
		}, 4, `SELECT id FROM shr_orders WHERE amount >= 5 ORDER BY user_id, amount DESC, id`},
	}
	for _, c := range cases {
		s := env.session(t, session.Options{})
		o := env.oracleSession(t)
		sq, oq := c.q(session.Query[ShrOrder](s)), c.q(session.Query[ShrOrder](o))
		// Forward from the first page to the last, then back.
		var req session.PageRequest
		req.Size = c.size
		var seen []int64
		var last *session.PageOf[ShrOrder]
		for n := 0; ; n++ {
			if n > 40 {
				t.Fatalf("%s: no last page", c.name)
			}
			got, err := sq.Page(all, req)
			if err != nil {
				t.Fatalf("%s: page %d: %v", c.name, n, err)
			}
			want, err := oq.Page(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			comparePages(t, fmt.Sprintf("%s: forward page %d", c.name, n), got, want)
			seen = append(seen, orderIDs(got.Items)...)
			last = got
			if !got.HasNext {
				break
			}
			req = session.PageRequest{Size: c.size, After: got.Next}
		}
		if want := ints(t, env.oracle, c.oracle); !slices.Equal(seen, want) {
			t.Fatalf("%s: the pages hold %v; the oracle's order %v", c.name, seen, want)
		}
		var back []int64
		lastFwd := orderIDs(last.Items)
		for n := 0; last.HasPrev; n++ {
			req = session.PageRequest{Size: c.size, Before: last.Prev}
			got, err := sq.Page(all, req)
			if err != nil {
				t.Fatalf("%s: back page %d: %v", c.name, n, err)
			}
			want, err := oq.Page(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			comparePages(t, fmt.Sprintf("%s: back page %d", c.name, n), got, want)
			back = append(orderIDs(got.Items), back...)
			last = got
		}
		if want := seen[:len(seen)-len(lastFwd)]; !slices.Equal(back, want) {
			t.Fatalf("%s: walking back read %v, want %v", c.name, back, want)
		}
	}
}

// comparePages fails unless got and want hold the same objects and the
// same cursors (a cursor encodes the ordering values of an object).
func comparePages(t *testing.T, what string, got, want *session.PageOf[ShrOrder]) {
	t.Helper()
	if !slices.Equal(orderIDs(got.Items), orderIDs(want.Items)) || got.HasNext != want.HasNext || got.HasPrev != want.HasPrev ||
		got.Next != want.Next || got.Prev != want.Prev {
		t.Fatalf("%s: shards %v next %v prev %v; oracle %v next %v prev %v", what,
			orderIDs(got.Items), got.HasNext, got.HasPrev, orderIDs(want.Items), want.HasNext, want.HasPrev)
	}
}

func TestShardReadStream(t *testing.T) {
	eachShardServer(t, testShardReadStream)
}

func testShardReadStream(t *testing.T, kind string) {
	env := newShrEnv(t, kind)
	ctx := context.Background()
	all := router.AllShards(ctx)
	type qf = func(*session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder]
	cases := []struct {
		name   string
		q      qf
		oracle string
	}{
		{"amount desc, id", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.OrderBy("-Amount", "ID") },
			`SELECT id FROM shr_orders ORDER BY amount DESC, id`},
		{"name, id desc", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] { return q.OrderBy("Name", "-ID") },
			`SELECT id FROM shr_orders ORDER BY name, id DESC`},
		{"filtered, limit, offset", func(q *session.QueryOf[ShrOrder]) *session.QueryOf[ShrOrder] {
			return q.Where(core.Lt(q.C("UserID"), int64(6))).OrderBy("Amount").Limit(23).Offset(4)
		}, `SELECT id FROM shr_orders WHERE user_id < 6 ORDER BY amount, id LIMIT 23 OFFSET 4`},
	}
	const batch = 5
	for _, c := range cases {
		s := env.session(t, session.Options{})
		want := ints(t, env.oracle, c.oracle)
		env.obs.take()
		var got []int64
		var yielded []*ShrOrder
		for o, err := range c.q(session.Query[ShrOrder](s)).Stream(all, batch) {
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if w := shrOrder(o.ID); o.UserID != w.UserID || o.Amount != w.Amount || o.Name != w.Name {
				t.Fatalf("%s: streamed %+v", c.name, *o)
			}
			// Batches the loop moved past have left the session: the
			// stream does not hold the result.
			if n := len(yielded); n > 2*batch {
				if st := s.StateOf(yielded[n-2*batch]); st != session.Detached {
					t.Fatalf("%s: object %d of an earlier batch is %v, want detached", c.name, yielded[n-2*batch].ID, st)
				}
			}
			yielded = append(yielded, o)
			got = append(got, o.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: streamed %v, oracle %v", c.name, got, want)
		}
		// One merged read of both shards per batch (and one that finds
		// the end), never one read of the whole result.
		pages := len(want)/batch + 1
		if r := env.obs.take(); r["s1"] != pages || r["s2"] != pages {
			t.Fatalf("%s: %d rows in batches of %d routed %v, want %d reads per shard", c.name, len(want), batch, r, pages)
		}
	}
	// Inside a transaction it is refused.
	tx := env.session(t, session.Options{})
	tx.Add(shrOrder(1000))
	if err := tx.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, err := range session.Query[ShrOrder](tx).OrderBy("ID").Stream(all, 3) {
		if !errors.Is(err, router.ErrCrossShard) {
			t.Fatalf("stream over shards in a transaction: %v, want router.ErrCrossShard", err)
		}
		break
	}
}
