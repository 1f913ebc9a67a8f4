package loader

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
)

func TestJoinedCollectionStatement(t *testing.T) {
	a, b := models(t)
	at := a.Table()
	byName := core.Select().From(at).OrderBy(core.Desc(at.C("name")))
	paged := byName.Where(core.Eq(at.C("name"), "x")).Limit(3).Offset(2)
	nested := []Option{Joined("Books", Joined("Tags").OrderBy("-Name")).OrderBy("Year")}
	cases := []struct {
		name string
		d    core.Dialect
		opts []Option
		sel  *core.SelectStmt
		sql  string
	}{
		{"postgres: query order, owner key, collection order", postgres.Dialect, nested, byName,
			`SELECT "authors"."id", "authors"."name", "j1"."id", "j1"."title", "j1"."year", "j1"."author_id", "j2"."id", "j2"."name" FROM "authors" ` +
				`LEFT JOIN "books" AS "j1" ON "j1"."author_id" = "authors"."id" LEFT JOIN "book_tags" AS "j2s" ON "j2s"."book_id" = "j1"."id" LEFT JOIN "tags" AS "j2" ON "j2"."id" = "j2s"."tag_id" ` +
				`ORDER BY "authors"."name" DESC, "authors"."id", "j1"."year", "j1"."id", "j2"."name" DESC, "j2"."id"`},
		{"postgres: a paged query is wrapped", postgres.Dialect, nested, paged,
			`SELECT "jp"."id", "jp"."name", "j1"."id", "j1"."title", "j1"."year", "j1"."author_id", "j2"."id", "j2"."name" FROM ` +
				`(SELECT "authors"."id", "authors"."name", "authors"."name" AS "jo0" FROM "authors" WHERE "authors"."name" = $1 ORDER BY "authors"."name" DESC LIMIT $2 OFFSET $3) AS "jp" ` +
				`LEFT JOIN "books" AS "j1" ON "j1"."author_id" = "jp"."id" LEFT JOIN "book_tags" AS "j2s" ON "j2s"."book_id" = "j1"."id" LEFT JOIN "tags" AS "j2" ON "j2"."id" = "j2s"."tag_id" ` +
				`ORDER BY "jp"."jo0" DESC, "jp"."id", "j1"."year", "j1"."id", "j2"."name" DESC, "j2"."id"`},
		{"mariadb: a paged query is wrapped", mysql.MariaDB, []Option{Joined("Books")}, paged,
			"SELECT `jp`.`id`, `jp`.`name`, `j1`.`id`, `j1`.`title`, `j1`.`year`, `j1`.`author_id` FROM " +
				"(SELECT `authors`.`id`, `authors`.`name`, `authors`.`name` AS `jo0` FROM `authors` WHERE `authors`.`name` = ? ORDER BY `authors`.`name` DESC LIMIT ? OFFSET ?) AS `jp` " +
				"LEFT JOIN `books` AS `j1` ON `j1`.`author_id` = `jp`.`id` ORDER BY `jp`.`jo0` DESC, `jp`.`id`, `j1`.`id`"},
		{"sqlite: offset alone is wrapped", sqlite.Dialect, []Option{Joined("Books")}, core.Select().From(at).Offset(4),
			`SELECT "jp"."id", "jp"."name", "j1"."id", "j1"."title", "j1"."year", "j1"."author_id" FROM ` +
				`(SELECT "authors"."id", "authors"."name" FROM "authors" LIMIT -1 OFFSET ?) AS "jp" ` +
				`LEFT JOIN "books" AS "j1" ON "j1"."author_id" = "jp"."id" ORDER BY "jp"."id", "j1"."id"`},
		{"postgres: a limited joined collection is a lateral subquery", postgres.Dialect,
			[]Option{Joined("Books", Joined("Tags").OrderBy("Name").Limit(2)).OrderBy("-Year").Limit(3)}, core.Select().From(at),
			`SELECT "authors"."id", "authors"."name", "j1"."id", "j1"."title", "j1"."year", "j1"."author_id", "j2"."id", "j2"."name" FROM "authors" ` +
				`LEFT JOIN LATERAL (SELECT "j1t"."id", "j1t"."title", "j1t"."year", "j1t"."author_id" FROM "books" AS "j1t" WHERE "j1t"."author_id" = "authors"."id" ORDER BY "j1t"."year" DESC, "j1t"."id" LIMIT $1) AS "j1" ON 1 = 1 ` +
				`LEFT JOIN LATERAL (SELECT "j2t"."id", "j2t"."name" FROM "tags" AS "j2t" JOIN "book_tags" AS "j2s" ON "j2t"."id" = "j2s"."tag_id" WHERE "j2s"."book_id" = "j1"."id" ORDER BY "j2t"."name", "j2t"."id" LIMIT $2) AS "j2" ON 1 = 1 ` +
				`ORDER BY "authors"."id", "j1"."year" DESC, "j1"."id", "j2"."name", "j2"."id"`},
		{"sqlite: to-one joins stay as they were", sqlite.Dialect, []Option{Joined("Author")}, core.Select().From(b.Table()).Limit(1),
			`SELECT "books"."id", "books"."title", "books"."year", "books"."author_id", "j1"."id", "j1"."name" FROM "books" ` +
				`LEFT JOIN "authors" AS "j1" ON "j1"."id" = "books"."author_id" LIMIT ?`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := a
			if c.sel.Tables()[0] == "books" {
				m = b
			}
			p, err := Compile(m, c.opts...)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := core.Compile(c.d, p.Select(c.sel))
			if err != nil {
				t.Fatal(err)
			}
			if cs.SQL != c.sql {
				t.Fatalf("sql:\n got %s\nwant %s", cs.SQL, c.sql)
			}
		})
	}
}

// A SelectIn load whose children join a collection orders its rows by
// target, then the joined collection, and still binds the keys once.
func TestSelectInWithJoinedCollectionChild(t *testing.T) {
	a, _ := models(t)
	books, _ := a.Relation("Books")
	p, err := Compile(a, SelectIn("Books", Joined("Tags")).OrderBy("-Year"))
	if err != nil {
		t.Fatal(err)
	}
	n := p.nodes[0]
	s := newSelection(books.Target, books.Target.Table(), books, nil, n.children)
	if !s.many {
		t.Fatal("selection does not know it joins a collection")
	}
	ks := keySet{n: 2, one: reflect.ValueOf([]int64{1, 2})}
	cs, err := core.Compile(postgres.Dialect, s.statement(n, ks))
	if err != nil {
		t.Fatal(err)
	}
	want := `LEFT JOIN "book_tags" AS "j1s" ON "j1s"."book_id" = "books"."id" LEFT JOIN "tags" AS "j1" ON "j1"."id" = "j1s"."tag_id" WHERE "books"."author_id" = ANY($1) ORDER BY "books"."year" DESC, "books"."id", "j1"."id"`
	if !strings.HasSuffix(cs.SQL, want) {
		t.Fatalf("sql:\n got %s\nwant …%s", cs.SQL, want)
	}
}

// A limited joined collection needs LATERAL: a dialect without it refuses
// the statement, naming LATERAL.
func TestLimitedJoinedCollectionNeedsLateral(t *testing.T) {
	a, _ := models(t)
	p, err := Compile(a, Joined("Books").Limit(2))
	if err != nil {
		t.Fatal(err)
	}
	stmt := p.Select(core.Select().From(a.Table()))
	for _, d := range []core.Dialect{mysql.MariaDB, sqlite.Dialect} {
		_, err := core.Compile(d, stmt)
		if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "LATERAL") {
			t.Errorf("%s: %v", d.Name(), err)
		}
	}
	if _, err := core.Compile(mysql.Dialect, stmt); err != nil {
		t.Errorf("mysql 8: %v", err)
	}
}
