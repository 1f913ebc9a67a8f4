package loader

import (
	"context"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// countingHost is a Host over an engine.DB with an identity map of its
// own that counts what the loader asks of it.
type countingHost struct {
	db *engine.DB

	mu      sync.Mutex
	objs    map[hostKey]mapper.Ref
	loaded  map[mapper.Ref]map[*mapper.Relation]bool
	adopted map[*mapper.Model]int
	queries int
	// Populate's owners that came with a Handle, and those whose Handle
	// was not their own (the Handle is the adopted object).
	handled, misplaced int
}

type hostKey struct {
	m *mapper.Model
	k any
}

func newCountingHost(db *engine.DB) *countingHost {
	return &countingHost{db: db, objs: map[hostKey]mapper.Ref{}, loaded: map[mapper.Ref]map[*mapper.Relation]bool{},
		adopted: map[*mapper.Model]int{}}
}

func (h *countingHost) Dialect() core.Dialect { return h.db.Dialect() }

func (h *countingHost) Query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	h.mu.Lock()
	h.queries++
	h.mu.Unlock()
	rows, err := h.db.Query(ctx, stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := fn(rows); err != nil {
		return err
	}
	return rows.Close()
}

func (h *countingHost) Batch(ctx context.Context, stmts []core.Statement, fn func(int, *engine.Rows) error) error {
	for i, st := range stmts {
		if err := h.Query(ctx, st, func(rows *engine.Rows) error { return fn(i, rows) }); err != nil {
			return err
		}
	}
	return nil
}

func (h *countingHost) key(m *mapper.Model, p mapper.Ref) hostKey {
	return hostKey{m, m.PrimaryKey()[0].Value(p)}
}

func (h *countingHost) Lookup(m *mapper.Model, p mapper.Ref) mapper.Ref {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.objs[h.key(m, p)]
}

func (h *countingHost) Adopter(m *mapper.Model) Adopter { return countingAdopter{h, m} }

type countingAdopter struct {
	h *countingHost
	m *mapper.Model
}

func (a countingAdopter) Adopt(p mapper.Ref) (mapper.Ref, Handle) {
	got := a.h.adopt(a.m, p)
	return got, got
}

func (h *countingHost) adopt(m *mapper.Model, p mapper.Ref) mapper.Ref {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.adopted[m]++ // every call: the loader should make none for objects held
	k := h.key(m, p)
	if cur := h.objs[k]; !cur.IsNil() {
		return cur
	}
	h.objs[k] = p
	return p
}

// put holds an object as if loaded before.
func (h *countingHost) put(m *mapper.Model, p mapper.Ref) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.objs[h.key(m, p)] = p
}

func (h *countingHost) Unloaded(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []mapper.Ref
	for _, o := range owners {
		if !h.loaded[o][r] {
			out = append(out, o)
		}
	}
	return out
}

func (h *countingHost) Populate(r *mapper.Relation, owners []mapper.Ref, handles []Handle, targets func(int) []mapper.Ref) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if handles != nil && len(handles) != len(owners) {
		h.misplaced++
	}
	set := 0
	for i, o := range owners {
		if i < len(handles) && handles[i] != nil {
			h.handled++
			if handles[i].(mapper.Ref) != o {
				h.misplaced++
			}
		}
		if h.loaded[o][r] {
			continue
		}
		r.Set(o, targets(i))
		if h.loaded[o] == nil {
			h.loaded[o] = map[*mapper.Relation]bool{}
		}
		h.loaded[o][r] = true
		set++
	}
	return set
}

func (h *countingHost) Members(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[mapper.Ref]bool{}
	var out []mapper.Ref
	for _, o := range owners {
		for _, t := range r.Get(o) {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

func (h *countingHost) MarkRaise([]mapper.Ref) {}

// library is a SQLite database of nAuthors authors with booksEach books,
// every book tagged with the same three tags.
func library(t *testing.T, nAuthors, booksEach int) (*engine.DB, *mapper.Model) {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "lib.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	a, err := mapper.RegisterIn[author](reg)
	if err != nil {
		t.Fatal(err)
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
	books, _ := a.Relation("Books")
	tags, _ := books.Target.Relation("Tags")
	exec := func(stmt core.Statement) {
		t.Helper()
		if _, err := db.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	tagT := tags.Target.Table()
	exec(core.Insert(tagT).Columns(tagT.C("id"), tagT.C("name")).Rows([]any{1, "go"}, []any{2, "sql"}, []any{3, "orm"}))
	authorT, bookT := a.Table(), books.Target.Table()
	for i := 1; i <= nAuthors; i++ {
		exec(core.Insert(authorT).Columns(authorT.C("id"), authorT.C("name")).Values(i, "author"))
		for j := 1; j <= booksEach; j++ {
			id := (i-1)*booksEach + j
			exec(core.Insert(bookT).Columns(bookT.C("id"), bookT.C("title"), bookT.C("year"), bookT.C("author_id")).Values(id, "book", 2000, i))
			for tag := 1; tag <= 3; tag++ {
				exec(core.Insert(tags.Secondary).Columns(tags.SecondaryOwnerCols[0], tags.SecondaryTargetColumns[0]).Values(id, tag))
			}
		}
	}
	return db, a
}

// Rows whose object the session holds build nothing: of the 60 tag rows
// of 20 books, only the tags missing from the identity map are adopted,
// and a tag held already keeps its unflushed change.
func TestLoadBuildsOnlyObjectsTheSessionLacks(t *testing.T) {
	ctx := context.Background()
	db, a := library(t, 4, 5)
	h := newCountingHost(db)
	held := &tag{ID: 2, Name: "changed, not flushed"}
	tags, _ := mustRel(t, a, "Books").Target.Relation("Tags")
	h.put(tags.Target, tags.Target.Ref(held))

	p, err := Compile(a, SelectIn("Books", SelectIn("Tags")))
	if err != nil {
		t.Fatal(err)
	}
	sel := core.Select()
	stmt := p.Select(sel.From(a.Table())).OrderBy(a.Table().C("id"))
	roots, err := p.Run(ctx, h, stmt)
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 4 || h.queries != 3 {
		t.Fatalf("%d roots in %d statements, want 4 in 3", len(roots), h.queries)
	}
	// The books' Author and Tags are populated
	// with the Handles the objects were adopted with, each its own.
	if h.handled != 20+20 || h.misplaced != 0 {
		t.Fatalf("Populate had %d owners with a Handle (want 40), %d misplaced", h.handled, h.misplaced)
	}
	books := mustRel(t, a, "Books").Target
	if h.adopted[a] != 4 || h.adopted[books] != 20 || h.adopted[tags.Target] != 2 {
		t.Fatalf("adopted %d authors, %d books, %d tags; want 4, 20, 2", h.adopted[a], h.adopted[books], h.adopted[tags.Target])
	}
	if held.Name != "changed, not flushed" {
		t.Fatalf("a loaded row overwrote the held tag: %q", held.Name)
	}
	distinct := map[*tag]bool{}
	for _, r := range roots {
		au := a.Object(r).(*author)
		if len(au.Books) != 5 {
			t.Fatalf("author %d has %d books", au.ID, len(au.Books))
		}
		for _, b := range au.Books {
			if b.Author != au || len(b.Tags) != 3 || b.Tags[1] != held {
				t.Fatalf("book %d: author %p (want %p), tags %v", b.ID, b.Author, au, b.Tags)
			}
			for _, tg := range b.Tags {
				distinct[tg] = true
			}
		}
	}
	if len(distinct) != 3 {
		t.Fatalf("%d tag objects for 3 tags", len(distinct))
	}
}

func mustRel(t *testing.T, m *mapper.Model, name string) *mapper.Relation {
	t.Helper()
	r, ok := m.Relation(name)
	if !ok {
		t.Fatalf("no relation %s.%s", m.Name, name)
	}
	return r
}

// Owner keys are numbered in first-seen order, through a table when they
// are compact and a map when they are not, and rows find their owners'
// numbers either way.
func TestOwnerKeys(t *testing.T) {
	a, _ := models(t)
	books := mustRel(t, a, "Books")
	kf := ownerKeyFields(books)
	kt := []reflect.Type{reflect.TypeFor[int64]()}
	cases := []struct {
		name  string
		ids   []int64
		dense bool
	}{
		{"compact keys use a table", []int64{5, 3, 5, 4, 9}, true},
		{"sparse keys use a map", []int64{5, 3_000_000_000, 5, -7}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			owners := make([]mapper.Ref, len(c.ids))
			for i, id := range c.ids {
				owners[i] = a.Ref(&author{ID: id})
			}
			ki, ks, idx := ownerKeys(kf, kt, owners, nil)
			if (ki.dense != nil) != c.dense {
				t.Fatalf("dense table: %v", ki.dense != nil)
			}
			keys := ks.one.Interface().([]int64)
			seen := map[int64]int32{}
			for i, id := range c.ids {
				if j, ok := seen[id]; ok && idx[i] != j || !ok && int(idx[i]) != len(seen) || keys[idx[i]] != id {
					t.Fatalf("owner %d (key %d) numbered %d; keys %v", i, id, idx[i], keys)
				}
				seen[id] = idx[i]
			}
			if ks.n != len(seen) {
				t.Fatalf("%d keys, want %d", ks.n, len(seen))
			}
			hold := []reflect.Value{reflect.New(kt[0])}
			kinds := []reflect.Kind{reflect.Int64}
			for id, j := range seen {
				hold[0].Elem().SetInt(id)
				if got := ki.rowKey(hold, kinds, make([]any, 1)); got != j {
					t.Fatalf("row key %d: %d, want %d", id, got, j)
				}
			}
			hold[0].Elem().SetInt(1 << 40)
			if got := ki.rowKey(hold, kinds, make([]any, 1)); got != -1 {
				t.Fatalf("unknown row key: %d", got)
			}
		})
	}
}

func TestGroupsKeepRowOrderPerKey(t *testing.T) {
	a, _ := models(t)
	objs := make([]author, 6)
	p := func(i int) mapper.Ref { return a.Ref(&objs[i]) }
	g := groups{keepHnds: true} // each row's Handle is its index
	for i, k := range []int32{2, 0, 2, 0, 0, 2} {
		g.add(k, p(i), i)
	}
	g.build(4, nil)
	if want := []Handle{1, 3, 4, 0, 2, 5}; !reflect.DeepEqual(g.hnds, want) {
		t.Fatalf("handles %v, want %v (as the targets)", g.hnds, want)
	}
	want := map[int32][]mapper.Ref{0: {p(1), p(3), p(4)}, 1: nil, 2: {p(0), p(2), p(5)}, 3: nil, -1: nil}
	for k, w := range want {
		got := g.of(k)
		if !reflect.DeepEqual(got, w) || cap(got) != len(got) {
			t.Fatalf("key %d: %v (cap %d), want %v", k, got, cap(got), w)
		}
	}
	if g.count() != 6 {
		t.Fatalf("count %d", g.count())
	}
}
