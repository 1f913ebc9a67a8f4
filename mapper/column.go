package mapper

import (
	"reflect"
	"unsafe"
)

// Column is n values of one field in one typed array (one allocation),
// for reading a column of many rows, such as the keys an INSERT …
// RETURNING sends back: Addr(i) is the scan target of row i, Value(i) its
// value, unboxed for the field types a snapshot keeps inline.
type Column struct {
	f    *Field
	base unsafe.Pointer
	n    int
}

// NewColumn returns a zeroed Column of n values of f.
func (f *Field) NewColumn(n int) Column {
	t := f.Type
	if n != 1 { // an array of one is laid out as its element: skip ArrayOf's lookup
		t = reflect.ArrayOf(n, t)
	}
	return Column{f: f, base: reflect.New(t).UnsafePointer(), n: n}
}

func (c Column) at(i int) unsafe.Pointer {
	if i < 0 || i >= c.n {
		panic("mapper: column index out of range")
	}
	return unsafe.Add(c.base, uintptr(i)*c.f.Type.Size())
}

// Addr is a pointer to value i, as Field.Addr is to a field.
func (c Column) Addr(i int) any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: c.f.ptrTyp, data: c.at(i)}
	return v
}

// Value is value i as Field.Value gives a field's. For inline types the
// interface points into the array, which the caller must then not change.
func (c Column) Value(i int) any {
	p := c.at(i)
	if c.f.inline {
		var v any
		*(*eface)(unsafe.Pointer(&v)) = eface{typ: c.f.typ, data: p}
		return v
	}
	return c.f.valueAt(p)
}
