package mapper_test

import (
	"math"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type numbers struct {
	_   struct{} `athanor:",table:numbers"`
	ID  int8     `athanor:",pk"`
	U   uint16
	I32 int32
	F32 float32
	F64 float64
	P   *int16
}

type userID int64

type namedKey struct {
	_  struct{} `athanor:",table:named_keys"`
	ID userID   `athanor:",pk"`
}

// Key and Set convert a number of another type only when the field's
// type holds it exactly: reflect's Convert wraps integers, flips signs and
// drops fractions, and a key or a generated value changed that way would
// find or store another row's.
func TestNumberConversions(t *testing.T) {
	m, err := mapper.RegisterIn[numbers](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	field := func(name string) *mapper.Field {
		f, ok := m.Field(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		return f
	}
	for _, c := range []struct {
		field string
		v     any
		want  any // nil: refused
	}{
		{"ID", 7, int8(7)},
		{"ID", int64(-128), int8(-128)},
		{"ID", 300, nil},
		{"ID", int64(-129), nil},
		{"ID", uint64(math.MaxUint64), nil},
		{"ID", 2.0, int8(2)},
		{"ID", 1.5, nil},
		{"ID", math.NaN(), nil},
		{"U", 65535, uint16(65535)},
		{"U", -1, nil},
		{"U", 65536, nil},
		{"U", float32(3), uint16(3)},
		{"U", -0.5, nil},
		{"I32", uint32(math.MaxUint32), nil},
		{"I32", int64(math.MinInt32), int32(math.MinInt32)},
		{"F32", 16777216, float32(16777216)},
		{"F32", 16777217, nil}, // 2^24+1: float32 would round it
		{"F32", 1e300, nil},
		{"F32", 0.5, float32(0.5)},
		{"F64", int64(1) << 53, float64(1 << 53)},
		{"F64", int64(1)<<53 + 1, nil},
		{"F64", uint64(math.MaxUint64), nil},
		{"ID", "7", nil},
	} {
		f := field(c.field)
		got, err := f.Key(c.v)
		if c.want == nil {
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Errorf("Key(%T %v) on %s = %v, %v; want an error naming the field", c.v, c.v, c.field, got, err)
			}
		} else if err != nil || got != c.want {
			t.Errorf("Key(%T %v) on %s = %T %v, %v; want %T %v", c.v, c.v, c.field, got, got, err, c.want, c.want)
		}

		obj := &numbers{ID: 1, U: 1, I32: 1, F32: 1, F64: 1}
		before := *obj
		err = f.Set(m.Ref(obj), c.v)
		if c.want == nil {
			if err == nil || !strings.Contains(err.Error(), c.field) || *obj != before {
				t.Errorf("Set(%T %v) on %s: %v, object %+v; want an error naming the field and the object unchanged", c.v, c.v, c.field, err, *obj)
			}
		} else if err != nil || f.Value(m.Ref(obj)) != c.want {
			t.Errorf("Set(%T %v) on %s: %v, value %v; want %v", c.v, c.v, c.field, err, f.Value(m.Ref(obj)), c.want)
		}
	}

	// A pointer field converts into its element type the same way.
	p := field("P")
	obj := &numbers{}
	if err := p.Set(m.Ref(obj), int64(40000)); err == nil || obj.P != nil {
		t.Errorf("Set(40000) on a *int16: %v, %v; want an error and nil", err, obj.P)
	}
	if err := p.Set(m.Ref(obj), 7); err != nil || obj.P == nil || *obj.P != 7 {
		t.Errorf("Set(7) on a *int16: %v, %v", err, obj.P)
	}

	// A named key type gets a value of its own type.
	nm, err := mapper.RegisterIn[namedKey](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := nm.Field("ID")
	if k, err := id.Key(9); err != nil || k != userID(9) {
		t.Errorf("Key(9) on a userID = %T %v, %v", k, k, err)
	}
}
