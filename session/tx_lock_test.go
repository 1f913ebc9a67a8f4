package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// TestSkipLockedAndNoWait: while one session's transaction holds job 1
// locked, another's ForUpdate(SkipLocked) reads the other jobs and its
// ForUpdate(NoWait) of job 1 fails at once with athanor.ErrLockTimeout;
// ForShare lets a second reader share the lock.
func TestSkipLockedAndNoWait(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		if srv.name == "sqlite" {
			t.Skip("SQLite has no row locks (see QueryOf.ForUpdate)")
		}
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxJob])
		s0 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		for i := range 3 {
			if err := s0.Add(&stxJob{ID: int64(i + 1)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		a := session.New(session.DB(srv.db), session.Options{Registry: reg})
		b := session.New(session.DB(srv.db), session.Options{Registry: reg})
		ta, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback(ctx)
		if _, err := session.Query[stxJob](a).Filter("ID", 1).ForUpdate().One(ctx); err != nil {
			t.Fatal(err)
		}
		tb, err := b.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, err := session.Query[stxJob](b).OrderBy("ID").ForUpdate(core.SkipLocked).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, j := range got {
			ids = append(ids, j.ID)
		}
		if fmt.Sprint(ids) != "[2 3]" {
			t.Errorf("SkipLocked read %v, want [2 3]", ids)
		}
		_, err = session.Query[stxJob](b).Filter("ID", 1).ForUpdate(core.NoWait).All(ctx)
		if !errors.Is(err, athanor.ErrLockTimeout) {
			t.Errorf("NoWait on a locked row: %v, want ErrLockTimeout", err)
		}
		if err := tb.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if err := ta.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		// Two shared locks on one row.
		if _, err := a.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*session.Session{a, b} {
			if _, err := session.Query[stxJob](s).Filter("ID", 2).ForShare(core.NoWait).One(ctx); err != nil {
				t.Errorf("ForShare(NoWait) beside another share lock: %v", err)
			}
		}
		_, err = session.Query[stxJob](b).Filter("ID", 2).ForUpdate(core.NoWait).All(ctx)
		if !errors.Is(err, athanor.ErrLockTimeout) {
			t.Errorf("ForUpdate(NoWait) of a row another holds shared: %v, want ErrLockTimeout", err)
		}
		_ = a.Rollback(ctx)
		_ = b.Rollback(ctx)
	})
}

// TestBeginThroughRouter: over a router, Begin's transaction is on the
// primary and the session's reads run in it (they see its uncommitted
// rows, which no replica has); a locking read outside it is refused, not
// sent to a replica; Commit yields a causal token.
func TestBeginThroughRouter(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	ctx := context.Background()
	c := testdb.PG(t)
	primary, err := engine.Open(ctx, c.Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Close() })
	reg := schema(t, primary, mapper.RegisterIn[stxItem])
	var replicas []*engine.DB
	for _, r := range c.Replicas {
		db, err := engine.Open(ctx, r.URL())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		replicas = append(replicas, db)
	}
	rt, err := router.New(router.Config{
		Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	testdb.CaughtUp(t, c)
	s := session.New(rt, session.Options{Registry: reg})
	if _, err := session.Query[stxItem](s).ForUpdate().All(ctx); !errors.Is(err, session.ErrLockOutsideTx) {
		t.Fatalf("locking read outside a transaction: %v, want ErrLockOutsideTx", err)
	}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Add(&stxItem{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	items, err := session.Query[stxItem](s).ForUpdate().All(ctx) // autoflushed, then read in the transaction
	if err != nil || len(items) != 1 {
		t.Fatalf("read in the transaction: %v, %v; want the uncommitted row", items, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Token().IsZero() {
		t.Error("no causal token after the commit")
	}
	if n, err := session.Query[stxItem](s).Count(ctx); err != nil || n != 1 {
		t.Errorf("count after commit: %d, %v; want 1", n, err)
	}
}

// TestLockingReadReloadsHeldObjects: an object the session loaded before
// its transaction, whose row another session changed since, holds the
// row's current values after a locking query returns it; a plain query
// keeps it as held.
func TestLockingReadReloadsHeldObjects(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxJob])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		if err := s.Add(&stxJob{ID: 1}, &stxJob{ID: 2}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		j1, err := session.Get[stxJob](ctx, s, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.db.Exec(ctx, core.Raw("UPDATE stx_jobs SET worker = 7")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.Rollback(ctx)
		plain, err := session.Query[stxJob](s).Filter("ID", 1).One(ctx)
		if err != nil || plain != j1 || j1.Worker != 0 {
			t.Fatalf("plain query: %p (held %p) worker %d, %v; want the held object unchanged", plain, j1, j1.Worker, err)
		}
		got, err := session.Query[stxJob](s).OrderBy("ID").ForUpdate().All(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("locking query: %v, %v", got, err)
		}
		if got[0] != j1 || j1.Worker != 7 || got[1].Worker != 7 {
			t.Errorf("after the locking query: same object %v, workers %d, %d; want true, 7, 7", got[0] == j1, j1.Worker, got[1].Worker)
		}
		// The reload is the new snapshot: nothing to write.
		srv.log.take()
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		for _, l := range srv.log.take() {
			if strings.HasPrefix(l, "UPDATE") {
				t.Errorf("flush after the reload wrote %s", l)
			}
		}
	})
}
