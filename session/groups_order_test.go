package session

import (
	"errors"
	"testing"

	"github.com/athanor-orm/athanor"
)

// Groups only read commit first, in the order begun; written ones follow
// in the order first written, whatever the order they were begun in.
func TestCommitOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrt  []int // per group in begin order: 0 read only, else write order
		want []int // indexes into wrt, in commit order
	}{
		{"written in begin order", []int{1, 2}, []int{0, 1}},
		{"written against begin order", []int{2, 1}, []int{1, 0}},
		{"read-only first", []int{1, 0, 2}, []int{1, 0, 2}},
		{"only reads", []int{0, 0}, []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := make([]*groupState, len(tc.wrt))
			for i, w := range tc.wrt {
				open[i] = &groupState{wrt: w}
			}
			got := commitOrder(open)
			if len(got) != len(tc.want) {
				t.Fatalf("commit order has %d groups, want %d", len(got), len(tc.want))
			}
			for i, j := range tc.want {
				if got[i] != open[j] {
					t.Fatalf("commit order position %d is not group %d", i, j)
				}
			}
		})
	}
}

func TestPartialCommitErrorNamesGroups(t *testing.T) {
	cause := athanor.ErrOutcomeUnknown
	err := error(&PartialCommitError{Committed: []string{"users"}, Unknown: []string{"orders"}, RolledBack: []string{"audit"}, Err: cause})
	want := `session: partial commit: committed ["users"], outcome unknown in ["orders"], rolled back ["audit"]: athanor: outcome unknown`
	if err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	var pe *PartialCommitError
	if !errors.As(err, &pe) || !errors.Is(err, athanor.ErrOutcomeUnknown) {
		t.Fatal("errors.As / errors.Is do not reach the error and its cause")
	}
}
