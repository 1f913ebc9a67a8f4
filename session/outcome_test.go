package session_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the plain driver, to read back what the server holds
	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Payment's Ref is deliberately not unique: a row written twice shows as
// two rows rather than as a unique violation.
type Payment struct {
	ID  int64  `athanor:",pk"`
	Ref string `athanor:",size:64"`
}

type Receipt struct {
	ID  int64  `athanor:",pk"`
	Ref string `athanor:",size:64"`
}

// plainRefs counts the rows of table with ref, read with the plain driver
// straight from the server.
func plainRefs(t *testing.T, e testdb.Endpoint, table, ref string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	if e.Kind == testdb.KindMySQL {
		db, err := sql.Open("mysql", e.DriverDSN())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE ref = ?", ref).Scan(&n); err != nil {
			t.Fatalf("plain count: %v", err)
		}
		return n
	}
	c, err := pgx.Connect(ctx, e.DriverDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE ref = $1", ref).Scan(&n); err != nil {
		t.Fatalf("plain count: %v", err)
	}
	return n
}

// TestCommitOutcomeUnknownWritesOnce loses the answer to a session's
// commit after the server ran it: the one-statement commit (an INSERT
// without a transaction) and a transaction's COMMIT. Commit reports
// athanor.ErrOutcomeUnknown, the new objects leave the session (Transient:
// their keys were to be generated), and committing again writes nothing:
// the server holds each row once. A changed object stays persistent with
// its change pending, and committing again writes the same value.
func TestCommitOutcomeUnknownWritesOnce(t *testing.T) {
	for _, srv := range []struct {
		name    string
		cluster func(testing.TB) testdb.Cluster
	}{{"postgres", testdb.PG}, {"mariadb", testdb.MySQL}} {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := srv.cluster(t)
			reg := mapper.NewRegistry()
			if _, err := mapper.RegisterIn[Payment](reg); err != nil {
				t.Fatal(err)
			}
			if _, err := mapper.RegisterIn[Receipt](reg); err != nil {
				t.Fatal(err)
			}
			direct, err := engine.Open(ctx, c.Primary.URL())
			if err != nil {
				t.Fatal(err)
			}
			defer direct.Close()
			md, err := reg.MetaData()
			if err != nil {
				t.Fatal(err)
			}
			if err := md.CreateAll(ctx, direct.Dialect(), func(ctx context.Context, cs core.Compiled) error {
				_, err := direct.Exec(ctx, core.Raw(cs.SQL, cs.Args...))
				return err
			}, false); err != nil {
				t.Fatal(err)
			}
			proxy := faultproxy.Start(t, c.Primary.Addr())
			db, err := engine.Open(ctx, proxy.Endpoint(c.Primary).URL())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			newSession := func() *session.Session {
				return session.New(session.DB(db), session.Options{Registry: reg})
			}
			// cutCommit commits s with the server's next answer after
			// marker cut, and checks the error.
			cutCommit := func(t *testing.T, s *session.Session, marker string) {
				t.Helper()
				proxy.CutOnResponseTo(marker)
				err := s.Commit(ctx)
				armed := proxy.CutArmed()
				proxy.Disarm()
				if armed {
					t.Fatalf("the proxy never cut (err %v)", err)
				}
				if !errors.Is(err, athanor.ErrOutcomeUnknown) {
					t.Fatalf("commit with its answer lost: err = %v, want ErrOutcomeUnknown", err)
				}
			}
			// Warm up: connections open, statements prepared.
			warm := newSession()
			if err := warm.Add(&Payment{Ref: "warm"}); err != nil {
				t.Fatal(err)
			}
			if err := warm.Commit(ctx); err != nil {
				t.Fatal(err)
			}

			t.Run("one-statement commit", func(t *testing.T) {
				s := newSession()
				p := &Payment{Ref: "one-cut"}
				if err := s.Add(p); err != nil {
					t.Fatal(err)
				}
				cutCommit(t, s, "one-cut")
				if st := s.StateOf(p); st != session.Transient || p.ID != 0 {
					t.Errorf("after the unknown outcome: state %v, id %d; want transient with no key", st, p.ID)
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatalf("commit again: %v", err)
				}
				if n := plainRefs(t, c.Primary, "payments", "one-cut"); n != 1 {
					t.Errorf("%d rows on the server after the cut commit and another Commit, want 1", n)
				}
			})

			t.Run("transaction commit", func(t *testing.T) {
				s := newSession()
				p, r := &Payment{Ref: "tx-cut"}, &Receipt{Ref: "tx-cut"}
				if err := s.Add(p, r); err != nil {
					t.Fatal(err)
				}
				cutCommit(t, s, "COMMIT")
				for _, o := range []any{p, r} {
					if st := s.StateOf(o); st != session.Transient {
						t.Errorf("%T after the unknown outcome: state %v, want transient", o, st)
					}
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatalf("commit again: %v", err)
				}
				for _, table := range []string{"payments", "receipts"} {
					if n := plainRefs(t, c.Primary, table, "tx-cut"); n != 1 {
						t.Errorf("%s: %d rows after the cut commit and another Commit, want 1", table, n)
					}
				}
			})

			t.Run("update", func(t *testing.T) {
				s := newSession()
				p, err := session.Query[Payment](s).Where(core.Eq(core.Raw("ref"), "warm")).One(ctx)
				if err != nil {
					t.Fatal(err)
				}
				p.Ref = "upd-cut"
				cutCommit(t, s, "upd-cut")
				if st := s.StateOf(p); st != session.Persistent || p.Ref != "upd-cut" {
					t.Errorf("after the unknown outcome: state %v, ref %q; want persistent with the change kept", st, p.Ref)
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatalf("commit again: %v", err)
				}
				if n := plainRefs(t, c.Primary, "payments", "upd-cut"); n != 1 {
					t.Errorf("%d updated rows, want 1", n)
				}
			})
		})
	}
}

// TestNilContext calls the session's entry points with a nil context:
// each returns engine.ErrNilContext instead of panicking.
func TestNilContext(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	a := &Author{Name: "loaded"}
	if err := s.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	a.Name = "pending change" // something for Commit and Flush to write
	var nilCtx context.Context
	sel := core.Raw(`SELECT id FROM "authors"`).ReadOnly()
	calls := []struct {
		name string
		call func() error
	}{
		{"Commit", func() error { return s.Commit(nilCtx) }},
		{"Flush", func() error { return s.Flush(nilCtx) }},
		{"Get", func() error { _, err := session.Get[Author](nilCtx, s, a.ID); return err }},
		{"Query.All", func() error { _, err := session.Query[Author](s).All(nilCtx); return err }},
		{"Query.First", func() error { _, err := session.Query[Author](s).First(nilCtx); return err }},
		{"Query.One", func() error { _, err := session.Query[Author](s).One(nilCtx); return err }},
		{"Query.Count", func() error { _, err := session.Query[Author](s).Count(nilCtx); return err }},
		{"Query.Exists", func() error { _, err := session.Query[Author](s).Exists(nilCtx); return err }},
		{"Load", func() error { return s.Load(nilCtx, a, "Books") }},
		{"Refresh", func() error { return s.Refresh(nilCtx, a) }},
		{"Exec", func() error { _, err := s.Exec(nilCtx, sel); return err }},
		{"QueryFunc", func() error { return s.QueryFunc(nilCtx, sel, func(*engine.Rows) error { return nil }) }},
		{"Scan", func() error { _, err := session.Scan[int64](nilCtx, s, sel); return err }},
		{"Merge", func() error { _, err := session.Merge(nilCtx, s, &Author{ID: a.ID, Name: "merged"}); return err }},
	}
	for _, c := range calls {
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			return c.call()
		}()
		if !errors.Is(err, engine.ErrNilContext) {
			t.Errorf("%s(nil context): err = %v, want engine.ErrNilContext", c.name, err)
		}
	}
	// Nothing was written, and the session still works.
	if st := s.StateOf(a); st != session.Persistent || a.Name != "pending change" {
		t.Errorf("after the calls: state %v, name %q", st, a.Name)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := e.db.QueryRow(ctx, core.Raw(`SELECT name FROM "authors"`).ReadOnly()).Scan(&name); err != nil || name != "pending change" {
		t.Fatalf("name %q, err %v", name, err)
	}
}
