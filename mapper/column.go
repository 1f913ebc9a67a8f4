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

// ColumnBuf is room for a Column of a few small plain values (an
// integer key generated for one row, say), which its owner reuses from
// one read to the next instead of allocating each Column (see
// NewColumnIn). Its zero value is ready.
type ColumnBuf struct {
	w [2]uint64 // the values, laid out as NewColumn's array would be
}

// NewColumnIn is NewColumn in buf when the n values fit in it and hold
// no pointers (integers, floats, booleans): the Column then lives in buf
// and is good until buf holds another. Otherwise it allocates, as
// NewColumn does.
func (f *Field) NewColumnIn(n int, buf *ColumnBuf) Column {
	if !f.plainScalar() || f.IsJSON() || n < 1 || uintptr(n)*f.Type.Size() > unsafe.Sizeof(buf.w) {
		return f.NewColumn(n)
	}
	buf.w = [2]uint64{}
	return Column{f: f, base: unsafe.Pointer(&buf.w), n: n}
}

// plainScalar reports a field of a type without pointers, aligned at
// most as a uint64 is: a number or a boolean.
func (f *Field) plainScalar() bool {
	switch f.Type.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
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
