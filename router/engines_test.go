package router_test

import (
	"context"
	"net"
	"testing"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

func TestReplicaEngines(t *testing.T) {
	primary, a, b := sqliteEngine(t, "p"), sqliteEngine(t, "a"), sqliteEngine(t, "b")
	r, err := router.New(router.Config{Groups: []router.GroupConfig{
		{Name: "main", Primary: primary, Replicas: []*engine.DB{a, b}, ReplicaNames: []string{"ra", "rb"}},
		{Name: "solo", Primary: sqliteEngine(t, "s")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	g := r.Group("main")
	engines, status := g.ReplicaEngines(), g.Replicas()
	if len(engines) != 2 || engines[0] != a || engines[1] != b {
		t.Fatalf("ReplicaEngines = %v, want [%v %v] in configuration order", engines, a, b)
	}
	if len(status) != 2 || status[0].Name != "ra" || status[1].Name != "rb" {
		t.Fatalf("Replicas = %+v, want ra then rb, aligned with ReplicaEngines", status)
	}
	engines[0] = nil // the caller's copy
	if g.ReplicaEngines()[0] != a {
		t.Fatal("changing the returned slice changed the group")
	}
	if n := len(r.Group("solo").ReplicaEngines()); n != 0 {
		t.Fatalf("group without replicas: %d engines", n)
	}
}

// A node is named by its engine's endpoint unless named in the config: a
// SQLite node by its file (an absolute path once came out empty), a
// server by host:port.
func TestDefaultNodeNames(t *testing.T) {
	primary, replica := sqliteEngine(t, "p"), sqliteEngine(t, "r")
	r, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: "main", Primary: primary, Replicas: []*engine.DB{replica}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g := r.Group("main")
	if got, want := g.PrimaryStatus().Name, primary.Endpoint().Database; got != want || got == "" {
		t.Errorf("primary named %q, want its file %q", got, want)
	}
	if got, want := g.Replicas()[0].Name, replica.Endpoint().Database; got != want || got == "" {
		t.Errorf("replica named %q, want its file %q", got, want)
	}

	s := testdb.Require(t, testdb.KindPostgres)
	pg, err := engine.Open(context.Background(), s.Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	r2, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: "pg", Primary: pg}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if got, want := r2.Group("pg").PrimaryStatus().Name, net.JoinHostPort(s.Primary.Host, s.Primary.Port); got != want {
		t.Errorf("server primary named %q, want %q", got, want)
	}
}
