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

func enumTables(t *testing.T, otherValues ...string) *core.MetaData {
	t.Helper()
	status := core.Enum("status", "draft", "published")
	posts, err := core.NewTable(core.TableDef{Name: "posts", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "state", Type: status},
		{Name: "mood", Type: core.Enum("mood", "up", "it's down")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if otherValues == nil {
		otherValues = []string{"draft", "published"}
	}
	notes, err := core.NewTable(core.TableDef{Name: "notes", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "post_id", Type: core.BigInt()},
		{Name: "state", Type: core.Enum("status", otherValues...)},
	}, ForeignKeys: []core.ForeignKey{{Columns: []string{"post_id"}, RefTable: "posts", RefColumns: []string{"id"}}}})
	if err != nil {
		t.Fatal(err)
	}
	md, err := core.NewMetaData(notes, posts)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

func compileAll(t *testing.T, d core.Dialect, stmts []core.Statement) []string {
	t.Helper()
	var out []string
	for _, s := range stmts {
		c, err := core.Compile(d, s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.SQL)
	}
	return out
}

// PostgreSQL: the enum types are created once each, before the tables,
// and dropped after them.
func TestEnumTypesCreatedBeforeTablesDroppedAfter(t *testing.T) {
	md := enumTables(t)
	create, err := md.CreateStatements(postgres.Dialect, false)
	if err != nil {
		t.Fatal(err)
	}
	got := compileAll(t, postgres.Dialect, create)
	want := []string{
		`CREATE TYPE "status" AS ENUM ('draft', 'published')`,
		`CREATE TYPE "mood" AS ENUM ('up', 'it''s down')`,
		`CREATE TABLE "posts" ("id" BIGINT NOT NULL, "state" "status" NOT NULL, "mood" "mood" NOT NULL, PRIMARY KEY ("id"))`,
		`CREATE TABLE "notes" ("id" BIGINT NOT NULL, "post_id" BIGINT NOT NULL, "state" "status" NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "fk_notes_post_id" FOREIGN KEY ("post_id") REFERENCES "posts" ("id"))`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("create:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	drop, err := md.DropStatements(postgres.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	got = compileAll(t, postgres.Dialect, drop)
	want = []string{`DROP TABLE IF EXISTS "notes"`, `DROP TABLE IF EXISTS "posts"`,
		`DROP TYPE IF EXISTS "status"`, `DROP TYPE IF EXISTS "mood"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("drop:\n%s", strings.Join(got, "\n"))
	}
	// With ifNotExists an existing type is kept (no IF NOT EXISTS for
	// types on PostgreSQL).
	again, err := md.CreateStatements(postgres.Dialect, true)
	if err != nil {
		t.Fatal(err)
	}
	first := compileAll(t, postgres.Dialect, again[:1])[0]
	if first != `DO $athanor$ BEGIN CREATE TYPE "status" AS ENUM ('draft', 'published'); EXCEPTION WHEN duplicate_object THEN NULL; END $athanor$` {
		t.Fatalf("if not exists: %s", first)
	}
}

func TestEnumTypesOtherDialects(t *testing.T) {
	md := enumTables(t)
	for _, d := range []core.Dialect{mysql.MariaDB, sqlite.Dialect} {
		create, err := md.CreateStatements(d, false)
		if err != nil {
			t.Fatal(err)
		}
		got := compileAll(t, d, create)
		if len(got) != 2 || strings.Contains(strings.Join(got, ";"), "CREATE TYPE") {
			t.Errorf("%s: %q", d.Name(), got)
		}
		drop, _ := md.DropStatements(d)
		if len(drop) != 2 {
			t.Errorf("%s: drop %d statements", d.Name(), len(drop))
		}
		if _, err := core.Compile(d, core.CreateEnumType(&core.EnumType{Name: "x", Values: []string{"a"}}, false)); !errors.Is(err, core.ErrUnsupported) {
			t.Errorf("%s: CREATE TYPE: %v", d.Name(), err)
		}
	}
	c, err := core.Compile(mysql.MariaDB, core.CreateTable(must(md.Table("posts"))))
	if err != nil || !strings.Contains(c.SQL, "`mood` ENUM('up', 'it''s down') NOT NULL") {
		t.Errorf("mariadb: %s %v", c.SQL, err)
	}
}

func must(t *core.Table, ok bool) *core.Table {
	if !ok {
		panic("no table")
	}
	return t
}

func TestEnumTypeErrors(t *testing.T) {
	md := enumTables(t, "draft", "published", "gone")
	if _, err := md.CreateStatements(postgres.Dialect, false); err == nil ||
		!strings.Contains(err.Error(), `enum type "status"`) || !strings.Contains(err.Error(), `"notes"`) {
		t.Fatalf("two value lists for one enum name: %v", err)
	}
	for name, typ := range map[string]core.Type{
		"no values":       core.Enum("e"),
		"no name":         core.Enum("", "a"),
		"duplicate value": core.Enum("e", "a", "a"),
		"empty value":     core.Enum("e", "a", ""),
		"array":           core.ArrayOf(core.Enum("e", "a")),
		"values on text":  {Kind: core.TypeText, Enum: &core.EnumType{Name: "e", Values: []string{"a"}}},
	} {
		_, err := core.NewTable(core.TableDef{Name: "t", Columns: []core.Column{{Name: "c", Type: typ}}})
		if err == nil || !strings.Contains(err.Error(), `table "t": column "c"`) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestArrayOperators(t *testing.T) {
	posts, err := core.NewTable(core.TableDef{Name: "posts", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "tags", Type: core.ArrayOf(core.Text())},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tags := posts.C("tags")
	q := core.Select(posts.C("id")).From(posts).Where(core.Or(
		core.ArrayContains(tags, []string{"go"}),
		core.ArrayOverlaps(tags, []string{"a", "b"}),
		core.EqAny("sql", tags),
	))
	c, err := core.Compile(postgres.Dialect, q)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "posts"."id" FROM "posts" WHERE "posts"."tags" @> $1 OR "posts"."tags" && $2 OR $3 = ANY("posts"."tags")`
	if c.SQL != want || len(c.Args) != 3 {
		t.Fatalf("got  %s %v\nwant %s", c.SQL, c.Args, want)
	}
	for _, d := range []core.Dialect{mysql.MariaDB, sqlite.Dialect} {
		if _, err := core.Compile(d, q); !errors.Is(err, core.ErrUnsupported) {
			t.Errorf("%s: %v", d.Name(), err)
		}
	}
}
