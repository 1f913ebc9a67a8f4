// Package objaccess holds the memory helpers that loader and session
// share to allocate many values of one type cheaply.
package objaccess

import (
	"math"
	"reflect"
	"unsafe"
)

// slabMax bounds the values a Slab allocates at once (but see Expect):
// enough to make the allocation cost per value small, few enough that one
// value kept long after the others pins little memory.
const slabMax = 64

// Slab allocates values of one type in arrays that double in length up to
// slabMax, instead of one by one: a load of n rows makes about log2(n)
// allocations (plus n/slabMax) instead of n. Values allocated together are
// freed together: a value still referenced keeps its whole array alive.
//
// The usual cycle is Next (the slot a row is scanned into), then Keep to
// take it, or Discard to clear it for the next row. A Slab is used by one
// goroutine; its zero value is not usable (see NewSlab).
//
// The counters are 32 bits wide, as a Slab is embedded in every session
// and load: left and grow never exceed 2·slabMax, want is capped (beyond
// 2·slabMax it only means "many"), and a type too large for size is
// allocated one value per array, like a zero-size one, never stepping by
// size.
type Slab struct {
	t      reflect.Type
	ptrTyp unsafe.Pointer // interface type word of *t (see Next)
	cur    unsafe.Pointer // the current slot, or nil
	size   uint32         // of t; 0: one value per array (see above)
	left   int32          // slots in the array from cur on
	grow   int32          // length of the last array
	want   int32          // values still expected (see Expect)
}

// Expect tells s that about n more values will be taken (a query's LIMIT):
// arrays are then sized to what is expected instead of doubling from one:
// one array when at most 2·slabMax values are still expected (splitting
// it in two would cost an allocation more for about the same bytes, and
// a value kept pins at most 2·slabMax), else arrays of slabMax.
func (s *Slab) Expect(n int) { s.want = int32(min(max(n, 0), math.MaxInt32)) }

// NewSlab returns a Slab of values of type t.
func NewSlab(t reflect.Type) Slab {
	ptr := reflect.Zero(reflect.PointerTo(t)).Interface() // a nil *t: no allocation
	size := t.Size()
	if uint64(size) > math.MaxUint32 {
		size = 0
	}
	return Slab{t: t, ptrTyp: (*eface)(unsafe.Pointer(&ptr)).typ, size: uint32(size)}
}

// eface is the layout of an interface value.
type eface struct {
	typ, data unsafe.Pointer
}

// Next returns the current slot, as a *T (T the slab's type) in an
// interface: a zero value, unless the caller wrote to it without calling
// Keep or Discard.
func (s *Slab) Next() any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: s.ptrTyp, data: s.next()}
	return v
}

// next is Next as an address.
func (s *Slab) next() unsafe.Pointer {
	if s.cur == nil {
		if s.want > 0 {
			s.grow = s.want
			if s.grow > 2*slabMax {
				s.grow = slabMax
			}
		} else {
			s.grow = min(max(2*s.grow, 1), slabMax)
		}
		if s.size == 0 {
			s.grow = 1
		}
		t := s.t
		if s.grow > 1 { // an array of one is laid out as its element: skip ArrayOf's lookup
			t = reflect.ArrayOf(int(s.grow), t)
		}
		s.cur = reflect.New(t).UnsafePointer()
		s.left = s.grow
	}
	return s.cur
}

// Keep takes the current slot (returned by Next): the next call of Next
// returns another.
func (s *Slab) Keep() {
	if s.cur == nil {
		return
	}
	s.left--
	if s.want > 0 {
		s.want--
	}
	if s.left == 0 {
		s.cur = nil // never point past the array's end
		return
	}
	s.cur = unsafe.Add(s.cur, uintptr(s.size))
}

// Discard zeroes the current slot, so that Next returns it again.
func (s *Slab) Discard() {
	if s.cur != nil {
		reflect.NewAt(s.t, s.cur).Elem().SetZero()
	}
}
