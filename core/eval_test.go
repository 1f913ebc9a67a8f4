package core_test

import (
	"database/sql"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
)

var evalT = core.MustTable(core.TableDef{Name: "ev", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "n", Type: core.Int(), Nullable: true},
	{Name: "f", Type: core.Double(), Nullable: true},
	{Name: "s", Type: core.Text(), Nullable: true},
	{Name: "t", Type: core.TimestampTZ(), Nullable: true},
	{Name: "b", Type: core.Bool(), Nullable: true},
	{Name: "price", Type: core.Numeric(10, 2), Nullable: true},
	{Name: "big", Type: core.Numeric(30, 2), Nullable: true},
	{Name: "day", Type: core.Date(), Nullable: true},
}})

var other = core.MustTable(core.TableDef{Name: "other", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// row is the row the cases evaluate against; "n" is NULL-able and
// given as nil where a case says so.
func row(vals map[string]any) func(*core.Column) (any, bool) {
	return func(c *core.Column) (any, bool) {
		if c.Table() != evalT {
			return nil, false
		}
		v, ok := vals[c.Name]
		if !ok {
			return nil, true // NULL
		}
		return v, true
	}
}

var evalRow = row(map[string]any{
	"id": int64(7), "n": nil, "f": 2.5, "s": "Hello world", "t": t0, "b": true,
	"price": 19.99, "big": 19.99, "day": t0,
})

func c(name string) *core.Column { return evalT.C(name) }

func TestEvaluatePredicates(t *testing.T) {
	str := "Hello world"
	cases := []struct {
		name string
		e    core.Expr
		want bool
	}{
		{"int equal", core.Eq(c("id"), 7), true},
		{"int vs float equal", core.Eq(c("id"), 7.0), true},
		{"int vs float less", core.Lt(c("id"), 7.5), true},
		{"float vs int", core.Gt(c("f"), 2), true},
		{"ne", core.Ne(c("id"), 8), true},
		{"ge le", core.And(core.Ge(c("id"), 7), core.Le(c("id"), int32(7))), true},
		{"NULL = 1 is unknown: false", core.Eq(c("n"), 1), false},
		{"NULL <> 1 is unknown: false", core.Ne(c("n"), 1), false},
		{"NOT (NULL = 1) is unknown: false", core.Not(core.Eq(c("n"), 1)), false},
		{"IS NULL", core.IsNull(c("n")), true},
		{"Eq nil is IS NULL", core.Eq(c("n"), nil), true},
		{"Eq typed nil pointer is IS NULL", core.Eq(c("n"), (*int)(nil)), true},
		{"IS NOT NULL", core.IsNotNull(c("s")), true},
		{"NULL OR TRUE", core.Or(core.Eq(c("n"), 1), core.Eq(c("id"), 7)), true},
		{"NULL AND FALSE", core.And(core.Eq(c("n"), 1), core.Eq(c("id"), 8)), false},
		{"NOT (NULL AND FALSE) is TRUE", core.Not(core.And(core.Eq(c("n"), 1), core.Eq(c("id"), 8))), true},
		{"NOT (NULL OR FALSE) is unknown", core.Not(core.Or(core.Eq(c("n"), 1), core.Eq(c("id"), 8))), false},
		{"IN values", core.In(c("id"), 1, 7, 9), true},
		{"IN slice", core.In(c("id"), []int64{1, 2, 7}), true},
		{"IN slice miss", core.In(c("id"), []int64{1, 2}), false},
		{"NOT IN slice", core.NotIn(c("id"), []int64{1, 2}), true},
		{"NULL IN (…) is unknown", core.In(c("n"), 1, 2), false},
		{"NOT IN with NULL x is unknown", core.NotIn(c("n"), 1, 2), false},
		{"In with nil matches NULL", core.In(c("n"), 1, nil), true},
		{"empty IN is false", core.In(c("id"), []int64{}), false},
		{"between", core.Between(c("id"), 1, 7), true},
		{"not between", core.NotBetween(c("id"), 1, 7), false},
		{"between with NULL bound is unknown", core.Between(c("id"), nil, 9), false},
		{"string equal", core.Eq(c("s"), "Hello world"), true},
		{"string pointer", core.Eq(c("s"), &str), true},
		{"string different", core.Eq(c("s"), "Goodbye"), false},
		{"string different ne", core.Ne(c("s"), "Goodbye"), true},
		{"bool", core.Eq(c("b"), true), true},
		{"time equal in another zone", core.Eq(c("t"), t0.In(time.FixedZone("x", 3600))), true},
		{"time after", core.Gt(c("t"), t0.Add(-time.Second)), true},
		{"sql.NullInt64 invalid is NULL", core.Eq(c("id"), sql.NullInt64{}), false},
		{"sql.NullInt64 valid", core.Eq(c("id"), sql.NullInt64{Int64: 7, Valid: true}), true},
		{"like prefix", core.Like(c("s"), "Hello%"), true},
		{"like underscore", core.Like(c("s"), "Hell_ world"), true},
		{"like no match", core.Like(c("s"), "Bye%"), false},
		{"not like", core.NotLike(c("s"), "Bye%"), true},
		{"like escape", core.Like(c("s"), "Hello!%").Escape('!'), false},
		{"like NULL is unknown", core.Like(c("n"), "%"), false},
		{"ilike folds ASCII", core.ILike(c("s"), "hello%"), true},
		{"contains is case-sensitive", core.Contains(c("s"), "world"), true},
		{"contains case differs", core.Contains(c("s"), "World"), false},
		{"starts with", core.StartsWith(c("s"), "Hello"), true},
		{"ends with", core.EndsWith(c("s"), "Hello"), false},
		{"arithmetic", core.Eq(core.Add(c("id"), 1), 8), true},
		{"float arithmetic", core.Eq(core.Mul(c("f"), 2), 5), true},
		{"arithmetic with NULL is NULL", core.IsNull(core.Add(c("n"), 1)), true},
		{"coalesce", core.Eq(core.Coalesce(c("n"), 3), 3), true},
		{"case", core.Eq(core.Case().When(core.Gt(c("id"), 5), "big").Else("small"), "big"), true},
		{"numeric up to 15 digits orders as float", core.Gt(c("price"), 10), true},
		{"opaque equal when identical", core.Eq(c("big"), 19.99), true},
		{"True", core.True, true},
		{"False", core.False, false},
		{"And of nothing", core.And(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := core.Evaluate(tc.e, evalRow)
			if err != nil {
				t.Fatalf("%s: %v", tc.e, err)
			}
			if got != tc.want {
				t.Fatalf("%s: got %v, want %v", tc.e, got, tc.want)
			}
		})
	}
}

func TestEvaluateRefuses(t *testing.T) {
	cases := []struct {
		name string
		e    core.Expr
		want string // in the error
	}{
		{"subquery", core.In(c("id"), core.Select(other.C("id")).From(other)), "IN (subquery)"},
		{"exists", core.Exists(core.Select(other.C("id")).From(other)), "EXISTS"},
		{"column of another table", core.Eq(other.C("id"), 1), "other.id"},
		{"raw", core.Raw("1 = 1"), "raw SQL"},
		{"function", core.Eq(core.Lower(c("s")), "x"), "function LOWER"},
		{"cast", core.Eq(core.Cast(c("id"), core.Text()), "7"), "CAST"},
		{"refused even where AND is decided", core.And(core.False, core.Exists(core.Select(other.C("id")).From(other))), "EXISTS"},
		{"text ordering", core.Gt(c("s"), "A"), "collation"},
		{"text differing in case", core.Eq(c("s"), "hello world"), "collation"},
		{"text differing in trailing space", core.Eq(c("s"), "Hello world "), "collation"},
		{"non-ASCII text", core.Eq(c("s"), "Héllo"), "collation"},
		{"like matching but for case", core.Like(c("s"), "hello%"), "letter case"},
		{"like with backslash and no escape", core.Like(c("s"), `Hello\%`), "backslash"},
		{"integer division", core.Eq(core.Div(c("id"), 2), 3), "integer division"},
		{"division by zero", core.Eq(core.Div(c("f"), 0), 3), "division by zero"},
		{"overflow", core.Eq(core.Add(c("id"), int64(math.MaxInt64)), 3), "overflow"},
		{"numeric arithmetic", core.Eq(core.Add(c("price"), 1), 20.99), "NUMERIC"},
		{"wide numeric ordering", core.Gt(c("big"), 10), "column's type"},
		{"date", core.Gt(c("day"), t0), "ev.day of type date"},
		{"opaque ordering", core.Ge(c("big"), 19.99), "column's type"},
		{"string vs number", core.Eq(c("s"), 1), "comparison of text with integer"},
		{"unsupported value type", core.Eq(c("id"), struct{ X int }{1}), "value of type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := core.Evaluate(tc.e, evalRow)
			if !errors.Is(err, core.ErrNotEvaluable) {
				t.Fatalf("%s: err %v, want ErrNotEvaluable", tc.e, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s: error %q does not say %q", tc.e, err, tc.want)
			}
		})
	}
	// Decided by another term, a term undecidable for these values does
	// not matter; it does when it decides.
	if ok, err := core.Evaluate(core.Or(core.Eq(c("id"), 7), core.Eq(c("s"), "hello world")), evalRow); err != nil || !ok {
		t.Fatalf("OR decided by its first term: %v %v", ok, err)
	}
	if _, err := core.Evaluate(core.Or(core.Eq(c("id"), 8), core.Eq(c("s"), "hello world")), evalRow); !errors.Is(err, core.ErrNotEvaluable) {
		t.Fatalf("OR decided by an undecidable term: %v", err)
	}
	// CheckEvaluable needs no values.
	if err := core.CheckEvaluable(core.And(core.Eq(c("id"), 1), core.Like(c("s"), "x%")), func(col *core.Column) bool { return col.Table() == evalT }); err != nil {
		t.Fatal(err)
	}
	if err := core.CheckEvaluable(core.Eq(c("id"), core.Subquery(core.Select(other.C("id")).From(other))), func(*core.Column) bool { return true }); !errors.Is(err, core.ErrNotEvaluable) || !strings.Contains(err.Error(), "scalar subquery") {
		t.Fatalf("scalar subquery: %v", err)
	}
}

func TestEvaluateValue(t *testing.T) {
	cases := []struct {
		name string
		e    core.Expr
		want any
	}{
		{"int plus", core.Add(c("id"), 1), int64(8)},
		{"int times", core.Mul(c("id"), 3), int64(21)},
		{"minus", core.Sub(c("id"), 10), int64(-3)},
		{"neg", core.Neg(c("id")), int64(-7)},
		{"float", core.Add(c("f"), 0.5), 3.0},
		{"int and float", core.Add(c("id"), 0.5), 7.5},
		{"float division", core.Div(c("f"), 2), 1.25},
		{"NULL plus", core.Add(c("n"), 1), nil},
		{"concat", core.Concat(c("s"), "!"), "Hello world!"},
		{"concat NULL", core.Concat(c("s"), c("n")), nil},
		{"coalesce", core.Coalesce(c("n"), c("id")), int64(7)},
		{"value", core.Val("x"), "x"},
		{"literal", core.Literal(int64(3)), int64(3)},
		{"null", core.Null, nil},
		{"case else", core.Case().When(core.Eq(c("n"), 1), 1).Else(2), int64(2)},
		{"case no else", core.Case().When(core.Eq(c("n"), 1), 1), nil},
		{"comparison", core.Gt(c("id"), 1), true},
		{"unknown comparison", core.Gt(c("n"), 1), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := core.EvaluateValue(tc.e, evalRow)
			if err != nil {
				t.Fatalf("%s: %v", tc.e, err)
			}
			if got != tc.want {
				t.Fatalf("%s: got %#v, want %#v", tc.e, got, tc.want)
			}
		})
	}
}

// TestLikeMatching covers the pattern language itself.
func TestLikeMatching(t *testing.T) {
	cases := []struct {
		s, p string
		esc  byte
		want bool
	}{
		{"abc", "abc", 0, true},
		{"abc", "a%", 0, true},
		{"abc", "%c", 0, true},
		{"abc", "%b%", 0, true},
		{"abc", "a_c", 0, true},
		{"abc", "a__c", 0, false},
		{"abc", "%%%", 0, true},
		{"", "%", 0, true},
		{"", "_", 0, false},
		{"a%c", "a!%c", '!', true},
		{"abc", "a!%c", '!', false},
		{"a_c", "a!_c", '!', true},
		{"a!c", "a!!c", '!', true},
		{"日本", "_本", 0, true},
		{"日本", "%本", 0, true},
		{"ab", "a", 0, false},
		{"ab", "abc", 0, false},
	}
	for _, tc := range cases {
		l := core.Like(core.Val(tc.s), tc.p)
		if tc.esc != 0 {
			l = l.Escape(tc.esc)
		}
		got, err := core.Evaluate(l, row(nil))
		if tc.want && err != nil {
			t.Fatalf("%q LIKE %q: %v", tc.s, tc.p, err)
		}
		if err == nil && got != tc.want {
			t.Fatalf("%q LIKE %q: got %v, want %v", tc.s, tc.p, got, tc.want)
		}
		if err != nil && !errors.Is(err, core.ErrNotEvaluable) {
			t.Fatalf("%q LIKE %q: %v", tc.s, tc.p, err)
		}
	}
}

func TestColumns(t *testing.T) {
	sub := core.Select(other.C("id")).From(other)
	cases := []struct {
		name     string
		e        core.Expr
		want     []string
		complete bool
	}{
		{"none", core.Val(1), nil, true},
		{"arithmetic and function", core.Add(core.Lower(c("s")), core.Cast(c("n"), core.Text())), []string{"s", "n"}, true},
		{"case", core.Case().When(core.Eq(c("b"), true), c("f")).Else(c("id")), []string{"id", "b", "f"}, true},
		{"in subquery", core.In(c("id"), sub), []string{"id"}, false},
		{"scalar subquery", core.Add(c("id"), core.Subquery(sub)), []string{"id"}, false},
		{"raw", core.Raw("x"), nil, false},
		{"identifier", core.Ident("s"), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cols, complete := core.Columns(tc.e)
			var names []string
			for _, col := range cols {
				names = append(names, col.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.want, ",") || complete != tc.complete {
				t.Fatalf("got %v %v, want %v %v", names, complete, tc.want, tc.complete)
			}
		})
	}
}
