package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type bkAuthor struct {
	_    struct{} `athanor:",table:bk_authors"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",size:50"`
}

type bkBook struct {
	_        struct{}  `athanor:",table:bk_books"`
	ID       int64     `athanor:",pk"`
	Title    string    `athanor:",size:50"`
	Price    int64     // cents
	Note     *string   `athanor:",size:50"`
	AuthorID int64     `athanor:",index"`
	Author   *bkAuthor `athanor:",fk:author_id"`
	Version  int64     `athanor:",version"`
}

// bkSetup creates the tables and two authors with books: author 1 has
// "a" (100) and "b" (200), author 2 has "c" (300).
func bkSetup(t *testing.T, srv server) (*mapper.Registry, [2]int64) {
	t.Helper()
	ctx := context.Background()
	reg := schema(t, srv.db, mapper.RegisterIn[bkAuthor], mapper.RegisterIn[bkBook])
	s := bkSession(t, srv, session.Options{Registry: reg})
	a1, a2 := &bkAuthor{ID: 1, Name: "one"}, &bkAuthor{ID: 2, Name: "two"}
	s.Add(a1, a2,
		&bkBook{ID: 1, Title: "a", Price: 100, Author: a1},
		&bkBook{ID: 2, Title: "b", Price: 200, Author: a1},
		&bkBook{ID: 3, Title: "c", Price: 300, Author: a2})
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return reg, [2]int64{a1.ID, a2.ID}
}

// bkSession is a session closed (its transaction rolled back, its
// connection returned) when the test ends, before the database closes.
func bkSession(t *testing.T, srv server, opts session.Options) *session.Session {
	t.Helper()
	s := session.New(session.DB(srv.db), opts)
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// statements returns the logged statements starting with verb.
func statements(log []string, verb string) []string {
	var out []string
	for _, q := range log {
		if strings.HasPrefix(q, verb) {
			out = append(out, q)
		}
	}
	return out
}

// dbBooks reads the books from the database with a fresh session,
// ordered by ID.
func dbBooks(t *testing.T, srv server, reg *mapper.Registry) []*bkBook {
	t.Helper()
	s := bkSession(t, srv, session.Options{Registry: reg})
	bs, err := session.Query[bkBook](s).OrderBy("ID").All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func TestBulkUpdateSync(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		for _, sync := range []session.Sync{session.SyncEvaluate, session.SyncFetch, session.SyncAuto, session.SyncNone} {
			t.Run(sync.String(), func(t *testing.T) {
				s := bkSession(t, srv, session.Options{Registry: reg})
				defer s.Close(ctx)
				held, err := session.Query[bkBook](s).OrderBy("ID").All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				before := make([]bkBook, len(held))
				for i, b := range held {
					before[i] = *b
				}
				q := session.Query[bkBook](s).Filter("AuthorID", 1)
				srv.log.take()
				n, err := q.UpdateAll(ctx, session.Set{"Price": core.Add(q.C("Price"), 1), "Title": "x"}, sync)
				if err != nil {
					t.Fatal(err)
				}
				if n != 2 {
					t.Fatalf("rows affected %d, want 2", n)
				}
				log := srv.log.take()
				ups := statements(log, "UPDATE")
				if len(ups) != 1 {
					t.Fatalf("UPDATE statements %q", log)
				}
				// The assignments in field order, the version bumped.
				if !strings.Contains(ups[0], "title") || strings.Index(ups[0], "title") > strings.Index(ups[0], "price") || !strings.Contains(ups[0], "version") {
					t.Fatalf("UPDATE %s", ups[0])
				}
				if srv.name == "mariadb" && sync == session.SyncFetch && len(statements(log, "SELECT")) != 2 {
					t.Fatalf("MariaDB fetch: want the keys locked, then the held rows read: %q", log)
				}
				for i, b := range held {
					want := before[i]
					if b.AuthorID == 1 && sync != session.SyncNone {
						want.Title, want.Price, want.Version = "x", want.Price+1, want.Version+1
					}
					if b.Title != want.Title || b.Price != want.Price || b.Version != want.Version {
						t.Errorf("book %d in memory: %q %d v%d, want %q %d v%d", b.ID, b.Title, b.Price, b.Version, want.Title, want.Price, want.Version)
					}
				}
				// The values are the snapshot's: the flush writes nothing.
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				if ups := statements(srv.log.take(), "UPDATE"); len(ups) != 0 {
					t.Fatalf("flush after the bulk update wrote %q", ups)
				}
				// A later change of a matched object writes with the new
				// version; without sync the object's version is stale.
				held[0].Note = new(sync.String())
				err = s.Commit(ctx)
				if sync == session.SyncNone {
					if !errors.Is(err, athanor.ErrStaleObject) {
						t.Fatalf("commit of a stale object: %v, want ErrStaleObject", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := dbBooks(t, srv, reg)
				for i, b := range got {
					if b.Title != held[i].Title || b.Price != held[i].Price || b.Version != held[i].Version {
						t.Errorf("book %d in the database %q %d v%d, in memory %q %d v%d", b.ID, b.Title, b.Price, b.Version, held[i].Title, held[i].Price, held[i].Version)
					}
				}
			})
		}
	})
}

func TestBulkDeleteSync(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		for _, sync := range []session.Sync{session.SyncEvaluate, session.SyncFetch, session.SyncAuto, session.SyncNone} {
			t.Run(sync.String(), func(t *testing.T) {
				s := bkSession(t, srv, session.Options{Registry: reg})
				defer s.Close(ctx)
				held, err := session.Query[bkBook](s).OrderBy("ID").All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				srv.log.take()
				n, err := session.Query[bkBook](s).Where(core.Gt(session.Query[bkBook](s).C("Price"), 150)).DeleteAll(ctx, sync)
				if err != nil {
					t.Fatal(err)
				}
				if n != 2 {
					t.Fatalf("rows affected %d, want 2", n)
				}
				if dels := statements(srv.log.take(), "DELETE"); len(dels) != 1 {
					t.Fatalf("DELETE statements %q", dels)
				}
				for _, b := range held {
					want := session.Persistent
					if b.Price > 150 && sync != session.SyncNone {
						want = session.Detached
					}
					if st := s.StateOf(b); st != want {
						t.Errorf("book %d: %v, want %v", b.ID, st, want)
					}
				}
				if err := s.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				if dels := statements(srv.log.take(), "DELETE"); len(dels) != 0 {
					t.Fatalf("flush after the bulk delete sent %q", dels)
				}
				// Rollback: the rows and the objects are back.
				if err := s.Rollback(ctx); err != nil {
					t.Fatal(err)
				}
				for _, b := range held {
					if st := s.StateOf(b); st != session.Persistent {
						t.Errorf("after rollback book %d: %v", b.ID, st)
					}
				}
				if got := srv.rows(t, "bk_books"); got != 3 {
					t.Fatalf("after rollback %d rows", got)
				}
			})
		}
	})
}

// TestBulkRollback: Rollback undoes a bulk update and a bulk delete and
// restores the objects they changed; inside an open transaction they
// run in a savepoint, and Rollback of the transaction undoes them too.
func TestBulkRollback(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		for _, explicit := range []bool{false, true} {
			s := bkSession(t, srv, session.Options{Registry: reg})
			if explicit {
				if _, err := s.Begin(ctx); err != nil {
					t.Fatal(err)
				}
			}
			held, err := session.Query[bkBook](s).OrderBy("ID").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := session.Query[bkBook](s).UpdateAll(ctx, session.Set{"Title": "z"}, session.SyncEvaluate); err != nil {
				t.Fatal(err)
			}
			if _, err := session.Query[bkBook](s).Filter("ID", 3).DeleteAll(ctx, session.SyncFetch); err != nil {
				t.Fatal(err)
			}
			if held[0].Title != "z" || s.StateOf(held[2]) != session.Detached {
				t.Fatalf("before rollback: %q %v", held[0].Title, s.StateOf(held[2]))
			}
			if err := s.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			for i, b := range held {
				if b.Title != string(rune('a'+i)) || s.StateOf(b) != session.Persistent {
					t.Errorf("explicit %v: book %d after rollback %q %v", explicit, b.ID, b.Title, s.StateOf(b))
				}
			}
			// Restored with their snapshots: nothing to flush.
			srv.log.take()
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if w := append(statements(srv.log.take(), "UPDATE"), statements(srv.log.take(), "DELETE")...); len(w) != 0 {
				t.Fatalf("commit after rollback wrote %q", w)
			}
			for i, b := range dbBooks(t, srv, reg) {
				if b.Title != string(rune('a'+i)) {
					t.Fatalf("explicit %v: database book %d %q", explicit, b.ID, b.Title)
				}
			}
			s.Close(ctx)
		}
	})
}

// TestBulkJoin: criteria on a to-one relationship run as key IN
// (subquery), which SyncEvaluate refuses and SyncFetch (and SyncAuto)
// synchronise.
func TestBulkJoin(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		s := bkSession(t, srv, session.Options{Registry: reg})
		defer s.Close(ctx)
		held, err := session.Query[bkBook](s).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		q := session.Query[bkBook](s).Join("Author").Filter("Author.Name", "two")
		srv.log.take()
		if _, err := q.UpdateAll(ctx, session.Set{"Title": "j"}, session.SyncEvaluate); !errors.Is(err, core.ErrNotEvaluable) || !strings.Contains(err.Error(), "SyncFetch") {
			t.Fatalf("evaluate through a join: %v", err)
		}
		if log := srv.log.take(); len(log) != 0 {
			t.Fatalf("sent %q", log)
		}
		n, err := q.UpdateAll(ctx, session.Set{"Title": "j"}, session.SyncAuto)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || held[2].Title != "j" || held[0].Title != "a" {
			t.Fatalf("n %d, titles %q %q", n, held[0].Title, held[2].Title)
		}
		// A key IN (subquery); on MariaDB, which has no UPDATE …
		// RETURNING, in the SELECT of the keys.
		log := srv.log.take()
		if ups := statements(log, "UPDATE"); len(ups) != 1 || !strings.Contains(strings.Join(log, "\n"), " IN (SELECT ") {
			t.Fatalf("statements %q", log)
		}
		// Without sync, the UPDATE itself holds the subquery on its own
		// table (which MariaDB accepts since 10.3).
		n, err = q.UpdateAll(ctx, session.Set{"Price": 7}, session.SyncNone)
		if err != nil || n != 1 {
			t.Fatalf("update through a join without sync: %d %v", n, err)
		}
		if ups := statements(srv.log.take(), "UPDATE"); len(ups) != 1 || !strings.Contains(ups[0], " IN (SELECT ") {
			t.Fatalf("UPDATE %q", ups)
		}
		n, err = session.Query[bkBook](s).Join("Author").Filter("Author.Name", "one").DeleteAll(ctx, session.SyncFetch)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 || s.StateOf(held[0]) != session.Detached || s.StateOf(held[2]) != session.Persistent {
			t.Fatalf("n %d, states %v %v", n, s.StateOf(held[0]), s.StateOf(held[2]))
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := srv.rows(t, "bk_books"); got != 1 {
			t.Fatalf("%d rows left", got)
		}
	})
}

// TestBulkErrors: what a bulk statement refuses, before anything is sent.
func TestBulkErrors(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		s := bkSession(t, srv, session.Options{Registry: reg})
		defer s.Close(ctx)
		if _, err := session.Query[bkBook](s).All(ctx); err != nil { // held: evaluation has objects
			t.Fatal(err)
		}
		books := session.Query[bkBook](s)
		price := books.C("Price")
		cases := []struct {
			name string
			run  func() error
			is   error
			want []string
		}{
			{"unknown field", func() error { _, err := books.UpdateAll(ctx, session.Set{"Nope": 1}, session.SyncNone); return err },
				mapper.ErrUnknownColumn, []string{"bkBook", `"Nope"`}},
			{"relationship", func() error { _, err := books.UpdateAll(ctx, session.Set{"Author": nil}, session.SyncNone); return err },
				session.ErrBulkUnsupported, []string{"bkBook", `"Author"`, "relationship"}},
			{"primary key", func() error { _, err := books.UpdateAll(ctx, session.Set{"ID": 9}, session.SyncNone); return err },
				session.ErrBulkUnsupported, []string{"bkBook", "ID"}},
			{"version", func() error { _, err := books.UpdateAll(ctx, session.Set{"Version": 9}, session.SyncNone); return err },
				session.ErrBulkUnsupported, []string{"bkBook", "Version"}},
			{"wrong type", func() error { _, err := books.UpdateAll(ctx, session.Set{"Price": "x"}, session.SyncNone); return err },
				nil, []string{"bkBook", "Price"}},
			{"fraction for an integer field", func() error { _, err := books.UpdateAll(ctx, session.Set{"Price": 1.5}, session.SyncNone); return err },
				nil, []string{"bkBook", "Price", "1.5"}},
			{"nil for a non-nullable field", func() error { _, err := books.UpdateAll(ctx, session.Set{"Title": nil}, session.SyncNone); return err },
				nil, []string{"bkBook", "Title", "nullable"}},
			{"limit", func() error { _, err := books.Limit(1).DeleteAll(ctx, session.SyncNone); return err },
				session.ErrBulkUnsupported, []string{"Limit"}},
			{"JoinOn", func() error {
				at := session.Query[bkAuthor](s).C("ID").Table().As("a")
				_, err := books.JoinOn(at, core.Eq(at.C("id"), books.C("AuthorID"))).DeleteAll(ctx, session.SyncNone)
				return err
			}, session.ErrBulkUnsupported, []string{"bkBook", "JoinOn"}},
			{"order by", func() error { _, err := books.OrderBy("ID").DeleteAll(ctx, session.SyncNone); return err },
				session.ErrBulkUnsupported, []string{"OrderBy"}},
			{"reads a column assigned before it", func() error {
				_, err := books.UpdateAll(ctx, session.Set{"Title": "t", "Price": core.Case().When(core.Eq(books.C("Title"), "t"), 1).Else(2)}, session.SyncNone)
				return err
			}, session.ErrBulkUnsupported, []string{"Price", "Title"}},
			{"reads a column assigned before it, in a function", func() error {
				_, err := books.UpdateAll(ctx, session.Set{"Title": "t", "Note": core.Lower(books.C("Title"))}, session.SyncNone)
				return err
			}, session.ErrBulkUnsupported, []string{"Note", "Title"}},
			{"unevaluable criteria", func() error {
				_, err := books.Where(core.Eq(core.Lower(books.C("Title")), "a")).DeleteAll(ctx, session.SyncEvaluate)
				return err
			}, core.ErrNotEvaluable, []string{"function LOWER", "SyncFetch"}},
			{"unevaluable for the values held", func() error {
				_, err := books.Where(core.Eq(books.C("Title"), "A")).DeleteAll(ctx, session.SyncEvaluate)
				return err
			}, core.ErrNotEvaluable, []string{"collation", "SyncFetch"}},
			{"unevaluable value", func() error {
				_, err := books.UpdateAll(ctx, session.Set{"Price": core.Div(price, 2)}, session.SyncEvaluate)
				return err
			}, core.ErrNotEvaluable, []string{"Price", "integer division"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				srv.log.take()
				err := c.run()
				if err == nil || c.is != nil && !errors.Is(err, c.is) {
					t.Fatalf("err %v, want %v", err, c.is)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				if log := srv.log.take(); len(log) != 0 {
					t.Fatalf("sent %q", log)
				}
			})
		}
		// An expression reading only columns assigned after it, or none,
		// reads the old row on every server.
		if _, err := books.Filter("ID", 2).UpdateAll(ctx, session.Set{"Note": core.Lower(books.C("Title")), "AuthorID": 2}, session.SyncNone); err != nil {
			t.Fatal(err)
		}
		// SyncAuto falls back to fetching where evaluation fails.
		n, err := books.Where(core.Eq(core.Lower(books.C("Title")), "a")).UpdateAll(ctx, session.Set{"Note": "lower"}, session.SyncAuto)
		if err != nil || n != 1 {
			t.Fatalf("auto: %d %v", n, err)
		}
		a, err := session.Get[bkBook](ctx, s, 1)
		if err != nil || a.Note == nil || *a.Note != "lower" {
			t.Fatalf("auto fetched %v %v", a, err)
		}
	})
}

// TestBulkUnflushed: with NoAutoflush, an unflushed change to an
// assigned field is kept and written by the next flush, over the bulk
// value; the other assigned fields take the new values.
func TestBulkUnflushed(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		for _, sync := range []session.Sync{session.SyncEvaluate, session.SyncFetch} {
			s := bkSession(t, srv, session.Options{Registry: reg, NoAutoflush: true})
			b, err := session.Get[bkBook](ctx, s, 1)
			if err != nil {
				t.Fatal(err)
			}
			mine := "mine " + sync.String()
			b.Title = mine
			if _, err := session.Query[bkBook](s).Filter("ID", 1).UpdateAll(ctx, session.Set{"Title": "bulk", "Price": 5}, sync); err != nil {
				t.Fatal(err)
			}
			if b.Title != mine || b.Price != 5 {
				t.Fatalf("%v: %q %d", sync, b.Title, b.Price)
			}
			srv.log.take()
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			ups := statements(srv.log.take(), "UPDATE")
			if len(ups) != 1 || strings.Contains(ups[0], "price") {
				t.Fatalf("%v: flush wrote %q, want the title only", sync, ups)
			}
			if got := dbBooks(t, srv, reg)[0]; got.Title != mine || got.Price != 5 {
				t.Fatalf("%v: database %q %d", sync, got.Title, got.Price)
			}
			s.Close(ctx)
		}
	})
}

// TestBulkFailureInTransaction: a bulk statement the server rejects, in
// an open transaction, leaves the transaction usable (it ran in a
// savepoint) and the objects unchanged; NULL conditions evaluate as SQL
// does.
func TestBulkFailureInTransaction(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg, _ := bkSetup(t, srv)
		s := bkSession(t, srv, session.Options{Registry: reg})
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		held, err := session.Query[bkBook](s).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held[0].Title = "flushed"
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		v1 := held[1].Version
		if _, err := session.Query[bkBook](s).UpdateAll(ctx, session.Set{"AuthorID": 999}, session.SyncEvaluate); !errors.Is(err, athanor.ErrForeignKeyViolation) {
			t.Fatalf("update to a missing author: %v, want a foreign-key violation", err)
		}
		if held[1].AuthorID != 1 || held[1].Version != v1 {
			t.Fatalf("object changed by a failed statement: %+v", *held[1])
		}
		// NULL = NULL is not true: Eq(Note, nil) is IS NULL, Ne(Note, "x")
		// matches no NULL note.
		n, err := session.Query[bkBook](s).Where(core.Ne(session.Query[bkBook](s).C("Note"), "x")).UpdateAll(ctx, session.Set{"Price": 1}, session.SyncEvaluate)
		if err != nil || n != 0 || held[0].Price == 1 {
			t.Fatalf("<> on NULL notes: %d %v", n, err)
		}
		n, err = session.Query[bkBook](s).Filter("Note", nil).UpdateAll(ctx, session.Set{"Note": "set"}, session.SyncEvaluate)
		if err != nil || n != 3 || held[2].Note == nil || *held[2].Note != "set" {
			t.Fatalf("IS NULL: %d %v", n, err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		got := dbBooks(t, srv, reg)
		if got[0].Title != "flushed" || got[1].AuthorID != 1 || got[2].Note == nil || *got[2].Note != "set" {
			t.Fatalf("database after commit: %+v %+v %+v", *got[0], *got[1], *got[2])
		}
	})
}
