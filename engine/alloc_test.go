package engine_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// allocRows is the go-orm-benchmarks row the bench/ ReadByPK and
// ReadSlice100 benchmarks read: four text columns among eight.
var allocRows = core.MustTable(core.TableDef{
	Name: "alloc_rows",
	Columns: []core.Column{
		{Name: "id", Type: core.Int(), PrimaryKey: true},
		{Name: "name", Type: core.Text()},
		{Name: "title", Type: core.Text()},
		{Name: "fax", Type: core.Text()},
		{Name: "web", Type: core.Text()},
		{Name: "age", Type: core.Int()},
		{Name: "right", Type: core.Bool()},
		{Name: "counter", Type: core.BigInt()},
	},
})

type allocRow struct {
	ID      int
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

// TestReadAllocs pins the allocations of the read path on PostgreSQL,
// counting everything a caller does per read: building the statement with
// core builders (a shape compiled before), running it, and scanning into
// structs. The floor is raw pgx, which allocates 11 times for the same
// read by key (see bench/).
func TestReadAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	db := openDB(t, testdb.PG(t).Primary.URL())
	if _, err := db.Exec(ctx, core.CreateTable(allocRows)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 100; i++ {
		ins := core.Insert(allocRows).Columns(allocRows.C("id"), allocRows.C("name"), allocRows.C("title"), allocRows.C("fax"), allocRows.C("web"), allocRows.C("age"), allocRows.C("right"), allocRows.C("counter")).
			Values(i, "Orm Benchmark", "Just a Benchmark for fun", "99909990", "http://blog.milkpod29.me", 100, true, int64(1000))
		if _, err := db.Exec(ctx, ins); err != nil {
			t.Fatal(err)
		}
	}

	var key any = 42 // boxed once, as a caller's key already is
	byKey := func() {
		st := core.Select(allocRows.Star()).From(allocRows).Where(core.Eq(allocRows.C("id"), key))
		r, err := engine.One[allocRow](ctx, db, st)
		if err != nil || r.ID != 42 || r.Web == "" {
			t.Fatalf("read by key: %+v, %v", r, err)
		}
	}
	slice := func() {
		st := core.Select(allocRows.Star()).From(allocRows).Where(core.Gt(allocRows.C("id"), 0)).Limit(100)
		rs, err := engine.All[allocRow](ctx, db, st)
		if err != nil || len(rs) != 100 {
			t.Fatalf("read 100: %d rows, %v", len(rs), err)
		}
	}
	for range 8 { // open the connection, prepare, fill the caches
		byKey()
		slice()
	}

	// By key: the statement value and its comparison node, the four
	// strings scanned, and pgx's rows and command tag. Nothing per column
	// or for the engine's bookkeeping.
	const maxByKey = 8
	n := testing.AllocsPerRun(100, byKey)
	t.Logf("a read by key allocates %v times", n)
	if n > maxByKey {
		t.Errorf("a read by key allocates %v times, want at most %d", n, maxByKey)
	}
	// 100 rows: the four strings of each row, the result slice (made
	// once, with room for the LIMIT), and a few per query.
	const maxSlice = 100*4 + 8
	n = testing.AllocsPerRun(20, slice)
	t.Logf("a read of 100 rows allocates %v times", n)
	if n > maxSlice {
		t.Errorf("a read of 100 rows allocates %v times, want at most %d", n, maxSlice)
	}
}

// argRows has no key, so that the same rows can be inserted again.
var argRows = core.MustTable(core.TableDef{
	Name: "alloc_args",
	Columns: []core.Column{
		{Name: "name", Type: core.Text()}, {Name: "title", Type: core.Text()},
		{Name: "fax", Type: core.Text()}, {Name: "web", Type: core.Text()},
		{Name: "age", Type: core.Int()}, {Name: "right", Type: core.Bool()},
		{Name: "counter", Type: core.BigInt()},
	},
})

// TestArgumentConversionAllocs: on the database/sql drivers (MariaDB,
// SQLite) the engine converts arguments in a buffer the connection
// keeps, so an INSERT of 50 rows allocates about as often as one of a
// row: measured 5 and 5 on MariaDB, 6 and 12 on SQLite, where a
// NamedValue escaping per argument cost 350 for the 50 rows.
func TestArgumentConversionAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, d := range backends[1:] {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, d.open(t))
			if _, err := db.Exec(ctx, core.Raw("DROP TABLE IF EXISTS alloc_args")); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(ctx, core.CreateTable(argRows)); err != nil {
				t.Fatal(err)
			}
			row := []any{"Orm Benchmark", "Just a Benchmark for fun", "99909990", "http://blog.milkpod29.me", 100, true, int64(1000)}
			insert := func(n int) func() {
				rows := make([][]any, n)
				for i := range rows {
					rows[i] = row
				}
				stmt := core.Insert(argRows).Columns(argRows.Columns()...).Rows(rows...)
				return func() {
					if _, err := db.Exec(ctx, stmt); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 3 {
				insert(1)()
				insert(50)()
			}
			one, fifty := testing.AllocsPerRun(20, insert(1)), testing.AllocsPerRun(20, insert(50))
			t.Logf("insert of 1 row: %v allocations; of 50: %v", one, fifty)
			if fifty-one > 10 {
				t.Errorf("49 more rows of 7 arguments cost %v more allocations, want at most 10", fifty-one)
			}
		})
	}
}
