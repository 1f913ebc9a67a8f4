package core_test

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
)

type correctnessCase struct {
	name string
	stmt core.Statement
}

func correctnessCases() []correctnessCase {
	t := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "name", Type: core.String(50), Nullable: true},
		{Name: "at", Type: core.Timestamp()},
	}})
	id, name, at := t.C("id"), t.C("name"), t.C("at")
	month := core.Func("date_trunc", core.Val("month"), at)
	size := core.Case().When(core.Gt(id, 10), "big").Else("small")
	n := core.NewCTE("n", "i").Recursive()
	n = n.As(core.UnionAll(core.Select(core.Val(0)), core.Select(core.Add(n.C("i"), 1)).From(n).Where(core.Lt(n.C("i"), 5))))
	return []correctnessCase{
		{name: "eq_typed_nil_is_null", stmt: core.Select(id).From(t).Where(core.Eq(name, (*string)(nil)))},
		{name: "ne_typed_nil_is_not_null", stmt: core.Select(id).From(t).Where(core.Ne(name, (*string)(nil)))},
		{name: "eq_invalid_valuer_is_null", stmt: core.Select(id).From(t).Where(core.Eq(name, sql.NullString{}))},
		{name: "in_with_nil", stmt: core.Select(id).From(t).Where(core.In(name, "a", nil))},
		{name: "not_in_pointer_slice_with_nil", stmt: core.Select(id).From(t).Where(core.NotIn(name, []*string{nil}))},
		{name: "repeated_func_reuses_placeholders", stmt: core.Select(core.As(month, "m"), core.Count(core.Star())).From(t).Where(core.Gt(id, 1)).GroupBy(month).OrderBy(month)},
		{name: "repeated_case_reuses_placeholders", stmt: core.Select(size).From(t).GroupBy(size).Having(core.Gt(core.Count(core.Star()), 1)).OrderBy(size)},
		{name: "equal_tree_in_group_by_reuses_placeholders", stmt: core.Select(core.Func("date_trunc", "month", at), core.Add(id, 1)).From(t).GroupBy(core.Func("date_trunc", "month", at), core.Add(id, 1)).OrderBy(core.Add(id, 1))},
		{name: "equal_tree_outside_group_by_binds_again", stmt: core.Select(core.Add(id, 1)).From(t).Where(core.Gt(core.Add(id, 1), 5))},
		{name: "different_values_or_types_bind_again", stmt: core.Select(core.Add(id, 1), core.Add(id, 2)).From(t).GroupBy(core.Add(id, 2), core.Add(id, int64(1)))},
		{name: "recursive_cte_anchor_value_cast", stmt: core.Select(core.Sum(n.C("i"))).From(n).With(n)},
		{name: "select_values_cast_by_go_type", stmt: core.Select(core.Val(1), 2.5, true, "s", nil, []byte("b"), core.As(int32(3), "x"))},
		{name: "exists_select_value", stmt: core.Select(core.Exists(core.Select(core.Val(1)).From(t)))},
		{name: "values_without_context_cast", stmt: core.Select(core.Add(1, 2), core.Coalesce(nil, 1), core.Case().When(core.Gt(id, 1), 1).Else(0), core.Case().When(core.Gt(id, 1), id).Else(0)).From(t).Where(core.Lt(1, 2))},
		{name: "literal_inline", stmt: core.Select(core.Literal(0), core.Literal("it's"), core.Literal(true), core.Literal(nil), core.Neg(core.Literal(-1)), core.Literal(uint64(7)), core.Sub(core.Ident("x"), core.Literal(-2.5))).From(t).Where(core.Eq(name, core.Literal("x")))},
		{name: "literal_unsupported_type", stmt: core.Select(core.Literal([]int{1}))},
		{name: "like_escape", stmt: core.Select(id).From(t).Where(core.Like(name, "a!%%").Escape('!'), core.NotILike(name, `x\%`).Escape('\\'))},
		{name: "like_escape_invalid", stmt: core.Select(id).From(t).Where(core.Like(name, "a").Escape('%'))},
		{name: "contains_startswith_endswith", stmt: core.Select(id).From(t).Where(core.Contains(name, "50%_!"), core.StartsWith(name, "a*[b]?"), core.EndsWith(name, `\`))},
		{name: "extract_parts", stmt: core.Select(core.Extract(core.Year, at), core.Extract(core.Quarter, at), core.Extract(core.Second, at), core.Extract(core.DayOfWeek, at), core.Extract(core.DayOfYear, at)).From(t)},
		{name: "extract_of_value", stmt: core.Select(core.Extract(core.Month, core.Val("2024-03-09")))},
	}
}

// TestCorrectnessGolden compiles the statements of issue 14's fixes and
// additions for each dialect and compares them with
// testdata/golden/correctness_<dialect>.json (run with -update and review
// to rewrite). integration/core_correctness_test.go runs the same forms
// against the servers.
func TestCorrectnessGolden(t *testing.T) {
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			got := map[string]golden{}
			for _, c := range correctnessCases() {
				got[c.name] = compileGolden(dl.d, c.stmt)
			}
			checkGolden(t, "correctness_"+dl.name, got)
		})
	}
}

// TestTypedNilIsNull: every value bound as NULL makes Eq IS NULL and Ne IS
// NOT NULL; a non-nil pointer stays a bound value.
func TestTypedNilIsNull(t *testing.T) {
	c := core.Ident("c")
	var np *int64
	var nm map[string]any
	s := "x"
	for _, tc := range []struct {
		name string
		v    any
		null bool
	}{
		{"nil", nil, true},
		{"typed_nil_pointer", np, true},
		{"typed_nil_string_pointer", (*string)(nil), true},
		{"nil_map", nm, true},
		{"nil_byte_slice", []byte(nil), true},
		{"invalid_null_string", sql.NullString{}, true},
		{"nil_valuer_pointer", (*sql.NullInt64)(nil), true},
		{"pointer_to_value", &s, false},
		{"valid_null_string", sql.NullString{String: "a", Valid: true}, false},
		{"empty_byte_slice", []byte{}, false},
		{"zero", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eq := core.Select(c).Where(core.Eq(c, tc.v)).String()
			ne := core.Select(c).Where(core.Ne(c, tc.v)).String()
			if got := strings.HasSuffix(eq, `"c" IS NULL`); got != tc.null {
				t.Errorf("Eq: %s", eq)
			}
			if got := strings.HasSuffix(ne, `"c" IS NOT NULL`); got != tc.null {
				t.Errorf("Ne: %s", ne)
			}
		})
	}
}

// TestRepeatedNodeCache: the shape cache keeps apart statements that
// differ only in which nodes repeat, and a rebuilt statement of a cached
// shape gets the right placeholders and arguments.
func TestRepeatedNodeCache(t *testing.T) {
	tb := core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{{Name: "a", Type: core.Int()}}})
	a := tb.C("a")
	shared := func(k int) core.Statement {
		e := core.Add(a, k)
		return core.Select(e).From(tb).GroupBy(e)
	}
	// Built twice: equal trees when the values are equal, so the
	// placeholders are reused only then.
	rebuilt := func(k, l int) core.Statement {
		return core.Select(core.Add(a, k)).From(tb).GroupBy(core.Add(a, l))
	}
	for _, tc := range []struct {
		name string
		stmt core.Statement
		sql  string
		args string
	}{
		{"shared", shared(1), `SELECT "t"."a" + $1 FROM "t" GROUP BY "t"."a" + $1`, "[1]"},
		{"rebuilt_other_value", rebuilt(1, 2), `SELECT "t"."a" + $1 FROM "t" GROUP BY "t"."a" + $2`, "[1 2]"},
		{"shared_again", shared(2), `SELECT "t"."a" + $1 FROM "t" GROUP BY "t"."a" + $1`, "[2]"},
		{"rebuilt_equal_value", rebuilt(3, 3), `SELECT "t"."a" + $1 FROM "t" GROUP BY "t"."a" + $1`, "[3]"},
		{"rebuilt_other_value_again", rebuilt(4, 5), `SELECT "t"."a" + $1 FROM "t" GROUP BY "t"."a" + $2`, "[4 5]"},
	} {
		c, err := core.Compile(postgres.Dialect, tc.stmt)
		if err != nil {
			t.Fatal(err)
		}
		if c.SQL != tc.sql || fmt.Sprint(c.Args) != tc.args {
			t.Errorf("%s: got %s %v, want %s %s", tc.name, c.SQL, c.Args, tc.sql, tc.args)
		}
		// '?' dialects bind the arguments again.
		m, err := core.Compile(mysql.MariaDB, tc.stmt)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Args) != 2 {
			t.Errorf("%s: mariadb args %v, want two", tc.name, m.Args)
		}
	}
	// A node inside a repeated node, and a repeated node inside another:
	// the outer repeat rewrites the inner's numbers too.
	inner := core.Mul(a, 3)
	outer := core.Add(inner, 4)
	q := core.Select(inner, outer).From(tb).GroupBy(outer, inner)
	c, err := core.Compile(postgres.Dialect, q)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT "t"."a" * $1, "t"."a" * $1 + $2 FROM "t" GROUP BY "t"."a" * $1 + $2, "t"."a" * $1`
	if c.SQL != want || fmt.Sprint(c.Args) != "[3 4]" {
		t.Errorf("nested: got %s %v\nwant %s [3 4]", c.SQL, c.Args, want)
	}
}

// TestParamCastFollowsGoType: two statements of one shape with values of
// different Go types in the select list compile to different casts, so
// the cache cannot hand one the other's SQL.
func TestParamCastFollowsGoType(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{int64(1), "SELECT $1::bigint"},
		{"s", "SELECT $1"},
		{1.5, "SELECT $1::double precision"},
		{false, "SELECT $1::boolean"},
		{int64(2), "SELECT $1::bigint"},
	} {
		c, err := core.Compile(postgres.Dialect, core.Select(tc.v))
		if err != nil {
			t.Fatal(err)
		}
		if c.SQL != tc.want {
			t.Errorf("%T: got %s, want %s", tc.v, c.SQL, tc.want)
		}
	}
}

func TestEscapeLike(t *testing.T) {
	for in, want := range map[string]string{
		"":          "",
		"plain":     "plain",
		"50%":       "50!%",
		"a_b":       "a!_b",
		"!":         "!!",
		"%_!x":      "!%!_!!x",
		`back\`:     `back\`,
		"é%":        "é!%",
		"\xff_\x00": "\xff!_\x00",
	} {
		if got := core.EscapeLike(in, '!'); got != want {
			t.Errorf("EscapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCastShapeKeepsArray: CAST(x AS BIGINT) and CAST(x AS BIGINT[]) are
// different shapes, so the cache cannot hand one the other's SQL.
func TestCastShapeKeepsArray(t *testing.T) {
	for _, tc := range []struct {
		t    core.Type
		want string
	}{
		{core.BigInt(), "SELECT CAST($1 AS BIGINT)"},
		{core.ArrayOf(core.BigInt()), "SELECT CAST($1 AS BIGINT[])"},
		{core.BigInt(), "SELECT CAST($1 AS BIGINT)"},
	} {
		c, err := core.Compile(postgres.Dialect, core.Select(core.Cast(core.Val(1), tc.t)))
		if err != nil {
			t.Fatal(err)
		}
		if c.SQL != tc.want {
			t.Errorf("got %s, want %s", c.SQL, tc.want)
		}
	}
}
