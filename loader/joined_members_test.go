package loader

import (
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

// TestAddMemberDistinct: each owner's members come out once each, in the
// order first seen, whatever repeats the rows bring (a sibling
// collection's rows repeat every member, in cycles) and whether or not an
// owner's rows are together, both below and above linearMembers members.
func TestAddMemberDistinct(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[author](reg)
	if err != nil {
		t.Fatal(err)
	}
	refs := func(n int) []mapper.Ref {
		out := make([]mapper.Ref, n)
		for i := range out {
			_, out[i] = m.New()
		}
		return out
	}
	for _, n := range []int{3, linearMembers - 1, linearMembers, linearMembers + 1, 3 * linearMembers} {
		owners, targets := refs(2), refs(2*n)
		mine := [][]mapper.Ref{targets[:n], targets[n:]}
		var jr joinResult
		jr.addMember(owners[1], mapper.Ref{}) // an owner without members first
		for cycle := range 3 {                // a sibling collection of three members
			for i := range n {
				for o := range owners {
					if cycle == 1 && o == 0 {
						continue // rows in another order: owner 0 sees its members twice
					}
					jr.addMember(owners[o], mine[o][i])
					jr.addMember(owners[o], mine[o][i]) // the next sibling row
				}
			}
		}
		if !slices.Equal(jr.owners, []mapper.Ref{owners[1], owners[0]}) {
			t.Fatalf("n=%d: owners out of row order", n)
		}
		for k, o := range jr.owners {
			want := mine[slices.Index(owners, o)]
			if !slices.Equal(jr.lists[k], want) {
				t.Errorf("n=%d: owner %d has %d members, want %d distinct in order", n, k, len(jr.lists[k]), len(want))
			}
		}
		if got := jr.count(); got != 2*n {
			t.Errorf("n=%d: count %d, want %d", n, got, 2*n)
		}
	}
}
