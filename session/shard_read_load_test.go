package session_test

// Relationship loads from and to sharded models over several shards, and
// read-your-writes of every sharded read with both shards' replicas
// paused (see shard_read_test.go for the servers and the data).

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

func TestShardReadRelations(t *testing.T) {
	eachShardServer(t, testShardReadRelations)
}

func testShardReadRelations(t *testing.T, kind string) {
	env := newShrEnv(t, kind)
	ctx := context.Background()
	all := router.AllShards(ctx)
	// checkItems compares each order's items with its shard's rows, by
	// hand, and checks their back-reference.
	checkItems := func(what string, os []*ShrOrder) {
		t.Helper()
		for _, o := range os {
			want := ints(t, env.direct[o.ID%2], `SELECT id FROM shr_items WHERE order_id = ? ORDER BY id`, o.ID)
			var got []int64
			for _, it := range o.Items {
				got = append(got, it.ID)
				if it.Order != o {
					t.Fatalf("%s: item %d of order %d: back-reference %p, want %p", what, it.ID, o.ID, it.Order, o)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: order %d has items %v, its shard %v", what, o.ID, got, want)
			}
		}
	}
	checkUsers := func(what string, os []*ShrOrder) {
		t.Helper()
		seen := map[int64]*ShrUser{}
		for _, o := range os {
			if o.User == nil || o.User.ID != o.UserID || o.User.Name != "u"+strconv.FormatInt(o.UserID, 10) {
				t.Fatalf("%s: order %d (user %d) has user %+v", what, o.ID, o.UserID, o.User)
			}
			if u := seen[o.UserID]; u != nil && u != o.User {
				t.Fatalf("%s: two objects for user %d", what, o.UserID)
			}
			seen[o.UserID] = o.User
		}
	}
	routed := func(what string, want map[string]int) {
		t.Helper()
		if got := env.obs.take(); !mapsEqual(got, want) {
			t.Fatalf("%s: routed %v, want %v", what, got, want)
		}
	}

	// SelectIn and Joined of a co-located child, over both shards, with
	// the query's ORDER BY, LIMIT and OFFSET across them.
	for _, c := range []struct {
		name string
		opt  loader.Option
	}{{"SelectIn", loader.SelectIn("Items")}, {"Joined", loader.Joined("Items")}} {
		s := env.session(t, session.Options{})
		env.obs.take()
		os, err := session.Query[ShrOrder](s).Options(c.opt).OrderBy("-Amount", "ID").Limit(20).Offset(3).All(all)
		if err != nil {
			t.Fatalf("%s Items: %v", c.name, err)
		}
		if want := ints(t, env.oracle, `SELECT id FROM shr_orders ORDER BY amount DESC, id LIMIT 20 OFFSET 3`); !slices.Equal(orderIDs(os), want) {
			t.Fatalf("%s Items: orders %v, oracle %v", c.name, orderIDs(os), want)
		}
		checkItems(c.name+" Items", os)
		routed(c.name+" Items", map[string]int{"s1": 2, "s2": 2}) // the orders, then each shard's items
	}

	// Sharded to unsharded: one statement in the default group.
	for _, c := range []struct {
		name string
		opt  loader.Option
	}{{"SelectIn", loader.SelectIn("User")}, {"Joined", loader.Joined("User")}} {
		s := env.session(t, session.Options{})
		env.obs.take()
		os, err := session.Query[ShrOrder](s).Options(c.opt, loader.SelectIn("Items")).OrderBy("ID").All(all)
		if err != nil {
			t.Fatalf("%s User: %v", c.name, err)
		}
		if len(os) != shrOrders {
			t.Fatalf("%s User: %d orders", c.name, len(os))
		}
		checkUsers(c.name+" User", os)
		checkItems(c.name+" User", os)
		routed(c.name+" User", map[string]int{"s1": 2, "s2": 2, router.DefaultGroup: 1})
	}

	// Unsharded to sharded: the orders of each user from every shard,
	// and their items under them.
	s := env.session(t, session.Options{})
	env.obs.take()
	users, err := session.Query[ShrUser](s).Options(loader.SelectIn("Orders", loader.SelectIn("Items"))).OrderBy("ID").All(ctx)
	if err != nil || len(users) != shrUsers {
		t.Fatalf("users with orders: %d, %v", len(users), err)
	}
	routed("users with orders", map[string]int{router.DefaultGroup: 1, "s1": 2, "s2": 2})
	checkUserOrders := func(what string, users []*ShrUser) {
		t.Helper()
		for _, u := range users {
			got := orderIDs(u.Orders)
			slices.Sort(got) // rows of several shards come shard by shard
			if want := ints(t, env.oracle, `SELECT id FROM shr_orders WHERE user_id = ? ORDER BY id`, u.ID); !slices.Equal(got, want) {
				t.Fatalf("%s: user %d has orders %v, oracle %v", what, u.ID, got, want)
			}
			for _, o := range u.Orders {
				if o.User != u {
					t.Fatalf("%s: order %d: back-reference %p, want %p", what, o.ID, o.User, u)
				}
			}
			checkItems(what, u.Orders)
		}
	}
	checkUserOrders("users with orders", users)
	// A join from the unsharded model into the shards is refused, naming
	// the relationship.
	if _, err := session.Query[ShrUser](s).Options(loader.Joined("Orders")).All(ctx); !errors.Is(err, router.ErrCrossGroup) || !strings.Contains(err.Error(), "ShrUser.Orders") {
		t.Fatalf("Joined from an unsharded model into a shard set: %v, want router.ErrCrossGroup naming ShrUser.Orders", err)
	}

	// Loads from a sharded model into another shard set are refused,
	// naming the relationship.
	if _, err := session.Query[ShrOrder](s).Options(loader.SelectIn("Notes")).All(all); !errors.Is(err, router.ErrCrossShard) || !strings.Contains(err.Error(), "ShrOrder.Notes") {
		t.Fatalf("SelectIn into another shard set: %v, want router.ErrCrossShard naming ShrOrder.Notes", err)
	}
	if os, err := session.Query[ShrOrder](s).Limit(3).All(all); err != nil {
		t.Fatal(err)
	} else if err := s.Load(ctx, os[0], "Notes"); !errors.Is(err, router.ErrCrossShard) || !strings.Contains(err.Error(), "ShrOrder.Notes") {
		t.Fatalf("Load into another shard set: %v, want router.ErrCrossShard naming ShrOrder.Notes", err)
	}

	// Lazy loads: of sharded owners, one statement per shard (each
	// shard's owners' items) and one in the default group; of unsharded
	// owners, every shard.
	s = env.session(t, session.Options{})
	os, err := session.Query[ShrOrder](s).OrderBy("ID").All(all)
	if err != nil {
		t.Fatal(err)
	}
	env.obs.take()
	if err := s.Load(ctx, os[0], "Items"); err != nil {
		t.Fatal(err)
	}
	routed("Load Items", map[string]int{"s1": 1, "s2": 1})
	checkItems("Load Items", os)
	if err := s.Load(ctx, os[5], "User"); err != nil {
		t.Fatal(err)
	}
	routed("Load User", map[string]int{router.DefaultGroup: 1})
	checkUsers("Load User", os)
	users, err = session.Query[ShrUser](s).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(ctx, users[0], "Orders"); err != nil {
		t.Fatal(err)
	}
	checkUserOrders("Load Orders", users)
	// Sharded owners of one shard: only that shard is read.
	one := env.session(t, session.Options{})
	four, err := session.Get[ShrOrder](ctx, one, int64(4))
	if err != nil {
		t.Fatal(err)
	}
	env.obs.take()
	if err := one.Load(ctx, four, "Items"); err != nil {
		t.Fatal(err)
	}
	routed("Load Items of one shard's order", map[string]int{"s1": 1})
	checkItems("Load Items of one shard's order", []*ShrOrder{four})

	// A query naming one shard's key reads that shard only, joins
	// included; a join to the default group's table is loaded after.
	key := router.WithShardKey(ctx, int64(4))
	for _, c := range []struct {
		name string
		opts []loader.Option
		want map[string]int
	}{
		{"SelectIn", []loader.Option{loader.SelectIn("Items")}, map[string]int{"s1": 2}},
		{"Joined", []loader.Option{loader.Joined("Items")}, map[string]int{"s1": 1}},
		{"Joined User", []loader.Option{loader.Joined("User"), loader.Joined("Items")}, map[string]int{"s1": 2, router.DefaultGroup: 1}},
	} {
		s := env.session(t, session.Options{})
		env.obs.take()
		q := session.Query[ShrOrder](s).Options(c.opts...)
		os, err := q.Where(core.Lt(q.C("ID"), int64(30))).OrderBy("ID").All(key)
		if err != nil {
			t.Fatalf("%s on one shard: %v", c.name, err)
		}
		if want := ints(t, env.direct[0], `SELECT id FROM shr_orders WHERE id < 30 ORDER BY id`); !slices.Equal(orderIDs(os), want) {
			t.Fatalf("%s on one shard: %v, shard 1 holds %v", c.name, orderIDs(os), want)
		}
		checkItems(c.name+" on one shard", os)
		routed(c.name+" on one shard", c.want)
	}

	// A stream and a page over both shards load their relationships too.
	s = env.session(t, session.Options{})
	var streamed []*ShrOrder
	for o, err := range session.Query[ShrOrder](s).Options(loader.SelectIn("Items"), loader.SelectIn("User")).OrderBy("Name", "ID").Stream(all, 8, session.KeepObjects) {
		if err != nil {
			t.Fatal(err)
		}
		streamed = append(streamed, o)
	}
	if want := ints(t, env.oracle, `SELECT id FROM shr_orders ORDER BY name, id`); !slices.Equal(orderIDs(streamed), want) {
		t.Fatalf("stream with loads: %v, oracle %v", orderIDs(streamed), want)
	}
	checkItems("stream", streamed)
	checkUsers("stream", streamed)
	s = env.session(t, session.Options{})
	page, err := session.Query[ShrOrder](s).Options(loader.Joined("Items")).OrderBy("-Amount").Page(all, session.PageRequest{Size: 9})
	if err != nil {
		t.Fatal(err)
	}
	if want := ints(t, env.oracle, `SELECT id FROM shr_orders ORDER BY amount DESC, id LIMIT 9`); !slices.Equal(orderIDs(page.Items), want) {
		t.Fatalf("page with loads: %v, oracle %v", orderIDs(page.Items), want)
	}
	checkItems("page", page.Items)
}

// TestShardReadYourWrites writes orders on both shards with every
// replica paused and reads them back through every kind of read over
// several shards, in sessions carrying the writer's token.
func TestShardReadYourWrites(t *testing.T) {
	env := newShrEnv(t, "postgres")
	ctx := context.Background()
	all := router.AllShards(ctx)
	testdb.LockReplication(t)
	for _, c := range env.cls[1:] { // the default group's replica is shard 1's server
		for _, rep := range c.Replicas {
			testdb.PauseReplay(t, rep)
		}
	}
	const trials = 40
	for trial := range int64(trials) {
		w := env.session(t, session.Options{MultiGroup: true})
		a := 1000 + 2*trial // shard 1
		b := a + 1          // shard 2
		for _, id := range []int64{a, b} {
			w.Add(shrOrder(id))
			w.Add(&ShrItem{ID: id + 10000, OrderID: id, Qty: 1, SKU: "new"})
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		r := env.session(t, session.Options{Token: w.Token()})
		stale := func(what string, err error) {
			t.Helper()
			t.Fatalf("trial %d: %s: stale read (%v)", trial, what, err)
		}
		if n, err := session.Query[ShrOrder](r).Count(all); err != nil || n != shrOrders+2*(trial+1) {
			stale("Count", err)
		}
		if ok, err := session.Query[ShrOrder](r).Filter("ID", b).Exists(all); err != nil || !ok {
			stale("Exists", err)
		}
		page, err := session.Query[ShrOrder](r).OrderBy("-ID").Page(all, session.PageRequest{Size: 2})
		if err != nil || !slices.Equal(orderIDs(page.Items), []int64{b, a}) {
			stale("Page", err)
		}
		var top []int64
		for o, err := range session.Query[ShrOrder](r).OrderBy("-ID").Stream(all, 1) {
			if err != nil {
				stale("Stream", err)
			}
			if top = append(top, o.ID); len(top) == 2 {
				break
			}
		}
		if !slices.Equal(top, []int64{b, a}) {
			stale("Stream", nil)
		}
		q := session.Query[ShrOrder](r)
		os, err := q.Where(core.In(q.C("ID"), a, b)).Options(loader.SelectIn("Items")).OrderBy("ID").All(all)
		if err != nil || len(os) != 2 || len(os[0].Items) != 1 || len(os[1].Items) != 1 {
			stale("SelectIn", err)
		}
		lazy := env.session(t, session.Options{Token: w.Token()})
		oa, err := session.Get[ShrOrder](ctx, lazy, a)
		if err != nil {
			stale("Get", err)
		}
		ob, err := session.Get[ShrOrder](ctx, lazy, b)
		if err != nil {
			stale("Get", err)
		}
		if err := lazy.Load(ctx, oa, "Items"); err != nil || len(oa.Items) != 1 || len(ob.Items) != 1 {
			stale("Load", err)
		}
	}
	// Without the token the paused replicas answer: they are behind. A
	// replica whose health probe timed out on the loaded machine is out
	// of service until its next probe succeeds, and its shard is read on
	// the primary meanwhile (router doc): wait for it to come back rather
	// than read that as a failure.
	r := env.session(t, session.Options{})
	for deadline := time.Now().Add(10 * time.Second); ; {
		n, err := session.Query[ShrOrder](r).Count(all)
		if err == nil && n == shrOrders {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tokenless Count over paused replicas: %d, %v; want the stale %d", n, err, shrOrders)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
