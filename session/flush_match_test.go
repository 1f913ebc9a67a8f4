package session

import (
	"cmp"
	"slices"
	"testing"
)

// TestKeyOrder pins how generated keys RETURNING gave are handed out: in
// key order, whatever order the rows came back in, with no order slice
// when they came back sorted.
func TestKeyOrder(t *testing.T) {
	for _, c := range []struct {
		keys []int64
		want []int // nil: row i goes to entry i
	}{
		{keys: nil},
		{keys: []int64{7}},
		{keys: []int64{1, 2, 3}},
		{keys: []int64{1, 1, 2}}, // equal keys are in order
		{keys: []int64{3, 1, 2}, want: []int{1, 2, 0}},
		{keys: []int64{1, 3, 2}, want: []int{0, 2, 1}},
		{keys: []int64{3, 2, 1}, want: []int{2, 1, 0}},
	} {
		got := keyOrder(len(c.keys), func(a, b int) int { return cmp.Compare(c.keys[a], c.keys[b]) })
		if !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("keyOrder(%v) = %v, want %v", c.keys, got, c.want)
		}
	}
}
