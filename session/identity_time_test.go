package session

import (
	"fmt"
	"strings"
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

// Keys of one to four values: equal values make one key, a change in any
// value another; only a key of one integer is an intKey; String names
// every value.
func TestIdentityKeyOfManyValues(t *testing.T) {
	m, err := mapper.RegisterIn[intRow](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	for _, vals := range [][]any{
		{int64(7)},
		{int64(7), "b"},
		{int64(7), "b", int64(3)},
		{int64(7), "b", int64(3), []byte("x")},
	} {
		k := makeKey(m, vals)
		if k != makeKey(m, append([]any(nil), vals...)) {
			t.Fatalf("%v: equal values, another key", vals)
		}
		if _, ok := k.asInt(); ok != (len(vals) == 1) {
			t.Fatalf("%v: asInt %v", vals, ok)
		}
		for i := range vals {
			other := append([]any(nil), vals...)
			other[i] = "changed"
			if makeKey(m, other) == k {
				t.Fatalf("%v: value %d changed, same key", vals, i)
			}
		}
		s := k.String()
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if !strings.Contains(s, fmt.Sprint(v)) {
				t.Fatalf("%v: %s does not name %v", vals, s, v)
			}
		}
	}
	// A second value that reads like joined values is not them.
	if makeKey(m, []any{int64(7), "\x00string:b\x00int64:3"}) == makeKey(m, []any{int64(7), "b", int64(3)}) {
		t.Fatal("a two-value key equals a three-value key")
	}
}
