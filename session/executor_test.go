package session_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

type execRow struct {
	ID   int64  `athanor:",pk,noautoincrement"`
	Name string `athanor:",size:50"`
}

// A session over a caller's engine.Tx flushes inside that transaction:
// the rows are visible to it, a rollback of the transaction discards them
// and a commit keeps them.
func TestSessionOverCallerTx(t *testing.T) {
	eachServer(t, func(t *testing.T, s server) {
		ctx := context.Background()
		reg := mapper.NewRegistry()
		m, err := mapper.RegisterIn[execRow](reg)
		if err != nil {
			t.Fatal(err)
		}
		if err := engine.CreateAll(ctx, s.db, reg); err != nil {
			t.Fatal(err)
		}
		table := m.Table().Name()
		inTx := func(tx *engine.Tx) int64 {
			t.Helper()
			var n int64
			if err := tx.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		run := func(commit bool, ids ...int64) {
			t.Helper()
			tx, err := s.db.Begin(ctx, engine.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sess := session.New(tx, session.Options{Registry: reg})
			for _, id := range ids {
				if err := sess.Add(&execRow{ID: id, Name: "n"}); err != nil {
					t.Fatal(err)
				}
			}
			if err := sess.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			// The session's commit ends its savepoint, not the caller's
			// transaction, which still runs statements and sees the rows.
			if n := inTx(tx); n < int64(len(ids)) {
				t.Fatalf("%d rows in the caller's transaction after the session's commit, want at least %d", n, len(ids))
			}
			if commit {
				err = tx.Commit(ctx)
			} else {
				err = tx.Rollback(ctx)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		run(false, 1, 2, 3) // several statements: the flush runs in a savepoint
		if n := s.rows(t, table); n != 0 {
			t.Fatalf("%d rows after the caller's rollback, want 0", n)
		}
		run(false, 4) // one statement: the flush runs on the transaction itself
		if n := s.rows(t, table); n != 0 {
			t.Fatalf("%d rows after the caller's rollback, want 0", n)
		}
		run(true, 5, 6)
		if n := s.rows(t, table); n != 2 {
			t.Fatalf("%d rows after the caller's commit, want 2", n)
		}
	})
}

// CreateAll runs on any Executor: in a transaction on PostgreSQL and
// SQLite (transactional DDL), a rollback leaves no table behind.
func TestCreateAllOnTx(t *testing.T) {
	eachServer(t, func(t *testing.T, s server) {
		if s.name == "mariadb" {
			t.Skip("MariaDB commits DDL implicitly")
		}
		ctx := context.Background()
		reg := mapper.NewRegistry()
		m, err := mapper.RegisterIn[execRow](reg)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := s.db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := engine.CreateAll(ctx, tx, reg); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, core.Raw("INSERT INTO "+m.Table().Name()+" (id, name) VALUES (1, 'a')")); err != nil {
			t.Fatalf("table not created in the transaction: %v", err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		var n int64
		err = s.db.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM "+m.Table().Name()).ReadOnly()).Scan(&n)
		if err == nil {
			t.Fatalf("table %s exists after the rollback of the CreateAll transaction", m.Table().Name())
		}
	})
}

// New given a *router.Router itself keeps the router's causal tokens, on
// the single-statement path and in a transaction, as session.Router did.
func TestSessionOverRouterKeepsToken(t *testing.T) {
	ctx := context.Background()
	c := testdb.PG(t)
	open := func(url string) *engine.DB {
		db, err := engine.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	primary := open(c.Primary.URL())
	var replicas []*engine.DB
	for _, r := range c.Replicas {
		replicas = append(replicas, open(r.URL()))
	}
	rt, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	if rt.Dialect() != primary.Dialect() {
		t.Fatalf("router dialect %v, want the primary's %v", rt.Dialect(), primary.Dialect())
	}
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[execRow](reg); err != nil {
		t.Fatal(err)
	}
	if err := engine.CreateAll(ctx, rt, reg); err != nil {
		t.Fatal(err)
	}
	for _, ids := range [][]int64{{1}, {2, 3}} {
		s := session.New(rt, session.Options{Registry: reg})
		for _, id := range ids {
			if err := s.Add(&execRow{ID: id, Name: "r"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if s.Token().IsZero() {
			t.Errorf("commit of %d rows over the router returned no causal token", len(ids))
		}
	}
}
