package integration_test

// Joined collections (issue 19) beyond Chinook's shapes, on PostgreSQL,
// MariaDB and SQLite: sibling collections (a cartesian product of rows),
// a collection joined under a SelectIn, to-one joins under a collection,
// and a paged query ordered through the session's own join.

import (
	"context"
	"fmt"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// authorTree lists authors, books, tags and awards by key, in order.
func authorTree(t *testing.T, as []*ldAuthor) []string {
	t.Helper()
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("author %d", a.ID))
		for _, b := range a.Books {
			if b.Author != a {
				t.Fatalf("book %d: author back-reference not %d", b.ID, a.ID)
			}
			out = append(out, fmt.Sprintf(" book %d", b.ID))
			for _, tg := range b.Tags {
				out = append(out, fmt.Sprintf("  tag %d", tg.ID))
			}
		}
		for _, aw := range a.Awards {
			out = append(out, fmt.Sprintf(" award %d", aw.ID))
		}
	}
	return out
}

func equalLines(t *testing.T, want, got []string) {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			t.Fatalf("line %d: want %q, got %q", i, want[i], got[i])
		}
	}
	if len(want) != len(got) {
		t.Fatalf("want %d lines, got %d", len(want), len(got))
	}
}

func TestLoaderJoinedCollections(t *testing.T) {
	eachLoaderDB(t, func(t *testing.T, e ldEnv) {
		ctx := context.Background()
		e.seed(t, 30)
		cases := []struct {
			name     string
			query    func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor]
			joined   []loader.Option
			selectin []loader.Option
			stmts    int // of the joined form
		}{
			{"sibling collections, one nested",
				func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor] { return q.OrderBy("-ID") },
				[]loader.Option{loader.Joined("Books", loader.Joined("Tags").OrderBy("-Name")).OrderBy("-Year"), loader.Joined("Awards").OrderBy("-ID")},
				[]loader.Option{loader.SelectIn("Books", loader.SelectIn("Tags").OrderBy("-Name")).OrderBy("-Year"), loader.SelectIn("Awards").OrderBy("-ID")},
				1},
			{"paged sibling collections",
				func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor] {
					return q.OrderBy("-Name", "ID").Limit(4).Offset(3)
				},
				[]loader.Option{loader.Joined("Books", loader.Joined("Tags")), loader.Joined("Awards")},
				[]loader.Option{loader.SelectIn("Books", loader.SelectIn("Tags")), loader.SelectIn("Awards")},
				1},
			{"collection joined under selectin",
				func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor] { return q.OrderBy("ID").Limit(5) },
				[]loader.Option{loader.SelectIn("Books", loader.Joined("Tags").OrderBy("-ID")).OrderBy("-Year")},
				[]loader.Option{loader.SelectIn("Books", loader.SelectIn("Tags").OrderBy("-ID")).OrderBy("-Year")},
				2},
			{"paged through a to-many join of the query (a semijoin)",
				func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor] {
					q = q.Join("Books.Tags")
					return q.Where(core.In(q.C("Books.Tags.ID"), 3, 4)).OrderBy("-Name", "ID").Limit(4).Offset(1)
				},
				[]loader.Option{loader.Joined("Books", loader.Joined("Tags")).OrderBy("Title")},
				[]loader.Option{loader.SelectIn("Books", loader.SelectIn("Tags")).OrderBy("Title")},
				1},
			{"to-one joined under a joined collection",
				func(q *session.QueryOf[ldAuthor]) *session.QueryOf[ldAuthor] { return q.OrderBy("ID").Limit(3) },
				[]loader.Option{loader.Joined("Books", loader.Joined("Author"), loader.Joined("Tags"))},
				[]loader.Option{loader.SelectIn("Books", loader.SelectIn("Tags"))},
				1},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				want, err := c.query(session.Query[ldAuthor](e.session(session.Options{}))).Options(c.selectin...).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				e.hooks.reset()
				got, err := c.query(session.Query[ldAuthor](e.session(session.Options{}))).Options(c.joined...).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n := e.hooks.statements(); n != c.stmts {
					sqls, _ := e.hooks.snapshot()
					t.Fatalf("%d statements, want %d: %q", n, c.stmts, sqls)
				}
				wt := authorTree(t, want)
				if len(wt) < 3*len(want) {
					t.Fatalf("too little loaded: %q", wt)
				}
				equalLines(t, wt, authorTree(t, got))
			})
		}

		t.Run("paged query ordered through the session's join", func(t *testing.T) {
			run := func(opt loader.Option) []string {
				q := session.Query[ldBook](e.session(session.Options{})).Join("Author")
				bs, err := q.OrderBy("-Author.Name", "-Year", "ID").Limit(6).Offset(2).Options(opt).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, b := range bs {
					out = append(out, fmt.Sprintf("book %d", b.ID))
					for _, tg := range b.Tags {
						out = append(out, fmt.Sprintf(" tag %d", tg.ID))
					}
				}
				return out
			}
			want := run(loader.SelectIn("Tags"))
			e.hooks.reset()
			got := run(loader.Joined("Tags"))
			if n := e.hooks.statements(); n != 1 {
				sqls, _ := e.hooks.snapshot()
				t.Fatalf("%d statements, want 1: %q", n, sqls)
			}
			if len(want) != 6*4 {
				t.Fatalf("want %d lines: %q", len(want), want)
			}
			equalLines(t, want, got)
		})
	})
}
