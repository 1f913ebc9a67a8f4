package integration_test

// ORM acceptance (issue 6) on PostgreSQL, MariaDB and SQLite: mapped
// models, the unit of work and the identity map, against real schemas with
// real foreign keys, statements counted through engine hooks.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

type ormAuthor struct {
	_     struct{}   `athanor:",table:authors"`
	ID    int64      `athanor:",pk"`
	Name  string     `athanor:",size:100,unique"`
	Books []*ormBook `athanor:",cascade:all+delete-orphan"`
}

type ormBook struct {
	_        struct{} `athanor:",table:books"`
	ID       int64
	Title    string `athanor:",size:200"`
	Pages    int
	AuthorID int64 `athanor:",index"`
	Author   *ormAuthor
	Tags     []*ormTag `athanor:",secondary:book_tags,joincol:book_id,inversecol:tag_id"`
	Version  int64     `athanor:",version"`
}

type ormTag struct {
	_     struct{}   `athanor:",table:tags"`
	ID    int64      `athanor:",pk"`
	Name  string     `athanor:",size:50,unique"`
	Books []*ormBook `athanor:",secondary:book_tags,joincol:tag_id,inversecol:book_id"`
}

type ormEmployee struct {
	_         struct{} `athanor:",table:employees"`
	ID        int64    `athanor:",pk"`
	Name      string   `athanor:",size:50"`
	ManagerID *int64
	Manager   *ormEmployee   `athanor:",fk:manager_id"`
	Reports   []*ormEmployee `athanor:",fk:manager_id"`
}

// stmtLog counts statements through the engine's QueryHook.
type stmtLog struct {
	mu   sync.Mutex
	sqls []string
}

func (l *stmtLog) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	l.mu.Lock()
	l.sqls = append(l.sqls, d.SQL)
	l.mu.Unlock()
	return ctx
}
func (l *stmtLog) QueryEnd(context.Context, engine.QueryEndData) {}
func (l *stmtLog) reset()                                        { l.mu.Lock(); l.sqls = nil; l.mu.Unlock() }
func (l *stmtLog) with(prefix string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.sqls {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

type ormEnv struct {
	name string
	db   *engine.DB
	reg  *mapper.Registry
	log  *stmtLog
	c    testdb.Cluster
}

func openORM(t *testing.T, dsn string) (*engine.DB, *stmtLog) {
	t.Helper()
	cfg, err := engine.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	log := &stmtLog{}
	cfg.Hook = log
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, log
}

func ormRegistry(t *testing.T) *mapper.Registry {
	t.Helper()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[ormAuthor](reg); err != nil {
		t.Fatal(err)
	}
	if _, err := mapper.RegisterIn[ormEmployee](reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

func createORMSchema(t *testing.T, db *engine.DB, reg *mapper.Registry) {
	t.Helper()
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	err = md.CreateAll(context.Background(), db.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false)
	if err != nil {
		t.Fatal(err)
	}
}

// eachORM runs body on PostgreSQL, MariaDB and SQLite with a fresh schema.
func eachORM(t *testing.T, body func(t *testing.T, e ormEnv)) {
	kinds := []struct {
		name string
		dsn  func(t *testing.T) (string, testdb.Cluster)
	}{
		{"postgres", func(t *testing.T) (string, testdb.Cluster) { c := testdb.PG(t); return c.Primary.URL(), c }},
		{"mariadb", func(t *testing.T) (string, testdb.Cluster) { c := testdb.MySQL(t); return c.Primary.URL(), c }},
		{"sqlite", func(t *testing.T) (string, testdb.Cluster) { return "sqlite://" + testdb.SQLite(t), testdb.Cluster{} }},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			dsn, c := k.dsn(t)
			db, log := openORM(t, dsn)
			reg := ormRegistry(t)
			createORMSchema(t, db, reg)
			log.reset()
			body(t, ormEnv{name: k.name, db: db, reg: reg, log: log, c: c})
		})
	}
}

func (e ormEnv) session(opts session.Options) *session.Session {
	opts.Registry = e.reg
	return session.New(session.DB(e.db), opts)
}

func (e ormEnv) count(t *testing.T, table string) int64 {
	t.Helper()
	tbl := e.table(t, table)
	var n int64
	if err := e.db.QueryRow(context.Background(), core.Select(core.Count(core.Star())).From(tbl)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e ormEnv) table(t *testing.T, name string) *core.Table {
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

func TestORMScrambledGraphCommitsInOneCall(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		a := &ormAuthor{Name: "Le Guin"}
		sf, classic := &ormTag{Name: "sf"}, &ormTag{Name: "classic"}
		b1 := &ormBook{Title: "The Dispossessed", Author: a, Tags: []*ormTag{sf, classic}}
		b2 := &ormBook{Title: "The Left Hand of Darkness", Tags: []*ormTag{sf}}
		a.Books = []*ormBook{b1, b2}
		boss := &ormEmployee{Name: "boss"}
		mid := &ormEmployee{Name: "mid", Manager: boss}
		low := &ormEmployee{Name: "low", Manager: mid}
		boss.Reports = []*ormEmployee{mid}
		if err := s.Add(low, b2, classic, mid, a, boss); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if len(e.log.with("COMMIT"))+len(e.log.with("BEGIN")) > 0 {
			// BEGIN/COMMIT go through TxHook, not QueryHook.
			t.Fatalf("unexpected tx statements in query log")
		}
		if b1.AuthorID != a.ID || b2.AuthorID != a.ID || *mid.ManagerID != boss.ID || *low.ManagerID != mid.ID {
			t.Fatal("foreign keys not assigned")
		}
		for tb, want := range map[string]int64{"authors": 1, "books": 2, "tags": 2, "book_tags": 3, "employees": 3} {
			if n := e.count(t, tb); n != want {
				t.Errorf("%s: %d rows, want %d", tb, n, want)
			}
		}
		// Read back in a new session, through the relationship join.
		s2 := e.session(session.Options{})
		bq := session.Query[ormBook](s2).Join("Author")
		bs, err := bq.Where(core.Eq(bq.C("Author.Name"), "Le Guin")).OrderBy("Title").All(ctx)
		if err != nil || len(bs) != 2 || bs[0].Title != "The Dispossessed" {
			t.Fatalf("query: %v %v", bs, err)
		}
		if err := s2.Load(ctx, bs[0], "Tags"); err != nil || len(bs[0].Tags) != 2 {
			t.Fatalf("tags: %v %v", bs[0].Tags, err)
		}
		reports, err := session.Query[ormEmployee](s2).Filter("ManagerID", boss.ID).All(ctx)
		if err != nil || len(reports) != 1 || reports[0].Name != "mid" {
			t.Fatalf("reports: %v %v", reports, err)
		}
	})
}

func TestORMThousandBooksBatched(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		const batch = 250
		s := e.session(session.Options{BatchSize: batch})
		a := &ormAuthor{Name: "prolific"}
		s.Add(a)
		books := make([]*ormBook, 1000)
		for i := range books {
			books[i] = &ormBook{Title: "vol", Pages: i + 1, Author: a}
			s.Add(books[i])
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ins := e.log.with("INSERT INTO")
		var bookInserts int
		for _, q := range ins {
			if strings.Contains(q, "books") {
				bookInserts++
			}
		}
		if bookInserts > (1000+batch-1)/batch {
			t.Fatalf("%d INSERTs for 1000 books with batch %d", bookInserts, batch)
		}
		seen := map[int64]bool{}
		for _, b := range books {
			if b.ID == 0 || seen[b.ID] {
				t.Fatalf("key %d missing or repeated", b.ID)
			}
			seen[b.ID] = true
		}
		// Each key names the row it was handed for.
		s2 := e.session(session.Options{})
		for _, i := range []int{0, 499, 999} {
			got, err := session.Get[ormBook](ctx, s2, books[i].ID)
			if err != nil || got.Pages != i+1 {
				t.Fatalf("book %d: %+v %v", i, got, err)
			}
		}
	})
}

func TestORMUpdateWritesOnlyChangedColumn(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		b := &ormBook{Title: "draft", Pages: 12, Author: &ormAuthor{Name: "u"}}
		s.Add(b)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		e.log.reset()
		b.Title = "final"
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		books := e.table(t, "books")
		want, err := core.Compile(e.db.Dialect(), core.Update(books).Set(books.C("title"), "final").Set(books.C("version"), int64(2)).
			Where(core.Eq(books.C("id"), b.ID)).Where(core.Eq(books.C("version"), int64(1))))
		if err != nil {
			t.Fatal(err)
		}
		if ups := e.log.with("UPDATE"); len(ups) != 1 || ups[0] != want.SQL {
			t.Fatalf("updates %q, want [%q]", ups, want.SQL)
		}
		// A zero value is a value.
		b.Pages = 0
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s2 := e.session(session.Options{})
		got, err := session.Get[ormBook](ctx, s2, b.ID)
		if err != nil || got.Pages != 0 || got.Title != "final" || got.Version != 3 {
			t.Fatalf("after: %+v %v", got, err)
		}
	})
}

func TestORMStaleObject(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s0 := e.session(session.Options{})
		b := &ormBook{Title: "v1", Author: &ormAuthor{Name: "s"}}
		s0.Add(b)
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s1, s2 := e.session(session.Options{}), e.session(session.Options{})
		b1, err1 := session.Get[ormBook](ctx, s1, b.ID)
		b2, err2 := session.Get[ormBook](ctx, s2, b.ID)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		b1.Title, b2.Title = "first", "second"
		if err := s1.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s2.Commit(ctx); !errors.Is(err, athanor.ErrStaleObject) {
			t.Fatalf("second commit: %v, want ErrStaleObject", err)
		}
		got, err := session.Get[ormBook](ctx, e.session(session.Options{}), b.ID)
		if err != nil || got.Title != "first" || got.Version != 2 {
			t.Fatalf("first writer's data: %+v %v", got, err)
		}
	})
}

func TestORMFailedFlushWritesNothing(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s := e.session(session.Options{})
		a := &ormAuthor{Name: "ok"}
		b := &ormBook{Title: "b", Author: a}
		t1, t2 := &ormTag{Name: "dup"}, &ormTag{Name: "dup"} // fails after authors and books
		b.Tags = []*ormTag{t1, t2}
		a.Books = []*ormBook{b} // b and the tags follow by cascade
		emp := &ormEmployee{Name: "e"}
		s.Add(a, emp)
		err := s.Commit(ctx)
		if !errors.Is(err, athanor.ErrUniqueViolation) {
			t.Fatalf("commit: %v, want a unique violation", err)
		}
		for _, tb := range []string{"authors", "books", "tags", "book_tags", "employees"} {
			if n := e.count(t, tb); n != 0 {
				t.Errorf("%s: %d rows after the failed flush", tb, n)
			}
		}
		if a.ID != 0 || b.ID != 0 || b.AuthorID != 0 || t1.ID != 0 || emp.ID != 0 || b.Version != 0 {
			t.Fatal("keys assigned by the failed flush were not cleared")
		}
		if s.StateOf(a) != session.Pending || s.StateOf(b) != session.Transient {
			t.Fatalf("states %v %v", s.StateOf(a), s.StateOf(b))
		}
		t2.Name = "unique"
		if err := s.Commit(ctx); err != nil {
			t.Fatalf("commit after fixing: %v", err)
		}
		for tb, want := range map[string]int64{"authors": 1, "books": 1, "tags": 2, "book_tags": 2, "employees": 1} {
			if n := e.count(t, tb); n != want {
				t.Errorf("%s: %d rows, want %d", tb, n, want)
			}
		}
	})
}

func TestORMConcurrentLoadsOneObjectPerKey(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s0 := e.session(session.Options{})
		a := &ormAuthor{Name: "c"}
		for i := range 40 {
			s0.Add(&ormBook{Title: "c", Pages: i, Author: a})
		}
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s := e.session(session.Options{})
		books := e.table(t, "books")
		var wg sync.WaitGroup
		res := make([][]*ormBook, 64)
		errs := make([]error, 64)
		for g := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[g], errs[g] = session.Query[ormBook](s).Where(core.Ge(books.C("pages"), g%25)).All(ctx)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		byID := map[int64]*ormBook{}
		for _, bs := range res {
			for _, b := range bs {
				if p, ok := byID[b.ID]; ok && p != b {
					t.Fatalf("two objects for book %d", b.ID)
				}
				byID[b.ID] = b
			}
		}
		if len(byID) != 40 {
			t.Fatalf("%d distinct books", len(byID))
		}
	})
}

func TestORMDeleteCascadeAndOrphan(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		s0 := e.session(session.Options{})
		tag := &ormTag{Name: "shared"}
		keep := &ormAuthor{Name: "keep", Books: []*ormBook{{Title: "k1", Tags: []*ormTag{tag}}, {Title: "k2"}}}
		gone := &ormAuthor{Name: "gone", Books: []*ormBook{{Title: "g1", Tags: []*ormTag{tag}}, {Title: "g2"}}}
		s0.Add(keep, gone)
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s := e.session(session.Options{})
		g, err := session.Get[ormAuthor](ctx, s, gone.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.Delete(g)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for tb, want := range map[string]int64{"authors": 1, "books": 2, "tags": 1, "book_tags": 1} {
			if n := e.count(t, tb); n != want {
				t.Errorf("after cascade %s: %d rows, want %d", tb, n, want)
			}
		}
		k, err := session.Get[ormAuthor](ctx, s, keep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, k, "Books"); err != nil || len(k.Books) != 2 {
			t.Fatalf("load: %v %v", k.Books, err)
		}
		k.Books = k.Books[1:] // k1 becomes an orphan
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for tb, want := range map[string]int64{"authors": 1, "books": 1, "tags": 1, "book_tags": 0} {
			if n := e.count(t, tb); n != want {
				t.Errorf("after orphan %s: %d rows, want %d", tb, n, want)
			}
		}
	})
}

// TestORMReadYourWritesThroughRouter: after Commit, a read in the same
// session, with every replica's replay paused, returns the new data.
func TestORMReadYourWritesThroughRouter(t *testing.T) {
	families := []struct {
		name string
		c    func(t testing.TB) testdb.Cluster
	}{{"postgres", testdb.PG}, {"mariadb", testdb.MySQL}}
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			c := f.c(t)
			if len(c.Replicas) == 0 {
				t.Skip("no replicas")
			}
			primary, _ := openORM(t, c.Primary.URL())
			reg := ormRegistry(t)
			createORMSchema(t, primary, reg)
			var replicas []*engine.DB
			for _, r := range c.Replicas {
				cfg, err := engine.ParseConfig(r.URL())
				if err != nil {
					t.Fatal(err)
				}
				db, err := engine.OpenConfig(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				replicas = append(replicas, db)
			}
			rt, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
				CausalWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close() })
			testdb.CaughtUp(t, c)
			testdb.LockReplication(t)
			for _, r := range c.Replicas {
				testdb.PauseReplay(t, r)
			}
			s := session.New(session.Router(rt), session.Options{Registry: reg})
			a := &ormAuthor{Name: "fresh"}
			s.Add(a)
			if err := s.Commit(ctx); err != nil { // one INSERT: committed without BEGIN/COMMIT
				t.Fatal(err)
			}
			tok := s.Token()
			if tok.IsZero() {
				t.Fatal("commit returned no causal token")
			}
			var d router.Decision
			got, err := session.Query[ormAuthor](s).Filter("Name", "fresh").Count(router.WithDecision(ctx, &d))
			if err != nil || got != 1 {
				t.Fatalf("read after commit: %d %v (served by %s, %s)", got, err, d.Node, d.Reason)
			}
			// A one-column UPDATE, read back by another session carrying
			// the token in its context, replicas still paused.
			a.Name = "fresher"
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			tok2 := s.Token()
			if !tok2.Position(router.DefaultGroup).Covers(tok.Position(router.DefaultGroup)) {
				t.Fatalf("token after update %s does not cover the first %s", tok2, tok)
			}
			other := session.New(session.Router(rt), session.Options{Registry: reg})
			got, err = session.Query[ormAuthor](other).Filter("Name", "fresher").Count(router.WithToken(ctx, tok2))
			if err != nil || got != 1 {
				t.Fatalf("read of the update with the token: %d %v", got, err)
			}
		})
	}
}
