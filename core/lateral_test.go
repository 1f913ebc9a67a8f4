package core_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
)

func TestLateral(t *testing.T) {
	artists := core.MustTable(core.TableDef{Name: "artists", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "name", Type: core.String(100)},
	}})
	albums := core.MustTable(core.TableDef{Name: "albums", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "title", Type: core.String(100)},
		{Name: "artist_id", Type: core.BigInt()},
	}})
	top := core.Lateral(core.Select(albums.C("id"), albums.C("title")).From(albums).
		Where(core.Eq(albums.C("artist_id"), artists.C("id"))).
		OrderBy(albums.C("title")).Limit(2)).As("top")
	stmt := core.Select(artists.C("name"), top.C("title")).From(artists).
		LeftJoin(top, core.True).Where(core.Gt(artists.C("id"), 10))
	cases := []struct {
		name string
		d    core.Dialect
		sql  string // "" when refused
	}{
		{"postgres", postgres.Dialect, `SELECT "artists"."name", "top"."title" FROM "artists" LEFT JOIN LATERAL (SELECT "albums"."id", "albums"."title" FROM "albums" WHERE "albums"."artist_id" = "artists"."id" ORDER BY "albums"."title" LIMIT $1) AS "top" ON 1 = 1 WHERE "artists"."id" > $2`},
		{"mysql 8", mysql.Dialect, "SELECT `artists`.`name`, `top`.`title` FROM `artists` LEFT JOIN LATERAL (SELECT `albums`.`id`, `albums`.`title` FROM `albums` WHERE `albums`.`artist_id` = `artists`.`id` ORDER BY `albums`.`title` LIMIT ?) AS `top` ON 1 = 1 WHERE `artists`.`id` > ?"},
		{"mariadb", mysql.MariaDB, ""},
		{"sqlite", sqlite.Dialect, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.d.Features().Lateral; got != (c.sql != "") {
				t.Fatalf("Features().Lateral = %v", got)
			}
			cs, err := core.Compile(c.d, stmt)
			if c.sql == "" {
				if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "LATERAL") || !strings.Contains(err.Error(), c.d.Name()) {
					t.Fatalf("want an unsupported LATERAL error naming %s, got %v", c.d.Name(), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cs.SQL != c.sql {
				t.Fatalf("sql:\n got %s\nwant %s", cs.SQL, c.sql)
			}
			if len(cs.Args) != 2 || cs.Args[0] != int64(2) || cs.Args[1] != 10 {
				t.Fatalf("args %#v", cs.Args)
			}
			if tb := cs.Tables; len(tb) != 2 || cs.Writes {
				t.Fatalf("tables %v, writes %v", tb, cs.Writes)
			}
		})
	}
	// A plain derived table of the same query stays without LATERAL.
	plain := core.Select(core.Star()).From(core.Select(albums.C("id")).From(albums).As("d"))
	cs, err := core.Compile(sqlite.Dialect, plain)
	if err != nil || strings.Contains(cs.SQL, "LATERAL") {
		t.Fatalf("plain derived table: %v %s", err, cs.SQL)
	}
}

func TestSelectPaging(t *testing.T) {
	users := core.MustTable(core.TableDef{Name: "users", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
	base := core.Select().From(users)
	if l, hl, o, ho := base.Paging(); l != 0 || hl || o != 0 || ho || len(base.OrderItems()) != 0 {
		t.Fatal("a fresh select has paging")
	}
	s := base.OrderBy(core.Desc(users.C("id")).NullsLast()).Limit(5).Offset(7)
	if l, hl, o, ho := s.Paging(); l != 5 || !hl || o != 7 || !ho {
		t.Fatalf("paging %d %v %d %v", l, hl, o, ho)
	}
	items := s.OrderItems()
	if len(items) != 1 {
		t.Fatalf("%d order items", len(items))
	}
	d := s.As("d")
	out := core.Select(d.C("id")).From(d).OrderBy(items[0].WithExpr(d.C("id")))
	cs, err := core.Compile(postgres.Dialect, out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(cs.SQL, `ORDER BY "d"."id" DESC NULLS LAST`) {
		t.Fatalf("WithExpr lost direction or NULLs placement: %s", cs.SQL)
	}
}
