package session_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// compiled is the SQL a query runs, as SQLite gets it.
func compiled[T any](t *testing.T, e env, q *session.QueryOf[T]) string {
	t.Helper()
	st, err := q.Statement()
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.Compile(e.db.Dialect(), st)
	if err != nil {
		t.Fatal(err)
	}
	return c.SQL
}

func TestJoinSQL(t *testing.T) {
	e := setup(t)
	s := e.session(session.Options{})
	books := session.Query[Book](s)
	emps := session.Query[Employee](s)
	const bookCols = `SELECT "books"."id", "books"."title", "books"."pages", "books"."author_id", "books"."version" FROM "books"`
	const empCols = `SELECT "employees"."id", "employees"."name", "employees"."manager_id" FROM "employees"`
	cases := []struct {
		name string
		sql  string
		want string
	}{
		{"many-to-one: aliased, no DISTINCT",
			compiled(t, e, books.Join("Author").OrderBy("Author.Name")),
			bookCols + ` JOIN "authors" AS "Author" ON "books"."author_id" = "Author"."id" ORDER BY "Author"."name"`},
		{"self-referential: the table twice, once aliased",
			compiled(t, e, emps.Join("Manager").Filter("Manager.Name", "x")),
			empCols + ` JOIN "employees" AS "Manager" ON "employees"."manager_id" = "Manager"."id" WHERE "Manager"."name" = ?`},
		{"nested path",
			compiled(t, e, emps.Join("Manager.Manager")),
			empCols + ` JOIN "employees" AS "Manager" ON "employees"."manager_id" = "Manager"."id" JOIN "employees" AS "Manager.Manager" ON "Manager"."manager_id" = "Manager.Manager"."id"`},
		{"a path joined again adds nothing",
			compiled(t, e, emps.Join("Manager.Manager").Join("Manager").Join("Manager.Manager")),
			empCols + ` JOIN "employees" AS "Manager" ON "employees"."manager_id" = "Manager"."id" JOIN "employees" AS "Manager.Manager" ON "Manager"."manager_id" = "Manager.Manager"."id"`},
		{"one-to-many: semijoin on the key",
			compiled(t, e, emps.Join("Reports").Filter("Reports.Name", "x").OrderBy("Name").Limit(2)),
			empCols + ` WHERE "employees"."id" IN (SELECT "employees"."id" FROM "employees" JOIN "employees" AS "Reports" ON "Reports"."manager_id" = "employees"."id" WHERE "Reports"."name" = ?) ORDER BY "employees"."name" LIMIT ?`},
		{"many-to-many: association table aliased too",
			compiled(t, e, books.Join("Tags").Filter("Tags.Name", "sf")),
			bookCols + ` WHERE "books"."id" IN (SELECT "books"."id" FROM "books" JOIN "book_tags" AS "Tags.book_tags" ON "Tags.book_tags"."book_id" = "books"."id" JOIN "tags" AS "Tags" ON "Tags.book_tags"."tag_id" = "Tags"."id" WHERE "Tags"."name" = ?)`},
		{"left join, many-to-many",
			compiled(t, e, books.LeftJoin("Tags").Where(core.IsNull(books.LeftJoin("Tags").C("Tags.ID")))),
			bookCols + ` WHERE "books"."id" IN (SELECT "books"."id" FROM "books" LEFT JOIN "book_tags" AS "Tags.book_tags" ON "Tags.book_tags"."book_id" = "books"."id" LEFT JOIN "tags" AS "Tags" ON "Tags.book_tags"."tag_id" = "Tags"."id" WHERE "Tags"."id" IS NULL)`},
		{"left join, self",
			compiled(t, e, emps.LeftJoin("Manager").OrderBy("Manager.Name")),
			empCols + ` LEFT JOIN "employees" AS "Manager" ON "employees"."manager_id" = "Manager"."id" ORDER BY "Manager"."name"`},
		{"to-one joins stay outside the semijoin for the order",
			compiled(t, e, books.Join("Tags").Join("Author").Filter("Tags.Name", "sf").OrderBy("-Author.Name")),
			bookCols + ` JOIN "authors" AS "Author" ON "books"."author_id" = "Author"."id" WHERE "books"."id" IN (SELECT "books"."id" FROM "books" JOIN "book_tags" AS "Tags.book_tags" ON "Tags.book_tags"."book_id" = "books"."id" JOIN "tags" AS "Tags" ON "Tags.book_tags"."tag_id" = "Tags"."id" JOIN "authors" AS "Author" ON "books"."author_id" = "Author"."id" WHERE "Tags"."name" = ?) ORDER BY "Author"."name" DESC`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.sql != c.want {
				t.Fatalf("\n got %s\nwant %s", c.sql, c.want)
			}
		})
	}
	// The alias depends on the path only: two queries built apart compile
	// to one SQL text (one cache entry), and a column of one names the
	// same table in the other.
	q1 := session.Query[Employee](s).Join("Manager")
	q2 := session.Query[Employee](s).Join("Manager")
	if a, b := compiled(t, e, q1.Where(core.Eq(q1.C("Manager.Name"), "x"))), compiled(t, e, q2.Where(core.Eq(q1.C("Manager.Name"), "x"))); a != b {
		t.Fatalf("unstable SQL:\n%s\n%s", a, b)
	}
}

func TestJoinErrorsBeforeSQL(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	emps := session.Query[Employee](s)
	reports := emps.Join("Reports")
	cases := []struct {
		name string
		run  func() error
		is   error
		want []string
	}{
		{"unknown relationship", func() error { _, err := emps.Join("Boss").All(ctx); return err }, mapper.ErrUnknownColumn, []string{"Employee", `"Boss"`}},
		{"unknown nested relationship", func() error { _, err := emps.Join("Manager.Boss").All(ctx); return err }, mapper.ErrUnknownColumn, []string{`"Manager.Boss"`, `"Boss"`}},
		{"path not joined", func() error { _, err := emps.Filter("Manager.Name", "x").All(ctx); return err }, mapper.ErrUnknownColumn, []string{`"Manager"`, "not joined"}},
		{"unknown field of a joined model", func() error { _, err := emps.Join("Manager").OrderBy("Manager.Nope").All(ctx); return err }, mapper.ErrUnknownColumn, []string{"Employee", `"Nope"`}},
		{"order through one-to-many", func() error { _, err := reports.OrderBy("-Reports.Name").All(ctx); return err }, session.ErrOrderThroughToMany, []string{"Reports"}},
		{"order by a column of one-to-many", func() error {
			_, err := reports.OrderBy(core.Asc(reports.C("Reports.Name")).NullsFirst()).Count(ctx)
			return err
		}, session.ErrOrderThroughToMany, []string{"Reports"}},
		{"order through a to-one after a to-many", func() error {
			q := emps.Join("Reports.Manager")
			_, err := q.OrderBy(q.C("Reports.Manager.Name")).Exists(ctx)
			return err
		}, session.ErrOrderThroughToMany, []string{"relationship Reports"}},
		{"statement", func() error { _, err := reports.OrderBy(reports.C("Reports.Name")).Statement(); return err }, session.ErrOrderThroughToMany, []string{"Reports"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.hk.reset()
			err := c.run()
			if !errors.Is(err, c.is) {
				t.Fatalf("error %v, want %v", err, c.is)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not name %s", err, w)
				}
			}
			if n := len(e.hk.with("")); n != 0 {
				t.Fatalf("%d statements sent", n)
			}
		})
	}
}

// A relationship named like its table (SQLite compares names without
// case) gets another alias.
type Parent struct {
	_        struct{} `athanor:",table:parent"`
	ID       int64    `athanor:",pk"`
	Name     string
	ParentID *int64
	Parent   *Parent `athanor:",fk:parent_id"`
}

func TestJoinAliasAvoidsTableNames(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[Parent](reg); err != nil {
		t.Fatal(err)
	}
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	if err := md.CreateAll(ctx, db.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false); err != nil {
		t.Fatal(err)
	}
	s := session.New(session.DB(db), session.Options{Registry: reg})
	root := &Parent{Name: "root"}
	if err := s.Add(&Parent{Name: "b", Parent: root}, &Parent{Name: "a", Parent: root}, &Parent{Name: "c"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	q := session.Query[Parent](s).Join("Parent").Filter("Parent.Name", "root").OrderBy("-Name")
	st, err := q.Statement()
	if err != nil {
		t.Fatal(err)
	}
	if sql := st.String(); !strings.Contains(sql, `AS "Parent_"`) {
		t.Fatalf("alias: %s", sql)
	}
	got, err := q.All(ctx)
	if err != nil || len(got) != 2 || got[0].Name != "b" || got[1].Name != "a" {
		t.Fatalf("%v %v", got, err)
	}
}

func TestJoinOnIsAFilter(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	a := &Author{Name: "Le Guin", Books: []*Book{{Title: "B"}, {Title: "A"}, {Title: "C"}}}
	if err := s.Add(a, &Author{Name: "Other", Books: []*Book{{Title: "D"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Authors joined to every book of theirs: each author once.
	books := e.mustModel(t, Book{}).Table().As("b2")
	q := session.Query[Author](s).JoinOn(books, core.Eq(books.C("author_id"), e.mustModel(t, Author{}).Table().C("id")))
	got, err := q.Where(core.Ne(books.C("title"), "D")).All(ctx)
	if err != nil || len(got) != 1 || got[0] != a {
		t.Fatalf("all: %v %v", got, err)
	}
	if n, err := q.Count(ctx); err != nil || n != 2 {
		t.Fatalf("count: %d %v", n, err)
	}
	if _, err := q.OrderBy(core.Desc(books.C("title"))).All(ctx); !errors.Is(err, session.ErrOrderThroughToMany) || !strings.Contains(err.Error(), "JoinOn") {
		t.Fatalf("order: %v", err)
	}
}

// Joins for conditions and order combine with eager loading: the loader's
// own LEFT JOINs have their own aliases.
func TestJoinWithEagerLoading(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	s := e.session(session.Options{})
	boss := &Employee{Name: "boss"}
	mid := &Employee{Name: "mid", Manager: boss}
	zed := &Employee{Name: "zed", Manager: boss}
	if err := s.Add(boss, mid, zed, &Employee{Name: "low", Manager: mid}, &Employee{Name: "low2", Manager: mid}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := e.session(session.Options{})
	q := session.Query[Employee](s2).Options(loader.Joined("Manager"), loader.SelectIn("Reports")).
		Join("Manager").Join("Reports").Filter("Reports.Name", "low").OrderBy("Manager.Name", "-Name")
	got, err := q.All(ctx)
	if err != nil || len(got) != 1 || got[0].Name != "mid" || got[0].Manager == nil || got[0].Manager.Name != "boss" || len(got[0].Reports) != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	// Managers of anyone, each once, in the managers' managers' order.
	all, err := session.Query[Employee](s2).Options(loader.Joined("Manager")).LeftJoin("Manager").Join("Reports").OrderBy("-Manager.Name", "Name").All(ctx)
	if err != nil || len(all) != 2 || all[0].Name != "mid" || all[1].Name != "boss" {
		t.Fatalf("%+v %v", all, err)
	}
}
