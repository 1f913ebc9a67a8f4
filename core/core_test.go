package core_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/internal/coretest"
)

func compilePG(t *testing.T, s core.Statement) core.Compiled {
	t.Helper()
	c, err := core.Compile(postgres.Dialect, s)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

// TestSharedBaseQueryIsNeverMutated extends one base query from many
// goroutines at once (run with -race): every derived query compiles to its
// own SQL and the base is unchanged.
func TestSharedBaseQueryIsNeverMutated(t *testing.T) {
	s := coretest.NewSchema()
	b := s.Books
	base := core.Select(b.C("id")).From(b).Where(core.Gt(b.C("price"), 0)).OrderBy(b.C("id"))
	want := compilePG(t, base)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			q := base.Where(core.Eq(b.C("author_id"), i)).OrderBy(core.Desc(b.C("title"))).Limit(int64(i))
			if i%2 == 0 {
				q = q.Join(s.Authors, core.Eq(s.Authors.C("id"), b.C("author_id")))
			}
			for _, d := range []core.Dialect{postgres.Dialect, mysql.MariaDB, sqlite.Dialect} {
				c, err := core.Compile(d, q)
				if err != nil {
					t.Error(err)
					return
				}
				if len(c.Args) != 3 || c.Args[1] != i || c.Args[2] != int64(i) {
					t.Errorf("goroutine %d: args %v", i, c.Args)
				}
				if (i%2 == 0) != strings.Contains(c.SQL, "JOIN") {
					t.Errorf("goroutine %d: join leaked between queries: %s", i, c.SQL)
				}
			}
			if c := compileTB(t, base); c.SQL != want.SQL || !slices.Equal(c.Args, want.Args) {
				t.Errorf("base changed: %s %v", c.SQL, c.Args)
			}
		})
	}
	wg.Wait()
	if got := compilePG(t, base); got.SQL != want.SQL || len(got.Args) != 1 {
		t.Fatalf("base mutated: %s %v", got.SQL, got.Args)
	}
}

func compileTB(t *testing.T, s core.Statement) core.Compiled {
	c, err := core.Compile(postgres.Dialect, s)
	if err != nil {
		t.Error(err)
	}
	return c
}

// TestBuildersCopyOnWrite checks that appending to a shared prefix twice
// does not let the second append overwrite the first (slice aliasing).
func TestBuildersCopyOnWrite(t *testing.T) {
	s := coretest.NewSchema()
	a := s.Authors
	base := core.Select(a.C("id")).From(a).Where(core.Eq(a.C("id"), 1), core.Eq(a.C("id"), 2))
	q1 := base.Where(core.Eq(a.C("name"), "x"))
	q2 := base.Where(core.Eq(a.C("name"), "y"))
	if c := compilePG(t, q1); c.Args[2] != "x" {
		t.Fatalf("q1 args %v", c.Args)
	}
	if c := compilePG(t, q2); c.Args[2] != "y" {
		t.Fatalf("q2 args %v", c.Args)
	}
	u := core.Update(a).Set(a.C("name"), "a")
	u1, u2 := u.Set(a.C("email"), "1"), u.Set(a.C("email"), "2")
	if c1, c2 := compilePG(t, u1), compilePG(t, u2); c1.Args[1] != "1" || c2.Args[1] != "2" {
		t.Fatalf("update args %v %v", c1.Args, c2.Args)
	}
	cs := core.Case().When(core.Eq(a.C("id"), 1), "one")
	c1, c2 := cs.When(core.Eq(a.C("id"), 2), "two"), cs.When(core.Eq(a.C("id"), 3), "three")
	if x, y := compilePG(t, core.Select(c1)), compilePG(t, core.Select(c2)); x.Args[3] != "two" || y.Args[3] != "three" {
		t.Fatalf("case args %v %v", x.Args, y.Args)
	}
}

// TestConcurrentCompileOfOneStatement compiles one statement value from
// many goroutines for several dialects (memo under -race).
func TestConcurrentCompileOfOneStatement(t *testing.T) {
	s := coretest.NewSchema()
	q := core.Select(s.Books.C("id")).From(s.Books).Where(core.In(s.Books.C("id"), []int64{1, 2}))
	var wg sync.WaitGroup
	for i := range 32 {
		d := []core.Dialect{postgres.Dialect, mysql.MariaDB, sqlite.Dialect, mysql.Dialect}[i%4]
		wg.Go(func() {
			for range 50 {
				if _, err := core.Compile(d, q); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestWritesAndTables(t *testing.T) {
	s := coretest.NewSchema()
	a, b := s.Authors, s.Books
	sel := core.Select(a.C("id")).From(a)
	cases := []struct {
		name   string
		stmt   core.Statement
		writes bool
		tables []string
	}{
		{"plain select reads", sel, false, []string{"authors"}},
		{"join reports both tables", sel.Join(b, core.Eq(b.C("author_id"), a.C("id"))), false, []string{"authors", "books"}},
		{"subquery tables are reported", sel.Where(core.Exists(core.Select(b.C("id")).From(b))), false, []string{"authors", "books"}},
		{"for update writes", sel.ForUpdate(), true, []string{"authors"}},
		{"for share writes", sel.ForShare(core.NoWait), true, []string{"authors"}},
		{"insert writes", core.Insert(a).Columns(a.C("name")).Values("x"), true, []string{"authors"}},
		{"update writes", core.Update(a).Set(a.C("name"), "x"), true, []string{"authors"}},
		{"delete writes", core.Delete(a), true, []string{"authors"}},
		{"raw writes by default", core.Raw("SELECT 1"), true, nil},
		{"raw read-only does not write", core.Raw("SELECT 1").ReadOnly(), false, nil},
		{"raw reports declared tables", core.Raw("SELECT 1 FROM authors").ReadOnly().Touches("authors"), false, []string{"authors"}},
		{"raw fragment in select writes", sel.Where(core.Raw("pg_advisory_lock(1) IS NOT NULL")), true, []string{"authors"}},
		{"read-only raw fragment keeps select a read", sel.Where(core.Raw("1 = ?", 1).ReadOnly()), false, []string{"authors"}},
		{"data-modifying cte writes", core.Select(core.Count(core.Star())).With(core.NewCTE("d").As(core.Delete(b).Returning(b.C("id")))).From(core.NewCTE("d")), true, []string{"books"}},
		{"cte names are not tables", core.Select().With(core.NewCTE("x").As(sel)).From(core.NewCTE("x")), false, []string{"authors"}},
		{"union of reads reads", core.Union(sel, core.Select(b.C("id")).From(b)), false, []string{"authors", "books"}},
		{"create table writes", core.CreateTable(a), true, []string{"authors"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.stmt.Writes(); got != c.writes {
				t.Errorf("Writes() = %v, want %v", got, c.writes)
			}
			if got := c.stmt.Tables(); !slices.Equal(got, c.tables) {
				t.Errorf("Tables() = %v, want %v", got, c.tables)
			}
			for _, d := range []core.Dialect{postgres.Dialect, sqlite.Dialect} {
				cc, err := core.Compile(d, c.stmt)
				if errors.Is(err, core.ErrUnsupported) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if cc.Writes != c.writes || !slices.Equal(cc.Tables, c.tables) {
					t.Errorf("%s: Compiled.Writes=%v Tables=%v", d.Name(), cc.Writes, cc.Tables)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	s := coretest.NewSchema()
	a := s.Authors
	cases := []struct {
		name    string
		stmt    core.Statement
		d       core.Dialect
		is      error
		mention []string
	}{
		{"nul in identifier is an error not a truncation", core.Select(core.As(a.C("id"), "a\x00b")), postgres.Dialect, core.ErrInvalidIdentifier, []string{"NUL"}},
		{"nul in mysql identifier", core.Select(core.As(a.C("id"), "a\x00b")), mysql.MariaDB, core.ErrInvalidIdentifier, []string{"NUL"}},
		{"nul in sqlite identifier", core.Select(core.As(a.C("id"), "\x00")), sqlite.Dialect, core.ErrInvalidIdentifier, []string{"NUL"}},
		{"over-long postgres identifier is refused, not truncated", core.Select(core.As(a.C("id"), strings.Repeat("x", 64))), postgres.Dialect, core.ErrInvalidIdentifier, []string{"63"}},
		{"empty identifier", core.Select(core.Ident("")), postgres.Dialect, core.ErrInvalidIdentifier, nil},
		{"unknown column names table and column", core.Select(a.C("nope")).From(a), postgres.Dialect, nil, []string{`"authors"`, `"nope"`}},
		{"insert row width names table", core.Insert(a).Columns(a.C("name")).Values("x", "y"), postgres.Dialect, nil, []string{`"authors"`, "row 0"}},
		{"update without set names table", core.Update(a), postgres.Dialect, nil, []string{`"authors"`}},
		{"raw with too few args", core.Raw("SELECT ?, ?", 1), postgres.Dialect, nil, []string{"placeholders"}},
		{"raw with too many args", core.Raw("SELECT ?", 1, 2), postgres.Dialect, nil, []string{"placeholders"}},
		{"function name cannot carry sql", core.Select(core.Func("now(); DROP TABLE x; --")), postgres.Dialect, nil, []string{"invalid function name"}},
		{"full join on mysql", core.Select().From(a).FullJoin(s.Books, core.True), mysql.Dialect, core.ErrUnsupported, []string{"FULL JOIN"}},
		{"returning on mysql 8", core.Delete(a).Returning(a.C("id")), mysql.Dialect, core.ErrUnsupported, []string{"RETURNING"}},
		{"do update needs a target on postgres", core.Insert(a).Columns(a.C("name")).Values("x").OnConflictDoUpdate(nil, core.Set(a.C("name"), "y")), postgres.Dialect, nil, []string{"conflict target"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.Compile(c.d, c.stmt)
			if err == nil {
				t.Fatal("compiled without error")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			for _, m := range c.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if msg := err.Error(); msg != "" && strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("error %q is not lower-case", msg)
			}
		})
	}
}

func TestNewTableErrorsNameTheFault(t *testing.T) {
	cases := []struct {
		name string
		def  core.TableDef
		want string
	}{
		{"column without type", core.TableDef{Name: "t", Columns: []core.Column{{Name: "c"}}}, `table "t": column "c": no type`},
		{"duplicate column", core.TableDef{Name: "t", Columns: []core.Column{{Name: "c", Type: core.Int()}, {Name: "c", Type: core.Int()}}}, `duplicate column "c"`},
		{"fk to unknown column", core.TableDef{Name: "t", Columns: []core.Column{{Name: "c", Type: core.Int()}},
			ForeignKeys: []core.ForeignKey{{Columns: []string{"x"}, RefTable: "u", RefColumns: []string{"id"}}}}, `unknown column "x"`},
		{"autoincrement text", core.TableDef{Name: "t", Columns: []core.Column{{Name: "c", Type: core.Text(), PrimaryKey: true, AutoIncrement: true}}}, "autoincrement needs an integer"},
		{"nullable pk", core.TableDef{Name: "t", Columns: []core.Column{{Name: "c", Type: core.Int(), PrimaryKey: true, Nullable: true}}}, "cannot be nullable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.NewTable(c.def)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want mention of %q", err, c.want)
			}
		})
	}
}

func TestMetaDataOrder(t *testing.T) {
	mk := func(name string, refs ...string) *core.Table {
		def := core.TableDef{Name: name, Columns: []core.Column{{Name: "id", Type: core.Int(), PrimaryKey: true}}}
		for _, r := range refs {
			def.Columns = append(def.Columns, core.Column{Name: r + "_id", Type: core.Int()})
			def.ForeignKeys = append(def.ForeignKeys, core.ForeignKey{Columns: []string{r + "_id"}, RefTable: r, RefColumns: []string{"id"}})
		}
		return core.MustTable(def)
	}
	t.Run("dependencies first in every declaration order", func(t *testing.T) {
		tables := []*core.Table{mk("c", "b", "a"), mk("b", "a"), mk("a"), mk("d", "c", "d")}
		perms := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}}
		for _, p := range perms {
			var in []*core.Table
			for _, i := range p {
				in = append(in, tables[i])
			}
			m, err := core.NewMetaData(in...)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Tables()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, x := range got {
				names = append(names, x.Name())
			}
			if fmt.Sprint(names) != "[a b c d]" {
				t.Errorf("order %v: %v", p, names)
			}
		}
	})
	t.Run("a cycle is closed with ALTER TABLE, or inline on sqlite", func(t *testing.T) {
		x, y := mk("x", "y"), mk("y", "x")
		m, err := core.NewMetaData(y, x)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range []core.Dialect{postgres.Dialect, mysql.MariaDB, sqlite.Dialect} {
			create, _ := m.CreateStatements(d, false)
			drop, _ := m.DropStatements(d)
			for _, st := range append(create, drop...) {
				c, err := core.Compile(d, st)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, d.Name()+": "+c.SQL)
			}
		}
		want := []string{
			`postgres: CREATE TABLE "y" ("id" INTEGER NOT NULL, "x_id" INTEGER NOT NULL, PRIMARY KEY ("id"))`,
			`postgres: CREATE TABLE "x" ("id" INTEGER NOT NULL, "y_id" INTEGER NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "fk_x_y_id" FOREIGN KEY ("y_id") REFERENCES "y" ("id"))`,
			`postgres: ALTER TABLE "y" ADD CONSTRAINT "fk_y_x_id" FOREIGN KEY ("x_id") REFERENCES "x" ("id")`,
			`postgres: ALTER TABLE IF EXISTS "y" DROP CONSTRAINT IF EXISTS "fk_y_x_id"`,
			`postgres: DROP TABLE IF EXISTS "x"`,
			`postgres: DROP TABLE IF EXISTS "y"`,
			"mariadb: CREATE TABLE `y` (`id` INT NOT NULL, `x_id` INT NOT NULL, PRIMARY KEY (`id`))",
			"mariadb: CREATE TABLE `x` (`id` INT NOT NULL, `y_id` INT NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `fk_x_y_id` FOREIGN KEY (`y_id`) REFERENCES `y` (`id`))",
			"mariadb: ALTER TABLE `y` ADD CONSTRAINT `fk_y_x_id` FOREIGN KEY (`x_id`) REFERENCES `x` (`id`)",
			"mariadb: ALTER TABLE IF EXISTS `y` DROP FOREIGN KEY IF EXISTS `fk_y_x_id`",
			"mariadb: DROP TABLE IF EXISTS `x`",
			"mariadb: DROP TABLE IF EXISTS `y`",
			`sqlite: CREATE TABLE "y" ("id" INTEGER NOT NULL, "x_id" INTEGER NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "fk_y_x_id" FOREIGN KEY ("x_id") REFERENCES "x" ("id"))`,
			`sqlite: CREATE TABLE "x" ("id" INTEGER NOT NULL, "y_id" INTEGER NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "fk_x_y_id" FOREIGN KEY ("y_id") REFERENCES "y" ("id"))`,
			`sqlite: DROP TABLE IF EXISTS "x"`,
			`sqlite: DROP TABLE IF EXISTS "y"`,
		}
		if d := cmpLines(got, want); d != "" {
			t.Error(d)
		}
	})
}

func cmpLines(got, want []string) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "line %d:\n got  %s\n want %s\n", i, g, w)
		}
	}
	return b.String()
}

// TestShapeCacheNeverMixesValuesOrShapes rebuilds statements of one shape
// with other values, and of other shapes, and checks each compiles to its
// own SQL and arguments.
func TestShapeCacheNeverMixesValuesOrShapes(t *testing.T) {
	s := coretest.NewSchema()
	b := s.Books
	q := func(ids []int64, title string) core.Statement {
		return core.Select(b.C("id")).From(b).Where(core.In(b.C("id"), ids), core.Eq(b.C("title"), title))
	}
	for _, d := range []core.Dialect{postgres.Dialect, mysql.MariaDB} {
		c1, _ := core.Compile(d, q([]int64{1, 2}, "a"))
		c2, _ := core.Compile(d, q([]int64{3, 4}, "b"))
		c3, _ := core.Compile(d, q([]int64{5, 6, 7}, "c"))
		if c1.SQL != c2.SQL {
			t.Errorf("%s: same shape, different SQL:\n%s\n%s", d.Name(), c1.SQL, c2.SQL)
		}
		if fmt.Sprint(c2.Args) == fmt.Sprint(c1.Args) {
			t.Errorf("%s: args reused from cache: %v", d.Name(), c2.Args)
		}
		if d == postgres.Dialect && c3.SQL != c1.SQL {
			t.Errorf("postgres: ANY keeps one shape for any slice length")
		}
		if d != postgres.Dialect && c3.SQL == c1.SQL {
			t.Errorf("%s: 3-element IN reused the 2-element SQL", d.Name())
		}
	}
	// Same shape with identifiers that differ only in quoting-sensitive ways.
	x := core.Select(core.As(core.Val(1), `a"b`))
	y := core.Select(core.As(core.Val(1), `a""b`))
	cx, _ := core.Compile(postgres.Dialect, x)
	cy, _ := core.Compile(postgres.Dialect, y)
	if cx.SQL == cy.SQL {
		t.Errorf("different identifiers share SQL: %s", cx.SQL)
	}
}

func TestPrecedence(t *testing.T) {
	s := coretest.NewSchema()
	p := s.Books.C("price")
	cases := []struct {
		name string
		e    core.Expr
		want string
	}{
		{"and inside or needs no parentheses", core.Or(core.And(core.Eq(p, 1), core.Eq(p, 2)), core.Eq(p, 3)), `"books"."price" = $1 AND "books"."price" = $2 OR "books"."price" = $3`},
		{"or inside and is parenthesised", core.And(core.Or(core.Eq(p, 1), core.Eq(p, 2)), core.Eq(p, 3)), `("books"."price" = $1 OR "books"."price" = $2) AND "books"."price" = $3`},
		{"not parenthesises its operand", core.Not(core.And(core.Eq(p, 1), core.Eq(p, 2))), `NOT ("books"."price" = $1 AND "books"."price" = $2)`},
		{"comparison of comparison", core.Eq(core.Eq(p, 1), true), `("books"."price" = $1) = $2`},
		{"is null of comparison", core.IsNull(core.Eq(p, 1)), `("books"."price" = $1) IS NULL`},
		{"subtraction is left-associative", core.Sub(core.Sub(p, 1), core.Sub(p, 2)), `"books"."price" - $1 - ("books"."price" - $2)`},
		{"multiplication binds tighter", core.Add(core.Mul(p, 2), core.Mul(core.Add(p, 1), 3)), `"books"."price" * $1 + ("books"."price" + $2) * $3`},
		{"empty and is true", core.And(), `1 = 1`},
		{"empty or is false", core.Or(), `1 = 0`},
		{"nil terms are skipped", core.And(nil, core.Eq(p, 1), nil), `"books"."price" = $1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := compilePG(t, core.Select(c.e)).SQL
			if got != "SELECT "+c.want {
				t.Errorf("got  %s\nwant SELECT %s", got, c.want)
			}
		})
	}
}

// TestNilPartsAreErrorsNotPanics feeds typed nils where nodes are expected.
func TestNilPartsAreErrorsNotPanics(t *testing.T) {
	var col *core.Column
	var tbl *core.Table
	var sel *core.SelectStmt
	var raw *core.RawSQL
	for name, st := range map[string]core.Statement{
		"nil column":   core.Select(col),
		"nil table":    core.Select().From(tbl),
		"nil subquery": core.Select(core.Exists(sel)),
		"nil raw":      core.Select().Where(raw),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := core.Compile(postgres.Dialect, st); err == nil {
				t.Fatal("compiled without error")
			}
		})
	}
}

func TestInsertRowsEqualsValues(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{
		{Name: "a", Type: core.BigInt(), PrimaryKey: true}, {Name: "b", Type: core.Text()},
	}})
	base := core.Insert(tbl).Columns(tbl.Columns()...).Values(int64(0), "z")
	viaValues := base.Values(int64(1), "x").Values(int64(2), "y")
	viaRows := base.Rows([]any{int64(1), "x"}, []any{int64(2), "y"})
	a, err := core.Compile(postgres.Dialect, viaValues)
	if err != nil {
		t.Fatal(err)
	}
	b, err := core.Compile(postgres.Dialect, viaRows)
	if err != nil {
		t.Fatal(err)
	}
	if a.SQL != b.SQL || fmt.Sprint(a.Args) != fmt.Sprint(b.Args) {
		t.Fatalf("Rows compiled to %s %v, Values to %s %v", b.SQL, b.Args, a.SQL, a.Args)
	}
	// The base statement is untouched by either.
	c, _ := core.Compile(postgres.Dialect, base)
	if len(c.Args) != 2 {
		t.Fatalf("base statement changed: %v", c.Args)
	}
}
