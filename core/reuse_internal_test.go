package core

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// numberedDialect is the generic dialect with $n placeholders and
// argument reuse, as PostgreSQL.
type numberedDialect struct{ genericDialect }

func (numberedDialect) Features() Features {
	f := genericDialect{}.Features()
	f.NumberedParams = true
	return f
}

func (numberedDialect) AppendPlaceholder(b []byte, n int) []byte {
	return strconv.AppendInt(append(b, '$'), int64(n), 10)
}

// TestReuseCacheAgreesWithFullRender builds statements that use a few
// nodes with arguments in random clauses, some repeated and some built
// twice, with random values, and checks that Compile (through the shape
// cache, warmed by statements of the same shapes) returns exactly what a
// full uncached render returns: the shape must encode every reuse.
func TestReuseCacheAgreesWithFullRender(t *testing.T) {
	tb := MustTable(TableDef{Name: "t", Columns: []Column{{Name: "a", Type: Int()}, {Name: "b", Type: String(10)}}})
	a, b := tb.C("a"), tb.C("b")
	rng := rand.New(rand.NewPCG(7, 11))
	d := numberedDialect{}
	build := func() Statement {
		v := func() int { return rng.IntN(3) }
		nodes := []Expr{
			Add(a, v()),
			Case().When(Gt(a, v()), "x").Else("y"),
			Func("f", Val(v()), b),
			Mul(Add(a, v()), v()),
		}
		nodes = append(nodes, Add(nodes[0], v())) // a node inside another
		pick := func() Expr {
			if rng.IntN(4) == 0 { // an equal node built again: not the same
				return Add(a, 1)
			}
			return nodes[rng.IntN(len(nodes))]
		}
		q := Select(pick(), As(pick(), "x")).From(tb).Where(Gt(pick(), v()))
		for range rng.IntN(3) {
			q = q.GroupBy(pick())
		}
		if rng.IntN(2) == 0 {
			q = q.Having(Lt(pick(), v())).OrderBy(pick())
		}
		if rng.IntN(3) == 0 {
			q = Select(Count(Star())).From(q.As("s")).Where(Ne(pick(), v()))
		}
		return q
	}
	for i := range 2000 {
		s := build()
		got, err := Compile(d, s)
		if err != nil {
			t.Fatal(err)
		}
		want, err := compileFull(d, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.SQL != want.SQL || fmt.Sprint(got.Args) != fmt.Sprint(want.Args) {
			t.Fatalf("statement %d:\ncompiled %s %v\nfull     %s %v", i, got.SQL, got.Args, want.SQL, want.Args)
		}
	}
}

// TestReuseAllocs: compiling a rebuilt statement whose node repeats (a
// shape cache hit) allocates no more than compiling one whose nodes are
// distinct; the writer's bookkeeping lives in the pooled writer.
func TestReuseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	tb := MustTable(TableDef{Name: "t", Columns: []Column{{Name: "a", Type: Int()}}})
	a := tb.C("a")
	d := numberedDialect{}
	e := Add(a, 1)
	shared := Select(e).From(tb).GroupBy(e).OrderBy(e)
	distinct := Select(Add(a, 1)).From(tb).GroupBy(Add(a, 1)).OrderBy(Add(a, 1))
	for _, s := range []Statement{shared, distinct} {
		if _, err := Compile(d, s); err != nil {
			t.Fatal(err)
		}
	}
	// Compile fresh copies (no memo) so the shape walk runs each time.
	count := func(s *SelectStmt) float64 {
		return testing.AllocsPerRun(100, func() {
			c := &SelectStmt{q: s.q}
			if _, err := Compile(d, c); err != nil {
				t.Fatal(err)
			}
		})
	}
	ns, nd := count(shared), count(distinct)
	t.Logf("allocs: repeated %v, distinct %v", ns, nd)
	if ns > nd {
		t.Errorf("repeated node: %v allocs per compile, distinct nodes: %v", ns, nd)
	}
}

// TestReuseBookkeepingSkipsPlainValues: an INSERT's plain values are no
// node's, so a large INSERT logs no placeholder numbers; a WHERE
// comparison logs its one.
func TestReuseBookkeepingSkipsPlainValues(t *testing.T) {
	tb := MustTable(TableDef{Name: "t", Columns: []Column{{Name: "a", Type: Int()}, {Name: "b", Type: Int()}}})
	ins := Insert(tb).Columns(tb.C("a"), tb.C("b"))
	for i := range 100 {
		ins = ins.Values(i, i)
	}
	for _, tc := range []struct {
		s    Statement
		nums int
	}{
		{ins, 0},
		{Select(tb.C("a")).From(tb).Where(Eq(tb.C("b"), 1)).Limit(3), 1},
	} {
		w := newWriter(numberedDialect{}, modeSQL)
		tc.s.writeStmt(w)
		if w.err != nil {
			t.Fatal(w.err)
		}
		if len(w.nums) != tc.nums {
			t.Errorf("%s: %d numbers logged, want %d", w.buf, len(w.nums), tc.nums)
		}
		w.release()
	}
}
