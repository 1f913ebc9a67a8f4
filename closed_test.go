package athanor_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// TestErrClosedEveryLayer: a closed engine, router and session each return
// an error that errors.Is matches against athanor.ErrClosed and against
// every layer's ErrClosed name.
func TestErrClosedEveryLayer(t *testing.T) {
	ctx := context.Background()
	open := func(name string) *engine.DB {
		db, err := engine.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), name+".db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}

	db := open("engine")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, engineErr := db.Exec(ctx, core.Raw("SELECT 1"))

	rt, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: open("router")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	routerErr := rt.AddGroup(router.GroupConfig{Name: "late", Primary: open("late")})

	live := open("session")
	defer live.Close()
	s := session.New(session.DB(live), session.Options{})
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sessionErr := s.Flush(ctx)

	for layer, err := range map[string]error{"engine": engineErr, "router": routerErr, "session": sessionErr} {
		if err == nil {
			t.Errorf("%s: no error after Close", layer)
			continue
		}
		for name, target := range map[string]error{"athanor": athanor.ErrClosed, "engine": engine.ErrClosed, "router": router.ErrClosed, "session": session.ErrClosed} {
			if !errors.Is(err, target) {
				t.Errorf("%s: %v does not match %s.ErrClosed", layer, err, name)
			}
		}
	}
}
