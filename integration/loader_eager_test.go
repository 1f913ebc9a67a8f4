package integration_test

// Loader acceptance (issue 7) on PostgreSQL, MariaDB and SQLite:
// relationship loading without N+1, statements counted through engine
// hooks (QueryHook for single statements, BatchHook for batches).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type ldAuthor struct {
	_      struct{}   `athanor:",table:ld_authors"`
	ID     int64      `athanor:",pk"`
	Name   string     `athanor:",size:100"`
	Books  []*ldBook  `athanor:",backref:Author"`
	Awards []*ldAward `athanor:",fk:author_id"`
}

type ldBook struct {
	_        struct{} `athanor:",table:ld_books"`
	ID       int64    `athanor:",pk"`
	Title    string   `athanor:",size:200"`
	Year     int64
	AuthorID int64 `athanor:",index"`
	Author   *ldAuthor
	Tags     []*ldTag `athanor:",secondary:ld_book_tags,joincol:book_id,inversecol:tag_id"`
}

type ldTag struct {
	_    struct{} `athanor:",table:ld_tags"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",size:50"`
}

type ldAward struct {
	_        struct{} `athanor:",table:ld_awards"`
	ID       int64    `athanor:",pk"`
	Name     string   `athanor:",size:100"`
	AuthorID int64    `athanor:",index"`
}

type ldEmployee struct {
	_         struct{} `athanor:",table:ld_employees"`
	ID        int64    `athanor:",pk"`
	Name      string   `athanor:",size:50"`
	ManagerID *int64
	Manager   *ldEmployee   `athanor:",fk:manager_id"`
	Reports   []*ldEmployee `athanor:",fk:manager_id"`
}

// ldHooks counts statements (single ones and those of batches) and can
// hold connection acquires at a barrier, to prove that statements hold
// separate connections at the same time.
type ldHooks struct {
	mu      sync.Mutex
	sqls    []string // guarded by mu
	batches []engine.BatchStartData

	armNext int           // guarded by mu: arm the barrier at the next batch
	barrier chan struct{} // guarded by mu: closed when want acquires met
	want    int
	met     int
	late    int // acquires that gave up waiting: no overlap
}

func (h *ldHooks) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	h.mu.Lock()
	h.sqls = append(h.sqls, d.SQL)
	h.mu.Unlock()
	return ctx
}
func (h *ldHooks) QueryEnd(context.Context, engine.QueryEndData) {}
func (h *ldHooks) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	h.mu.Lock()
	h.batches = append(h.batches, d)
	if h.armNext > 0 {
		h.barrier, h.want, h.met, h.armNext = make(chan struct{}), h.armNext, 0, 0
	}
	h.mu.Unlock()
	return ctx
}
func (h *ldHooks) BatchEnd(context.Context, engine.BatchEndData) {}

// AcquireEnd waits, while a barrier is armed, until `want` connections are
// held at once (or a timeout passes: then the statements did not overlap).
func (h *ldHooks) AcquireStart(ctx context.Context, _ engine.AcquireStartData) context.Context {
	return ctx
}

func (h *ldHooks) AcquireEnd(ctx context.Context, d engine.AcquireEndData) {
	h.mu.Lock()
	b := h.barrier
	if b == nil || d.Err != nil {
		h.mu.Unlock()
		return
	}
	h.met++
	if h.met == h.want {
		close(b)
		h.barrier = nil
	}
	h.mu.Unlock()
	select {
	case <-b:
	case <-time.After(5 * time.Second):
		h.mu.Lock()
		h.late++
		h.mu.Unlock()
	}
}
func (h *ldHooks) Released(engine.ReleaseData) {}

// arm makes the next batch's first n connection acquires wait for each
// other: met reaches n only if n connections are held at once.
func (h *ldHooks) arm(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armNext = n
}

func (h *ldHooks) disarm() {
	h.mu.Lock()
	h.barrier, h.armNext = nil, 0
	h.mu.Unlock()
}

func (h *ldHooks) reset() {
	h.mu.Lock()
	h.sqls, h.batches = nil, nil
	h.mu.Unlock()
}

// statements is the number of statements run: single ones plus every
// statement of every batch.
func (h *ldHooks) statements() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := len(h.sqls)
	for _, b := range h.batches {
		n += b.Statements
	}
	return n
}

func (h *ldHooks) snapshot() ([]string, []engine.BatchStartData) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.sqls...), append([]engine.BatchStartData(nil), h.batches...)
}

type ldEnv struct {
	name  string
	db    *engine.DB
	reg   *mapper.Registry
	hooks *ldHooks
}

func (e ldEnv) session(opts session.Options) *session.Session {
	opts.Registry = e.reg
	opts.NoAutoflush = true
	return session.New(session.DB(e.db), opts)
}

func (e ldEnv) table(t *testing.T, name string) *core.Table {
	t.Helper()
	md, err := e.reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	tbl, ok := md.Table(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tbl
}

// insert writes rows with multi-row INSERTs of at most per rows.
func (e ldEnv) insert(t *testing.T, table string, cols []string, rows [][]any) {
	t.Helper()
	tbl := e.table(t, table)
	cs := make([]*core.Column, len(cols))
	for i, c := range cols {
		cs[i] = tbl.C(c)
	}
	// Statements of a few hundred rows (building one costs quadratic
	// time in its rows: the builder is immutable), sent in batches.
	const per, perBatch = 100, 64
	var stmts []core.Statement
	flush := func() {
		res, err := e.db.Batch(context.Background(), stmts...)
		if err != nil {
			t.Fatalf("insert %s: %v", table, err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("insert %s: %v", table, r.Err)
			}
		}
		stmts = stmts[:0]
	}
	for lo := 0; lo < len(rows); lo += per {
		ins := core.Insert(tbl).Columns(cs...)
		for _, r := range rows[lo:min(len(rows), lo+per)] {
			ins = ins.Values(r...)
		}
		if stmts = append(stmts, ins); len(stmts) == perBatch {
			flush()
		}
	}
	if len(stmts) > 0 {
		flush()
	}
}

// eachLoaderDB runs body on PostgreSQL, MariaDB and SQLite with a fresh
// schema.
func eachLoaderDB(t *testing.T, body func(t *testing.T, e ldEnv)) {
	kinds := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
		{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := engine.ParseConfig(k.dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			hooks := &ldHooks{}
			cfg.Hook = hooks
			db, err := engine.OpenConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			reg := mapper.NewRegistry()
			for _, reg1 := range []func(*mapper.Registry) (*mapper.Model, error){
				mapper.RegisterIn[ldAuthor], mapper.RegisterIn[ldEmployee],
			} {
				if _, err := reg1(reg); err != nil {
					t.Fatal(err)
				}
			}
			createORMSchema(t, db, reg)
			hooks.reset()
			body(t, ldEnv{name: k.name, db: db, reg: reg, hooks: hooks})
		})
	}
}

// seed writes authors × books × tags: 10 books per author (years
// 2000…2009), 3 tags per book out of 30, 2 awards per author.
func (e ldEnv) seed(t *testing.T, authors int) {
	t.Helper()
	var as, bs, bts, aws [][]any
	for a := 1; a <= authors; a++ {
		as = append(as, []any{int64(a), fmt.Sprintf("author %d", a)})
		aws = append(aws, []any{int64(2*a - 1), "award", int64(a)}, []any{int64(2 * a), "award", int64(a)})
		for k := range 10 {
			b := int64((a-1)*10 + k + 1)
			bs = append(bs, []any{b, fmt.Sprintf("book %d", b), int64(2000 + k), int64(a)})
			for _, tg := range bookTags(b) {
				bts = append(bts, []any{b, tg})
			}
		}
	}
	var ts [][]any
	for i := int64(1); i <= 30; i++ {
		ts = append(ts, []any{i, fmt.Sprintf("tag %d", i)})
	}
	e.insert(t, "ld_authors", []string{"id", "name"}, as)
	e.insert(t, "ld_books", []string{"id", "title", "year", "author_id"}, bs)
	e.insert(t, "ld_tags", []string{"id", "name"}, ts)
	e.insert(t, "ld_book_tags", []string{"book_id", "tag_id"}, bts)
	e.insert(t, "ld_awards", []string{"id", "name", "author_id"}, aws)
	e.hooks.reset()
}

func bookTags(b int64) []int64 { return []int64{b%30 + 1, (b+7)%30 + 1, (b+13)%30 + 1} }

func TestLoaderAuthorsBooksTagsInThreeStatements(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 100)
		s := e.session(session.Options{})
		authors, err := session.Query[ldAuthor](s).
			Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).
			OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.hooks.statements(); n != 3 {
			sqls, _ := e.hooks.snapshot()
			t.Fatalf("%d statements, want 3: %q", n, sqls)
		}
		if len(authors) != 100 {
			t.Fatalf("%d authors", len(authors))
		}
		tags := map[int64]*ldTag{}
		for i, a := range authors {
			if a.ID != int64(i+1) || len(a.Books) != 10 {
				t.Fatalf("author %d: id %d, %d books", i, a.ID, len(a.Books))
			}
			for k, b := range a.Books {
				if b.AuthorID != a.ID || b.ID != int64(i*10+k+1) || b.Author != a {
					t.Fatalf("author %d book %d: %+v", a.ID, k, b)
				}
				want := bookTags(b.ID)
				if len(b.Tags) != 3 {
					t.Fatalf("book %d: %d tags", b.ID, len(b.Tags))
				}
				for _, tg := range b.Tags {
					if tg.ID != want[0] && tg.ID != want[1] && tg.ID != want[2] {
						t.Fatalf("book %d: tag %d, want %v", b.ID, tg.ID, want)
					}
					if prev, ok := tags[tg.ID]; ok && prev != tg {
						t.Fatalf("tag %d is two objects", tg.ID)
					}
					tags[tg.ID] = tg
				}
			}
		}
		if len(tags) != 30 {
			t.Fatalf("%d distinct tags", len(tags))
		}
		// Dotted paths plan the same loads; everything is loaded now, so
		// only the root statement runs, and the objects are the same.
		e.hooks.reset()
		again, err := session.Query[ldAuthor](s).Options(loader.SelectIn("Books.Tags")).OrderBy("ID").All(ctx)
		if err != nil || len(again) != 100 || again[0] != authors[0] {
			t.Fatalf("again: %d %v", len(again), err)
		}
		if n := e.hooks.statements(); n != 1 {
			t.Fatalf("reload of loaded relationships: %d statements, want 1", n)
		}
	})
}

func TestLoaderSiblingsOverlapAndShareIdentity(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 20)
		s := e.session(session.Options{})
		// A book loaded first and changed, not flushed: a later load must
		// hand out the same object with the change kept.
		changed, err := session.Get[ldBook](ctx, s, 15)
		if err != nil {
			t.Fatal(err)
		}
		changed.Title = "unflushed"
		e.hooks.reset()
		if e.name == "mariadb" {
			e.hooks.arm(2) // the two sibling statements must hold two connections at once
		}
		authors, err := session.Query[ldAuthor](s).
			Options(loader.SelectIn("Books"), loader.SelectIn("Awards")).
			OrderBy("ID").All(ctx)
		e.hooks.disarm()
		if err != nil {
			t.Fatal(err)
		}
		sqls, batches := e.hooks.snapshot()
		// The root query, then the siblings as one batch of two.
		if len(sqls) != 1 || len(batches) != 1 || batches[0].Statements != 2 {
			t.Fatalf("statements %q, batches %+v; want 1 query and 1 batch of 2", sqls, batches)
		}
		switch e.name {
		case "postgres":
			// One round trip for both siblings.
			if !batches[0].Pipelined {
				t.Fatal("siblings not pipelined on PostgreSQL")
			}
		case "mariadb":
			e.hooks.mu.Lock()
			met, late := e.hooks.met, e.hooks.late
			e.hooks.mu.Unlock()
			if met < 2 || late > 0 {
				t.Fatalf("siblings did not hold two connections at once (%d acquires, %d gave up)", met, late)
			}
		}
		for _, a := range authors {
			if len(a.Books) != 10 || len(a.Awards) != 2 {
				t.Fatalf("author %d: %d books, %d awards", a.ID, len(a.Books), len(a.Awards))
			}
		}
		if authors[1].Books[4] != changed || changed.Title != "unflushed" {
			t.Fatalf("book 15: %p %q, want the session's object %p with its change", authors[1].Books[4], authors[1].Books[4].Title, changed)
		}
		// A second path to the same rows: books with their authors joined.
		e.hooks.reset()
		books, err := session.Query[ldBook](s).Options(loader.Joined("Author", loader.SelectIn("Awards"))).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.hooks.statements(); n != 1 {
			t.Fatalf("joined: %d statements, want 1 (awards already loaded)", n)
		}
		if len(books) != 200 {
			t.Fatalf("%d books", len(books))
		}
		for _, b := range books {
			a := authors[b.AuthorID-1]
			if b.Author != a || a.Books[(b.ID-1)%10] != b {
				t.Fatalf("book %d is not the object reached through its author", b.ID)
			}
		}
	})
}

func TestLoaderJoinedSelfReference(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.insert(t, "ld_employees", []string{"id", "name", "manager_id"}, [][]any{
			{int64(1), "boss", nil}, {int64(2), "mid", int64(1)}, {int64(3), "low", int64(2)}, {int64(4), "low2", int64(2)},
		})
		e.hooks.reset()
		s := e.session(session.Options{})
		es, err := session.Query[ldEmployee](s).
			Options(loader.Joined("Manager", loader.Joined("Manager")), loader.SelectIn("Reports")).
			OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.hooks.statements(); n != 2 {
			sqls, _ := e.hooks.snapshot()
			t.Fatalf("%d statements, want 2: %q", n, sqls)
		}
		if len(es) != 4 || es[0].Manager != nil || es[1].Manager != es[0] || es[2].Manager != es[1] || es[2].Manager.Manager != es[0] {
			t.Fatalf("managers wrong: %+v", es)
		}
		if len(es[0].Reports) != 1 || len(es[1].Reports) != 2 || es[1].Reports[1] != es[3] || es[3].Reports == nil || len(es[3].Reports) != 0 {
			t.Fatalf("reports wrong")
		}
		// A SelectIn with a per-owner Limit takes no joined collection
		// under it: refused, naming it.
		_, err = session.Query[ldEmployee](s).Options(loader.SelectIn("Reports", loader.Joined("Reports")).Limit(1)).All(ctx)
		if !errors.Is(err, loader.ErrJoinedCollection) || !strings.Contains(err.Error(), "ldEmployee.Reports") {
			t.Fatalf("joined collection: %v", err)
		}
	})
}

func TestLoaderLazyLoadBatchesAcrossSession(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 100)
		s := e.session(session.Options{})
		authors, err := session.Query[ldAuthor](s).OrderBy("ID").All(ctx)
		if err != nil || len(authors) != 100 {
			t.Fatal(len(authors), err)
		}
		e.hooks.reset()
		if err := s.Load(ctx, authors[41], "Books"); err != nil {
			t.Fatal(err)
		}
		if n := e.hooks.statements(); n != 1 {
			t.Fatalf("lazy load: %d statements, want 1", n)
		}
		for _, a := range authors {
			if len(a.Books) != 10 || a.Books[0].Author != a {
				t.Fatalf("author %d: %d books", a.ID, len(a.Books))
			}
		}
		// Every author has its books now: loading another is free.
		if err := s.Load(ctx, authors[7], "Books"); err != nil {
			t.Fatal(err)
		}
		if n := e.hooks.statements(); n != 1 {
			t.Fatalf("second lazy load ran %d statements", n-1)
		}
	})
}

func TestLoaderTopThreeNewestBooksPerAuthor(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 50)
		s := e.session(session.Options{})
		authors, err := session.Query[ldAuthor](s).
			Options(loader.SelectIn("Books").OrderBy("-Year").Limit(3)).
			OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sqls, batches := e.hooks.snapshot()
		if len(sqls) != 2 || len(batches) != 0 || !strings.Contains(sqls[1], "ROW_NUMBER() OVER (PARTITION BY") {
			t.Fatalf("want the root query and one windowed statement: %q %v", sqls, batches)
		}
		for _, a := range authors {
			if len(a.Books) != 3 {
				t.Fatalf("author %d: %d books", a.ID, len(a.Books))
			}
			for i, b := range a.Books {
				if b.Year != int64(2009-i) || b.AuthorID != a.ID {
					t.Fatalf("author %d book %d: year %d", a.ID, i, b.Year)
				}
			}
		}
	})
}

func TestLoaderRaiseAndNPlusOne(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 5)
		s := e.session(session.Options{})
		authors, err := session.Query[ldAuthor](s).Options(loader.SelectIn("Books"), loader.Raise()).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.hooks.reset()
		err = s.Load(ctx, authors[0], "Awards")
		if !errors.Is(err, loader.ErrUnplannedLoad) || !strings.Contains(err.Error(), "ldAuthor.Awards") {
			t.Fatalf("unplanned load: %v", err)
		}
		err = s.Load(ctx, authors[0].Books[0], "Tags")
		if !errors.Is(err, loader.ErrUnplannedLoad) || !strings.Contains(err.Error(), "ldBook.Tags") {
			t.Fatalf("unplanned load of a child: %v", err)
		}
		if err := s.Load(ctx, authors[0], "Books"); err != nil {
			t.Fatalf("planned relationship: %v", err)
		}
		if n := e.hooks.statements(); n != 0 {
			t.Fatalf("raise mode ran %d statements", n)
		}
		// Unknown relationships fail before any statement, named.
		_, err = session.Query[ldAuthor](s).Options(loader.SelectIn("Books.Nope")).All(ctx)
		if !errors.Is(err, loader.ErrNoRelation) || !strings.Contains(err.Error(), "ldBook.Nope") {
			t.Fatalf("unknown relationship: %v", err)
		}

		// A failing sibling statement is an error naming its relationship.
		if _, err := e.db.Exec(ctx, core.Raw("DROP TABLE ld_awards")); err != nil {
			t.Fatal(err)
		}
		s3 := e.session(session.Options{})
		_, err = session.Query[ldAuthor](s3).Options(loader.SelectIn("Books"), loader.SelectIn("Awards")).All(ctx)
		if err == nil || !strings.Contains(err.Error(), "ldAuthor.Awards") || strings.Contains(err.Error(), "ldAuthor.Books") {
			t.Fatalf("failed sibling: %v", err)
		}

		// N+1: objects fetched one by one and loaded one by one.
		var reports []loader.Report
		var mu sync.Mutex
		s2 := e.session(session.Options{OnNPlusOne: func(r loader.Report) { mu.Lock(); reports = append(reports, r); mu.Unlock() }})
		strict := e.session(session.Options{Strict: true})
		var strictErr error
		for id := int64(1); id <= 3; id++ {
			a, err := session.Get[ldAuthor](ctx, s2, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := s2.Load(ctx, a, "Books"); err != nil { // the N+1 site
				t.Fatal(err)
			}
			sa, err := session.Get[ldAuthor](ctx, strict, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := strict.Load(ctx, sa, "Books"); err != nil && strictErr == nil {
				strictErr = err
			}
		}
		if len(reports) != 2 || reports[1].Count != 3 || reports[0].Model != "ldAuthor" || reports[0].Relation != "Books" ||
			!strings.Contains(reports[0].Site, "loader_eager_test.go:") {
			t.Fatalf("reports: %+v", reports)
		}
		if !errors.Is(strictErr, loader.ErrNPlusOne) || !strings.Contains(strictErr.Error(), "ldAuthor.Books") ||
			!strings.Contains(strictErr.Error(), "loader_eager_test.go:") {
			t.Fatalf("strict: %v", strictErr)
		}
	})
}

func TestLoaderSeventyThousandParents(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		if e.name == "sqlite" {
			t.Skip("the parameter limits under test are PostgreSQL's and MariaDB's; SQLite chunks the same way")
		}
		ctx := context.Background()
		const n = 70_000
		// Every author is a parent in the IN list; every fifth has a book
		// (fewer rows to insert and map keep the test quick under -race).
		as := make([][]any, n)
		var bs [][]any
		for i := range n {
			as[i] = []any{int64(i + 1), "a"}
			if i%5 == 0 {
				bs = append(bs, []any{int64(i + 1), "b", int64(2000), int64(i + 1)})
			}
		}
		e.insert(t, "ld_authors", []string{"id", "name"}, as)
		e.insert(t, "ld_books", []string{"id", "title", "year", "author_id"}, bs)
		e.hooks.reset()
		s := e.session(session.Options{})
		authors, err := session.Query[ldAuthor](s).Options(loader.SelectIn("Books")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sqls, batches := e.hooks.snapshot()
		switch e.name {
		case "postgres": // one array parameter
			if len(sqls) != 2 || len(batches) != 0 || !strings.Contains(sqls[1], "= ANY($1)") {
				t.Fatalf("postgres: %d queries, %d batches", len(sqls), len(batches))
			}
		case "mariadb": // chunks of loader.ChunkSize, fanned out as one batch
			chunks := (n + loader.ChunkSize - 1) / loader.ChunkSize
			if len(sqls) != 1 || len(batches) != 1 || batches[0].Statements != chunks {
				t.Fatalf("mariadb: %d queries, batches %+v, want 1 batch of %d", len(sqls), batches, chunks)
			}
		}
		if len(authors) != n {
			t.Fatalf("%d authors", len(authors))
		}
		for _, a := range authors {
			want := 0
			if (a.ID-1)%5 == 0 {
				want = 1
			}
			if a.Books == nil || len(a.Books) != want || (want == 1 && a.Books[0].AuthorID != a.ID) {
				t.Fatalf("author %d: %d books, want %d", a.ID, len(a.Books), want)
			}
		}
	})
}

func TestLoaderConcurrentQueriesShareOneSession(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 20)
		s := e.session(session.Options{})
		const n = 6
		results := make([][]*ldAuthor, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = session.Query[ldAuthor](s).
					Options(loader.SelectIn("Books", loader.SelectIn("Tags")), loader.SelectIn("Awards")).
					OrderBy("ID").All(ctx)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			for j, a := range results[i] {
				if a != results[0][j] || len(a.Books) != 10 || len(a.Awards) != 2 || len(a.Books[9].Tags) != 3 {
					t.Fatalf("goroutine %d author %d: not the shared, fully loaded object", i, a.ID)
				}
			}
		}
	})
}
