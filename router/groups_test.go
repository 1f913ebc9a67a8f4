package router_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// sqliteEngine opens an embedded database: groups without replicas need
// no server.
func sqliteEngine(t *testing.T, name string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), name+".db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestGroupConfigErrors(t *testing.T) {
	_, err := router.New(router.Config{
		Groups: []router.GroupConfig{{Name: "main", Primary: sqliteEngine(t, "a")}},
		Binds:  map[string]string{"events": "nowhere"},
	})
	if !errors.Is(err, router.ErrUnknownGroup) {
		t.Fatalf("bind to a missing group: err = %v, want ErrUnknownGroup", err)
	}
	if _, err := router.New(router.Config{}); err == nil {
		t.Fatal("a router without groups was accepted")
	}
	r, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: "main", Primary: sqliteEngine(t, "b")}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.AddGroup(router.GroupConfig{Name: "main", Primary: sqliteEngine(t, "c")}); err == nil {
		t.Fatal("a second group named main was accepted")
	}
	if err := r.Bind("events", "nowhere"); !errors.Is(err, router.ErrUnknownGroup) {
		t.Fatalf("Bind to a missing group: err = %v", err)
	}
	if err := r.AddGroup(router.GroupConfig{Name: "other", Primary: sqliteEngine(t, "d")}); err != nil {
		t.Fatal(err)
	}
	if err := r.Bind("events", "other"); err != nil {
		t.Fatal(err)
	}
	users := core.MustTable(core.TableDef{Name: "users", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
	events := core.MustTable(core.TableDef{Name: "events", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
	for _, tc := range []struct {
		stmt  core.Statement
		group string
	}{
		{core.Select(users.C("id")).From(users), "main"}, // unbound: the first group
		{core.Select(events.C("id")).From(events), "other"},
		{core.Raw("SELECT 1"), "main"},
	} {
		g, err := r.GroupFor(tc.stmt)
		if err != nil || g.Name() != tc.group {
			t.Errorf("GroupFor(%v) = %v, %v; want %s", tc.stmt, g, err, tc.group)
		}
	}
	both := core.Select(users.C("id")).From(users).Join(events, core.Eq(users.C("id"), events.C("id")))
	if _, err := r.GroupFor(both); !errors.Is(err, router.ErrCrossGroup) {
		t.Fatalf("cross-group statement: err = %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.AddGroup(router.GroupConfig{Name: "late", Primary: sqliteEngine(t, "e")}); !errors.Is(err, router.ErrClosed) {
		t.Fatalf("AddGroup after Close: err = %v", err)
	}
}
