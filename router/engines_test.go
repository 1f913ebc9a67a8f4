package router_test

import (
	"testing"

	"github.com/athanor-orm/athanor/engine"
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
