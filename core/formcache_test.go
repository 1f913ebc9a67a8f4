package core

import "testing"

// testForm is a form that a statement (an int) has when they are equal.
type testForm struct{ v int }

func (f *testForm) matches(s int) bool { return f.v == s }

func TestFormCacheChainsBoundsAndConfirms(t *testing.T) {
	var c formCache[int, *testForm]
	k := updateKey{h: 7}
	if _, ok := c.find(k, 1); ok {
		t.Fatal("an empty cache found a form")
	}
	// Two forms under one key (a hash collision): each statement finds its
	// own, a third finds none.
	a, b := &testForm{1}, &testForm{2}
	c.add(k, 1, a)
	c.add(k, 2, b)
	if f, ok := c.find(k, 1); !ok || f != a {
		t.Errorf("find(1) = %v, %v; want the first form", f, ok)
	}
	if f, ok := c.find(k, 2); !ok || f != b {
		t.Errorf("find(2) = %v, %v; want the second form", f, ok)
	}
	if _, ok := c.find(k, 3); ok {
		t.Error("a statement of no cached form found one")
	}
	if _, ok := c.find(updateKey{h: 8}, 1); ok {
		t.Error("another key found a form")
	}
	// Adding a form the key already holds keeps the first.
	c.add(k, 1, &testForm{1})
	if f, _ := c.find(k, 1); f != a || c.n != 2 {
		t.Errorf("a second add replaced the form or counted it (n = %d)", c.n)
	}
	// Full: the next add clears the cache first.
	for i := c.n; i < formLimit; i++ {
		c.add(updateKey{h: uint64(100 + i)}, 100+i, &testForm{100 + i})
	}
	if c.n != formLimit {
		t.Fatalf("n = %d after filling, want %d", c.n, formLimit)
	}
	c.add(updateKey{h: 1}, 5, &testForm{5})
	if c.n != 1 {
		t.Errorf("n = %d after adding to a full cache, want 1", c.n)
	}
	if _, ok := c.find(k, 1); ok {
		t.Error("a form survived the clearing")
	}
	if _, ok := c.find(updateKey{h: 1}, 5); !ok {
		t.Error("the form added after the clearing is missing")
	}
}
