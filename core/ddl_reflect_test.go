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

// commentedTable has a table comment, a column comment holding a quote,
// a native type, a partial index and an expression index.
func commentedTable(t *testing.T) *core.Table {
	t.Helper()
	tb, err := core.NewTable(core.TableDef{
		Name:    "ddl_meta",
		Comment: "people's table",
		Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "email", Type: core.String(80), Comment: "login; it's unique"},
			{Name: "addr", Type: core.Type{Kind: core.TypeNative, Native: "inet"}, Nullable: true},
		},
		Indexes: []core.Index{
			{Name: "ix_partial", Columns: []string{"addr"}, Where: core.IsNotNull(core.Ident("addr"))},
			{Name: "ix_lower", Unique: true, Expressions: []core.Expr{core.Lower(core.Ident("email")), core.Ident("id")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func statementsSQL(t *testing.T, d core.Dialect, tb *core.Table) ([]string, error) {
	t.Helper()
	md, err := core.NewMetaData(tb)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := md.CreateStatements(d, false)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range stmts {
		c, err := core.Compile(d, s)
		if err != nil {
			return out, err
		}
		out = append(out, c.SQL)
	}
	return out, nil
}

func TestCreateStatementsReflectionMetadata(t *testing.T) {
	pg, err := statementsSQL(t, postgres.Dialect, commentedTable(t))
	if err != nil {
		t.Fatal(err)
	}
	wantPG := []string{
		`CREATE TABLE "ddl_meta" ("id" BIGINT NOT NULL, "email" VARCHAR(80) NOT NULL, "addr" inet, PRIMARY KEY ("id"))`,
		`COMMENT ON TABLE "ddl_meta" IS 'people''s table'`,
		`COMMENT ON COLUMN "ddl_meta"."email" IS 'login; it''s unique'`,
		`CREATE INDEX "ix_partial" ON "ddl_meta" ("addr") WHERE "addr" IS NOT NULL`,
		`CREATE UNIQUE INDEX "ix_lower" ON "ddl_meta" ((LOWER("email")), ("id"))`,
	}
	if strings.Join(pg, "\n") != strings.Join(wantPG, "\n") {
		t.Errorf("postgres:\n%s\nwant\n%s", strings.Join(pg, "\n"), strings.Join(wantPG, "\n"))
	}

	lite, err := statementsSQL(t, sqlite.Dialect, commentedTable(t))
	if err != nil {
		t.Fatal(err)
	}
	wantLite := []string{
		// SQLite keeps no comments: they are not written.
		`CREATE TABLE "ddl_meta" ("id" INTEGER NOT NULL, "email" VARCHAR(80) NOT NULL, "addr" inet, PRIMARY KEY ("id"))`,
		`CREATE INDEX "ix_partial" ON "ddl_meta" ("addr") WHERE "addr" IS NOT NULL`,
		`CREATE UNIQUE INDEX "ix_lower" ON "ddl_meta" ((LOWER("email")), ("id"))`,
	}
	if strings.Join(lite, "\n") != strings.Join(wantLite, "\n") {
		t.Errorf("sqlite:\n%s\nwant\n%s", strings.Join(lite, "\n"), strings.Join(wantLite, "\n"))
	}

	// MySQL and MariaDB: COMMENT clauses. MariaDB has neither partial nor
	// expression indexes: each is an error naming table and index.
	plain := core.MustTable(core.TableDef{
		Name:    "ddl_meta",
		Comment: "people's table",
		Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "email", Type: core.String(80), Comment: "login"},
			{Name: "n", Type: core.Type{Kind: core.TypeNative, Native: "mediumint unsigned"}},
		},
	})
	my, err := statementsSQL(t, mysql.MariaDB, plain)
	if err != nil {
		t.Fatal(err)
	}
	wantMy := "CREATE TABLE `ddl_meta` (`id` BIGINT NOT NULL, `email` VARCHAR(80) NOT NULL COMMENT 'login', " +
		"`n` mediumint unsigned NOT NULL, PRIMARY KEY (`id`)) COMMENT 'people''s table'"
	if len(my) != 1 || my[0] != wantMy {
		t.Errorf("mariadb:\n%q\nwant\n%q", my, wantMy)
	}
	_, err = statementsSQL(t, mysql.MariaDB, commentedTable(t))
	if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), `"ix_partial"`) || !strings.Contains(err.Error(), `"ddl_meta"`) {
		t.Errorf("mariadb partial index: err = %v, want ErrUnsupported naming table and index", err)
	}
	ex := core.MustTable(core.TableDef{Name: "ddl_ex", Columns: []core.Column{{Name: "a", Type: core.Text()}},
		Indexes: []core.Index{{Name: "ix_ex", Expressions: []core.Expr{core.Lower(core.Ident("a"))}}}})
	_, err = statementsSQL(t, mysql.MariaDB, ex)
	if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), `"ix_ex"`) {
		t.Errorf("mariadb expression index: err = %v, want ErrUnsupported naming the index", err)
	}
	if got, err := statementsSQL(t, mysql.Dialect, ex); err != nil || !strings.Contains(got[1], "((LOWER(`a`)))") {
		t.Errorf("mysql expression index: %q, %v", got, err)
	}
}

func TestNewTableReflectionValidation(t *testing.T) {
	col := []core.Column{{Name: "a", Type: core.Int()}}
	cases := []struct {
		name string
		def  core.TableDef
		want string
	}{
		{"native without name", core.TableDef{Name: "v", Columns: []core.Column{{Name: "a", Type: core.Type{Kind: core.TypeNative}}}},
			`table "v": column "a": native type without a name`},
		{"native name on int", core.TableDef{Name: "v", Columns: []core.Column{{Name: "a", Type: core.Type{Kind: core.TypeInt, Native: "inet"}}}},
			`table "v": column "a": Type.Native "inet" on a int column`},
		{"expression index without name", core.TableDef{Name: "v", Columns: col,
			Indexes: []core.Index{{Expressions: []core.Expr{core.Ident("a")}}}}, `table "v": index 0: an expression index needs a name`},
		{"columns and expressions", core.TableDef{Name: "v", Columns: col,
			Indexes: []core.Index{{Name: "ix", Columns: []string{"a"}, Expressions: []core.Expr{core.Ident("a")}}}},
			`table "v": index "ix": both columns and expressions`},
		{"nil expression", core.TableDef{Name: "v", Columns: col,
			Indexes: []core.Index{{Name: "ix", Expressions: []core.Expr{nil}}}}, `table "v": index "ix": nil expression`},
		{"unknown column", core.TableDef{Name: "v", Columns: col,
			Indexes: []core.Index{{Name: "ix", Columns: []string{"b"}}}}, `table "v": index "ix": unknown column "b"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.NewTable(c.def)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestInlineSQLAndDefaultName(t *testing.T) {
	s, err := core.InlineSQL(postgres.Dialect, core.And(core.Gt(core.Ident("a"), 1), core.Eq(core.Ident("b"), "x")))
	if err != nil || s != `"a" > 1 AND "b" = 'x'` {
		t.Errorf("InlineSQL = %q, %v", s, err)
	}
	if n := core.DefaultName(postgres.Dialect, "ck", "t", []string{"2"}); n != "ck_t_2" {
		t.Errorf("DefaultName = %q", n)
	}
	long := strings.Repeat("x", 70)
	if n := core.DefaultName(postgres.Dialect, "ix", long, []string{"a"}); len(n) > 63 {
		t.Errorf("DefaultName longer than the PostgreSQL limit: %q", n)
	}
}

// TestEnumTypeLiteralsNotCached: two enum types of one name and other
// values compile to their own SQL (their values are literals, not
// arguments, so a cached shape must not stand for them), as do two
// comments and two inline expressions differing only in a literal.
func TestEnumTypeLiteralsNotCached(t *testing.T) {
	a, err1 := core.Compile(postgres.Dialect, core.CreateEnumType(&core.EnumType{Name: "m", Values: []string{"a"}}, false))
	b, err2 := core.Compile(postgres.Dialect, core.CreateEnumType(&core.EnumType{Name: "m", Values: []string{"b"}}, false))
	if err1 != nil || err2 != nil || a.SQL == b.SQL {
		t.Errorf("%q, %q (%v, %v)", a.SQL, b.SQL, err1, err2)
	}
	x, _ := core.InlineSQL(postgres.Dialect, core.Gt(core.Ident("a"), 1))
	y, _ := core.InlineSQL(postgres.Dialect, core.Gt(core.Ident("a"), 2))
	if x == y {
		t.Errorf("inline SQL of two literals: %q", x)
	}
}
