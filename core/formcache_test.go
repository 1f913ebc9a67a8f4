package core

import "testing"

// testForm is a form that a statement (an int) has when they are equal.
type testForm struct{ v int }

func (f *testForm) matches(s int) bool { return f.v == s }

func TestFormCacheChainsBoundsAndConfirms(t *testing.T) {
	var c formCache[int, *testForm]
	d := genericDialect{}
	k := uint64(7)
	if _, ok := c.find(k, d, 1); ok {
		t.Fatal("an empty cache found a form")
	}
	// Two forms under one key (a hash collision): each statement finds its
	// own, a third finds none.
	a, b := &testForm{1}, &testForm{2}
	c.add(k, d, 1, a)
	c.add(k, d, 2, b)
	if f, ok := c.find(k, d, 1); !ok || f != a {
		t.Errorf("find(1) = %v, %v; want the first form", f, ok)
	}
	if f, ok := c.find(k, d, 2); !ok || f != b {
		t.Errorf("find(2) = %v, %v; want the second form", f, ok)
	}
	if _, ok := c.find(k, d, 3); ok {
		t.Error("a statement of no cached form found one")
	}
	if _, ok := c.find(8, d, 1); ok {
		t.Error("another key found a form")
	}
	// Adding a form the key already holds keeps the first.
	c.add(k, d, 1, &testForm{1})
	if f, _ := c.find(k, d, 1); f != a || c.n != 2 {
		t.Errorf("a second add replaced the form or counted it (n = %d)", c.n)
	}
	// Full: the next add clears the cache first.
	for i := c.n; i < formLimit; i++ {
		c.add(uint64(100+i), d, 100+i, &testForm{100 + i})
	}
	if c.n != formLimit {
		t.Fatalf("n = %d after filling, want %d", c.n, formLimit)
	}
	c.add(1, d, 5, &testForm{5})
	if c.n != 1 {
		t.Errorf("n = %d after adding to a full cache, want 1", c.n)
	}
	if _, ok := c.find(k, d, 1); ok {
		t.Error("a form survived the clearing")
	}
	if _, ok := c.find(1, d, 5); !ok {
		t.Error("the form added after the clearing is missing")
	}
}

// flavourDialect is a dialect whose values differ by a field, as MySQL's
// and MariaDB's do.
type flavourDialect struct {
	genericDialect
	flavour bool
}

func TestFormCacheTellsDialectsApart(t *testing.T) {
	var c formCache[int, *testForm]
	a, b, m := genericDialect{}, flavourDialect{}, flavourDialect{flavour: true}
	// Every dialect's forms share the seed: a hit is told apart by the
	// dialect itself.
	if formSeed(a) != formSeed(b) || formSeed(b) != formSeed(m) {
		t.Fatal("dialects have their own seeds; the chain test below needs them shared")
	}
	fa, fb := &testForm{1}, &testForm{1}
	c.add(formSeed(b), a, 1, fa)
	c.add(formSeed(b), b, 1, fb)
	if f, ok := c.find(formSeed(b), a, 1); !ok || f != fa {
		t.Errorf("find for the first dialect = %v, %v; want its form", f, ok)
	}
	if f, ok := c.find(formSeed(b), b, 1); !ok || f != fb {
		t.Errorf("find for the second dialect = %v, %v; want its form", f, ok)
	}
	if _, ok := c.find(formSeed(b), m, 1); ok {
		t.Error("a dialect of the same type but another value found a form")
	}
}
