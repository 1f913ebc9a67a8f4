package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type dfAuthor struct {
	_            struct{}     `athanor:",table:df_authors"`
	ID           int64        `athanor:",pk"`
	First        string       `athanor:",size:50"`
	Last         string       `athanor:",size:50"`
	Bio          string       `athanor:",deferred:text"`
	Articles     []*dfArticle `athanor:",backref:Author"`
	FullName     string       `athanor:",computed"`
	ArticleCount int64        `athanor:",computed,deferred:stats"`
}

func (dfAuthor) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
	arts, err := mapper.TableOf[dfArticle](reg)
	if err != nil {
		return nil, err
	}
	return map[string]core.Expr{
		"FullName": core.Concat(t.C("first"), core.Literal(" "), t.C("last")),
		"ArticleCount": core.Subquery(core.Select(core.Count(core.Star())).From(arts).
			Where(core.Eq(arts.C("author_id"), t.C("id")))),
	}, nil
}

type dfArticle struct {
	_        struct{}  `athanor:",table:df_articles"`
	ID       int64     `athanor:",pk"`
	Title    string    `athanor:",size:200"`
	AuthorID int64     `athanor:",index"`
	Author   *dfAuthor `athanor:",backref:Articles"`
	Body     string    `athanor:",deferred"`
	Summary  string    `athanor:",deferred:text"`
	Notes    *string   `athanor:",deferred:text"`
	Version  int64     `athanor:",version"`
}

// dfSeed creates the tables and three authors (Ada with two articles,
// Bob with one, Cy with none).
func dfSeed(t *testing.T, srv server) *mapper.Registry {
	t.Helper()
	ctx := context.Background()
	reg := schema(t, srv.db, mapper.RegisterIn[dfAuthor])
	s := session.New(session.DB(srv.db), session.Options{Registry: reg})
	note := "note"
	ada := &dfAuthor{ID: 1, First: "Ada", Last: "Lovelace", Bio: "bio of ada"}
	bob := &dfAuthor{ID: 2, First: "Bob", Last: "Byte", Bio: "bio of bob"}
	cy := &dfAuthor{ID: 3, First: "Cy", Last: "Zero"}
	ada.Articles = []*dfArticle{
		{ID: 1, Title: "Engines", Body: "body 1", Summary: "sum 1", Notes: &note},
		{ID: 2, Title: "Numbers", Body: "body 2", Summary: "sum 2"},
	}
	bob.Articles = []*dfArticle{{ID: 3, Title: "Bits", Body: "body 3", Summary: "sum 3"}}
	if err := s.Add(ada, bob, cy); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	srv.log.take()
	return reg
}

func dfSession(srv server, reg *mapper.Registry) *session.Session {
	return session.New(session.DB(srv.db), session.Options{Registry: reg})
}

// selects returns the SELECT statements of the log.
func selects(srv server) []string {
	var out []string
	for _, q := range srv.log.take() {
		if strings.HasPrefix(q, "SELECT") || strings.HasPrefix(q, "WITH") {
			out = append(out, q)
		}
	}
	return out
}

// dbBody reads an article's body with plain SQL.
func dbBody(t *testing.T, srv server, id int64) string {
	t.Helper()
	var b string
	if err := srv.db.QueryRow(context.Background(), core.Select(core.Raw("body")).From(core.Raw("df_articles")).
		Where(core.Raw("id = ?", id))).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDeferredDefaultLoad: deferred columns are not selected by a plain
// load, stay zero, and are never written back by a flush; a value the
// caller sets in one is written; the flush after LoadFields writes
// nothing.
func TestDeferredDefaultLoad(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		s := dfSession(srv, reg)
		arts, err := session.Query[dfArticle](s).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sel := selects(srv)
		if len(sel) != 1 || strings.Contains(sel[0], "body") || strings.Contains(sel[0], "summary") || strings.Contains(sel[0], "notes") {
			t.Fatalf("select list has deferred columns: %q", sel)
		}
		if len(arts) != 3 || arts[0].Title != "Engines" || arts[0].Body != "" || arts[0].Notes != nil || arts[0].AuthorID != 1 {
			t.Fatalf("loaded %+v", arts[0])
		}
		// A change to another column: the UPDATE names only it.
		arts[0].Title = "Engines!"
		// A value set in an unloaded deferred field is written.
		arts[1].Body = "new body 2"
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range srv.log.take() {
			if strings.HasPrefix(q, "UPDATE") && strings.Contains(q, "title") && (strings.Contains(q, "body") || strings.Contains(q, "summary")) {
				t.Fatalf("update writes unloaded deferred columns: %s", q)
			}
		}
		if got := dbBody(t, srv, 1); got != "body 1" {
			t.Fatalf("body 1 overwritten: %q", got)
		}
		if got := dbBody(t, srv, 2); got != "new body 2" {
			t.Fatalf("body 2 = %q, want the value set", got)
		}
		// LoadFields fills every article of the session lacking the field,
		// in one statement, keeps the one the caller set, and is not a
		// change.
		srv.log.take()
		if err := s.LoadFields(ctx, arts[0], "Body", "Notes"); err != nil {
			t.Fatal(err)
		}
		if sel := selects(srv); len(sel) != 1 {
			t.Fatalf("LoadFields ran %d selects: %q", len(sel), sel)
		}
		if arts[0].Body != "body 1" || arts[2].Body != "body 3" || arts[1].Body != "new body 2" || arts[0].Notes == nil || *arts[0].Notes != "note" {
			t.Fatalf("after LoadFields: %q %q %q %v", arts[0].Body, arts[1].Body, arts[2].Body, arts[0].Notes)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range srv.log.take() {
			if strings.HasPrefix(q, "UPDATE") {
				t.Fatalf("flush after LoadFields wrote: %s", q)
			}
		}
		// Loaded now: setting it to zero is a change.
		arts[2].Body = ""
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := dbBody(t, srv, 3); got != "" {
			t.Fatalf("body 3 = %q, want emptied", got)
		}
		// LoadFields of a field everyone has: no statement.
		srv.log.take()
		if err := s.LoadFields(ctx, arts[0], "Body"); err != nil {
			t.Fatal(err)
		}
		if sel := selects(srv); len(sel) != 0 {
			t.Fatalf("LoadFields of loaded fields ran %q", sel)
		}
		if err := s.LoadFields(ctx, arts[0], "Nope"); !errors.Is(err, mapper.ErrUnknownColumn) || !strings.Contains(err.Error(), "dfArticle") {
			t.Fatalf("unknown field: %v", err)
		}
	})
}

// TestDeferredOptions: LoadOnly, Defer, Undefer and UndeferGroup on the
// query's model and through relationship paths choose the columns
// selected; keys are always loaded; bad options are errors naming the
// model.
func TestDeferredOptions(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		for _, c := range []struct {
			name  string
			opts  []loader.Option
			check func(a *dfArticle) bool
			cols  []string // in the select list
			not   []string // not in it
		}{
			{"undefer", []loader.Option{loader.Undefer("Body")},
				func(a *dfArticle) bool { return a.Body == "body 1" && a.Summary == "" && a.Title == "Engines" },
				[]string{"body"}, []string{"summary"}},
			{"undefer group", []loader.Option{loader.UndeferGroup("text")},
				func(a *dfArticle) bool { return a.Body == "" && a.Summary == "sum 1" && *a.Notes == "note" },
				[]string{"summary", "notes"}, []string{"body"}},
			{"load only", []loader.Option{loader.LoadOnly("Body")},
				func(a *dfArticle) bool { return a.Body == "body 1" && a.Title == "" && a.ID == 1 && a.AuthorID == 1 },
				[]string{"body", "author_id"}, []string{"title", "summary"}},
			{"defer", []loader.Option{loader.Defer("Title")},
				func(a *dfArticle) bool { return a.Title == "" && a.Version == 1 },
				nil, []string{"title", "body"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := dfSession(srv, reg)
				srv.log.take()
				a, err := session.Query[dfArticle](s).Options(c.opts...).Filter("ID", 1).One(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !c.check(a) {
					t.Fatalf("loaded %+v", a)
				}
				sel := selects(srv)
				if len(sel) != 1 {
					t.Fatalf("selects %q", sel)
				}
				for _, col := range c.cols {
					if !strings.Contains(sel[0], col) {
						t.Errorf("%s not selected: %s", col, sel[0])
					}
				}
				list, _, _ := strings.Cut(sel[0], "FROM")
				for _, col := range c.not {
					if strings.Contains(list, col) {
						t.Errorf("%s selected: %s", col, sel[0])
					}
				}
				// Nothing unloaded is written back.
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
				if got := dbBody(t, srv, 1); got != "body 1" {
					t.Fatalf("body overwritten: %q", got)
				}
			})
		}
		// Through relationships: SelectIn and Joined with column methods,
		// and a dotted path.
		for _, c := range []struct {
			name string
			opts []loader.Option
			body string
			tit  string
		}{
			{"selectin load only", []loader.Option{loader.SelectIn("Articles").LoadOnly("Body")}, "body 1", ""},
			{"joined undefer", []loader.Option{loader.Joined("Articles").Undefer("Body")}, "body 1", "Engines"},
			{"path defer", []loader.Option{loader.SelectIn("Articles"), loader.Defer("Articles.Title")}, "", ""},
			{"path undefer joined", []loader.Option{loader.Undefer("Articles.Body"), loader.Joined("Articles")}, "body 1", "Engines"},
		} {
			t.Run(c.name, func(t *testing.T) {
				s := dfSession(srv, reg)
				au, err := session.Query[dfAuthor](s).Options(c.opts...).Filter("ID", 1).One(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if len(au.Articles) != 2 || au.Articles[0].ID != 1 || au.Articles[0].AuthorID != 1 {
					t.Fatalf("articles %+v", au.Articles)
				}
				if a := au.Articles[0]; a.Body != c.body || a.Title != c.tit {
					t.Fatalf("article: body %q title %q, want %q %q", a.Body, a.Title, c.body, c.tit)
				}
				if au.Bio != "" || au.FullName != "Ada Lovelace" {
					t.Fatalf("author %+v", au)
				}
			})
		}
		s := dfSession(srv, reg)
		for _, c := range []struct {
			opts []loader.Option
			want error
			name string
		}{
			{[]loader.Option{loader.Defer("ID")}, loader.ErrKeyColumn, "dfArticle.ID"},
			{[]loader.Option{loader.Defer("AuthorID")}, loader.ErrKeyColumn, "dfArticle.AuthorID"},
			{[]loader.Option{loader.LoadOnly("Nope")}, mapper.ErrUnknownColumn, "dfArticle.Nope"},
			{[]loader.Option{loader.UndeferGroup("nope")}, mapper.ErrUnknownColumn, "dfArticle"},
			{[]loader.Option{loader.Defer("Author.First")}, loader.ErrNotLoadedPath, "Author"},
		} {
			_, err := session.Query[dfArticle](s).Options(c.opts...).All(ctx)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.name) {
				t.Errorf("%v: %v, want %v naming %s", c.opts, err, c.want, c.name)
			}
		}
	})
}

// TestComputedAttributes: computed fields load with the row, filter and
// order by name, go through a joined load under its alias, defer, are
// loaded by LoadFields and are never written.
func TestComputedAttributes(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := dfSeed(t, srv)
		s := dfSession(srv, reg)
		all, err := session.Query[dfAuthor](s).Options(loader.UndeferGroup("stats")).OrderBy("-ArticleCount", "ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range all {
			got = append(got, fmt.Sprintf("%s:%d", a.FullName, a.ArticleCount))
		}
		if want := "Ada Lovelace:2 Bob Byte:1 Cy Zero:0"; strings.Join(got, " ") != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		// Deferred computed field: not loaded by default; LoadFields.
		s = dfSession(srv, reg)
		bob, err := session.Query[dfAuthor](s).Filter("ArticleCount", 1).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if bob.First != "Bob" || bob.ArticleCount != 0 || bob.FullName != "Bob Byte" {
			t.Fatalf("bob %+v", bob)
		}
		q := session.Query[dfAuthor](s)
		n, err := q.Where(core.Eq(q.E("FullName"), "Cy Zero")).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("count by E: %d %v", n, err)
		}
		if err := s.LoadFields(ctx, bob, "ArticleCount"); err != nil || bob.ArticleCount != 1 {
			t.Fatalf("LoadFields: %v %d", err, bob.ArticleCount)
		}
		// Never written: changing one writes nothing.
		bob.FullName, bob.ArticleCount = "X", 99
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range srv.log.take() {
			if strings.HasPrefix(q, "UPDATE") {
				t.Fatalf("computed field written: %s", q)
			}
		}
		// A joined load of the author computes over the join's alias.
		s = dfSession(srv, reg)
		arts, err := session.Query[dfArticle](s).Options(loader.Joined("Author").UndeferGroup("stats")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(arts) != 3 || arts[2].Author.FullName != "Bob Byte" || arts[0].Author.ArticleCount != 2 || arts[2].Author.ArticleCount != 1 {
			t.Fatalf("joined authors: %+v %+v", arts[0].Author, arts[2].Author)
		}
		// A SelectIn load too.
		s = dfSession(srv, reg)
		arts, err = session.Query[dfArticle](s).Options(loader.SelectIn("Author")).OrderBy("ID").All(ctx)
		if err != nil || arts[2].Author.FullName != "Bob Byte" {
			t.Fatalf("selectin authors: %v %+v", err, arts)
		}
		// Joined to the query (Join): a computed field by path.
		s = dfSession(srv, reg)
		arts, err = session.Query[dfArticle](s).Join("Author").Filter("Author.FullName", "Ada Lovelace").OrderBy("ID").All(ctx)
		if err != nil || len(arts) != 2 {
			t.Fatalf("join filter: %v %d", err, len(arts))
		}
	})
}
