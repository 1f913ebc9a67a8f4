package session_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

func TestCriteriaSQL(t *testing.T) {
	e := setup(t)
	s := e.session(session.Options{})
	authors := session.Query[Author](s)
	books := session.Query[Book](s)
	emps := session.Query[Employee](s)
	const authorCols = `SELECT "authors"."id", "authors"."name" FROM "authors"`
	const bookCols = `SELECT "books"."id", "books"."title", "books"."pages", "books"."author_id", "books"."version" FROM "books"`
	const empCols = `SELECT "employees"."id", "employees"."name", "employees"."manager_id" FROM "employees"`
	bk := authors.Related("Books")
	reports := emps.Related("Reports")
	mgr := emps.Related("Manager.Manager")
	cases := []struct {
		name string
		sql  string
		want string
	}{
		{"one-to-many: correlated, aliased, predicate bound",
			compiled(t, e, authors.Where(authors.Any("Books", core.Like(bk.C("Title"), "A%")))),
			authorCols + ` WHERE EXISTS (SELECT 1 FROM "books" AS "rel:Books" WHERE "rel:Books"."author_id" = "authors"."id" AND "rel:Books"."title" LIKE ?)`},
		{"not any through many-to-many: one EXISTS over the chain",
			compiled(t, e, authors.Where(core.Not(authors.Any("Books.Tags")))),
			authorCols + ` WHERE NOT EXISTS (SELECT 1 FROM "books" AS "rel:Books" JOIN "book_tags" AS "rel:Books.Tags.book_tags" ON "rel:Books.Tags.book_tags"."book_id" = "rel:Books"."id" JOIN "tags" AS "rel:Books.Tags" ON "rel:Books.Tags.book_tags"."tag_id" = "rel:Books.Tags"."id" WHERE "rel:Books"."author_id" = "authors"."id")`},
		{"contains through many-to-many reads the association table only",
			compiled(t, e, books.Where(books.Contains("Tags", &Tag{ID: 3}))),
			bookCols + ` WHERE EXISTS (SELECT 1 FROM "book_tags" AS "rel:Tags.book_tags" WHERE "rel:Tags.book_tags"."book_id" = "books"."id" AND "rel:Tags.book_tags"."tag_id" = ?)`},
		{"contains through one-to-many compares the key",
			compiled(t, e, authors.Where(authors.Contains("Books", &Book{ID: 9}))),
			authorCols + ` WHERE EXISTS (SELECT 1 FROM "books" AS "rel:Books" WHERE "rel:Books"."author_id" = "authors"."id" AND "rel:Books"."id" = ?)`},
		{"self-reference: has through two hops, the outer table unaliased",
			compiled(t, e, emps.Where(emps.Has("Manager.Manager", core.Eq(mgr.C("Name"), "x")))),
			empCols + ` WHERE EXISTS (SELECT 1 FROM "employees" AS "rel:Manager" JOIN "employees" AS "rel:Manager.Manager" ON "rel:Manager"."manager_id" = "rel:Manager.Manager"."id" WHERE "employees"."manager_id" = "rel:Manager"."id" AND "rel:Manager.Manager"."name" = ?)`},
		{"nested: any inside any, correlated with the parent's alias",
			compiled(t, e, emps.Where(reports.Any(reports.Related("Reports").Any(core.Eq(reports.Related("Reports").C("Name"), "x"))))),
			empCols + ` WHERE EXISTS (SELECT 1 FROM "employees" AS "rel:Reports" WHERE "rel:Reports"."manager_id" = "employees"."id" AND EXISTS (SELECT 1 FROM "employees" AS "rel:Reports.Reports" WHERE "rel:Reports.Reports"."manager_id" = "rel:Reports"."id" AND "rel:Reports.Reports"."name" = ?))`},
		{"inside Or, with a Join of the same path",
			compiled(t, e, emps.Join("Reports").Where(core.Or(core.Eq(emps.C("Name"), "a"), emps.Any("Reports", core.Eq(reports.C("Name"), "x"))))),
			empCols + ` WHERE "employees"."id" IN (SELECT "employees"."id" FROM "employees" JOIN "employees" AS "Reports" ON "Reports"."manager_id" = "employees"."id" WHERE "employees"."name" = ? OR EXISTS (SELECT 1 FROM "employees" AS "rel:Reports" WHERE "rel:Reports"."manager_id" = "employees"."id" AND "rel:Reports"."name" = ?))`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.sql != c.want {
				t.Fatalf("\n got %s\nwant %s", c.sql, c.want)
			}
		})
	}
	// The SQL depends on the path only.
	a := compiled(t, e, emps.Where(emps.Any("Reports", core.Eq(emps.Related("Reports").C("Name"), "x"))))
	b := compiled(t, e, emps.Where(reports.Any(core.Eq(reports.C("name"), "y"))))
	if a != b {
		t.Fatalf("unstable SQL:\n%s\n%s", a, b)
	}
}

func TestCriteriaErrorsBeforeSQL(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	emps := session.Query[Employee](s)
	books := session.Query[Book](s)
	cases := []struct {
		name string
		run  func() error
		is   error
		want []string
	}{
		{"unknown relationship", func() error { _, err := emps.Where(emps.Any("Boss")).All(ctx); return err },
			mapper.ErrUnknownColumn, []string{"Employee", `"Boss"`}},
		{"unknown relationship on the path", func() error { _, err := emps.Where(emps.Has("Manager.Boss")).Count(ctx); return err },
			mapper.ErrUnknownColumn, []string{"model Employee", `"Manager.Boss"`, `"Boss"`}},
		{"unknown nested relationship", func() error {
			_, err := emps.Where(emps.Related("Reports").Related("Nope").Any()).Exists(ctx)
			return err
		}, mapper.ErrUnknownColumn, []string{`"Reports.Nope"`, `"Nope"`}},
		{"inside Not and Or", func() error {
			_, err := emps.Where(core.Or(core.Eq(emps.C("Name"), "x"), core.Not(emps.Any("Boss")))).All(ctx)
			return err
		}, mapper.ErrUnknownColumn, []string{`"Boss"`}},
		{"unknown field of the related model", func() error {
			r := emps.Related("Reports")
			_, err := emps.Where(r.Any(core.Eq(r.C("Nope"), 1))).All(ctx)
			return err
		}, nil, []string{`"Nope"`, "employees"}},
		{"has through a to-many", func() error { _, err := emps.Where(emps.Has("Manager.Reports")).All(ctx); return err },
			session.ErrRelationKind, []string{"Employee.Reports", "use Any"}},
		{"any through to-ones only", func() error { _, err := emps.Where(emps.Any("Manager")).All(ctx); return err },
			session.ErrRelationKind, []string{`"Manager"`, "use Has"}},
		{"contains of another type", func() error { _, err := books.Where(books.Contains("Tags", &Book{ID: 1})).All(ctx); return err },
			nil, []string{`"Tags"`, "*session_test.Book", "*session_test.Tag"}},
		{"contains of nil", func() error { _, err := books.Where(books.Contains("Tags", nil)).All(ctx); return err },
			nil, []string{`"Tags"`, "<nil>"}},
		{"contains of an unflushed object", func() error { _, err := books.Where(books.Contains("Tags", &Tag{Name: "new"})).All(ctx); return err },
			nil, []string{"Tag has no ID", "flush"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.hk.reset()
			err := c.run()
			if err == nil || c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("error %v, want %v", err, c.is)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %s", err, w)
				}
			}
			if n := len(e.hk.with("")); n != 0 {
				t.Fatalf("%d statements sent: %q", n, e.hk.with(""))
			}
		})
	}
}

func TestCriteriaResults(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	sf, classic, unused := &Tag{Name: "sf"}, &Tag{Name: "classic"}, &Tag{Name: "unused"}
	leguin := &Author{Name: "Le Guin", Books: []*Book{{Title: "Dispossessed", Pages: 400, Tags: []*Tag{sf, classic}}, {Title: "Earthsea", Pages: 200, Tags: []*Tag{classic}}}}
	banks := &Author{Name: "Banks", Books: []*Book{{Title: "Excession", Pages: 450, Tags: []*Tag{sf}}}}
	nobody := &Author{Name: "Nobody"}
	boss := &Employee{Name: "boss"}
	mid := &Employee{Name: "mid", Manager: boss}
	if err := s.Add(leguin, banks, nobody, unused, boss, mid, &Employee{Name: "low", Manager: mid}, &Employee{Name: "alone"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	names := func(as []*Author, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	enames := func(es []*Employee, err error) []string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range es {
			out = append(out, x.Name)
		}
		return out
	}
	aq := session.Query[Author](s).OrderBy("Name")
	bk := aq.Related("Books")
	tg := aq.Related("Books.Tags")
	eq := session.Query[Employee](s).OrderBy("Name")
	cases := []struct {
		name      string
		got, want []string
	}{
		{"any", names(aq.Where(aq.Any("Books", core.Gt(bk.C("Pages"), 300))).All(ctx)), []string{"Banks", "Le Guin"}},
		{"any, two predicates", names(aq.Where(aq.Any("Books", core.Gt(bk.C("Pages"), 300), core.Like(bk.C("Title"), "D%"))).All(ctx)), []string{"Le Guin"}},
		{"not any", names(aq.Where(core.Not(aq.Any("Books"))).All(ctx)), []string{"Nobody"}},
		{"any through many-to-many", names(aq.Where(aq.Any("Books.Tags", core.Eq(tg.C("Name"), "classic"))).All(ctx)), []string{"Le Guin"}},
		{"contains through the chain", names(aq.Where(aq.Contains("Books.Tags", sf)).All(ctx)), []string{"Banks", "Le Guin"}},
		{"not contains", names(aq.Where(core.Not(aq.Contains("Books.Tags", classic))).All(ctx)), []string{"Banks", "Nobody"}},
		{"contains nothing", names(aq.Where(aq.Contains("Books.Tags", unused)).All(ctx)), nil},
		{"or", names(aq.Where(core.Or(core.Eq(aq.C("Name"), "Nobody"), aq.Any("Books", core.Eq(bk.C("Title"), "Excession")))).All(ctx)), []string{"Banks", "Nobody"}},
		{"has", enames(eq.Where(eq.Has("Manager", core.Eq(eq.Related("Manager").C("Name"), "boss"))).All(ctx)), []string{"mid"}},
		{"not has: a NULL foreign key has none", enames(eq.Where(core.Not(eq.Has("Manager"))).All(ctx)), []string{"alone", "boss"}},
		{"has two hops", enames(eq.Where(eq.Has("Manager.Manager")).All(ctx)), []string{"low"}},
		{"any reports", enames(eq.Where(eq.Any("Reports")).All(ctx)), []string{"boss", "mid"}},
		{"any of any", enames(eq.Where(eq.Any("Reports.Reports")).All(ctx)), []string{"boss"}},
		{"not any reports", enames(eq.Where(core.Not(eq.Any("Reports"))).All(ctx)), []string{"alone", "low"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !slices.Equal(c.got, c.want) {
				t.Fatalf("got %q, want %q", c.got, c.want)
			}
		})
	}
	if n, err := aq.Where(aq.Any("Books")).Count(ctx); err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
	if ok, err := aq.Where(aq.Contains("Books.Tags", unused)).Exists(ctx); err != nil || ok {
		t.Fatalf("exists: %v %v", ok, err)
	}
	// Criteria filter the objects, not what eager loading loads with them.
	s2 := e.session(session.Options{})
	lq := session.Query[Author](s2).Options(loader.SelectIn("Books")).Limit(5)
	lb := lq.Related("Books")
	got, err := lq.Where(lq.Any("Books", core.Eq(lb.C("Title"), "Earthsea"))).All(ctx)
	if err != nil || len(got) != 1 || len(got[0].Books) != 2 {
		t.Fatalf("with selectin: %v %v", got, err)
	}
	bq := session.Query[Book](s2).Options(loader.Joined("Author")).OrderBy("Title")
	bs, err := bq.Where(bq.Has("Author", core.Eq(bq.Related("Author").C("Name"), "Le Guin"))).All(ctx)
	if err != nil || len(bs) != 2 || bs[0].Title != "Dispossessed" || bs[0].Author == nil || bs[0].Author.Name != "Le Guin" {
		t.Fatalf("with joined: %v %v", bs, err)
	}
	// Contains reads the key when it is built: a new object's, once
	// flushed.
	fresh := &Tag{Name: "fresh"}
	leguin.Books[1].Tags = append(leguin.Books[1].Tags, fresh)
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := names(aq.Where(aq.Contains("Books.Tags", fresh)).All(ctx)); !slices.Equal(got, []string{"Le Guin"}) {
		t.Fatalf("fresh: %q", got)
	}
}
