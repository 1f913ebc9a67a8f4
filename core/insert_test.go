package core_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
)

// operandTable has one column per kind of operand the tests insert, and a
// client-side default that every row gets bound after its own values.
func operandTable() (*core.Table, *core.Table) {
	t := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{
		{Name: "a", Type: core.BigInt()}, {Name: "b", Type: core.Text(), Nullable: true},
		{Name: "c", Type: core.Bytes(), Nullable: true}, {Name: "d", Type: core.Text(), Default: "dflt"},
	}})
	o := core.MustTable(core.TableDef{Name: "o", Columns: []core.Column{{Name: "id", Type: core.BigInt()}}})
	return t, o
}

// TestInsertOperands inserts every kind of operand Values and Rows accept
// and checks each keeps its meaning now that rows hold operands as given:
// Exprs (a column expression, Raw, Null, Val, a scalar subquery) are
// written as expressions, a set operation (a SelectQuery that is not an
// Expr) as a subquery, and everything else — nil, []byte, a typed nil
// pointer, a driver.Valuer — is bound exactly as passed.
func TestInsertOperands(t *testing.T) {
	tbl, o := operandTable()
	var nilStr *string
	valuer := sql.NullString{String: "v", Valid: true}
	maxID := core.Select(core.Max(o.C("id"))).From(o)
	union := core.Union(core.Select(o.C("id")).From(o), core.Select(core.Val(9)))
	cols := []*core.Column{tbl.C("a"), tbl.C("b"), tbl.C("c")}
	rows := [][]any{
		{int64(1), nil, []byte("x")},
		{core.Add(core.Val(int64(2)), 1), nilStr, nil},
		{maxID, valuer, core.Null},
		{union, core.Raw("lower(?)", "R"), core.Val([]byte{})},
	}
	want := `INSERT INTO "t" ("a", "b", "c", "d") VALUES ` +
		`($1, $2, $3, $4), ` +
		`($5::bigint + $6::bigint, $7, $8, $9), ` +
		`((SELECT MAX("o"."id") FROM "o"), $10, NULL, $11), ` +
		`((SELECT "o"."id" FROM "o" UNION SELECT $12::bigint), lower($13), $14, $15)`
	wantArgs := []any{int64(1), nil, []byte("x"), "dflt",
		int64(2), 1, nilStr, nil, "dflt",
		valuer, "dflt",
		9, "R", []byte{}, "dflt"}
	for name, st := range map[string]core.Statement{
		"values": core.Insert(tbl).Columns(cols...).Values(rows[0]...).Values(rows[1]...).Values(rows[2]...).Values(rows[3]...),
		"rows":   core.Insert(tbl).Columns(cols...).Rows(rows...),
		"mixed":  core.Insert(tbl).Columns(cols...).Values(rows[0]...).Rows(rows[1:3]...).Values(rows[3]...),
	} {
		t.Run(name, func(t *testing.T) {
			c := compilePG(t, st)
			if c.SQL != want {
				t.Errorf("SQL\n got  %s\n want %s", c.SQL, want)
			}
			if !reflect.DeepEqual(c.Args, wantArgs) {
				t.Errorf("args\n got  %#v\n want %#v", c.Args, wantArgs)
			}
			// A typed nil pointer is bound as itself, not as an untyped nil.
			if _, ok := c.Args[6].(*string); !ok {
				t.Errorf("typed nil became %#v", c.Args[6])
			}
			if !slices.Equal(c.Tables, []string{"t", "o"}) || !c.Writes {
				t.Errorf("Tables %v Writes %v", c.Tables, c.Writes)
			}
		})
	}
}

// TestInsertValueIsVal checks, value by value and for every dialect, that a
// raw value in a row compiles exactly as the same value wrapped in Val:
// dropping the per-value node must not change SQL or arguments.
func TestInsertValueIsVal(t *testing.T) {
	tbl, _ := operandTable()
	var nilBytes []byte
	for _, v := range []any{nil, int64(3), "s", []byte("b"), nilBytes, (*int)(nil), sql.NullInt64{Int64: 4, Valid: true}, []int64{1, 2}} {
		raw := core.Insert(tbl).Columns(tbl.C("b")).Values(v)
		val := core.Insert(tbl).Columns(tbl.C("b")).Values(core.Val(v))
		for _, dl := range dialects {
			a, errA := core.Compile(dl.d, raw)
			b, errB := core.Compile(dl.d, val)
			if errA != nil || errB != nil {
				t.Fatalf("%s %#v: %v %v", dl.name, v, errA, errB)
			}
			if a.SQL != b.SQL || !reflect.DeepEqual(a.Args, b.Args) {
				t.Errorf("%s %#v: raw %s %#v, Val %s %#v", dl.name, v, a.SQL, a.Args, b.SQL, b.Args)
			}
		}
	}
}

// TestInsertBadOperandsAreErrors: typed nil Exprs inside a row are
// compile errors, as they were as nodes, never bound values or panics; so
// is a nil column on a table with client-side defaults.
func TestInsertBadOperandsAreErrors(t *testing.T) {
	tbl, _ := operandTable()
	var col *core.Column
	var sel *core.SelectStmt
	var cmp *core.CompoundStmt
	for name, st := range map[string]core.Statement{
		"nil column value":   core.Insert(tbl).Columns(tbl.C("a")).Values(col),
		"nil select value":   core.Insert(tbl).Columns(tbl.C("a")).Rows([]any{sel}),
		"nil compound value": core.Insert(tbl).Columns(tbl.C("a")).Values(cmp),
		"nil column in list": core.Insert(tbl).Columns(col).Values(1),
		"short row":          core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")).Values(1, 2).Rows([]any{3}),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := core.Compile(postgres.Dialect, st); err == nil {
				t.Fatal("compiled without error")
			}
		})
	}
	_, err := core.Compile(postgres.Dialect, core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")).Values(1, 2).Rows([]any{3}))
	if err == nil || !strings.Contains(err.Error(), "row 1 has 1 values for 2 columns") {
		t.Errorf("short row: %v", err)
	}
}

// TestInsertDoesNotAliasCallerSlices refills the caller's slices after
// Values and Rows: statements built before, compiled after, must still
// carry the values they were given.
func TestInsertDoesNotAliasCallerSlices(t *testing.T) {
	tbl, _ := operandTable()
	buf := []any{int64(1), "a"}
	flat := []any{int64(2), "b", int64(3), "c"}
	rows := [][]any{flat[0:2], flat[2:4]}
	st := core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")).Values(buf...).Rows(rows...)
	ext := st.Rows(rows[:1]...) // shares st's rows; must not see later writes either
	buf[0], buf[1] = int64(100), "x"
	flat[0], flat[3] = int64(200), "y"
	rows[1] = []any{int64(300), "z"}
	c := compilePG(t, st)
	want := []any{int64(1), "a", "dflt", int64(2), "b", "dflt", int64(3), "c", "dflt"}
	if !reflect.DeepEqual(c.Args, want) {
		t.Errorf("args %v, want %v", c.Args, want)
	}
	if c := compilePG(t, ext); !reflect.DeepEqual(c.Args[:9], want) || c.Args[9] != int64(2) {
		t.Errorf("extended statement args %v", c.Args)
	}
}

// TestInsertSharesItsValuesAsArgs: an INSERT whose arguments are exactly
// its plain VALUES compiles to its own array of them, not a copy; one
// with anything else bound (an Expr among the values, a client-side
// default, a conflict assignment, a CTE) gets a copy holding every
// argument, in placeholder order.
func TestInsertSharesItsValuesAsArgs(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "s", Columns: []core.Column{
		{Name: "a", Type: core.BigInt()}, {Name: "b", Type: core.Text()},
	}})
	withDefault, _ := operandTable()
	rows := [][]any{{int64(1), "x"}, {int64(2), "y"}, {int64(3), "z"}}
	ins := func() *core.InsertStmt { return core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")) }
	cte := core.NewCTE("c").As(core.Select(core.Val(int64(9))))
	cases := []struct {
		name   string
		stmt   *core.InsertStmt
		want   []any
		shared bool
	}{
		{"rows", ins().Rows(rows...), []any{int64(1), "x", int64(2), "y", int64(3), "z"}, true},
		{"one row", ins().Values(int64(4), "w"), []any{int64(4), "w"}, false}, // two fit in the memo
		{"returning", ins().Rows(rows...).Returning(tbl.C("a")), []any{int64(1), "x", int64(2), "y", int64(3), "z"}, true},
		{"expr value", ins().Rows([]any{core.Add(core.Val(int64(5)), int64(6)), "e"}, []any{int64(7), "f"}),
			[]any{int64(5), int64(6), "e", int64(7), "f"}, false},
		// Rows after one row copies that row into its array too.
		{"rows added twice", ins().Rows(rows[:1]...).Rows(rows[1:]...), []any{int64(1), "x", int64(2), "y", int64(3), "z"}, true},
		{"values then rows", ins().Values(int64(1), "x").Rows(rows[1:]...), []any{int64(1), "x", int64(2), "y", int64(3), "z"}, true},
		{"rows added three times", ins().Rows(rows[:1]...).Rows(rows[1:2]...).Rows(rows[2:]...), []any{int64(1), "x", int64(2), "y", int64(3), "z"}, false},
		{"default", core.Insert(withDefault).Columns(withDefault.C("a"), withDefault.C("b")).Rows([]any{int64(1), "p"}, []any{int64(2), "q"}),
			[]any{int64(1), "p", "dflt", int64(2), "q", "dflt"}, false},
		{"conflict", ins().Rows(rows...).OnConflictDoUpdate([]*core.Column{tbl.C("a")}, core.Set(tbl.C("b"), "u")),
			[]any{int64(1), "x", int64(2), "y", int64(3), "z", "u"}, false},
		{"cte", ins().With(cte).Rows(rows...), []any{int64(9), int64(1), "x", int64(2), "y", int64(3), "z"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 2 { // a shape miss, then a hit
				s := tc.stmt
				if round == 1 {
					s = rebuild(tc.stmt)
				}
				c := compilePG(t, s)
				if !reflect.DeepEqual(c.Args, tc.want) {
					t.Fatalf("round %d: args %v, want %v", round, c.Args, tc.want)
				}
				if cap(c.Args) != len(c.Args) {
					t.Errorf("round %d: args have spare capacity %d: an append could write into the statement", round, cap(c.Args))
				}
				// A rebuilt statement shares the rows of the one it extends:
				// where the args are the rows' own array, both compile to it.
				again := compilePG(t, rebuild(tc.stmt))
				if shared := &again.Args[0] == &c.Args[0]; shared != tc.shared {
					t.Errorf("round %d: compiled args are the rows' own array: %v, want %v", round, shared, tc.shared)
				}
			}
		})
	}
}

// rebuild returns a statement equal to s but its own value: it extends s
// with nothing, so the copy has an empty memo.
func rebuild(s *core.InsertStmt) *core.InsertStmt { return s.Columns() }

// TestUpdateSetOperands: Set holds its operand as given, like a row value.
func TestUpdateSetOperands(t *testing.T) {
	tbl, o := operandTable()
	var nilStr *string
	st := core.Update(tbl).Set(tbl.C("a"), core.Union(core.Select(o.C("id")).From(o), core.Select(core.Val(1)))).
		Set(tbl.C("b"), nilStr).Set(tbl.C("c"), []byte("x")).Set(tbl.C("d"), nil).
		Where(core.Eq(tbl.C("a"), core.Select(core.Max(o.C("id"))).From(o)))
	c := compilePG(t, st)
	want := `UPDATE "t" SET "a" = (SELECT "o"."id" FROM "o" UNION SELECT $1::bigint), "b" = $2, "c" = $3, "d" = $4 WHERE "t"."a" = (SELECT MAX("o"."id") FROM "o")`
	if c.SQL != want {
		t.Errorf("SQL\n got  %s\n want %s", c.SQL, want)
	}
	if wantArgs := []any{1, nilStr, []byte("x"), nil}; !reflect.DeepEqual(c.Args, wantArgs) {
		t.Errorf("args %#v, want %#v", c.Args, wantArgs)
	}
	var col *core.Column
	if _, err := core.Compile(postgres.Dialect, core.Update(tbl).Set(tbl.C("a"), col)); err == nil {
		t.Error("a nil column as a value compiled")
	}
}

// TestShapeCacheKeepsRoutingFactsApart compiles pairs of statements that
// render the same SQL text but differ in Tables or Writes, in both orders:
// the shape cache must not hand one the other's routing facts.
func TestShapeCacheKeepsRoutingFactsApart(t *testing.T) {
	books := core.MustTable(core.TableDef{Name: "shape_books", Columns: []core.Column{{Name: "id", Type: core.BigInt()}}})
	pairs := []struct {
		name string
		d    core.Dialect
		a, b func() core.Statement
	}{
		{"raw touching other tables", postgres.Dialect,
			func() core.Statement { return core.Raw("SELECT 42").Touches("shape_a") },
			func() core.Statement { return core.Raw("SELECT 42").Touches("shape_b") }},
		{"raw read-only or not", postgres.Dialect,
			func() core.Statement { return core.Raw("SELECT 43") },
			func() core.Statement { return core.Raw("SELECT 43").ReadOnly() }},
		{"raw fragment touching a table", mysql.MariaDB,
			func() core.Statement {
				return core.Select(books.C("id")).From(books).Where(core.Raw("1 = 1").ReadOnly())
			},
			func() core.Statement {
				return core.Select(books.C("id")).From(books).Where(core.Raw("1 = 1").ReadOnly().Touches("shape_x"))
			}},
		{"for update dropped by sqlite", sqlite.Dialect,
			func() core.Statement { return core.Select(books.C("id")).From(books) },
			func() core.Statement { return core.Select(books.C("id")).From(books).ForUpdate() }},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			for _, order := range [][2]func() core.Statement{{p.a, p.b}, {p.b, p.a}, {p.a, p.b}} {
				for _, mk := range order {
					st := mk() // a fresh value each time: no memo, only the shape cache
					c, err := core.Compile(p.d, st)
					if err != nil {
						t.Fatal(err)
					}
					if c.Writes != st.Writes() || !slices.Equal(c.Tables, st.Tables()) {
						t.Errorf("%s: Compiled Writes=%v Tables=%v, statement says %v %v", c.SQL, c.Writes, c.Tables, st.Writes(), st.Tables())
					}
				}
			}
			ca, _ := core.Compile(p.d, p.a())
			cb, _ := core.Compile(p.d, p.b())
			if ca.SQL != cb.SQL {
				t.Fatalf("the pair is meant to render alike: %s / %s", ca.SQL, cb.SQL)
			}
		})
	}
}

// TestShapeCacheRebuiltInsertsGetTheirOwnArgs rebuilds one INSERT shape
// with other values many times (a shape-cache hit each time) and checks
// the arguments are each statement's own, in row order.
func TestShapeCacheRebuiltInsertsGetTheirOwnArgs(t *testing.T) {
	tbl, _ := operandTable()
	for i := range 20 {
		rows := make([][]any, 3)
		for r := range rows {
			rows[r] = []any{int64(i*10 + r), fmt.Sprint("n", i, r)}
		}
		c := compilePG(t, core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")).Rows(rows...))
		var want []any
		for _, r := range rows {
			want = append(want, r[0], r[1], "dflt")
		}
		if !reflect.DeepEqual(c.Args, want) {
			t.Fatalf("round %d: args %v, want %v", i, c.Args, want)
		}
		if c.SQL != `INSERT INTO "t" ("a", "b", "d") VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)` {
			t.Fatalf("round %d: %s", i, c.SQL)
		}
	}
}

// TestInsertNoColumns: a row that leaves every column to the server is
// DEFAULT VALUES where the dialect has no empty VALUES () (PostgreSQL,
// SQLite: "VALUES ()" is a syntax error there), one row a statement;
// MySQL writes VALUES () and repeats it. A client-side default is still
// bound as a column.
func TestInsertNoColumns(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), AutoIncrement: true, PrimaryKey: true},
	}})
	dflt := core.MustTable(core.TableDef{Name: "d", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), AutoIncrement: true, PrimaryKey: true},
		{Name: "s", Type: core.Text(), Default: "x"},
	}})
	one := core.Insert(tbl).Values()
	two := core.Insert(tbl).Values().Values()
	ret := one.Returning(tbl.C("id"))
	for _, c := range []struct {
		d                 core.Dialect
		stmt              core.Statement
		want, wantErrPart string
	}{
		{postgres.Dialect, one, `INSERT INTO "t" DEFAULT VALUES`, ""},
		{postgres.Dialect, ret, `INSERT INTO "t" DEFAULT VALUES RETURNING "t"."id"`, ""},
		{sqlite.Dialect, ret, `INSERT INTO "t" DEFAULT VALUES RETURNING "t"."id"`, ""},
		{mysql.MariaDB, ret, "INSERT INTO `t` VALUES () RETURNING `t`.`id`", ""},
		{mysql.Dialect, two, "INSERT INTO `t` VALUES (), ()", ""},
		{postgres.Dialect, two, "", `insert into "t": 2 rows of no columns`},
		{sqlite.Dialect, two, "", `insert into "t": 2 rows of no columns`},
		{postgres.Dialect, core.Insert(dflt).Values().Values(), `INSERT INTO "d" ("s") VALUES ($1), ($2)`, ""},
		{postgres.Dialect, core.Insert(tbl).Values(1), "", `row 0 has 1 values for 0 columns`},
	} {
		got, err := core.Compile(c.d, c.stmt)
		if c.wantErrPart != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErrPart) {
				t.Errorf("%s: err %v, want one containing %q", c.d.Name(), err, c.wantErrPart)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.d.Name(), err)
			continue
		}
		if got.SQL != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.d.Name(), got.SQL, c.want)
		}
	}
}
