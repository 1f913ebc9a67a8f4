package session

import (
	"testing"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

// A time key is the instant to the microsecond: its zone, its monotonic
// reading and its nanoseconds below the microsecond do not make another
// row.
func TestIdentityTimeKeyIsTheInstant(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[intRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now() // monotonic reading, nanoseconds
	utc := now.UTC().Truncate(time.Microsecond)
	for _, v := range []time.Time{now, now.In(time.FixedZone("UTC+5", 5*3600)), utc} {
		for _, vals := range [][]any{{v}, {int64(1), v}, {int64(1), int64(2), v}} {
			got := makeKey(m, vals)
			ref := make([]any, len(vals))
			copy(ref, vals)
			ref[len(ref)-1] = utc
			if got != makeKey(m, ref) {
				t.Errorf("key of %v (%d values) differs from the key of %v", v, len(vals), utc)
			}
		}
	}
	if makeKey(m, []any{utc}) == makeKey(m, []any{utc.Add(time.Microsecond)}) {
		t.Error("instants a microsecond apart share a key")
	}
}
