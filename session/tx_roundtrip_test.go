package session_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type rtAccount struct {
	ID      int64  `athanor:",pk"`
	Name    string `athanor:",size:100,unique"`
	Counter int64
}

// wireLog records every exchange with the server the engine makes
// outside a batch: each statement, BEGIN, SAVEPOINT, and each COMMIT,
// RELEASE and ROLLBACK. Each is one round trip (PostgreSQL's deferred
// BEGIN goes in its own, just before the first statement).
type wireLog struct {
	mu  sync.Mutex
	got []string
}

func (l *wireLog) add(s string) {
	l.mu.Lock()
	l.got = append(l.got, s)
	l.mu.Unlock()
}

func (l *wireLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

func (l *wireLog) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	verb, _, _ := strings.Cut(d.SQL, " ")
	l.add(verb)
	return ctx
}
func (l *wireLog) QueryEnd(context.Context, engine.QueryEndData) {}

func (l *wireLog) TxBegin(ctx context.Context, d engine.TxBeginData) context.Context {
	if d.Savepoint != "" {
		l.add("SAVEPOINT")
	} else {
		l.add("BEGIN")
	}
	return ctx
}

func (l *wireLog) TxEnd(_ context.Context, d engine.TxEndData) {
	switch {
	case d.Commit && d.Savepoint != "":
		l.add("RELEASE")
	case d.Commit:
		l.add("COMMIT")
	default:
		l.add("ROLLBACK")
	}
}

// eachWireServer is eachServer with a wireLog on the database.
func eachWireServer(t *testing.T, f func(t *testing.T, srv server, wl *wireLog)) {
	t.Helper()
	for _, name := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			var url string
			switch name {
			case "postgres":
				url = testdb.PG(t).Primary.URL()
			case "mariadb":
				url = testdb.MySQL(t).Primary.URL()
			default:
				url = "sqlite://" + testdb.SQLite(t)
			}
			cfg, err := engine.ParseConfig(url)
			if err != nil {
				t.Fatal(err)
			}
			wl := &wireLog{}
			cfg.Hook = wl
			db, err := engine.OpenConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			f(t, server{name: name, db: db}, wl)
		})
	}
}

// TestCommitInTransactionRoundTrips: the bench's Tx3 through a session
// (Begin, Get, change, Add, Commit) costs what the hand-written
// transaction does: BEGIN, SELECT, INSERT, UPDATE, COMMIT: five round
// trips. Commit's flush runs in the transaction without a SAVEPOINT and
// its RELEASE; an explicit Flush inside it keeps them.
func TestCommitInTransactionRoundTrips(t *testing.T) {
	eachWireServer(t, func(t *testing.T, srv server, wl *wireLog) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[rtAccount])
		db := srv.db
		seed := session.New(session.DB(db), session.Options{Registry: reg})
		first := &rtAccount{Name: "first"}
		seed.Add(first)
		if err := seed.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		wl.take()

		s := session.New(session.DB(db), session.Options{Registry: reg})
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		acct, err := session.Get[rtAccount](ctx, s, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		acct.Counter = 7
		n := &rtAccount{Name: "second"}
		s.Add(n)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want := "BEGIN SELECT INSERT UPDATE COMMIT"
		if got := strings.Join(wl.take(), " "); got != want {
			t.Errorf("round trips %q, want %q", got, want)
		}
		if n.ID == 0 || s.StateOf(n) != session.Persistent {
			t.Fatalf("inserted: id %d state %v", n.ID, s.StateOf(n))
		}
		var counter int64
		if err := db.QueryRow(ctx, core.Raw("SELECT counter FROM rt_accounts WHERE id = ?", first.ID).ReadOnly()).Scan(&counter); err != nil || counter != 7 {
			t.Fatalf("counter %d %v, want 7", counter, err)
		}
		wl.take()

		// A Flush inside the transaction is undone alone when it fails,
		// so it keeps its savepoint.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		s.Add(&rtAccount{Name: "third"})
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want = "BEGIN SAVEPOINT INSERT RELEASE COMMIT"
		if got := strings.Join(wl.take(), " "); got != want {
			t.Errorf("flush then commit: round trips %q, want %q", got, want)
		}
		if got := srv.rows(t, "rt_accounts"); got != 3 {
			t.Fatalf("%d rows, want 3", got)
		}
	})
}

// TestFailedCommitInTransactionRollsBack: a Commit whose flush fails
// inside an open transaction rolls the whole transaction back, whether
// the flush failed writing (a unique violation) or before it wrote (a
// listener's error): the rows flushed earlier in it are gone, the objects
// are back in their pre-transaction states with their changes pending,
// the handle is ended, the rollback listeners ran once, and committing
// again writes everything.
func TestFailedCommitInTransactionRollsBack(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := schema(t, srv.db, mapper.RegisterIn[rtAccount])
		for _, tc := range []struct {
			name    string
			refuse  bool   // a before-flush listener fails the flush
			dupName string // the second object's name: a duplicate fails the INSERT
			match   error
		}{
			{name: "while writing", dupName: "a", match: athanor.ErrUniqueViolation},
			{name: "before writing", refuse: true, dupName: "b", match: errHook},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				if _, err := srv.db.Exec(ctx, core.Raw("DELETE FROM rt_accounts")); err != nil {
					t.Fatal(err)
				}
				var refuse atomic.Bool
				var rollbacks atomic.Int64
				ev := &session.Events{}
				ev.OnBeforeFlush(func(context.Context, *session.Session) error {
					if refuse.Load() {
						return errHook
					}
					return nil
				})
				ev.OnAfterRollback(func(context.Context, *session.Session) { rollbacks.Add(1) })
				s := session.New(session.DB(srv.db), session.Options{Registry: reg, Events: ev})
				h, err := s.Begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				a := &rtAccount{Name: "a"}
				s.Add(a)
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				b := &rtAccount{Name: tc.dupName}
				s.Add(b)
				refuse.Store(tc.refuse)
				if err := s.Commit(ctx); !errors.Is(err, tc.match) {
					t.Fatalf("commit: %v, want %v", err, tc.match)
				}
				refuse.Store(false)
				if a.ID != 0 || s.StateOf(a) != session.Pending || s.StateOf(b) != session.Pending {
					t.Fatalf("after failed commit: a id %d %v, b %v", a.ID, s.StateOf(a), s.StateOf(b))
				}
				if got := srv.rows(t, "rt_accounts"); got != 0 {
					t.Fatalf("%d rows after failed commit, want 0", got)
				}
				if got := rollbacks.Load(); got != 1 {
					t.Fatalf("%d rollback listener calls, want 1", got)
				}
				if err := h.Commit(ctx); !errors.Is(err, session.ErrTxEnded) {
					t.Fatalf("handle commit: %v, want ErrTxEnded", err)
				}
				b.Name = "b"
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				if a.ID == 0 || b.ID == 0 || srv.rows(t, "rt_accounts") != 2 {
					t.Fatalf("after commit: ids %d %d, %d rows", a.ID, b.ID, srv.rows(t, "rt_accounts"))
				}
			})
		}
	})
}
