package session_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// seedAuthors writes n authors of three books each and returns their keys.
func seedAuthors(t *testing.T, db *engine.DB, reg *mapper.Registry, n int) []int64 {
	t.Helper()
	s := session.New(session.DB(db), session.Options{Registry: reg})
	var as []*Author
	for i := range n {
		a := &Author{Name: fmt.Sprintf("author %d", i)}
		for j := range 3 {
			a.Books = append(a.Books, &Book{Title: fmt.Sprintf("book %d.%d", i, j), Pages: j, Author: a})
		}
		as = append(as, a)
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

// errSet keeps the distinct errors of concurrent workers.
type errSet struct {
	mu   sync.Mutex
	errs map[string]int
}

func (s *errSet) add(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errs == nil {
		s.errs = map[string]int{}
	}
	s.errs[err.Error()]++
}

func (s *errSet) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for msg, n := range s.errs {
		t.Errorf("%d× %s", n, msg)
	}
}

// Many goroutines load overlapping rows into one session at once: by
// key (Get), by query, and through relationships (Load, whose owners are
// every object of the type the session holds). Every object the identity
// map gives out must be in the session at once: a Load of it must not
// fail as detached, and an autoflush must not take it for a new object
// and INSERT its row again (which fails on the primary key and breaks the
// session for good).
func TestConcurrentLoadsKeepIdentityMapAndObjectsInStep(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := schema(t, srv.db, mapper.RegisterIn[Author])
		ids := seedAuthors(t, srv.db, reg, 6)
		bookT := modelTable(t, reg, Book{})
		ctx := context.Background()
		for _, noAutoflush := range []bool{false, true} {
			t.Run(fmt.Sprintf("noautoflush=%v", noAutoflush), func(t *testing.T) {
				rounds, workers := 30, 12
				if srv.name != "sqlite" {
					rounds = 15
				}
				var errs errSet
				for round := range rounds {
					s := session.New(session.DB(srv.db), session.Options{Registry: reg, NoAutoflush: noAutoflush})
					var wg sync.WaitGroup
					for w := range workers {
						wg.Go(func() {
							id := ids[(round+w)%len(ids)]
							switch w % 3 {
							case 0:
								a, err := session.Get[Author](ctx, s, id)
								if err != nil {
									errs.add(err)
									return
								}
								if err := s.Load(ctx, a, "Books"); err != nil {
									errs.add(err)
									return // a.Books may be being loaded by another goroutine
								}
								for _, b := range a.Books {
									errs.add(s.Load(ctx, b, "Author"))
								}
							case 1:
								bs, err := session.Query[Book](s).Where(core.Eq(bookT.C("author_id"), id)).All(ctx)
								if err != nil {
									errs.add(err)
									return
								}
								for _, b := range bs {
									errs.add(s.Load(ctx, b, "Author"))
								}
							case 2:
								bs, err := session.Query[Book](s).Where(core.Eq(bookT.C("author_id"), id)).All(ctx)
								if err != nil {
									errs.add(err)
									return
								}
								for _, b := range bs {
									got, err := session.Get[Book](ctx, s, b.ID)
									errs.add(err)
									if err == nil && got != b {
										errs.add(fmt.Errorf("two objects for book %d", b.ID))
									}
									a, err := session.Get[Author](ctx, s, b.AuthorID)
									if err != nil {
										errs.add(err)
										continue
									}
									errs.add(s.Load(ctx, a, "Books"))
								}
							}
						})
					}
					wg.Wait()
					// The session still works, and holds nothing to write.
					if _, err := session.Query[Author](s).All(ctx); err != nil {
						errs.add(fmt.Errorf("query after the loads: %w", err))
					}
					if err := s.Commit(ctx); err != nil {
						errs.add(fmt.Errorf("commit after the loads: %w", err))
					}
				}
				errs.check(t)
				if n := srv.rows(t, "books"); n != int64(3*len(ids)) {
					t.Errorf("%d books, want %d", n, 3*len(ids))
				}
			})
		}
	})
}

// A flush (and commit) beside concurrent reads of one session: the
// session's transaction changes under the lock the reads take it under
// (go test -race checks), and a read never runs in a transaction the
// commit has ended (engine.ErrTxDone). A read waits for a running flush
// and then sees the session's own writes.
func TestFlushBesideConcurrentReads(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := schema(t, srv.db, mapper.RegisterIn[Author])
		ids := seedAuthors(t, srv.db, reg, 4)
		tagT := modelTable(t, reg, Tag{})
		ctx := context.Background()
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		t.Cleanup(func() { s.Close(context.Background()) })
		var errs errSet
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 6 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					id := ids[(w+i)%len(ids)]
					if w%2 == 0 {
						a, err := session.Get[Author](ctx, s, id)
						if err != nil {
							errs.add(err)
							continue
						}
						errs.add(s.Load(ctx, a, "Books"))
						continue
					}
					var n int64
					errs.add(s.QueryFunc(ctx, core.Raw("SELECT COUNT(*) FROM tags").ReadOnly(), func(rows *engine.Rows) error {
						for rows.Next() {
							if err := rows.Scan(&n); err != nil {
								return err
							}
						}
						return rows.Err()
					}))
				}
			})
		}
		deadline := time.Now().Add(1500 * time.Millisecond)
		written := 0
		for i := 0; time.Now().Before(deadline) || i < 10; i++ {
			// Two objects: a flush of more than one statement, in a
			// transaction, then a commit ending it.
			t1 := &Tag{Name: fmt.Sprintf("tag %d a", i)}
			t2 := &Tag{Name: fmt.Sprintf("tag %d b", i)}
			if err := s.Add(t1, t2); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				errs.add(fmt.Errorf("flush: %w", err))
				break
			}
			// Read-your-writes inside the session's transaction.
			got, err := session.Query[Tag](s).Where(core.Eq(tagT.C("name"), t2.Name)).All(ctx)
			if err != nil || len(got) != 1 || got[0] != t2 {
				errs.add(fmt.Errorf("read of a flushed tag in the transaction: %v, %d objects", err, len(got)))
			}
			if err := s.Commit(ctx); err != nil {
				errs.add(fmt.Errorf("commit: %w", err))
				break
			}
			written += 2
		}
		close(stop)
		wg.Wait()
		errs.check(t)
		for msg := range errs.errs {
			if strings.Contains(msg, engine.ErrTxDone.Error()) {
				t.Errorf("a read ran in an ended transaction")
			}
		}
		if n := srv.rows(t, "tags"); n != int64(written) {
			t.Errorf("%d tags, want %d", n, written)
		}
	})
}

// modelTable returns the table of v's model.
func modelTable(t *testing.T, reg *mapper.Registry, v any) *core.Table {
	t.Helper()
	m, err := reg.Of(reflect.TypeOf(v))
	if err != nil {
		t.Fatal(err)
	}
	return m.Table()
}

// gate holds the first INSERT into books while armed: a flush stopped
// between its statements.
type gate struct {
	armed   atomic.Bool
	reached chan struct{}
	release chan struct{}
}

func (g *gate) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "INSERT") && strings.Contains(d.SQL, "books") && g.armed.CompareAndSwap(true, false) {
		close(g.reached)
		<-g.release
	}
	return ctx
}

func (g *gate) QueryEnd(context.Context, engine.QueryEndData) {}

// A read that starts while a flush writes waits for the flush, then sees
// the session's own writes as the session's objects: never the rows of
// a half-done flush adopted as new objects beside the ones being flushed.
func TestReadDuringFlushWaitsForIt(t *testing.T) {
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
			g := &gate{reached: make(chan struct{}), release: make(chan struct{})}
			cfg.Hook = g
			ctx := context.Background()
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			reg := schema(t, db, mapper.RegisterIn[Author])
			s := session.New(session.DB(db), session.Options{Registry: reg, NoAutoflush: true})
			t.Cleanup(func() { s.Close(context.Background()) })
			a := &Author{Name: "flushing"}
			a.Books = []*Book{{Title: "one", Author: a}, {Title: "two", Author: a}}
			if err := s.Add(a); err != nil {
				t.Fatal(err)
			}
			g.armed.Store(true)
			flushed := make(chan error, 1)
			go func() { flushed <- s.Flush(ctx) }()
			<-g.reached // the authors row is written, the books' not yet
			type result struct {
				bs  []*Book
				err error
			}
			read := make(chan result, 1)
			go func() {
				bs, err := session.Query[Book](s).OrderBy("Title").All(ctx)
				read <- result{bs, err}
			}()
			select {
			case r := <-read:
				close(g.release)
				t.Fatalf("a read ran while the flush was writing: %d books, %v", len(r.bs), r.err)
			case <-time.After(200 * time.Millisecond):
			}
			close(g.release)
			if err := <-flushed; err != nil {
				t.Fatal(err)
			}
			r := <-read
			if r.err != nil {
				t.Fatal(r.err)
			}
			if len(r.bs) != 2 || r.bs[0] != a.Books[0] || r.bs[1] != a.Books[1] {
				t.Fatalf("read after the flush: %d books %v, want the session's two objects", len(r.bs), r.bs)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
