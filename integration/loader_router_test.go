package integration_test

// Loader over a router (issue 7): relationship loads are reads, so they
// go to replicas, batches included, and honour causal tokens.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

func TestLoaderThroughRouterReadsReplicasAndHonoursTokens(t *testing.T) {
	families := []struct {
		name string
		c    func(t testing.TB) testdb.Cluster
	}{{"postgres", testdb.PG}, {"mariadb", testdb.MySQL}}
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			c := f.c(t)
			if len(c.Replicas) == 0 {
				t.Skip("no replicas")
			}
			cfg, err := engine.ParseConfig(c.Primary.URL())
			if err != nil {
				t.Fatal(err)
			}
			hooks := &ldHooks{}
			cfg.Hook = hooks
			primary, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { primary.Close() })
			reg := mapper.NewRegistry()
			if _, err := mapper.RegisterIn[ldAuthor](reg); err != nil {
				t.Fatal(err)
			}
			createORMSchema(t, primary, reg)
			e := ldEnv{name: f.name, db: primary, reg: reg, hooks: hooks}
			e.seed(t, 10)
			var replicas []*engine.DB
			for _, r := range c.Replicas {
				db, err := engine.Open(ctx, r.URL())
				if err != nil {
					t.Fatal(err)
				}
				replicas = append(replicas, db)
			}
			var mu sync.Mutex
			roles := map[router.Role]int{}
			rt, err := router.New(router.Config{
				Groups:     []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
				CausalWait: 50 * time.Millisecond,
				Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
					mu.Lock()
					roles[d.Role]++
					mu.Unlock()
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close() })
			testdb.CaughtUp(t, c)

			// Caught-up replicas serve the root query and the siblings' batch.
			s := session.New(session.Router(rt), session.Options{Registry: reg})
			authors, err := session.Query[ldAuthor](s).
				Options(loader.SelectIn("Books", loader.SelectIn("Tags")), loader.SelectIn("Awards")).All(ctx)
			if err != nil || len(authors) != 10 || len(authors[3].Books) != 10 || len(authors[3].Awards) != 2 || len(authors[3].Books[0].Tags) != 3 {
				t.Fatalf("load through router: %d authors, %v", len(authors), err)
			}
			mu.Lock()
			if roles[router.RolePrimary] != 0 || roles[router.RoleReplica] != 3 {
				t.Fatalf("routing: %v, want 3 reads on replicas (root, batch of siblings, tags)", roles)
			}
			mu.Unlock()

			// With replay paused, a new session carrying the commit's token
			// still sees the new rows, for the roots and every load.
			testdb.LockReplication(t)
			for _, r := range c.Replicas {
				testdb.PauseReplay(t, r)
			}
			a := &ldAuthor{ID: 1000, Name: "fresh", Books: []*ldBook{{ID: 1000, Title: "new"}, {ID: 1001, Title: "newer"}},
				Awards: []*ldAward{{ID: 1000, Name: "prize"}}}
			if err := s.Add(a); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("commit: %v", err)
			}
			tok := s.Token()
			if tok.IsZero() {
				t.Fatal("no causal token after the commit")
			}
			s2 := session.New(session.Router(rt), session.Options{Registry: reg})
			got, err := session.Query[ldAuthor](s2).Filter("Name", "fresh").
				Options(loader.SelectIn("Books"), loader.SelectIn("Awards")).All(router.WithToken(ctx, tok))
			if err != nil || len(got) != 1 || len(got[0].Books) != 2 || len(got[0].Awards) != 1 {
				t.Fatalf("read your writes: %v %v", got, err)
			}
		})
	}
}
