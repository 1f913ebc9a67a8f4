package core_test

import (
	"errors"
	"math"
	"testing"

	"github.com/athanor-orm/athanor/core"
)

func TestAppendNumberLiteral(t *testing.T) {
	for _, tc := range []struct {
		v       any
		max     uint64
		want    string
		notNum  bool
		wantErr bool
	}{
		{v: int8(-8), want: "-8"},
		{v: int64(math.MinInt64), want: "-9223372036854775808"},
		{v: uint64(math.MaxUint64), want: "18446744073709551615"},
		{v: uint64(math.MaxInt64) + 1, max: math.MaxInt64, wantErr: true},
		{v: uint(7), max: math.MaxInt64, want: "7"},
		{v: float32(0.1), want: "0.1"},
		{v: 1e300, want: "1e+300"},
		{v: math.NaN(), wantErr: true},
		{v: math.Inf(-1), wantErr: true},
		{v: "1", notNum: true},
		{v: nil, notNum: true},
	} {
		b, ok, err := core.AppendNumberLiteral([]byte("x="), tc.v, tc.max)
		switch {
		case tc.notNum:
			if ok || err != nil || string(b) != "x=" {
				t.Errorf("%#v: got %q ok=%v err=%v, want untouched and not ok", tc.v, b, ok, err)
			}
		case tc.wantErr:
			if !ok || err == nil {
				t.Errorf("%#v: got %q ok=%v err=%v, want an error", tc.v, b, ok, err)
			}
		case !ok || err != nil || string(b) != "x="+tc.want:
			t.Errorf("%#v: got %q ok=%v err=%v, want x=%s", tc.v, b, ok, err, tc.want)
		}
	}
}

func TestAppendQuotedIdent(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		max        int
		bad        bool
	}{
		{name: "plain", want: `"plain"`},
		{name: `a"b`, want: `"a""b"`},
		{name: "", bad: true},
		{name: "a\x00b", bad: true},
		{name: "\xff", bad: true},
		{name: "abcd", max: 3, bad: true},
		{name: "abc", max: 3, want: `"abc"`},
	} {
		b, err := core.AppendQuotedIdent(nil, tc.name, '"', tc.max)
		if tc.bad {
			if !errors.Is(err, core.ErrInvalidIdentifier) {
				t.Errorf("%q: err %v, want ErrInvalidIdentifier", tc.name, err)
			}
			continue
		}
		if err != nil || string(b) != tc.want {
			t.Errorf("%q: got %s, %v; want %s", tc.name, b, err, tc.want)
		}
	}
}
