package engine

import (
	"reflect"
	"strings"
	"testing"
)

// A value the destination cannot hold exactly is an error naming the
// value and the type, never a wrapped or truncated number.
func TestConvertAssignRange(t *testing.T) {
	type small int8
	var (
		i32 int32
		i8  small
		i64 int64
		u8  uint8
		u16 uint16
		f32 float32
	)
	for _, c := range []struct {
		dest any
		src  any
		ok   bool
	}{
		{&i32, int64(1 << 31), false},
		{&i32, int64(-1 << 31), true},
		{&i32, "2147483648", false},
		{&i8, int64(127), true},
		{&i8, int64(128), false},
		{&i8, 2.0, true},
		{&i8, 2.5, false},
		{&i64, 1e19, false},
		{&i64, 3.0, true},
		{&u8, uint64(255), true},
		{&u8, uint64(256), false},
		{&u8, int64(-1), false},
		{&u16, "65536", false},
		{&u16, "65535", true},
		{&u16, "x", false},
		{&f32, 1e300, false},
		{&f32, 0.25, true},
	} {
		err := convertAssign(c.dest, c.src)
		if c.ok && err != nil {
			t.Errorf("convertAssign(%T, %T %v): %v", c.dest, c.src, c.src, err)
		}
		typ := reflect.TypeOf(c.dest).Elem().String()
		if !c.ok && (err == nil || !strings.Contains(err.Error(), typ) && !strings.Contains(err.Error(), "integer")) {
			t.Errorf("convertAssign(%T, %T %v) = %v; want an error naming the type", c.dest, c.src, c.src, err)
		}
	}
	if i32 != -1<<31 || i8 != 2 || i64 != 3 || u8 != 255 || u16 != 65535 || f32 != 0.25 {
		t.Errorf("stored %d %d %d %d %d %v", i32, i8, i64, u8, u16, f32)
	}
}
