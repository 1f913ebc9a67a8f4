package session_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type gfAuthor struct {
	_         struct{} `athanor:",table:gf_authors"`
	ID        int64    `athanor:",pk"`
	Name      string   `athanor:",size:50"`
	TenantID  int64
	DeletedAt *time.Time
	Books     []*gfBook `athanor:",fk:author_id"`
}

type gfBook struct {
	_         struct{} `athanor:",table:gf_books"`
	ID        int64    `athanor:",pk"`
	Title     string   `athanor:",size:50"`
	TenantID  int64
	DeletedAt *time.Time
	AuthorID  *int64    `athanor:",index"`
	Author    *gfAuthor `athanor:",fk:author_id"`
	Tags      []*gfTag  `athanor:",secondary:gf_book_tags"`
}

type gfTag struct {
	_         struct{} `athanor:",table:gf_tags"`
	ID        int64    `athanor:",pk"`
	Name      string   `athanor:",size:50"`
	DeletedAt *time.Time
}

// gfShelf's items cascade deletes.
type gfShelf struct {
	_     struct{}  `athanor:",table:gf_shelves"`
	ID    int64     `athanor:",pk"`
	Items []*gfItem `athanor:",cascade:all,fk:shelf_id"`
}

type gfItem struct {
	_         struct{} `athanor:",table:gf_items"`
	ID        int64    `athanor:",pk"`
	ShelfID   int64    `athanor:",index"`
	DeletedAt *time.Time
}

type tenantKey struct{}

var errNoTenant = errors.New("no tenant in context")

func tenantCtx(id int64) context.Context {
	return context.WithValue(context.Background(), tenantKey{}, id)
}

func softDelete(ctx context.Context, t *core.Table) (core.Expr, error) {
	return core.IsNull(t.C("deleted_at")), nil
}

func byTenant(ctx context.Context, t *core.Table) (core.Expr, error) {
	id, ok := ctx.Value(tenantKey{}).(int64)
	if !ok {
		return nil, errNoTenant
	}
	return core.Eq(t.C("tenant_id"), id), nil
}

func gfFilters() *session.Filters {
	f := new(session.Filters)
	session.AddFilter[gfAuthor](f, "soft-delete", softDelete)
	session.AddFilter[gfAuthor](f, "tenant", byTenant)
	session.AddFilter[gfBook](f, "soft-delete", softDelete)
	session.AddFilter[gfBook](f, "tenant", byTenant)
	session.AddFilter[gfTag](f, "soft-delete", softDelete)
	session.AddFilter[gfItem](f, "soft-delete", softDelete)
	return f
}

// gfSeed writes, unfiltered:
//
//	authors: 1 Ann (tenant 1), 2 Bob (tenant 1, deleted), 3 Cy (tenant 2)
//	books:   11 "b11" by 1 (t1), 12 "b12" by 1 (t1, deleted),
//	         13 "b13" by 3 (t2), 14 "b14" by 2 (t1)
//	tags:    21 "x" and 22 "y" (deleted), both on book 11
func gfSeed(t *testing.T, srv server) *mapper.Registry {
	t.Helper()
	reg := schema(t, srv.db, mapper.RegisterIn[gfAuthor], mapper.RegisterIn[gfBook], mapper.RegisterIn[gfTag],
		mapper.RegisterIn[gfShelf], mapper.RegisterIn[gfItem])
	ctx := context.Background()
	s := session.New(srv.db, session.Options{Registry: reg})
	gone := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	id := func(n int64) *int64 { return &n }
	x, y := &gfTag{ID: 21, Name: "x"}, &gfTag{ID: 22, Name: "y", DeletedAt: &gone}
	objs := []any{
		&gfAuthor{ID: 1, Name: "Ann", TenantID: 1},
		&gfAuthor{ID: 2, Name: "Bob", TenantID: 1, DeletedAt: &gone},
		&gfAuthor{ID: 3, Name: "Cy", TenantID: 2},
		x, y,
		&gfBook{ID: 11, Title: "b11", TenantID: 1, AuthorID: id(1), Tags: []*gfTag{x, y}},
		&gfBook{ID: 12, Title: "b12", TenantID: 1, AuthorID: id(1), DeletedAt: &gone},
		&gfBook{ID: 13, Title: "b13", TenantID: 2, AuthorID: id(3)},
		&gfBook{ID: 14, Title: "b14", TenantID: 1, AuthorID: id(2)},
	}
	for _, o := range objs {
		if err := s.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return reg
}

func authorIDs(as []*gfAuthor) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	slices.Sort(out)
	return out
}

func bookIDs(bs []*gfBook) []int64 {
	out := make([]int64, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	slices.Sort(out)
	return out
}

func wantIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: ids %v, want %v", what, got, want)
	}
}

// TestFilterQueries: the filters restrict All, First, One, Count and
// Exists (with and without paging); Unfiltered and WithoutFilters turn
// them off by name or all at once.
func TestFilterQueries(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		ctx := tenantCtx(1)
		q := session.Query[gfAuthor](s)

		all, err := q.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "all", authorIDs(all), 1)
		for _, c := range []struct {
			name string
			q    *session.QueryOf[gfAuthor]
			ctx  context.Context
			want []int64
		}{
			{"tenant 2", q, tenantCtx(2), []int64{3}},
			{"unfiltered soft-delete", q.Unfiltered("soft-delete"), ctx, []int64{1, 2}},
			{"unfiltered tenant", q.Unfiltered("tenant"), ctx, []int64{1, 3}},
			{"unfiltered both by name", q.Unfiltered("tenant").Unfiltered("soft-delete"), ctx, []int64{1, 2, 3}},
			{"unfiltered all", q.Unfiltered(), context.Background(), []int64{1, 2, 3}},
			{"ctx without soft-delete", q, session.WithoutFilters(ctx, "soft-delete"), []int64{1, 2}},
			{"ctx without any", q, session.WithoutFilters(context.Background()), []int64{1, 2, 3}},
			{"the caller's conditions too", q.Unfiltered("soft-delete").Filter("Name", "Bob"), ctx, []int64{2}},
		} {
			got, err := c.q.All(c.ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			wantIDs(t, c.name, authorIDs(got), c.want...)
			n, err := c.q.Count(c.ctx)
			if err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: count %d, %v; want %d", c.name, n, err, len(c.want))
			}
			n, err = c.q.Limit(10).Count(c.ctx) // the paged form
			if err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: paged count %d, %v; want %d", c.name, n, err, len(c.want))
			}
		}

		if a, err := q.OrderBy("ID").First(ctx); err != nil || a.ID != 1 {
			t.Errorf("first: %v, %v", a, err)
		}
		if _, err := q.Filter("Name", "Bob").First(ctx); !errors.Is(err, athanor.ErrNoRows) {
			t.Errorf("first of a filtered-out row: %v, want ErrNoRows", err)
		}
		if a, err := q.Filter("Name", "Bob").Unfiltered("soft-delete").One(ctx); err != nil || a.ID != 2 {
			t.Errorf("one unfiltered: %v, %v", a, err)
		}
		for _, c := range []struct {
			name string
			q    *session.QueryOf[gfAuthor]
			want bool
		}{
			{"visible", q.Filter("Name", "Ann"), true},
			{"soft-deleted", q.Filter("Name", "Bob"), false},
			{"other tenant", q.Filter("Name", "Cy"), false},
			{"soft-deleted, unfiltered", q.Filter("Name", "Bob").Unfiltered("soft-delete"), true},
			{"paged", q.Filter("Name", "Bob").Limit(1), false},
		} {
			ok, err := c.q.Exists(ctx)
			if err != nil || ok != c.want {
				t.Errorf("exists %s: %v, %v; want %v", c.name, ok, err, c.want)
			}
		}
	})
}

// TestFilterErrors: a filter's error fails the call naming the filter and
// the model (and keeps the cause); an unknown name in Unfiltered or
// WithoutFilters fails with ErrUnknownFilter; nothing is sent.
func TestFilterErrors(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		bg := context.Background()
		srv.log.take()
		calls := []struct {
			name string
			run  func() error
		}{
			{"all", func() error { _, err := session.Query[gfAuthor](s).All(bg); return err }},
			{"count", func() error { _, err := session.Query[gfAuthor](s).Count(bg); return err }},
			{"exists", func() error { _, err := session.Query[gfAuthor](s).Exists(bg); return err }},
			{"statement", func() error { _, err := session.Query[gfAuthor](s).Statement(); return err }},
			{"get", func() error { _, err := session.Get[gfAuthor](bg, s, 1); return err }},
		}
		for _, c := range calls {
			err := c.run()
			var fe *session.FilterError
			if !errors.As(err, &fe) || fe.Filter != "tenant" || fe.Model != "gfAuthor" || !errors.Is(err, errNoTenant) {
				t.Errorf("%s: %v, want a FilterError of tenant on gfAuthor", c.name, err)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, `"tenant"`) || !strings.Contains(msg, "gfAuthor") {
				t.Errorf("%s: message %q names neither filter nor model", c.name, msg)
			}
		}
		// A relationship load names the relationship, the filter and the model.
		a, err := session.Get[gfAuthor](session.WithoutFilters(bg, "tenant"), s, 1)
		if err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		err = s.Load(bg, a, "Books")
		if !errors.Is(err, errNoTenant) || !strings.Contains(err.Error(), "gfAuthor.Books") || !strings.Contains(err.Error(), "gfBook") {
			t.Errorf("load: %v", err)
		}
		if got := srv.log.take(); len(got) != 0 {
			t.Errorf("failed calls sent %q", got)
		}
		if _, err := session.Query[gfAuthor](s).Unfiltered("nope").All(tenantCtx(1)); !errors.Is(err, session.ErrUnknownFilter) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("unknown name in Unfiltered: %v", err)
		}
		if _, err := session.Get[gfAuthor](session.WithoutFilters(tenantCtx(1), "nope"), s, 1); !errors.Is(err, session.ErrUnknownFilter) {
			t.Errorf("unknown name in WithoutFilters: %v", err)
		}
		// A filter returning nil adds nothing.
		f := new(session.Filters)
		session.AddFilter[gfAuthor](f, "maybe", func(context.Context, *core.Table) (core.Expr, error) { return nil, nil })
		all, err := session.Query[gfAuthor](session.New(srv.db, session.Options{Registry: reg, Filters: f})).All(bg)
		if err != nil || len(all) != 3 {
			t.Errorf("nil criterion: %d objects, %v", len(all), err)
		}
	})
}

// TestFilterJoins: the joined model's filters go into the join (its ON
// clause, under the join's alias): an inner join drops the objects whose
// related row is filtered out, a left join keeps them with NULL columns,
// and a to-many join's semijoin holds them.
func TestFilterJoins(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		ctx := tenantCtx(1)
		books := session.Query[gfBook](s)
		for _, c := range []struct {
			name string
			q    func() *session.QueryOf[gfBook]
			want []int64
		}{
			// 12 is deleted; 14's author is.
			{"inner", func() *session.QueryOf[gfBook] { return books.Join("Author") }, []int64{11}},
			{"inner, author unfiltered", func() *session.QueryOf[gfBook] { return books.Join("Author").Unfiltered("soft-delete") }, []int64{11, 12, 14}},
			{"left keeps all", func() *session.QueryOf[gfBook] { return books.LeftJoin("Author") }, []int64{11, 14}},
			{"left: a filtered-out author is NULL", func() *session.QueryOf[gfBook] {
				q := books.LeftJoin("Author")
				return q.Where(core.IsNull(q.C("Author.ID")))
			}, []int64{14}},
		} {
			got, err := c.q().All(ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			wantIDs(t, c.name, bookIDs(got), c.want...)
			if n, err := c.q().Count(ctx); err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: count %d, %v", c.name, n, err)
			}
		}
		authors := session.Query[gfAuthor](s)
		for _, c := range []struct {
			name  string
			q     *session.QueryOf[gfAuthor]
			title string
			want  []int64
		}{
			{"to-many: visible book", authors.Join("Books"), "b11", []int64{1}},
			{"to-many: deleted book", authors.Join("Books"), "b12", nil},
			{"to-many: unfiltered", authors.Join("Books").Unfiltered("soft-delete"), "b12", []int64{1}},
			{"to-many left: deleted book", authors.LeftJoin("Books"), "b12", nil},
		} {
			q := c.q.Filter("Books.Title", c.title)
			got, err := q.All(ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			wantIDs(t, c.name, authorIDs(got), c.want...)
			if ok, err := q.Exists(ctx); err != nil || ok != (len(c.want) > 0) {
				t.Errorf("%s: exists %v, %v", c.name, ok, err)
			}
		}
		// Many-to-many: the target's filter, not the association table's.
		got, err := books.Join("Tags").Filter("Tags.Name", "y").All(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("many-to-many join to a deleted tag: %d, %v", len(got), err)
		}
		got, err = books.Join("Tags").Filter("Tags.Name", "x").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "many-to-many join", bookIDs(got), 11)
		// The joined model's criteria name the join's alias.
		st, err := books.LeftJoin("Author").StatementContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := core.Compile(srv.db.Dialect(), st)
		if err != nil {
			t.Fatal(err)
		}
		on := c.SQL[strings.Index(c.SQL, " ON "):strings.Index(c.SQL, " WHERE ")]
		for _, col := range []string{"deleted_at", "tenant_id"} {
			if !regexp.MustCompile(`\WAuthor\W\.\W` + col + `\W`).MatchString(on) {
				t.Errorf("left join ON %q lacks the alias's %s", on, col)
			}
		}
	})
}

// TestFilterLoads: relationship loads — SelectIn, Joined (the criterion
// in the LEFT JOIN's ON), the lazy Session.Load, many-to-many and top-N —
// leave out filtered rows; a query's Unfiltered carries to its loads.
func TestFilterLoads(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		f := gfFilters()
		ctx := tenantCtx(1)
		newS := func() *session.Session { return session.New(srv.db, session.Options{Registry: reg, Filters: f}) }

		as, err := session.Query[gfAuthor](newS()).Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 1 {
			t.Fatalf("authors %v", authorIDs(as))
		}
		wantIDs(t, "selectin books", bookIDs(as[0].Books), 11)
		if b := as[0].Books[0]; len(b.Tags) != 1 || b.Tags[0].Name != "x" {
			t.Errorf("many-to-many tags: %+v", b.Tags)
		}
		as, err = session.Query[gfAuthor](newS()).Options(loader.SelectIn("Books").Limit(5)).All(ctx)
		if err != nil || len(as) != 1 {
			t.Fatal(err)
		}
		wantIDs(t, "top-N books", bookIDs(as[0].Books), 11)

		// The query's Unfiltered reaches its loads.
		as, err = session.Query[gfAuthor](newS()).Unfiltered("soft-delete").Filter("ID", 1).Options(loader.SelectIn("Books")).All(ctx)
		if err != nil || len(as) != 1 {
			t.Fatal(err)
		}
		wantIDs(t, "unfiltered query's books", bookIDs(as[0].Books), 11, 12)

		for _, opt := range []loader.Option{loader.Joined("Author"), loader.SelectIn("Author")} {
			bs, err := session.Query[gfBook](newS()).Options(opt).OrderBy("ID").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wantIDs(t, "books", bookIDs(bs), 11, 14)
			if bs[0].Author == nil || bs[0].Author.ID != 1 {
				t.Errorf("book 11's author: %+v", bs[0].Author)
			}
			if bs[1].Author != nil {
				t.Errorf("book 14's deleted author loaded: %+v", bs[1].Author)
			}
		}

		// Lazy: Session.Load with the call's context.
		s := newS()
		a, err := session.Get[gfAuthor](ctx, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, a, "Books"); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "lazy books", bookIDs(a.Books), 11)
		s = newS()
		a, err = session.Get[gfAuthor](ctx, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(session.WithoutFilters(ctx, "soft-delete"), a, "Books"); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "lazy books without soft-delete", bookIDs(a.Books), 11, 12)
	})
}

// TestFilterGet: Get applies the filters to its SELECT, and sends it even
// for an object the identity map holds, so an object loaded unfiltered
// (or for another tenant) is not returned where the filters exclude it.
func TestFilterGet(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		ctx := tenantCtx(1)
		for _, c := range []struct {
			name string
			ctx  context.Context
			id   int64
			ok   bool
		}{
			{"visible", ctx, 1, true},
			{"soft-deleted", ctx, 2, false},
			{"other tenant", ctx, 3, false},
			{"soft-deleted, without the filter", session.WithoutFilters(ctx, "soft-delete"), 2, true},
			{"held, but soft-deleted", ctx, 2, false},
			{"other tenant's, held", tenantCtx(2), 1, false},
		} {
			a, err := session.Get[gfAuthor](c.ctx, s, c.id)
			switch {
			case c.ok && (err != nil || a.ID != c.id):
				t.Errorf("%s: %v, %v", c.name, a, err)
			case !c.ok && !errors.Is(err, athanor.ErrNoRows):
				t.Errorf("%s: %v, %v; want ErrNoRows", c.name, a, err)
			}
		}
		// Refresh re-reads a held object by its key, unfiltered.
		bob, err := session.Get[gfAuthor](session.WithoutFilters(ctx), s, 2)
		if err != nil {
			t.Fatal(err)
		}
		bob.Name = "changed"
		if err := s.Refresh(ctx, bob); err != nil || bob.Name != "Bob" {
			t.Errorf("refresh of a filtered-out object: %q, %v", bob.Name, err)
		}
		// Merge looks up with Get: a filtered-out row makes it insert a
		// copy, refused on the key.
		m := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		cp, err := session.Merge(ctx, m, &gfAuthor{ID: 2, Name: "Bob", TenantID: 1})
		if err != nil || m.StateOf(cp) != session.Pending {
			t.Errorf("merge of a filtered-out row: %v, %v", cp, err)
		}
		if err := m.Commit(ctx); !errors.Is(err, athanor.ErrUniqueViolation) {
			t.Errorf("merge commit: %v, want a unique violation", err)
		}
		// A held object passing the filters is the identity map's.
		a1, _ := session.Get[gfAuthor](ctx, s, 1)
		srv.log.take()
		again, err := session.Get[gfAuthor](ctx, s, 1)
		if err != nil || again != a1 {
			t.Errorf("get again: %p, %v; want %p", again, err, a1)
		}
		if n := len(srv.log.take()); n != 1 {
			t.Errorf("filtered get of a held object sent %d statements, want 1", n)
		}
		// Without filters the identity map answers alone.
		bg := session.WithoutFilters(ctx)
		if _, err := session.Get[gfAuthor](bg, s, 1); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.log.take()); n != 0 {
			t.Errorf("unfiltered get of a held object sent %d statements", n)
		}
	})
}

// TestFilterBound: a criterion's value is a bound parameter, never SQL
// text.
func TestFilterBound(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters()})
		ctx := tenantCtx(987654)
		q := session.Query[gfBook](s).LeftJoin("Author")
		st, err := q.StatementContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, err := core.Compile(srv.db.Dialect(), st)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.SQL, "987654") {
			t.Errorf("tenant interpolated: %s", c.SQL)
		}
		n := 0
		for _, a := range c.Args {
			if a == int64(987654) {
				n++
			}
		}
		if n != 2 {
			t.Errorf("tenant bound %d times, want 2 (book, author): %v", n, c.Args)
		}
		srv.log.take()
		if _, err := q.All(ctx); err != nil {
			t.Fatal(err)
		}
		for _, sql := range srv.log.take() {
			if strings.Contains(sql, "987654") {
				t.Errorf("tenant in sent SQL: %s", sql)
			}
		}
	})
}

// TestFilterFlush: flush internals are not filtered. Deleting a parent
// whose collection was loaded filtered still reaches the filtered-out
// children: cascaded deletes delete them, and without a cascade their
// foreign key is set to NULL.
func TestFilterFlush(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		bg := context.Background()
		gone := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		seed := session.New(srv.db, session.Options{Registry: reg})
		for _, o := range []any{
			&gfShelf{ID: 1, Items: []*gfItem{{ID: 1}, {ID: 2, DeletedAt: &gone}}},
			&gfShelf{ID: 2, Items: []*gfItem{{ID: 3}, {ID: 4, DeletedAt: &gone}}},
		} {
			if err := seed.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		if err := seed.Commit(bg); err != nil {
			t.Fatal(err)
		}
		f := gfFilters()
		ctx := tenantCtx(1)

		// Cascade: shelf 1 with its items loaded (item 2 filtered out),
		// shelf 2 with them not loaded.
		s := session.New(srv.db, session.Options{Registry: reg, Filters: f})
		shelves, err := session.Query[gfShelf](s).Filter("ID", 1).Options(loader.SelectIn("Items")).All(ctx)
		if err != nil || len(shelves) != 1 || len(shelves[0].Items) != 1 {
			t.Fatalf("shelf 1: %v, %v", shelves, err)
		}
		sh2, err := session.Get[gfShelf](ctx, s, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range []*gfShelf{shelves[0], sh2} {
			if err := s.Delete(sh); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "gf_items"); n != 0 {
			t.Errorf("%d items left after the cascade", n)
		}

		// FK nulling: author 1's books loaded (12 filtered out).
		s = session.New(srv.db, session.Options{Registry: reg, Filters: f})
		as, err := session.Query[gfAuthor](s).Filter("ID", 1).Options(loader.SelectIn("Books")).All(ctx)
		if err != nil || len(as) != 1 {
			t.Fatal(err)
		}
		wantIDs(t, "books", bookIDs(as[0].Books), 11)
		if err := s.Delete(as[0]); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var left int64
		if err := srv.db.QueryRow(bg, core.Raw("SELECT COUNT(*) FROM gf_books WHERE author_id = 1").ReadOnly()).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d books still refer to the deleted author", left)
		}
		if n := srv.rows(t, "gf_books"); n != 4 {
			t.Errorf("%d books, want 4 (none deleted)", n)
		}
	})
}

// TestFilterRegistration: misuse of AddFilter panics at registration.
func TestFilterRegistration(t *testing.T) {
	panics := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	f := new(session.Filters)
	session.AddFilter[gfAuthor](f, "a", softDelete)
	session.AddFilter[gfBook](f, "a", softDelete) // one name, two models
	panics("twice on one model", func() { session.AddFilter[gfAuthor](f, "a", softDelete) })
	panics("empty name", func() { session.AddFilter[gfAuthor](f, "", softDelete) })
	panics("nil func", func() { session.AddFilter[gfAuthor](f, "b", nil) })
	_ = session.New(setup(t).db, session.Options{Filters: f})
	panics("sealed", func() { session.AddFilter[gfTag](f, "c", softDelete) })
}
