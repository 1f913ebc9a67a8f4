package core_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
)

func valuesTable() *core.Table {
	return core.MustTable(core.TableDef{Name: "t", Columns: []core.Column{
		{Name: "a", Type: core.BigInt()}, {Name: "b", Type: core.Text()},
	}})
}

// argsOf compiles s and returns its arguments.
func argsOf(t *testing.T, s core.Statement) []any {
	t.Helper()
	return compilePG(t, s).Args
}

func rowArgs(ids ...int) []any {
	var out []any
	for _, id := range ids {
		out = append(out, int64(id), fmt.Sprint("r", id))
	}
	return out
}

// A loop of Values is linear: 20,000 rows used to copy every earlier row
// on each call (gigabytes copied, seconds spent).
func TestInsertValuesLoopIsLinear(t *testing.T) {
	tbl := valuesTable()
	const n = 20000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ins := core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b"))
	for i := range n {
		ins = ins.Values(int64(i), "x")
	}
	runtime.ReadMemStats(&after)
	// Linear: a few hundred bytes per row. Quadratic: n²/2 row headers of
	// 24 bytes, about 4.8 GB.
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("building %d rows with Values allocated %d MB", n, got>>20)
	}
	args := argsOf(t, ins)
	if len(args) != 2*n || args[0] != int64(0) || args[2*n-2] != int64(n-1) {
		t.Fatalf("%d args, first %v, last %v", len(args), args[0], args[len(args)-2])
	}
}

// Statements stay immutable although Values shares arrays between them:
// a Values on an older statement neither sees nor overwrites the rows a
// newer statement added after it.
func TestInsertValuesBranchesAreIndependent(t *testing.T) {
	tbl := valuesTable()
	row := func(id int) []any { return []any{int64(id), fmt.Sprint("r", id)} }
	base := core.Insert(tbl).Columns(tbl.C("a"), tbl.C("b")).Values(row(0)...).Values(row(1)...).Values(row(2)...)
	a := base.Values(row(10)...)
	b := base.Values(row(20)...) // same slot as a's row 10: must copy
	a2 := a.Values(row(11)...)
	b2 := b.Values(row(21)...)
	a3 := a.Values(row(12)...) // a's next slot is taken by a2
	viaRows := base.Rows(row(30), row(31)).Values(row(32)...)
	for _, tt := range []struct {
		name string
		s    *core.InsertStmt
		want []any
	}{
		{"base", base, rowArgs(0, 1, 2)},
		{"a", a, rowArgs(0, 1, 2, 10)},
		{"b", b, rowArgs(0, 1, 2, 20)},
		{"a2", a2, rowArgs(0, 1, 2, 10, 11)},
		{"b2", b2, rowArgs(0, 1, 2, 20, 21)},
		{"a3", a3, rowArgs(0, 1, 2, 10, 12)},
		{"rows then values", viaRows, rowArgs(0, 1, 2, 30, 31, 32)},
	} {
		if got := argsOf(t, tt.s); !slices.Equal(got, tt.want) {
			t.Errorf("%s: args %v, want %v", tt.name, got, tt.want)
		}
	}

	// Many goroutines branch from one statement at once (run with -race):
	// each sees the shared rows and its own, never another's.
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := base
			ids := []int{0, 1, 2}
			for i := range 50 {
				id := 1000*(g+1) + i
				s = s.Values(row(id)...)
				ids = append(ids, id)
			}
			if got, want := argsOf(t, s), rowArgs(ids...); !slices.Equal(got, want) {
				t.Errorf("goroutine %d: args %v, want %v", g, got, want)
			}
		}()
	}
	wg.Wait()
	if got := argsOf(t, base); !slices.Equal(got, rowArgs(0, 1, 2)) {
		t.Errorf("base changed: %v", got)
	}
}
