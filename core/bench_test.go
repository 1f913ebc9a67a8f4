package core

import (
	"fmt"
	"testing"
)

// benchJoin builds a typical 3-table join with 5 predicates.
func benchJoin(users, orders, items *Table, id int64) *SelectStmt {
	return Select(users.C("id"), users.C("email"), orders.C("id"), orders.C("total"), items.C("sku")).
		From(users).
		Join(orders, Eq(orders.C("user_id"), users.C("id"))).
		LeftJoin(items, Eq(items.C("order_id"), orders.C("id"))).
		Where(
			Eq(users.C("active"), true),
			Gt(orders.C("total"), 100),
			In(orders.C("status"), []string{"paid", "shipped"}),
			ILike(users.C("email"), "%@example.com"),
			Or(IsNull(items.C("sku")), Ne(items.C("sku"), id)),
		).
		OrderBy(Desc(orders.C("id"))).
		Limit(50)
}

func benchTables() (*Table, *Table, *Table) {
	users := MustTable(TableDef{Name: "users", Columns: []Column{
		{Name: "id", Type: BigInt(), PrimaryKey: true}, {Name: "email", Type: String(200)}, {Name: "active", Type: Bool()}}})
	orders := MustTable(TableDef{Name: "orders", Columns: []Column{
		{Name: "id", Type: BigInt(), PrimaryKey: true}, {Name: "user_id", Type: BigInt()},
		{Name: "total", Type: Numeric(12, 2)}, {Name: "status", Type: String(20)}}})
	items := MustTable(TableDef{Name: "items", Columns: []Column{
		{Name: "id", Type: BigInt(), PrimaryKey: true}, {Name: "order_id", Type: BigInt()}, {Name: "sku", Type: String(40)}}})
	return users, orders, items
}

// benchDialect is a PostgreSQL-like dialect defined here because core
// cannot import the dialect packages.
type benchDialect struct{ genericDialect }

func (benchDialect) Features() Features {
	f := genericDialect{}.Features()
	f.ILike, f.AnyArray, f.NumberedParams = true, true, true
	return f
}

func (benchDialect) AppendPlaceholder(b []byte, n int) []byte {
	return append(append(b, '$'), byte('0'+n%10))
}

// BenchmarkCompile compares compiling a 3-table join with 5 predicates:
//   - uncached: full render every time (quoting, placeholders, string);
//   - cached: the same statement value again (memoised per dialect);
//   - shape: a statement rebuilt with other values, same shape (shape
//     cache hit: walk, collect args, reuse SQL text).
func BenchmarkCompile(b *testing.B) {
	users, orders, items := benchTables()
	d := benchDialect{}
	q := benchJoin(users, orders, items, 7)
	b.Run("uncached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := compileFull(d, q, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		if _, err := Compile(d, q); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := Compile(d, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shape", func(b *testing.B) {
		b.ReportAllocs()
		if _, err := Compile(d, q); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, _, err := compileShape(d, q, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("build_and_compile", func(b *testing.B) {
		b.ReportAllocs()
		var i int64
		for b.Loop() {
			i++
			if _, err := Compile(d, benchJoin(users, orders, items, i)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCachedCompileIsCheap asserts the memoised path does not allocate.
func TestCachedCompileIsCheap(t *testing.T) {
	users, orders, items := benchTables()
	d := benchDialect{}
	q := benchJoin(users, orders, items, 7)
	if _, err := Compile(d, q); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Compile(d, q) }); n > 0 {
		t.Errorf("cached compile allocates %v times", n)
	}
}

// buildByKey is the statement of a read by primary key, rebuilt per call
// as a caller with a varying key does.
func buildByKey(users *Table, id int64) *SelectStmt {
	return Select(users.Star()).From(users).Where(Eq(users.C("id"), id))
}

// BenchmarkBuildAndCompileByKey measures the per-call cost of that read on
// the client before any I/O: three builder calls and a shape-cache hit.
func BenchmarkBuildAndCompileByKey(b *testing.B) {
	users, _, _ := benchTables()
	d := benchDialect{}
	if _, err := Compile(d, buildByKey(users, 1)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var id int64
	for b.Loop() {
		id++
		if _, err := Compile(d, buildByKey(users, id)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBuildAndCompileByKeyAllocs pins the allocations of building and
// compiling a read by key: the last statement value (the builder calls
// before it are inlined and keep theirs on the stack) and the comparison
// node. The table's star and FROM list, the memo and the compiled
// arguments add none; the key is boxed by the caller.
func TestBuildAndCompileByKeyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	users, _, _ := benchTables()
	d := benchDialect{}
	if _, err := Compile(d, buildByKey(users, 1)); err != nil {
		t.Fatal(err)
	}
	var key any = int64(1 << 40) // boxed once, outside the measurement
	n := testing.AllocsPerRun(200, func() {
		st := Select(users.Star()).From(users).Where(Eq(users.C("id"), key))
		c, err := Compile(d, st)
		if err != nil || len(c.Args) != 1 || c.Args[0] != key {
			t.Fatalf("compile: %v %v", c.Args, err)
		}
	})
	if n > 2 {
		t.Errorf("building and compiling a read by key allocates %v times, want at most 2", n)
	}
	// A schema-qualified table too: its full name, reported in Tables, is
	// built once with the table, not per compilation.
	billing := MustTable(TableDef{Schema: "billing", Name: "users", Columns: []Column{{Name: "id", Type: BigInt(), PrimaryKey: true}}})
	if _, err := Compile(d, buildByKey(billing, 1)); err != nil {
		t.Fatal(err)
	}
	n = testing.AllocsPerRun(200, func() {
		c, err := Compile(d, Select(billing.Star()).From(billing).Where(Eq(billing.C("id"), key)))
		if err != nil || len(c.Tables) != 1 || c.Tables[0] != "billing.users" {
			t.Fatalf("compile: %v %v", c.Tables, err)
		}
	})
	if n > 2 {
		t.Errorf("a read by key on a schema-qualified table allocates %v times, want at most 2", n)
	}
}

// BenchmarkBuildAndCompileByKeyParallel is BenchmarkBuildAndCompileByKey
// on every P at once: the shared shape cache must not serialise readers.
func BenchmarkBuildAndCompileByKeyParallel(b *testing.B) {
	users, _, _ := benchTables()
	d := benchDialect{}
	if _, err := Compile(d, buildByKey(users, 1)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var id int64
		for pb.Next() {
			id++
			if _, err := Compile(d, buildByKey(users, id)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// benchWide is a 7-column table like the ORM benchmarks' model.
func benchWide() *Table {
	return MustTable(TableDef{Name: "models", Columns: []Column{
		{Name: "id", Type: BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "name", Type: Text()}, {Name: "title", Type: Text()}, {Name: "fax", Type: Text()},
		{Name: "web", Type: Text()}, {Name: "age", Type: BigInt()}, {Name: "right", Type: Bool()},
		{Name: "counter", Type: BigInt()}}})
}

// benchRow is one row of values for benchWide, boxed once so benchmarks
// measure core, not the caller's boxing.
var benchRow = []any{"name", "title", "fax", "web", int64(30), true, int64(1)}

func buildInsert(t *Table, rows [][]any) *InsertStmt {
	cols := t.Columns()[1:]
	ins := Insert(t).Columns(cols...).Values(rows[0]...)
	if len(rows) > 1 {
		ins = ins.Rows(rows[1:]...)
	}
	return ins
}

func benchRows(n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = benchRow
	}
	return rows
}

// BenchmarkInsert measures building and compiling an INSERT of 1 and 100
// rows of 7 columns whose shape is cached: the client-side cost of a
// write before any I/O.
func BenchmarkInsert(b *testing.B) {
	t := benchWide()
	d := benchDialect{}
	for _, n := range []int{1, 100} {
		rows := benchRows(n)
		name := fmt.Sprintf("%drows", n)
		if n == 1 {
			name = "1row"
		}
		b.Run(name, func(b *testing.B) {
			if _, err := Compile(d, buildInsert(t, rows)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compile(d, buildInsert(t, rows)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// buildUpdate is an UPDATE of three columns by key.
func buildUpdate(t *Table, id any) *UpdateStmt {
	return Update(t).Set(t.C("name"), benchRow[0]).Set(t.C("age"), benchRow[4]).
		Set(t.C("counter"), Add(t.C("counter"), benchRow[6])).Where(Eq(t.C("id"), id))
}

// BenchmarkUpdate measures building and compiling an UPDATE by key whose
// shape is cached.
func BenchmarkUpdate(b *testing.B) {
	t := benchWide()
	d := benchDialect{}
	var id any = int64(7)
	if _, err := Compile(d, buildUpdate(t, id)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(d, buildUpdate(t, id)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInsertAllocs pins the allocations of building and compiling an
// INSERT of a cached shape, values boxed by the caller beforehand. Rows
// hold their values as given, so the count does not grow with the rows
// (up to the session's default batch of 500; past 4096 arguments the
// pooled writer is not kept, and its buffers regrow):
//   - one row: the statement, its column list and its copy of the row,
//     which is also the compiled arguments (see writer.owned);
//   - Rows alone: the statement, the column list, one array for every
//     row's values (again the compiled arguments) and one of their
//     slices;
//   - Values then Rows: two statements (the first is kept in a variable),
//     the column list, the first row's copy, one array for every row's
//     values (the first row copied again: it is the compiled arguments)
//     and one of their slices.
func TestInsertAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	tbl := benchWide()
	d := benchDialect{}
	cols := tbl.Columns()[1:]
	row := benchRow
	one := func() *InsertStmt { return Insert(tbl).Columns(cols...).Values(row...) }
	if _, err := Compile(d, one()); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		c, err := Compile(d, one())
		if err != nil || len(c.Args) != len(row) {
			t.Fatalf("compile: %v %v", c.Args, err)
		}
	})
	if n > 3 {
		t.Errorf("a one-row insert allocates %v times, want at most 3", n)
	}
	rs := benchRows(100)
	n = testing.AllocsPerRun(50, func() {
		c, err := Compile(d, Insert(tbl).Columns(cols...).Rows(rs...))
		if err != nil || len(c.Args) != len(rs)*len(row) {
			t.Fatalf("compile: %d args, %v", len(c.Args), err)
		}
	})
	if n > 4 {
		t.Errorf("a 100-row insert from Rows alone allocates %v times, want at most 4", n)
	}
	for _, rows := range []int{100, 500} {
		rs := benchRows(rows)
		if _, err := Compile(d, buildInsert(tbl, rs)); err != nil {
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(50, func() {
			c, err := Compile(d, buildInsert(tbl, rs))
			if err != nil || len(c.Args) != rows*len(row) {
				t.Fatalf("compile: %d args, %v", len(c.Args), err)
			}
		})
		if n > 6 {
			t.Errorf("a %d-row insert allocates %v times, want at most 6", rows, n)
		}
	}
}

// TestUpdateAllocs pins building and compiling an UPDATE of a cached
// shape: the statement, one assignment list (Set appends in place), the
// WHERE list, the addition node and its bound operand, the comparison
// node, and the compiled arguments. Values given to Set are not boxed
// into nodes.
func TestUpdateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	tbl := benchWide()
	d := benchDialect{}
	var id any = int64(7)
	if _, err := Compile(d, buildUpdate(tbl, id)); err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := Compile(d, buildUpdate(tbl, id)); err != nil {
			t.Fatal(err)
		}
	})
	if n > 7 {
		t.Errorf("an update by key allocates %v times, want at most 7", n)
	}
}

// TestUpdateOfAllocs pins UpdateOf: the same statement as the builder
// chain of TestUpdateAllocs, from one statement and one copy of each
// list, not a statement and a list per call: the statement, its two
// lists, the comparison node, the addition node and its bound operand,
// and the compiled arguments.
func TestUpdateOfAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	tbl := benchWide()
	d := benchDialect{}
	var id any = int64(7)
	build := func() *UpdateStmt {
		sets := [3]Assignment{Set(tbl.C("name"), benchRow[0]), Set(tbl.C("age"), benchRow[4]),
			Set(tbl.C("counter"), Add(tbl.C("counter"), benchRow[6]))}
		where := [1]Expr{Eq(tbl.C("id"), id)}
		return UpdateOf(tbl, sets[:], where[:]...)
	}
	got, err := Compile(d, build())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Compile(d, buildUpdate(tbl, id))
	if err != nil {
		t.Fatal(err)
	}
	if got.SQL != want.SQL || len(got.Args) != len(want.Args) {
		t.Fatalf("UpdateOf compiles to %s %v, the chain to %s %v", got.SQL, got.Args, want.SQL, want.Args)
	}
	n := testing.AllocsPerRun(200, func() {
		if _, err := Compile(d, build()); err != nil {
			t.Fatal(err)
		}
	})
	if n > 7 {
		t.Errorf("an update by key from UpdateOf allocates %v times, want at most 7", n)
	}
}

// TestFastFormAllocs pins the compilation of the forms that skip the
// shape walk (see template.go, update_fast.go): nothing beyond building
// the statement. An INSERT from a template: the statement and its copy of
// the row (also the arguments); a lookup from a SELECT template: the
// statement and its comparison node; a simple UPDATE from UpdateOf: the
// statement, its two lists and the comparison node (two arguments fit in
// the statement); a simple INSERT: the statement, its column list and its
// copy of the row (also the arguments); a simple SELECT by key: the
// statement and its comparison node; a page of a range, of two columns:
// those and its list of columns past the first.
func TestFastFormAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	tbl := benchWide()
	d := benchDialect{}
	var id, v any = int64(7), int64(3)
	ins := Insert(tbl).Columns(tbl.Columns()[1:]...).Template()
	sel := Select(tbl.Star()).From(tbl).Template()
	upd := func() *UpdateStmt {
		sets := [1]Assignment{Set(tbl.C("counter"), v)}
		where := [1]Expr{Eq(tbl.C("id"), id)}
		return UpdateOf(tbl, sets[:], where[:]...)
	}
	for _, c := range []struct {
		name  string
		build func() Statement
		max   float64
	}{
		{"an insert from a template", func() Statement { return ins.Values(benchRow...) }, 2},
		{"a lookup from a template", func() Statement { return sel.Where(Eq(tbl.C("id"), id)) }, 2},
		{"a simple update", func() Statement { return upd() }, 4},
		{"a simple insert", func() Statement { return Insert(tbl).Columns(tbl.Columns()[1:]...).Values(benchRow...) }, 3},
		{"a simple lookup", func() Statement { return Select(tbl.Star()).From(tbl).Where(Eq(tbl.C("id"), id)) }, 2},
		{"a simple page", func() Statement {
			return Select(tbl.C("id"), tbl.C("name")).From(tbl).Where(Gt(tbl.C("id"), id)).Limit(50)
		}, 3},
	} {
		if _, err := Compile(d, c.build()); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(200, func() {
			if _, err := Compile(d, c.build()); err != nil {
				t.Fatal(err)
			}
		}); n > c.max {
			t.Errorf("%s allocates %v times, want at most %v", c.name, n, c.max)
		}
	}
}
