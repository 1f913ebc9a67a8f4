package session_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// Models of the stream tests (tables st_*).

type StAuthor struct {
	ID    int64     `athanor:",pk"`
	Name  string    `athanor:",size:100"`
	Books []*StBook `athanor:",fk:author_id"`
}

type StBook struct {
	ID       int64     `athanor:",pk"`
	Title    string    `athanor:",size:200"`
	AuthorID int64     `athanor:",index"`
	Author   *StAuthor `athanor:",fk:author_id"`
}

type StRow struct {
	ID    int64 `athanor:",pk,noautoincrement"`
	N     int64
	Label string `athanor:",size:20"`
}

// streamEnv is one server with the st_* tables.
type streamEnv struct {
	server
	reg *mapper.Registry
}

func (e streamEnv) session(opts session.Options) *session.Session {
	opts.Registry = e.reg
	return session.New(e.db, opts)
}

func (e streamEnv) exec(t *testing.T, sql string) {
	t.Helper()
	if _, err := e.db.Exec(context.Background(), core.Raw(sql)); err != nil {
		t.Fatal(err)
	}
}

// eachStream runs f on every dialect with the st_* tables created.
func eachStream(t *testing.T, f func(t *testing.T, e streamEnv)) {
	eachServer(t, func(t *testing.T, s server) {
		ctx := context.Background()
		reg := mapper.NewRegistry()
		for _, r := range []func(*mapper.Registry) (*mapper.Model, error){mapper.RegisterIn[StAuthor], mapper.RegisterIn[StBook], mapper.RegisterIn[StRow]} {
			if _, err := r(reg); err != nil {
				t.Fatal(err)
			}
		}
		md, err := reg.MetaData()
		if err != nil {
			t.Fatal(err)
		}
		err = md.CreateAll(ctx, s.db.Dialect(), func(ctx context.Context, c core.Compiled) error {
			_, err := s.db.Exec(ctx, core.Raw(c.SQL, c.Args...))
			return err
		}, false)
		if err != nil {
			t.Fatal(err)
		}
		s.log.take()
		f(t, streamEnv{server: s, reg: reg})
	})
}

// seedBooks commits authors authors, with books books dealt round-robin
// ("b000", "b001", … in ID order).
func seedBooks(t *testing.T, e streamEnv, authors, books int) {
	t.Helper()
	s := e.session(session.Options{})
	as := make([]*StAuthor, authors)
	for i := range as {
		as[i] = &StAuthor{Name: fmt.Sprintf("a%02d", i)}
	}
	if err := s.Add(anys(as)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	bs := make([]*StBook, books)
	for i := range bs {
		bs[i] = &StBook{Title: fmt.Sprintf("b%03d", i), AuthorID: as[i%authors].ID}
	}
	if err := s.Add(anys(bs)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.log.take()
}

func anys[T any](xs []*T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// poolIdle fails unless every connection of db is back in the pool and
// no more than broken were destroyed as broken.
func poolIdle(t *testing.T, db *engine.DB, broken int64) {
	t.Helper()
	st := db.Stats()
	if st.InUseConns != 0 || st.DestroyedBroken != broken {
		t.Fatalf("pool: %d in use, %d destroyed broken (want %d)", st.InUseConns, st.DestroyedBroken, broken)
	}
}

// TestStreamMillionRowsBoundedHeap: streaming 1,000,000 rows keeps the
// heap under 64 MB (sampled during the loop), in ID order, each row once,
// and leaves none of them in the session.
func TestStreamMillionRowsBoundedHeap(t *testing.T) {
	rows := 1_000_000
	if raceEnabled {
		rows = 100_000 // the race detector makes each row many times slower
	}
	eachStream(t, func(t *testing.T, e streamEnv) {
		ctx := context.Background()
		switch e.name {
		case "postgres":
			e.exec(t, fmt.Sprintf("INSERT INTO st_rows (id, n, label) SELECT g, g * 2, 'row' FROM generate_series(1, %d) g", rows))
		case "mariadb":
			e.exec(t, fmt.Sprintf("INSERT INTO st_rows (id, n, label) SELECT seq, seq * 2, 'row' FROM seq_1_to_%d", rows))
		default:
			e.exec(t, fmt.Sprintf("INSERT INTO st_rows (id, n, label) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) SELECT x, x * 2, 'row' FROM c", rows))
		}
		s := e.session(session.Options{})
		runtime.GC()
		var ms runtime.MemStats
		var maxHeap uint64
		n := int64(0)
		var last *StRow
		for r, err := range session.Query[StRow](s).OrderBy("ID").Stream(ctx, 1000) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			if r.ID != n || r.N != 2*n || r.Label != "row" {
				t.Fatalf("row %d: %+v", n, *r)
			}
			if n%10_000 == 0 {
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapAlloc, ms.HeapInuse)
			}
			last = r
		}
		if n != int64(rows) {
			t.Fatalf("streamed %d rows, want %d", n, rows)
		}
		t.Logf("%s: max heap %.1f MB", e.name, float64(maxHeap)/(1<<20))
		if maxHeap >= 64<<20 {
			t.Fatalf("max heap %d bytes, want < 64 MB", maxHeap)
		}
		if st := s.StateOf(last); st != session.Detached {
			t.Fatalf("last row %v, want detached", st)
		}
		poolIdle(t, e.db, 0)
	})
}

// TestStreamLoadsPerBatch: a relationship option loads once per batch
// (one statement per relationship and batch), before the batch's objects
// are yielded, and the batch's related objects leave the session with it.
func TestStreamLoadsPerBatch(t *testing.T) {
	eachStream(t, func(t *testing.T, e streamEnv) {
		ctx := context.Background()
		seedBooks(t, e, 3, 10)
		s := e.session(session.Options{})
		var books []*StBook
		for b, err := range session.Query[StBook](s).Options(loader.SelectIn("Author", loader.SelectIn("Books"))).OrderBy("ID").Stream(ctx, 4) {
			if err != nil {
				t.Fatal(err)
			}
			if b.Author == nil || b.Author.ID != b.AuthorID || len(b.Author.Books) == 0 {
				t.Fatalf("%s: author not loaded before the yield: %+v", b.Title, b.Author)
			}
			books = append(books, b)
		}
		if len(books) != 10 {
			t.Fatalf("%d books", len(books))
		}
		var authorLoads, bookLoads, streams int
		for _, q := range e.log.take() {
			switch {
			case strings.Contains(q, "FROM \"st_authors\"") || strings.Contains(q, "FROM `st_authors`"):
				authorLoads++
			case strings.Contains(q, "WHERE"):
				bookLoads++
			case strings.Contains(q, "ORDER BY"):
				streams++
			}
		}
		if streams != 1 || authorLoads != 3 || bookLoads != 3 {
			t.Fatalf("%d stream, %d author, %d books statements; want 1, 3 (one per batch), 3", streams, authorLoads, bookLoads)
		}
		for _, b := range books {
			if s.StateOf(b) != session.Detached || s.StateOf(b.Author) != session.Detached {
				t.Fatalf("%s: %v, author %v; want both detached", b.Title, s.StateOf(b), s.StateOf(b.Author))
			}
		}
		poolIdle(t, e.db, 0)
	})
}

// TestStreamDropsKeepsChanged: after the loop moves past a batch, its
// unchanged new objects leave the session; a changed one, an object held
// before the stream (yielded as held) and an object a kept one refers to
// stay, and the change commits. With KeepObjects all stay.
func TestStreamDropsKeepsChanged(t *testing.T) {
	eachStream(t, func(t *testing.T, e streamEnv) {
		ctx := context.Background()
		seedBooks(t, e, 2, 6)
		s := e.session(session.Options{})
		held, err := session.Query[StBook](s).Filter("Title", "b004").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*StBook{}
		for b, err := range session.Query[StBook](s).Options(loader.SelectIn("Author")).OrderBy("ID").Stream(ctx, 2) {
			if err != nil {
				t.Fatal(err)
			}
			got[b.Title] = b
			if b.Title == "b001" {
				b.Title = "b001 changed"
			}
		}
		if got["b004"] != held {
			t.Fatal("the held object was not yielded as held")
		}
		want := map[string]session.State{
			"b000": session.Detached, "b001": session.Persistent, "b002": session.Detached,
			"b003": session.Detached, "b004": session.Persistent, "b005": session.Detached,
		}
		for title, st := range want {
			if g := s.StateOf(got[title]); g != st {
				t.Errorf("%s: %v, want %v", title, g, st)
			}
		}
		// b001's author is referred to by a staying object: it stays.
		if g := s.StateOf(got["b001"].Author); g != session.Persistent {
			t.Errorf("author of the changed book: %v, want persistent", g)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := session.Query[StBook](e.session(session.Options{})).Filter("Title", "b001 changed").Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("committed change: %d %v", n, err)
		}

		// A held author's books, loaded by the stream, stay with it; the
		// other authors' go with their batch.
		s3 := e.session(session.Options{})
		heldA, err := session.Query[StAuthor](s3).Filter("Name", "a00").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var authors []*StAuthor
		for a, err := range session.Query[StAuthor](s3).Options(loader.SelectIn("Books")).OrderBy("ID").Stream(ctx, 1) {
			if err != nil {
				t.Fatal(err)
			}
			authors = append(authors, a)
		}
		for _, a := range authors {
			want := session.Detached
			if a == heldA {
				want = session.Persistent
			}
			if len(a.Books) != 3 {
				t.Fatalf("%s: %d books", a.Name, len(a.Books))
			}
			for _, b := range a.Books {
				if g := s3.StateOf(b); g != want {
					t.Errorf("book %s of %s: %v, want %v", b.Title, a.Name, g, want)
				}
			}
		}

		s2 := e.session(session.Options{})
		var all []*StBook
		for b, err := range session.Query[StBook](s2).OrderBy("ID").Stream(ctx, 2, session.KeepObjects) {
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b)
		}
		for _, b := range all {
			if s2.StateOf(b) != session.Persistent {
				t.Fatalf("KeepObjects: %s %v", b.Title, s2.StateOf(b))
			}
		}
		if g, err := session.Get[StBook](ctx, s2, all[0].ID); err != nil || g != all[0] {
			t.Fatalf("KeepObjects: identity map lost %s: %v", all[0].Title, err)
		}
	})
}

// TestStreamBreakCancelError: breaking out, cancelling the context and
// a failing relationship load each end the iteration (an error yielded
// once), with every connection back in the pool, healthy, and the
// session usable.
func TestStreamBreakCancelError(t *testing.T) {
	eachStream(t, func(t *testing.T, e streamEnv) {
		seedBooks(t, e, 3, 50)
		e.exec(t, "INSERT INTO st_rows (id, n, label) SELECT id, id, 'row' FROM st_books")
		s := e.session(session.Options{})
		q := session.Query[StBook](s).OrderBy("ID")

		t.Run("break", func(t *testing.T) {
			ctx := context.Background()
			if _, err := q.Count(ctx); err != nil { // the pool's connection, opened
				t.Fatal(err)
			}
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			n := 0
			var kept *StBook
			for b, err := range q.Stream(ctx, 7) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				if n == 10 {
					kept = b
					break
				}
			}
			if n != 10 {
				t.Fatalf("%d rows before the break", n)
			}
			if s.StateOf(kept) != session.Persistent {
				t.Fatalf("the batch broken out of left the session: %v", s.StateOf(kept))
			}
			poolIdle(t, e.db, 0)
			all, err := q.All(ctx)
			if err != nil || len(all) != 50 {
				t.Fatalf("session after break: %d %v", len(all), err)
			}
		})
		t.Run("cancel", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, errs := 0, 0
			for _, err := range session.Query[StBook](e.session(session.Options{})).Options(loader.SelectIn("Author")).OrderBy("ID").Stream(ctx, 5) {
				if err != nil {
					errs++
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("error %v, want context.Canceled", err)
					}
					continue
				}
				n++
				if n == 5 {
					cancel()
				}
			}
			if errs != 1 || n != 5 {
				t.Fatalf("%d rows, %d errors; want 5 rows then one error", n, errs)
			}
			ctx2 := context.Background()
			if c, err := q.Count(ctx2); err != nil || c != 50 {
				t.Fatalf("session after cancel: %d %v", c, err)
			}
			// The cancelled connection is the engine's to discard (after
			// the server stopped its statement), never reused.
			deadline := time.Now().Add(10 * time.Second)
			for e.db.Stats().InUseConns != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("%d connections in use after cancel", e.db.Stats().InUseConns)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
		t.Run("panic", func(t *testing.T) {
			func() {
				defer func() {
					if r := recover(); r != "body" {
						t.Fatalf("recovered %v", r)
					}
				}()
				for range q.Stream(context.Background(), 7) {
					panic("body")
				}
			}()
			poolIdle(t, e.db, e.db.Stats().DestroyedBroken)
			if c, err := q.Count(context.Background()); err != nil || c != 50 {
				t.Fatalf("session after a panic: %d %v", c, err)
			}
		})
		t.Run("bad batch", func(t *testing.T) {
			errs := 0
			for _, err := range q.Stream(context.Background(), 0) {
				if err == nil || !strings.Contains(err.Error(), "batch size") {
					t.Fatalf("batch 0: %v", err)
				}
				errs++
			}
			if errs != 1 {
				t.Fatalf("%d errors", errs)
			}
		})
		if e.name == "postgres" {
			t.Run("row error", func(t *testing.T) {
				// Division by zero at the 20th row: the server fails
				// mid-result, after two batches of 7.
				// No ORDER BY: a sort would meet the error before any row.
				bad := session.Query[StRow](s).Where(core.Raw("100 / (n - 20) > -1000"))
				broken := e.db.Stats().DestroyedBroken
				n, errs := 0, 0
				for _, err := range bad.Stream(context.Background(), 7) {
					if err != nil {
						errs++
						if !strings.Contains(err.Error(), "division by zero") {
							t.Fatalf("error %v", err)
						}
						continue
					}
					n++
				}
				if n != 14 || errs != 1 {
					t.Fatalf("%d rows, %d errors; want 14 then one error", n, errs)
				}
				poolIdle(t, e.db, broken)
				if c, err := q.Count(context.Background()); err != nil || c != 50 {
					t.Fatalf("session after error: %d %v", c, err)
				}
			})
		}
	})
}

// TestStreamInTransaction: inside s.Begin the stream reads keyset pages
// in the transaction (its own uncommitted rows included, in a descending
// order), the body may run statements in it between rows, and a Commit in
// the body ends the stream with ErrStreamTxEnded, yielded once.
func TestStreamInTransaction(t *testing.T) {
	eachStream(t, func(t *testing.T, e streamEnv) {
		ctx := context.Background()
		seedBooks(t, e, 3, 20)
		s := e.session(session.Options{})
		defer s.Rollback(ctx) // a failure leaves no transaction holding a connection
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		a0, err := session.Query[StAuthor](s).Filter("Name", "a00").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fresh := &StBook{Title: "b999 new", AuthorID: a0.ID}
		if err := s.Add(fresh); err != nil {
			t.Fatal(err)
		}
		e.log.take()
		var titles []string
		for b, err := range session.Query[StBook](s).Options(loader.SelectIn("Author")).OrderBy("-Title").Stream(ctx, 3) {
			if err != nil {
				t.Fatal(err)
			}
			if b.Author == nil {
				t.Fatalf("%s: author not loaded", b.Title)
			}
			titles = append(titles, b.Title)
			if len(titles) == 5 {
				// A statement of the transaction between two pages.
				other, err := session.Query[StBook](s).Filter("Title", "b000").One(ctx)
				if err != nil {
					t.Fatal(err)
				}
				other.Title = "b000 changed" // yielded later as held, changed
			}
		}
		if len(titles) != 21 || titles[0] != "b999 new" || titles[1] != "b019" || titles[20] != "b000 changed" {
			t.Fatalf("titles %q", titles)
		}
		pages := 0
		for _, q := range e.log.take() {
			if strings.Contains(q, "ORDER BY") && strings.Contains(q, "LIMIT") {
				pages++
			}
		}
		if pages != 8 { // 7 full pages, then an empty one
			t.Fatalf("%d pages, want 8", pages)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := e.rows(t, "st_books"); n != 21 {
			t.Fatalf("%d books after commit", n)
		}

		// A mixed-direction order over pages in the transaction gives
		// All's order, with Offset and Limit too.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		mixed := session.Query[StBook](s).OrderBy("AuthorID", "-Title")
		for _, q := range []*session.QueryOf[StBook]{mixed, mixed.Offset(3).Limit(7)} {
			want, err := q.All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for b, err := range q.Stream(ctx, 4) {
				if err != nil {
					t.Fatal(err)
				}
				if i >= len(want) || b != want[i] {
					t.Fatalf("row %d: %s, want %s", i, b.Title, want[min(i, len(want)-1)].Title)
				}
				i++
			}
			if i != len(want) {
				t.Fatalf("%d rows, want %d", i, len(want))
			}
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		// A Commit in the loop body ends the transaction the stream reads
		// in: the next page fails, once.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		n, errs := 0, 0
		for _, err := range session.Query[StBook](s).OrderBy("ID").Stream(ctx, 3) {
			if err != nil {
				errs++
				if !errors.Is(err, session.ErrStreamTxEnded) {
					t.Fatalf("error %v, want ErrStreamTxEnded", err)
				}
				continue
			}
			n++
			if n == 2 {
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n != 3 || errs != 1 {
			t.Fatalf("%d rows, %d errors; want the first page then one error", n, errs)
		}

		// Over a caller's transaction the session has one connection: the
		// stream pages too, and the body's statements run between pages.
		ctx2 := context.Background()
		tx, err := e.db.Begin(ctx2, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx2)
		ts := session.New(tx, session.Options{Registry: e.reg})
		n = 0
		for b, err := range session.Query[StBook](ts).OrderBy("ID").Stream(ctx2, 6) {
			if err != nil {
				t.Fatal(err)
			}
			if _, err := session.Get[StAuthor](ctx2, ts, b.AuthorID); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 21 {
			t.Fatalf("over the caller's transaction: %d rows", n)
		}
		if err := tx.Rollback(ctx2); err != nil {
			t.Fatal(err)
		}

		// An order term the keyset cannot follow is refused in a
		// transaction, before any row.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		for _, err := range session.Query[StBook](s).OrderBy(core.Lower(session.Query[StBook](s).C("Title"))).Stream(ctx, 3) {
			if !errors.Is(err, session.ErrStreamOrder) {
				t.Fatalf("expression order in a transaction: %v", err)
			}
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		poolIdle(t, e.db, 0)
	})
}

// TestStreamBodyUsesSession: outside a transaction the loop body may
// Get, Add, Begin and Commit: the stream reads on its own connection to
// the end; autoflush ran once, before the stream.
func TestStreamBodyUsesSession(t *testing.T) {
	eachStream(t, func(t *testing.T, e streamEnv) {
		ctx := context.Background()
		seedBooks(t, e, 2, 12)
		s := e.session(session.Options{})
		a, err := session.Query[StAuthor](s).Filter("Name", "a01").One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s2 := e.session(session.Options{})
		defer s2.Rollback(ctx)
		var late *StBook
		n := 0
		for b, err := range session.Query[StBook](s2).OrderBy("ID").Stream(ctx, 4) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			switch n {
			case 2:
				if _, err := s2.Begin(ctx); err != nil {
					t.Fatal(err)
				}
				got, err := session.Get[StBook](ctx, s2, b.ID)
				if err != nil || got != b {
					t.Fatalf("get in the body: %v", err)
				}
				b.Title += " changed"
				if err := s2.Add(&StBook{Title: "added in tx", AuthorID: a.ID}); err != nil {
					t.Fatal(err)
				}
				if err := s2.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			case 6:
				late = &StBook{Title: "added late", AuthorID: a.ID}
				if err := s2.Add(late); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n != 12 {
			t.Fatalf("%d rows, want the 12 the statement saw", n)
		}
		if s2.StateOf(late) != session.Pending {
			t.Fatalf("a stream autoflushed during the loop: %v", s2.StateOf(late))
		}
		if err := s2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		c, err := session.Query[StBook](s).Count(ctx)
		if err != nil || c != 14 {
			t.Fatalf("%d books %v, want 14", c, err)
		}
		if c, err := session.Query[StBook](s).Filter("Title", "b001 changed").Count(ctx); err != nil || c != 1 {
			t.Fatalf("change in the body: %d %v", c, err)
		}
		poolIdle(t, e.db, 0)
	})
}

// TestStreamThroughRouter: over a router the stream reads on a replica
// that has caught up with the session's last commit (or the primary),
// so it sees the session's own writes, and the body may commit through
// the router meanwhile.
func TestStreamThroughRouter(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	ctx := context.Background()
	c := testdb.PG(t)
	open := func(url string, log *sqlLog) *engine.DB {
		cfg, err := engine.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Hook = log
		db, err := engine.OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	plog, rlog := &sqlLog{}, &sqlLog{}
	primary := open(c.Primary.URL(), plog)
	reg := schema(t, primary, mapper.RegisterIn[StAuthor], mapper.RegisterIn[StBook])
	var replicas []*engine.DB
	for _, r := range c.Replicas {
		replicas = append(replicas, open(r.URL(), rlog))
	}
	rt, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	testdb.CaughtUp(t, c)

	s := session.New(rt, session.Options{Registry: reg})
	a := &StAuthor{Name: "routed"}
	for i := range 30 {
		a.Books = append(a.Books, &StBook{Title: fmt.Sprintf("r%02d", i), Author: a})
	}
	if err := s.Add(a); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s.Expunge(a)
	for _, b := range a.Books {
		s.Expunge(b)
	}
	plog.take()
	rlog.take()
	n := 0
	for b, err := range session.Query[StBook](s).Options(loader.SelectIn("Author")).OrderBy("ID").Stream(ctx, 8) {
		if err != nil {
			t.Fatal(err)
		}
		if b.Author == nil || b.Author.Name != "routed" {
			t.Fatalf("%s: author %+v", b.Title, b.Author)
		}
		n++
		if n == 10 {
			if err := s.Add(&StBook{Title: "during", AuthorID: b.AuthorID}); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n != 30 {
		t.Fatalf("%d rows, want the session's 30", n)
	}
	where := "primary"
	for _, q := range rlog.take() {
		if strings.Contains(q, "ORDER BY") {
			where = "replica"
		}
	}
	t.Logf("the stream ran on the %s", where)
	for _, q := range plog.take() {
		if strings.HasPrefix(q, "INSERT") {
			return
		}
	}
	t.Fatal("the body's commit did not reach the primary")
}
