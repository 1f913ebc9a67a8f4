package integration_test

// Correctness of core on real servers (issue 14): typed nils compare as
// NULL, a repeated expression with bound values is one expression to
// PostgreSQL, bare values in untyped positions are typed, and the
// portable helpers (LIKE ESCAPE, Contains/StartsWith/EndsWith, Extract)
// give the same rows on PostgreSQL, MariaDB and SQLite. Each statement
// runs through the raw drivers, as in core_exec_test.go, and once through
// the engine where the engine's own path matters.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/session"
)

// ccSchema is one table of texts, prices and times, with a NULL note.
type ccSchema struct {
	t                                  *core.Table
	id, name, note, price, at, created *core.Column
}

var ccTexts = []string{
	"50% off", "50 off", "5000 off", "a_b", "axb", `back\slash`, `back\\slash`,
	"bang!", "bang!!", "Case", "case", "CASE", "café", "CAFÉ", "[x]*?", "x*y", "x?y",
	"[ab]", "a", "trailing ", "", "Ünïcödé ✓", "%", "_", "!", "!%", "%_!",
}

var ccTimes = []string{
	"2024-03-09 14:05:59.75", // a Saturday; fraction must not round the second up
	"2023-12-31 23:59:59",    // a Sunday, last day of a year (day 365)
	"2024-12-31 00:00:00",    // day 366 of a leap year, a Tuesday
	"2024-01-01 00:00:00",    // a Monday
	"2021-07-04 12:30:00.5",  // a Sunday
}

func newCCSchema(t *testing.T, ctx context.Context, b backend, db coreDB) ccSchema {
	t.Helper()
	tbl := core.MustTable(core.TableDef{Name: "cc_items", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "name", Type: core.String(50)},
		{Name: "note", Type: core.String(50), Nullable: true},
		{Name: "price", Type: core.Int()},
		{Name: "at", Type: core.Timestamp(), Nullable: true},
	}})
	meta, err := core.NewMetaData(tbl)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(ctx context.Context, c core.Compiled) error { return db.exec(ctx, c) }
	if err := meta.CreateAll(ctx, b.d, exec, false); err != nil {
		t.Fatalf("create all: %v", err)
	}
	s := ccSchema{t: tbl, id: tbl.C("id"), name: tbl.C("name"), note: tbl.C("note"), price: tbl.C("price"), at: tbl.C("at")}
	ins := core.Insert(tbl).Columns(s.id, s.name, s.note, s.price, s.at)
	for i, txt := range ccTexts {
		var note, at any
		if i%3 != 0 {
			note = fmt.Sprintf("n%d", i%3)
		}
		if i < len(ccTimes) {
			// Times as text: the statement under test reads them; how a
			// time.Time is bound is not this file's subject.
			at = ccTimes[i]
		}
		ins = ins.Values(i+1, txt, note, 10*(i%4+1), at)
	}
	runAllCompiled(t, ctx, b, db, []core.Statement{ins})
	return s
}

func ccQuery(t *testing.T, ctx context.Context, b backend, db coreDB, s core.Statement) [][]string {
	t.Helper()
	c := mustCompile(t, b.d, s)
	_, rows, err := db.query(ctx, c)
	if err != nil {
		t.Fatalf("%s %v: %v", c.SQL, c.Args, err)
	}
	return rows
}

// ids returns the first column of rows.
func ids(rows [][]string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out
}

// ccIDs returns the ids (1-based, as text) of ccTexts for which keep holds.
func ccIDs(keep func(i int, s string) bool) []string {
	out := []string{}
	for i, s := range ccTexts {
		if keep(i, s) {
			out = append(out, fmt.Sprint(i+1))
		}
	}
	return out
}

func nullNote(i int, _ string) bool { return i%3 == 0 }

// TestCoreTypedNilIsNull: a typed nil pointer (and an invalid
// sql.NullString, a nil in an IN list) means NULL, so Eq is IS NULL and Ne
// IS NOT NULL; before, Eq bound "= NULL" and matched nothing.
func TestCoreTypedNilIsNull(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := newCCSchema(t, ctx, b, db)
		n1 := "n1"
		isNull := ccIDs(nullNote)
		notNull := ccIDs(func(i int, s string) bool { return !nullNote(i, s) })
		nullOrN1 := ccIDs(func(i int, s string) bool { return i%3 != 2 })
		n2 := ccIDs(func(i int, s string) bool { return i%3 == 2 })
		cases := []struct {
			name string
			pred core.Expr
			want []string
		}{
			{"eq_typed_nil_pointer", core.Eq(s.note, (*string)(nil)), isNull},
			{"ne_typed_nil_pointer", core.Ne(s.note, (*string)(nil)), notNull},
			{"eq_invalid_null_string", core.Eq(s.note, sql.NullString{}), isNull},
			{"eq_pointer_to_value", core.Eq(s.note, &n1), ccIDs(func(i int, s string) bool { return i%3 == 1 })},
			{"in_list_with_nil", core.In(s.note, "n1", nil), nullOrN1},
			{"in_pointer_slice_with_nil", core.In(s.note, []*string{nil, &n1}), nullOrN1},
			{"not_in_list_with_nil", core.NotIn(s.note, "n1", (*string)(nil)), n2},
			{"in_only_nil", core.In(s.note, []*string{nil}), isNull},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got := ids(ccQuery(t, ctx, b, db, core.Select(s.id).From(s.t).Where(tc.pred).OrderBy(s.id)))
				if !slices.Equal(got, tc.want) {
					t.Errorf("got ids %v, want %v", got, tc.want)
				}
			})
		}
	})
}

// TestCoreRepeatedNodeGroupBy: one expression with bound values in the
// select list, GROUP BY and ORDER BY is one expression to the server.
// On PostgreSQL fresh placeholders ($1 in the list, $4 in GROUP BY) made
// it two, and the query failed with 42803.
func TestCoreRepeatedNodeGroupBy(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := newCCSchema(t, ctx, b, db)
		size := core.Case().When(core.Gt(s.price, 15), "big").Else("small")
		doubled := core.Mul(s.price, 2)
		big, small := 0, 0
		byPrice := map[int]int{}
		for i := range ccTexts {
			p := 10 * (i%4 + 1)
			if p > 15 {
				big++
			} else {
				small++
			}
			byPrice[2*p]++
		}
		t.Run("case_in_select_group_order", func(t *testing.T) {
			q := core.Select(core.As(size, "size"), core.Count(core.Star())).From(s.t).GroupBy(size).OrderBy(size)
			got := ccQuery(t, ctx, b, db, q)
			want := [][]string{{"big", fmt.Sprint(big)}, {"small", fmt.Sprint(small)}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
		t.Run("arithmetic_in_select_group_having", func(t *testing.T) {
			q := core.Select(doubled, core.Count(core.Star())).From(s.t).GroupBy(doubled)
			prices := []int{80, 60, 40, 20}
			if b.name != "mariadb" {
				// MariaDB's HAVING names only grouped columns and aliases,
				// whatever the placeholders.
				q = q.Having(core.Gt(doubled, 30))
				prices = prices[:3]
			}
			got := ccQuery(t, ctx, b, db, q.OrderBy(core.Desc(doubled)))
			var want [][]string
			for _, p := range prices {
				want = append(want, []string{fmt.Sprint(p), fmt.Sprint(byPrice[p])})
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
		t.Run("equal_case_built_twice", func(t *testing.T) {
			mk := func() core.CaseExpr { return core.Case().When(core.Gt(s.price, 15), "big").Else("small") }
			q := core.Select(core.As(mk(), "size"), core.Count(core.Star())).From(s.t).GroupBy(mk()).OrderBy(mk())
			got := ccQuery(t, ctx, b, db, q)
			want := [][]string{{"big", fmt.Sprint(big)}, {"small", fmt.Sprint(small)}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
		t.Run("same_node_in_subquery_and_outer", func(t *testing.T) {
			// The node repeats across query levels too.
			inner := core.Select(core.As(size, "size")).From(s.t).GroupBy(size).As("g")
			q := core.Select(core.Count(core.Star())).From(inner)
			if got := ccQuery(t, ctx, b, db, q); fmt.Sprint(got) != "[[2]]" {
				t.Errorf("got %v, want [[2]]", got)
			}
		})
		if b.name == "postgres" {
			t.Run("date_trunc_in_select_and_group_by", func(t *testing.T) {
				year := func() core.Expr { return core.Func("date_trunc", core.Val("year"), s.at) }
				month := year()
				q := core.Select(core.As(core.Extract(core.Year, month), "y"), core.Count(core.Star())).
					From(s.t).Where(core.IsNotNull(s.at)).GroupBy(month).OrderBy(year())
				got := ccQuery(t, ctx, b, db, q)
				want := "[[2021 1] [2023 1] [2024 3]]"
				if fmt.Sprint(got) != want {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		}
	})
}

// TestCoreUntypedValues: a bare value where nothing gives the server its
// type. On PostgreSQL it was text: a recursive CTE anchored on Val(0)
// failed with 42883 (text + integer), and SELECT EXISTS (SELECT $1 …)
// could not bind an int. Literal writes a constant instead.
func TestCoreUntypedValues(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := newCCSchema(t, ctx, b, db)
		counter := func(anchor any) core.Statement {
			n := core.NewCTE("n", "i").Recursive()
			n = n.As(core.UnionAll(
				core.Select(anchor),
				core.Select(core.Add(n.C("i"), 1)).From(n).Where(core.Lt(n.C("i"), 4)),
			))
			return core.Select(core.Sum(n.C("i"))).From(n).With(n)
		}
		cases := []struct {
			name string
			stmt core.Statement
			want string
		}{
			{"recursive_cte_anchor_val", counter(core.Val(0)), "[[10]]"},
			{"recursive_cte_anchor_literal", counter(core.Literal(0)), "[[10]]"},
			{"exists_select_val", core.Select(core.Exists(core.Select(core.Val(1)).From(s.t).Where(core.Eq(s.name, "axb")))), "[[true]]"},
			{"select_values_of_each_type", core.Select(core.Add(core.Val(40), 2), core.Mul(1.5, 2), core.Coalesce(nil, 7),
				core.Case().When(core.Gt(s.price, 15), 1).Else(0)).From(s.t).Where(core.Eq(s.id, 2)), "[[42 3 7 1]]"},
			{"compare_two_values", core.Select(s.id).From(s.t).Where(core.Lt(1, 2), core.Eq(s.id, 1)), "[[1]]"},
			{"literal_string_escaped", core.Select(core.Literal(`it's \ "q" %`), core.Literal(-3), core.Literal(2.5)), `[[it's \ "q" % -3 2.5]]`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got := ccQuery(t, ctx, b, db, tc.stmt)
				if b.name != "postgres" && fmt.Sprint(got) == "[[1]]" && tc.want == "[[true]]" {
					got = [][]string{{"true"}} // MariaDB and SQLite have no boolean type
				}
				if fmt.Sprint(got) != tc.want {
					t.Errorf("got %v, want %s", got, tc.want)
				}
			})
		}
	})
}

// TestCoreUntypedValuesThroughEngine runs the EXISTS query session's
// QueryOf.Exists builds, a CTE anchored on a value and Extract of a bound
// time through the engine.
func TestCoreUntypedValuesThroughEngine(t *testing.T) {
	ctx := context.Background()
	for _, b := range coreBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			var dsn string
			switch b.name {
			case "postgres":
				dsn = testdb.PG(t).Primary.URL()
			case "mariadb":
				dsn = testdb.MySQL(t).Primary.URL()
			default:
				dsn = "sqlite://" + testdb.SQLite(t)
			}
			db, err := engine.Open(ctx, dsn)
			if err != nil {
				t.Skipf("open engine: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			n := core.NewCTE("n", "i").Recursive()
			n = n.As(core.UnionAll(core.Select(core.Val(int64(0))),
				core.Select(core.Add(n.C("i"), 1)).From(n).Where(core.Lt(n.C("i"), 4))))
			var sum int64
			if err := db.QueryRow(ctx, core.Select(core.Sum(n.C("i"))).From(n).With(n)).Scan(&sum); err != nil {
				t.Fatalf("cte: %v", err)
			}
			if sum != 10 {
				t.Errorf("sum = %d, want 10", sum)
			}
			var ok bool
			if err := db.QueryRow(ctx, core.Select(core.Exists(core.Select(core.Val(1))))).Scan(&ok); err != nil {
				t.Fatalf("exists: %v", err)
			}
			if !ok {
				t.Errorf("exists = false")
			}
			tm := time.Date(2022, 8, 7, 6, 5, 4, 0, time.UTC)
			var year, dow int64
			if err := db.QueryRow(ctx, core.Select(core.Extract(core.Year, tm), core.Extract(core.DayOfWeek, tm))).Scan(&year, &dow); err != nil {
				t.Fatalf("extract: %v", err)
			}
			if year != 2022 || dow != 0 {
				t.Errorf("extract of a bound time = %d, %d; want 2022, 0", year, dow)
			}
		})
	}
}

// TestCoreTextMatching: Contains, StartsWith and EndsWith match exactly
// (wildcards, the escape character and backslashes in the text are
// ordinary; case and accents count) with the same rows on every dialect,
// and Like(...).Escape works.
func TestCoreTextMatching(t *testing.T) {
	needles := []string{"%", "_", "!", `\`, `\\`, "50%", "a_b", "%_!", "[x]", "*", "?", "[ab]", "case", "Case", "CAFÉ", "é", "É", "x", "", " ", "!!", "ü"}
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := newCCSchema(t, ctx, b, db)
		for _, n := range needles {
			for _, m := range []struct {
				name string
				expr func(e any, s string) core.Expr
				ref  func(s, n string) bool
			}{
				{"contains", core.Contains, strings.Contains},
				{"starts_with", core.StartsWith, strings.HasPrefix},
				{"ends_with", core.EndsWith, strings.HasSuffix},
			} {
				t.Run(fmt.Sprintf("%s_%q", m.name, n), func(t *testing.T) {
					got := ids(ccQuery(t, ctx, b, db, core.Select(s.id).From(s.t).Where(m.expr(s.name, n)).OrderBy(s.id)))
					want := ccIDs(func(_ int, s string) bool { return m.ref(s, n) })
					if !slices.Equal(got, want) {
						t.Errorf("got ids %v, want %v", got, want)
					}
				})
			}
		}
		t.Run("like_escape", func(t *testing.T) {
			q := core.Select(s.id).From(s.t).Where(core.Like(s.name, "50!%%").Escape('!')).OrderBy(s.id)
			if got := ids(ccQuery(t, ctx, b, db, q)); !slices.Equal(got, []string{"1"}) {
				t.Errorf("got ids %v, want [1]", got)
			}
			q = core.Select(s.id).From(s.t).Where(core.NotLike(s.name, "%"+core.EscapeLike("!", '#')+"%").Escape('#'), core.Like(s.name, "ba%")).OrderBy(s.id)
			if got := ids(ccQuery(t, ctx, b, db, q)); !slices.Equal(got, []string{"6", "7"}) {
				t.Errorf("not like: got ids %v, want [6 7]", got)
			}
			// Case-insensitive, with EscapeLike: the text's own '%' stays
			// literal.
			q = core.Select(s.id).From(s.t).Where(core.ILike(s.name, "%"+core.EscapeLike("CASE", '!')+"%").Escape('!')).OrderBy(s.id)
			if got := ids(ccQuery(t, ctx, b, db, q)); !slices.Equal(got, []string{"10", "11", "12"}) {
				t.Errorf("ilike: got ids %v, want [10 11 12]", got)
			}
			q = core.Select(s.id).From(s.t).Where(core.ILike(s.name, core.EscapeLike("50%", '!')+"%").Escape('!')).OrderBy(s.id)
			if got := ids(ccQuery(t, ctx, b, db, q)); !slices.Equal(got, []string{"1"}) {
				t.Errorf("ilike 50%%: got ids %v, want [1]", got)
			}
			// A backslash escape, written as a literal each dialect
			// escapes its own way.
			q = core.Select(s.id).From(s.t).Where(core.Like(s.name, `%\_%`).Escape('\\')).OrderBy(s.id)
			if got := ids(ccQuery(t, ctx, b, db, q)); !slices.Equal(got, []string{"4", "24", "27"}) {
				t.Errorf("backslash escape: got ids %v, want [4 24 27]", got)
			}
		})
	})
}

// TestCoreExtract: Extract gives the same integers on every dialect,
// computed here from the times in Go (Sunday is 0; fractional seconds are
// truncated).
func TestCoreExtract(t *testing.T) {
	parts := []struct {
		p   core.DatePart
		ref func(time.Time) int
	}{
		{core.Year, func(t time.Time) int { return t.Year() }},
		{core.Quarter, func(t time.Time) int { return (int(t.Month())-1)/3 + 1 }},
		{core.Month, func(t time.Time) int { return int(t.Month()) }},
		{core.Day, func(t time.Time) int { return t.Day() }},
		{core.Hour, func(t time.Time) int { return t.Hour() }},
		{core.Minute, func(t time.Time) int { return t.Minute() }},
		{core.Second, func(t time.Time) int { return t.Second() }},
		{core.DayOfWeek, func(t time.Time) int { return int(t.Weekday()) }},
		{core.DayOfYear, func(t time.Time) int { return t.YearDay() }},
	}
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := newCCSchema(t, ctx, b, db)
		cols := []any{s.id}
		for _, p := range parts {
			cols = append(cols, core.Extract(p.p, s.at))
		}
		got := ccQuery(t, ctx, b, db, core.Select(cols...).From(s.t).Where(core.IsNotNull(s.at)).OrderBy(s.id))
		var want [][]string
		for i, txt := range ccTimes {
			tm, err := time.Parse("2006-01-02 15:04:05.999999999", txt)
			if err != nil {
				t.Fatal(err)
			}
			row := []string{fmt.Sprint(i + 1)}
			for _, p := range parts {
				row = append(row, fmt.Sprint(p.ref(tm)))
			}
			want = append(want, row)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
		if b.name != "sqlite" {
			// A Go time as the operand: cast to timestamptz on
			// PostgreSQL, which cannot type a bare parameter there.
			// (The raw modernc.org/sqlite driver writes a time.Time as
			// text strftime does not read; through the engine it works,
			// see TestCoreUntypedValuesThroughEngine.)
			tm := time.Date(2022, 8, 7, 6, 5, 4, 0, time.UTC)
			got = ccQuery(t, ctx, b, db, core.Select(core.Extract(core.Year, tm), core.Extract(core.DayOfWeek, tm), core.Extract(core.Second, tm)))
			if fmt.Sprint(got) != "[[2022 0 4]]" {
				t.Errorf("parts of a bound time: got %v, want [[2022 0 4]]", got)
			}
		}
		if b.name == "sqlite" {
			// SQLite text with an offset is read in UTC.
			got := ccQuery(t, ctx, b, db, core.Select(core.Extract(core.Hour, "2024-03-09 14:05:59+02:00")))
			if fmt.Sprint(got) != "[[12]]" {
				t.Errorf("hour of a time with an offset: got %v, want [[12]]", got)
			}
		}
		// Grouping by a part, with the part repeated in the select list.
		year := core.Extract(core.Year, s.at)
		got = ccQuery(t, ctx, b, db, core.Select(year, core.Count(core.Star())).From(s.t).Where(core.IsNotNull(s.at)).GroupBy(year).OrderBy(year))
		if fmt.Sprint(got) != "[[2021 1] [2023 1] [2024 3]]" {
			t.Errorf("by year: got %v", got)
		}
	})
}

// TestSessionFilterTypedNil: session's QueryOf.Filter goes through
// core.Eq, so a typed nil pointer finds the rows whose column is NULL;
// Exists, whose subquery selects a bound 1, runs on every server.
func TestSessionFilterTypedNil(t *testing.T) {
	eachORM(t, func(t *testing.T, e ormEnv) {
		ctx := context.Background()
		emp := e.table(t, "employees")
		ins := core.Insert(emp).Columns(emp.C("id"), emp.C("name"), emp.C("manager_id")).
			Values(1, "boss", nil).Values(2, "ann", 1).Values(3, "bob", 1).Values(4, "solo", nil)
		if _, err := e.db.Exec(ctx, ins); err != nil {
			t.Fatal(err)
		}
		s := e.session(session.Options{})
		roots, err := session.Query[ormEmployee](s).Filter("ManagerID", (*int64)(nil)).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range roots {
			names = append(names, r.Name)
		}
		if !slices.Equal(names, []string{"boss", "solo"}) {
			t.Errorf("Filter(ManagerID, (*int64)(nil)) = %v, want [boss solo]", names)
		}
		ok, err := session.Query[ormEmployee](s).Filter("Name", "ann").Exists(ctx)
		if err != nil || !ok {
			t.Errorf("Exists = %v, %v; want true", ok, err)
		}
	})
}
