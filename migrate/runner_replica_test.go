package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/migrate"
	"github.com/athanor-orm/athanor/router"
)

func replicaFiles() fstest.MapFS {
	return fstest.MapFS{
		"1_mig_rep.up.sql":  {Data: []byte("CREATE TABLE mig_rep (id INT);\nINSERT INTO mig_rep (id) VALUES (1), (2), (3);")},
		"2_mig_rep2.up.sql": {Data: []byte("CREATE TABLE mig_rep2 (id INT);")},
	}
}

type cluster struct {
	name     string
	replicas int
	get      func(t *testing.T) testdb.Cluster
}

var clusters = []cluster{
	{"postgres", 2, func(t *testing.T) testdb.Cluster {
		testdb.RequireReplicas(t, testdb.KindPostgres, 2)
		return testdb.PG(t)
	}},
	{"mariadb", 1, func(t *testing.T) testdb.Cluster {
		testdb.RequireReplicas(t, testdb.KindMySQL, 1)
		return testdb.MySQL(t)
	}},
}

// noLeaks checks, after the test's other cleanups (the router's Close),
// that it left no goroutine behind.
func noLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func newRouter(t *testing.T, primary string, replicas []string) *router.Router {
	t.Helper()
	ctx := context.Background()
	p, err := engine.Open(ctx, primary)
	if err != nil {
		t.Fatal(err)
	}
	gc := router.GroupConfig{Name: router.DefaultGroup, Primary: p}
	for i, dsn := range replicas {
		r, err := engine.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		gc.Replicas = append(gc.Replicas, r)
		gc.ReplicaNames = append(gc.ReplicaNames, fmt.Sprintf("replica-%d", i+1))
	}
	rt, err := router.New(router.Config{Groups: []router.GroupConfig{gc}, HealthInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// TestUpWaitsForReplicas: Up through a router returns once every replica
// has the migrations, so each replica answers for the new table at once.
func TestUpWaitsForReplicas(t *testing.T) {
	for _, c := range clusters {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			ctx := context.Background()
			cl := c.get(t)
			var urls []string
			for _, r := range cl.Replicas[:c.replicas] {
				urls = append(urls, r.URL())
			}
			rt := newRouter(t, cl.Primary.URL(), urls)
			m := newMigrator(t, rt, migrate.Config{FS: replicaFiles(), Table: "mig_vt_rep", ReplicaTimeout: 30 * time.Second})
			res, err := m.Up(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Steps) != 2 || len(res.Replicas) != c.replicas {
				t.Fatalf("result %+v", res)
			}
			for i, u := range urls {
				if n := count(t, open(t, u), "mig_rep"); n != 3 {
					t.Fatalf("replica %d has %d rows of mig_rep right after Up, want 3", i+1, n)
				}
			}
			if !strings.Contains(res.String(), "replica replica-1 replayed") {
				t.Fatalf("report %q", res.String())
			}
		})
	}
}

// TestReplicaTimeout: a replica whose connection is frozen cannot report
// its position; Up applies the migrations, then fails naming it.
func TestReplicaTimeout(t *testing.T) {
	for _, c := range clusters {
		t.Run(c.name, func(t *testing.T) {
			noLeaks(t)
			ctx := context.Background()
			cl := c.get(t)
			proxy := faultproxy.Start(t, cl.Replicas[0].Addr())
			rt := newRouter(t, cl.Primary.URL(), []string{proxy.Endpoint(cl.Replicas[0]).URL()})
			proxy.Freeze()
			t.Cleanup(proxy.Thaw)
			m := newMigrator(t, rt, migrate.Config{FS: replicaFiles(), Table: "mig_vt_rep_to", ReplicaTimeout: 500 * time.Millisecond})
			res, err := m.Up(ctx)
			var re *migrate.ReplicaError
			if !errors.Is(err, migrate.ErrReplicaTimeout) || !errors.As(err, &re) || re.Node != "replica-1" || !strings.Contains(err.Error(), "replica-1") {
				t.Fatalf("Up = %v, want a ReplicaError naming replica-1", err)
			}
			if res == nil || len(res.Steps) != 2 {
				t.Fatalf("the migrations were not applied before the wait: %+v", res)
			}
			if n := count(t, rt.Group(router.DefaultGroup).Primary(), "mig_rep"); n != 3 {
				t.Fatalf("primary has %d rows", n)
			}
		})
	}
}
