package session_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type Author struct {
	ID    int64   `athanor:",pk"`
	Name  string  `athanor:",size:100,unique"`
	Books []*Book `athanor:",cascade:all+delete-orphan"`
}

type Book struct {
	ID       int64
	Title    string `athanor:",size:200"`
	Pages    int
	AuthorID int64 `athanor:",index"`
	Author   *Author
	Tags     []*Tag `athanor:",secondary:book_tags"`
	Version  int64  `athanor:",version"`
}

type Tag struct {
	ID    int64   `athanor:",pk"`
	Name  string  `athanor:",size:50,unique"`
	Books []*Book `athanor:",secondary:book_tags,joincol:tag_id,inversecol:book_id"`
}

type Employee struct {
	ID        int64 `athanor:",pk"`
	Name      string
	ManagerID *int64
	Manager   *Employee   `athanor:",fk:manager_id"`
	Reports   []*Employee `athanor:",fk:manager_id"`
}

// sqlCounter counts statements by verb and records their SQL.
type sqlCounter struct {
	mu   sync.Mutex
	sqls []string
}

func (c *sqlCounter) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	c.mu.Lock()
	c.sqls = append(c.sqls, d.SQL)
	c.mu.Unlock()
	return ctx
}
func (c *sqlCounter) QueryEnd(context.Context, engine.QueryEndData) {}

func (c *sqlCounter) reset() { c.mu.Lock(); c.sqls = nil; c.mu.Unlock() }

func (c *sqlCounter) with(prefix string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, s := range c.sqls {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

type env struct {
	db  *engine.DB
	reg *mapper.Registry
	hk  *sqlCounter
}

func setup(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	cfg, err := engine.ParseConfig("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	hk := &sqlCounter{}
	cfg.Hook = hk
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	for _, f := range []func(*mapper.Registry) (*mapper.Model, error){mapper.RegisterIn[Author], mapper.RegisterIn[Employee]} {
		if _, err := f(reg); err != nil {
			t.Fatal(err)
		}
	}
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	err = md.CreateAll(ctx, db.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	hk.reset()
	return env{db: db, reg: reg, hk: hk}
}

func (e env) session(opts session.Options) *session.Session {
	opts.Registry = e.reg
	return session.New(session.DB(e.db), opts)
}

func count(t *testing.T, db *engine.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), core.Raw(`SELECT COUNT(*) FROM "`+table+`"`).ReadOnly()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestGraphCommitsInOneCall(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	a := &Author{Name: "Le Guin"}
	go1, go2 := &Tag{Name: "sf"}, &Tag{Name: "classic"}
	b1 := &Book{Title: "Dispossessed", Author: a, Tags: []*Tag{go1, go2}}
	b2 := &Book{Title: "Left Hand", Tags: []*Tag{go1}}
	a.Books = []*Book{b1, b2}
	boss := &Employee{Name: "boss"}
	mid := &Employee{Name: "mid", Manager: boss}
	low := &Employee{Name: "low", Manager: mid}
	// Scrambled: children before parents.
	if err := s.Add(low, b2, go2, mid, a, boss); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || b1.ID == 0 || b2.AuthorID != a.ID || b1.Version != 1 {
		t.Fatalf("keys: author %d book %d/%d version %d", a.ID, b1.ID, b2.AuthorID, b1.Version)
	}
	if mid.ManagerID == nil || *mid.ManagerID != boss.ID || *low.ManagerID != mid.ID || boss.ManagerID != nil {
		t.Fatalf("self-reference keys: %v %v", mid.ManagerID, low.ManagerID)
	}
	if n := count(t, e.db, "book_tags"); n != 3 {
		t.Fatalf("book_tags rows %d, want 3", n)
	}
	if s.StateOf(go1) != session.Persistent {
		t.Fatalf("cascaded tag state %v", s.StateOf(go1))
	}
	// Identity: Get returns the same object without SQL.
	e.hk.reset()
	got, err := session.Get[Book](ctx, s, b1.ID)
	if err != nil || got != b1 || len(e.hk.with("SELECT")) != 0 {
		t.Fatalf("get: %p %v (%d selects)", got, err, len(e.hk.with("SELECT")))
	}
	// A fresh session loads from the database.
	s2 := e.session(session.Options{})
	bs, err := session.Query[Book](s2).Join("Author").Filter("Author.Name", "Le Guin").OrderBy("Title").All(ctx)
	if err != nil || len(bs) != 2 || bs[0].Title != "Dispossessed" {
		t.Fatalf("query: %v %v", bs, err)
	}
	n, err := session.Query[Book](s2).Filter("AuthorID", a.ID).Count(ctx)
	if err != nil || n != 2 {
		t.Fatalf("count %d %v", n, err)
	}
	ok, err := session.Query[Tag](s2).Filter("Name", "classic").Exists(ctx)
	if err != nil || !ok {
		t.Fatalf("exists %v %v", ok, err)
	}
	if _, err := session.Query[Book](s2).Filter("Title", "zzz").One(ctx); !errors.Is(err, athanor.ErrNoRows) {
		t.Fatalf("one: %v", err)
	}
	if _, err := session.Query[Book](s2).One(ctx); !errors.Is(err, session.ErrMultipleRows) {
		t.Fatalf("one of two: %v", err)
	}
}

func (e env) mustModel(t *testing.T, v any) *mapper.Model {
	m, err := e.reg.Of(reflectType(v))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUnknownColumnFailsBeforeSQL(t *testing.T) {
	e := setup(t)
	s := e.session(session.Options{})
	q := session.Query[Book](s)
	cases := []struct {
		name string
		run  func() error
	}{
		{"filter", func() error { _, err := q.Filter("Nope", 1).All(context.Background()); return err }},
		{"order by", func() error { _, err := q.OrderBy("-Nope").All(context.Background()); return err }},
		{"column in where", func() error { _, err := q.Where(core.Eq(q.C("nope"), 1)).All(context.Background()); return err }},
		{"join", func() error { _, err := q.Join("Nope").Count(context.Background()); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.hk.reset()
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), "nope") && !strings.Contains(err.Error(), "Nope") {
				t.Fatalf("error %v", err)
			}
			if n := len(e.hk.with("")); n != 0 {
				t.Fatalf("%d statements sent", n)
			}
		})
	}
}

func TestBatchedInsertsAndUpdateOfOneColumn(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{BatchSize: 300})
	a := &Author{Name: "many"}
	books := make([]*Book, 1000)
	for i := range books {
		books[i] = &Book{Title: "t", Pages: i, Author: a}
	}
	if err := s.Add(a); err != nil {
		t.Fatal(err)
	}
	for _, b := range books {
		s.Add(b)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(e.hk.with(`INSERT INTO "books"`)); got != 4 {
		t.Fatalf("%d book INSERTs, want ceil(1000/300)=4", got)
	}
	seen := map[int64]bool{}
	for i, b := range books {
		if b.ID == 0 || seen[b.ID] || b.AuthorID != a.ID {
			t.Fatalf("book %d: id %d author %d", i, b.ID, b.AuthorID)
		}
		seen[b.ID] = true
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The key matches the row: pages were written in order.
	var pages int
	if err := e.db.QueryRow(ctx, core.Raw(`SELECT pages FROM books WHERE id = ?`, books[777].ID).ReadOnly()).Scan(&pages); err != nil || pages != 777 {
		t.Fatalf("pages %d %v", pages, err)
	}

	e.hk.reset()
	books[5].Title = "changed"
	books[6].Pages = 0 // zero value is a real value
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ups := e.hk.with("UPDATE")
	if len(ups) != 2 {
		t.Fatalf("updates %q", ups)
	}
	if !strings.HasPrefix(ups[0], `UPDATE "books" SET "title" = ?, "version" = ? WHERE`) ||
		!strings.HasPrefix(ups[1], `UPDATE "books" SET "pages" = ?, "version" = ? WHERE`) {
		t.Fatalf("update SQL %q", ups)
	}
	if err := e.db.QueryRow(ctx, core.Raw(`SELECT pages FROM books WHERE id = ?`, books[6].ID).ReadOnly()).Scan(&pages); err != nil || pages != 0 {
		t.Fatalf("zero value not persisted: %d %v", pages, err)
	}
	// Nothing changed: nothing sent.
	e.hk.reset()
	if err := s.Commit(ctx); err != nil || len(e.hk.with("")) != 0 {
		t.Fatalf("idle commit sent %q (%v)", e.hk.with(""), err)
	}
}

func TestStaleObject(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s0 := e.session(session.Options{})
	b := &Book{Title: "v", Author: &Author{Name: "x"}}
	s0.Add(b)
	if err := s0.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s1, s2 := e.session(session.Options{}), e.session(session.Options{})
	b1, err := session.Get[Book](ctx, s1, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := session.Get[Book](ctx, s2, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	b1.Title = "first"
	b2.Title = "second"
	if err := s1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s2.Commit(ctx); !errors.Is(err, athanor.ErrStaleObject) {
		t.Fatalf("second commit: %v", err)
	}
	s3 := e.session(session.Options{})
	b3, err := session.Get[Book](ctx, s3, b.ID)
	if err != nil || b3.Title != "first" || b3.Version != 2 {
		t.Fatalf("after: %+v %v", b3, err)
	}
	if b2.Version != 1 {
		t.Fatalf("failed session's version changed to %d", b2.Version)
	}
}

func TestFailedFlushWritesNothingAndCanBeRetried(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	a1 := &Author{Name: "dup"}
	a2 := &Author{Name: "dup"} // unique violation, second row of the batch
	tag := &Tag{Name: "cascaded"}
	b := &Book{Title: "b", Author: a2, Tags: []*Tag{tag}}
	emp := &Employee{Name: "e"}
	s.Add(a1, a2, b, emp)
	err := s.Commit(ctx)
	if !errors.Is(err, athanor.ErrUniqueViolation) {
		t.Fatalf("commit: %v", err)
	}
	for _, tb := range []string{"authors", "books", "employees"} {
		if n := count(t, e.db, tb); n != 0 {
			t.Fatalf("%s has %d rows after a failed flush", tb, n)
		}
	}
	if a1.ID != 0 || a2.ID != 0 || b.ID != 0 || b.AuthorID != 0 || b.Version != 0 || emp.ID != 0 {
		t.Fatalf("keys not restored: %d %d %d %d %d", a1.ID, a2.ID, b.ID, b.AuthorID, emp.ID)
	}
	if s.StateOf(a1) != session.Pending || s.StateOf(b) != session.Pending || s.StateOf(tag) != session.Transient || tag.ID != 0 {
		t.Fatalf("states %v %v %v", s.StateOf(a1), s.StateOf(b), s.StateOf(tag))
	}
	a2.Name = "fixed"
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if count(t, e.db, "authors") != 2 || count(t, e.db, "books") != 1 || b.AuthorID != a2.ID || count(t, e.db, "book_tags") != 1 {
		t.Fatal("retry did not write everything")
	}
}

func TestFailedUpdateInOpenTransactionRestores(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	x, y := &Author{Name: "x"}, &Author{Name: "y"}
	s.Add(x, y)
	if err := s.Flush(ctx); err != nil { // transaction stays open
		t.Fatal(err)
	}
	y.Name = "x"
	if err := s.Flush(ctx); !errors.Is(err, athanor.ErrUniqueViolation) {
		t.Fatalf("flush: %v", err)
	}
	y.Name = "z"
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := e.db.Query(ctx, core.Raw(`SELECT name FROM authors ORDER BY name`).ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	names, err = engine.Collect[string](rows)
	if err != nil || strings.Join(names, ",") != "x,z" {
		t.Fatalf("names %v %v", names, err)
	}
}

func TestRollbackRestoresStates(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	a := &Author{Name: "r"}
	s.Add(a)
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if a.ID == 0 || s.StateOf(a) != session.Persistent {
		t.Fatal("not flushed")
	}
	if err := s.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if a.ID != 0 || s.StateOf(a) != session.Pending || count(t, e.db, "authors") != 0 {
		t.Fatalf("after rollback: id %d state %v", a.ID, s.StateOf(a))
	}
	if err := s.Commit(ctx); err != nil || a.ID == 0 {
		t.Fatalf("commit after rollback: %v", err)
	}
}

func TestConcurrentLoadsOneObjectPerKey(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s0 := e.session(session.Options{})
	a := &Author{Name: "c"}
	for i := range 50 {
		s0.Add(&Book{Title: "c", Pages: i, Author: a})
	}
	if err := s0.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s := e.session(session.Options{})
	var wg sync.WaitGroup
	results := make([][]*Book, 64)
	var failed atomic.Value
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs, err := session.Query[Book](s).Where(core.Ge(e.mustModel(t, Book{}).Table().C("pages"), g%20)).OrderBy("ID").All(ctx)
			if err != nil {
				failed.Store(err)
			}
			if len(bs) > 0 {
				if _, err := session.Get[Book](ctx, s, bs[0].ID); err != nil {
					failed.Store(err)
				}
			}
			results[g] = bs
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	byID := map[int64]*Book{}
	for _, bs := range results {
		for _, b := range bs {
			if prev, ok := byID[b.ID]; ok && prev != b {
				t.Fatalf("two objects for book %d", b.ID)
			}
			byID[b.ID] = b
		}
	}
	if len(byID) != 50 {
		t.Fatalf("%d books loaded", len(byID))
	}
}

func TestReloadKeepsUnflushedChanges(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s0 := e.session(session.Options{})
	s0.Add(&Author{Name: "keep"})
	s0.Commit(ctx)
	s := e.session(session.Options{NoAutoflush: true})
	a, err := session.Query[Author](s).First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "mine"
	again, err := session.Query[Author](s).First(ctx)
	if err != nil || again != a || a.Name != "mine" {
		t.Fatalf("reload: %p %p %q %v", again, a, a.Name, err)
	}
	if err := s.Refresh(ctx, a); err != nil || a.Name != "keep" {
		t.Fatalf("refresh: %q %v", a.Name, err)
	}
}

func TestDeleteCascadeAndOrphans(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s0 := e.session(session.Options{})
	keep := &Author{Name: "keep", Books: []*Book{{Title: "k1"}, {Title: "k2"}}}
	gone := &Author{Name: "gone", Books: []*Book{{Title: "g1"}, {Title: "g2"}, {Title: "g3"}}}
	tag := &Tag{Name: "t"}
	gone.Books[0].Tags = []*Tag{tag}
	keep.Books[0].Tags = []*Tag{tag}
	s0.Add(keep, gone)
	if err := s0.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Fresh session: collections not loaded; the cascade loads them.
	s := e.session(session.Options{})
	g, err := session.Get[Author](ctx, s, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.Delete(g)
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if count(t, e.db, "authors") != 1 || count(t, e.db, "books") != 2 || count(t, e.db, "book_tags") != 1 || count(t, e.db, "tags") != 1 {
		t.Fatalf("after cascade: authors %d books %d book_tags %d", count(t, e.db, "authors"), count(t, e.db, "books"), count(t, e.db, "book_tags"))
	}
	// delete-orphan: removing a book from a loaded collection deletes it.
	k, _ := session.Get[Author](ctx, s, keep.ID)
	if err := s.Load(ctx, k, "Books"); err != nil || len(k.Books) != 2 {
		t.Fatalf("books %v %v", k.Books, err)
	}
	k.Books = k.Books[1:]
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e.db, "books"); n != 1 {
		t.Fatalf("after orphan: %d books", n)
	}
}

func TestMergeAndExpunge(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s0 := e.session(session.Options{})
	a := &Author{Name: "m"}
	s0.Add(a)
	s0.Commit(ctx)
	s := e.session(session.Options{})
	detached := &Author{ID: a.ID, Name: "merged"}
	got, err := session.Merge(ctx, s, detached)
	if err != nil || got == detached || got.Name != "merged" {
		t.Fatalf("merge: %+v %v", got, err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s.Expunge(got)
	if s.StateOf(got) != session.Detached {
		t.Fatalf("state %v", s.StateOf(got))
	}
	again, _ := session.Get[Author](ctx, s, a.ID)
	if again == got || again.Name != "merged" {
		t.Fatalf("after expunge: %p %p %q", again, got, again.Name)
	}
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v) }

// txCounter counts transactions begun.
type txCounter struct{ begins atomic.Int64 }

func (c *txCounter) TxBegin(ctx context.Context, _ engine.TxBeginData) context.Context {
	c.begins.Add(1)
	return ctx
}
func (c *txCounter) TxEnd(context.Context, engine.TxEndData) {}

// Statements are not counted; an engine hook is a QueryHook first.
func (c *txCounter) QueryStart(ctx context.Context, _ engine.QueryStartData) context.Context {
	return ctx
}
func (c *txCounter) QueryEnd(context.Context, engine.QueryEndData) {}

// TestCommitOfOneStatementNeedsNoTransaction: a Commit whose flush is one
// statement (one new object, or one changed object) sends just that
// statement, no BEGIN or COMMIT; a failing one leaves the object as it
// was, and a flush of more statements still runs in one transaction.
func TestCommitOfOneStatementNeedsNoTransaction(t *testing.T) {
	ctx := context.Background()
	cfg, err := engine.ParseConfig("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	hk, tc := &sqlCounter{}, &txCounter{}
	cfg.Hook = engine.MultiHook(hk, tc)
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := schema(t, db, mapper.RegisterIn[Author])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	step := func(name string, wantStmts, wantTx int, fn func() error) {
		t.Helper()
		hk.reset()
		tc.begins.Store(0)
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := len(hk.with("")); got != wantStmts {
			t.Errorf("%s: %d statements %q, want %d", name, got, hk.with(""), wantStmts)
		}
		if got := tc.begins.Load(); got != int64(wantTx) {
			t.Errorf("%s: %d transactions, want %d", name, got, wantTx)
		}
	}
	a := &Author{Name: "Le Guin"}
	step("insert one", 1, 0, func() error {
		s.Add(a)
		err := s.Commit(ctx)
		return err
	})
	if a.ID == 0 || s.StateOf(a) != session.Persistent {
		t.Fatalf("after insert: id %d state %v", a.ID, s.StateOf(a))
	}
	step("update one", 1, 0, func() error {
		a.Name = "Ursula K. Le Guin"
		err := s.Commit(ctx)
		return err
	})
	var name string
	if err := db.QueryRow(ctx, core.Raw(`SELECT name FROM authors WHERE id = ?`, a.ID).ReadOnly()).Scan(&name); err != nil || name != a.Name {
		t.Fatalf("row after update: %q %v", name, err)
	}

	// A unique violation: nothing written, the object still pending, and
	// once fixed it commits.
	dup := &Author{Name: a.Name}
	s.Add(dup)
	if err := s.Commit(ctx); !errors.Is(err, athanor.ErrUniqueViolation) {
		t.Fatalf("duplicate: %v", err)
	}
	if dup.ID != 0 || s.StateOf(dup) != session.Pending {
		t.Fatalf("after failed commit: id %d state %v", dup.ID, s.StateOf(dup))
	}
	step("insert after fix", 1, 0, func() error {
		dup.Name = "another"
		err := s.Commit(ctx)
		return err
	})
	if n := count(t, db, "authors"); n != 2 {
		t.Fatalf("%d authors, want 2", n)
	}
	defer func() {
		if n := count(t, db, "authors"); n != 9 {
			t.Errorf("%d authors at the end, want 9", n)
		}
	}()

	// New objects of one model in one multi-row INSERT: still one
	// statement.
	step("insert three", 1, 0, func() error {
		s.Add(&Author{Name: "p"}, &Author{Name: "q"}, &Author{Name: "r"})
		err := s.Commit(ctx)
		return err
	})
	// More rows than one INSERT takes: a transaction.
	small := session.New(session.DB(db), session.Options{Registry: reg, BatchSize: 2})
	step("insert three, batches of two", 2, 1, func() error {
		small.Add(&Author{Name: "s"}, &Author{Name: "t"}, &Author{Name: "u"})
		err := small.Commit(ctx)
		return err
	})
	// Two changes are two statements: one transaction.
	step("two updates", 2, 1, func() error {
		a.Name, dup.Name = "x", "y"
		err := s.Commit(ctx)
		return err
	})
	// A parent and its child: two INSERTs in one transaction.
	step("parent and child", 2, 1, func() error {
		s.Add(&Author{Name: "z", Books: []*Book{{Title: "b"}}})
		err := s.Commit(ctx)
		return err
	})
	// Flush (not Commit) keeps its transaction open.
	step("flush one", 1, 1, func() error {
		a.Name = "flushed"
		if err := s.Flush(ctx); err != nil {
			return err
		}
		err := s.Commit(ctx)
		return err
	})
}
