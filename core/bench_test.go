package core

import "testing"

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
	f.ILike, f.AnyArray = true, true
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
