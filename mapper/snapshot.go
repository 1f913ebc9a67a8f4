package mapper

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"time"
	"unsafe"
)

// Snapshots
//
// A Snapshot is a private copy of every column field of an object, as
// the session keeps one per loaded object to find its changes. It is one
// block laid out by snapPlan: a raw copy of each inline field (numbers,
// strings, times and other plain values), an any holding Field.Snapshot
// for the others. The block is not an []any: a value is boxed only when a
// caller asks for it, and then points into the block, so keeping a
// snapshot costs no interface words for its plain fields and comparing
// one to the object reads raw memory.

// Snapshot holds the values of an object's column fields (in Fields
// order) at the time it was taken. The zero Snapshot is no snapshot (see
// IsZero). A Snapshot is immutable (but see Resnap) and small: copy it.
type Snapshot struct {
	m   *Model
	blk unsafe.Pointer
}

// snapPlan lays out the model's snapshot block.
func (m *Model) snapPlan() {
	sfs := make([]reflect.StructField, len(m.fields))
	for i, f := range m.fields {
		f.planJSON()
		t := f.Type
		if !f.inline {
			t = reflect.TypeFor[any]()
		}
		sfs[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: t}
	}
	t := reflect.StructOf(sfs)
	for i, f := range m.fields {
		f.snapOff = t.Field(i).Offset
	}
	m.snapType = t
	m.snapPtrTyp = typeWord(reflect.New(t).Interface())
}

// Snapshot returns a snapshot of the object obj: the value of every field,
// as Field.Snapshot gives it, in one allocation for the usual column types
// (numbers, strings, booleans, times and other plain structs). Later
// changes to the object do not alter it.
func (m *Model) Snapshot(obj Ref) Snapshot {
	return m.snapshotInto(obj, reflect.New(m.snapType).UnsafePointer())
}

// SnapshotType is the type of the block a snapshot lives in, for callers
// that allocate it themselves (see SnapshotIn): as part of a larger
// value, or many at once.
func (m *Model) SnapshotType() reflect.Type { return m.snapType }

// SnapshotIn is Snapshot in a block the caller allocated: blk is a
// pointer (*S, S being SnapshotType) to a zero S, which must not be used
// otherwise; the snapshot lives in it. It panics, naming the model, when
// blk is of another type.
func (m *Model) SnapshotIn(obj Ref, blk any) Snapshot {
	e := (*eface)(unsafe.Pointer(&blk))
	if e.typ != m.snapPtrTyp || e.data == nil {
		panic(fmt.Sprintf("mapper: model %s: snapshot block %T, not a non-nil *%s", m.Name, blk, m.snapType))
	}
	return m.snapshotInto(obj, e.data)
}

// snapshotInto is Snapshot in the block at blk, taken field by field. (One
// typed copy of the whole block, where the object holds its layout, was a
// few nanoseconds faster per object but ran reflect's assignment checks:
// code a single-row operation runs nowhere else, and pays for cold.)
func (m *Model) snapshotInto(obj Ref, blk unsafe.Pointer) Snapshot {
	for _, f := range m.fields {
		f.snapshotInto(obj, blk)
	}
	return Snapshot{m: m, blk: blk}
}

// snapshotInto copies the field's value in obj into the snapshot block
// blk: raw when the field is inline, else its Snapshot in an any.
func (f *Field) snapshotInto(obj Ref, blk unsafe.Pointer) {
	dst := unsafe.Add(blk, f.snapOff)
	if !f.inline {
		*(*any)(dst) = f.Snapshot(obj)
		return
	}
	src := obj.at(f.offset)
	switch f.basic {
	case basicInt64:
		*(*int64)(dst) = *(*int64)(src)
	case basicInt:
		*(*int)(dst) = *(*int)(src)
	case basicInt32:
		*(*int32)(dst) = *(*int32)(src)
	case basicString:
		*(*string)(dst) = *(*string)(src)
	case basicBool:
		*(*bool)(dst) = *(*bool)(src)
	case basicFloat64:
		*(*float64)(dst) = *(*float64)(src)
	default:
		reflect.NewAt(f.Type, dst).Elem().Set(reflect.NewAt(f.Type, src).Elem())
	}
}

// IsZero reports whether s is the zero Snapshot: no snapshot.
func (s Snapshot) IsZero() bool { return s.blk == nil }

// Model is the model of the snapshot's object (nil for the zero
// Snapshot).
func (s Snapshot) Model() *Model { return s.m }

// Len is the number of values: the model's fields.
func (s Snapshot) Len() int {
	if s.m == nil {
		return 0
	}
	return len(s.m.fields)
}

// Value returns field i's value (in Fields order), as Field.Snapshot gave
// it when the snapshot was taken. A plain value is not copied: the
// interface points into the snapshot, so Value allocates nothing.
func (s Snapshot) Value(i int) any {
	f := s.m.fields[i]
	p := unsafe.Add(s.blk, f.snapOff)
	if !f.inline {
		return *(*any)(p)
	}
	return f.inPlace(p)
}

// Unchanged reports whether field i of obj (an object of the snapshot's
// model) still holds the snapshot's value, as Field.Unchanged does, but
// without boxing either value for the plain column types.
func (s Snapshot) Unchanged(obj Ref, i int) bool {
	f := s.m.fields[i]
	p := unsafe.Add(s.blk, f.snapOff)
	if !f.inline {
		return f.Unchanged(obj, *(*any)(p))
	}
	return f.sameAt(p, obj.at(f.offset))
}

// Retake returns a copy of s, in a block of its own, with the fields fs
// (indexes in Fields order) taken from obj, an object of the same model
// (not necessarily the snapshot's): for a snapshot some fields of which
// the database has changed since. s itself is left as it is.
func (s Snapshot) Retake(obj Ref, fs []int) Snapshot {
	t := s.m.snapType
	blk := reflect.New(t)
	blk.Elem().Set(reflect.NewAt(t, s.blk).Elem())
	c := Snapshot{m: s.m, blk: blk.UnsafePointer()}
	for _, i := range fs {
		s.m.fields[i].snapshotInto(obj, c.blk)
	}
	return c
}

// Resnap takes field i of obj into s again, in place: for when a flush
// has set the field (a generated key) after the snapshot was taken, and
// before the snapshot is shared. A value Value returned for field i
// before then changes with it.
func (s Snapshot) Resnap(obj Ref, i int) {
	s.m.fields[i].snapshotInto(obj, s.blk)
}

// cmpKind says how Unchanged compares an inline field's copies without
// boxing them.
type cmpKind uint8

const (
	cmpBoxed   cmpKind = iota // Equal on the boxed values
	cmpBits                   // integers, booleans and arrays of them: the bytes
	cmpString                 // string kinds
	cmpFloat32                // as numbers: 0 == -0, NaN != NaN
	cmpFloat64
	cmpTime // time.Time: the instant, as Equal
)

// cmpKindOf is the cmpKind of an inline field of type t.
func cmpKindOf(t reflect.Type) cmpKind {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return cmpTime
	case bitsComparable(t):
		return cmpBits
	}
	switch t.Kind() {
	case reflect.String:
		return cmpString
	case reflect.Float32:
		return cmpFloat32
	case reflect.Float64:
		return cmpFloat64
	}
	return cmpBoxed
}

// bitsComparable reports a type whose values are equal (==) exactly when
// their bytes are.
func bitsComparable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	case reflect.Array:
		return bitsComparable(t.Elem())
	}
	return false
}

// sameAt compares the inline field's values at a and b as Equal would.
func (f *Field) sameAt(a, b unsafe.Pointer) bool {
	switch f.cmp {
	case cmpBits:
		switch n := f.Type.Size(); n {
		case 1:
			return *(*uint8)(a) == *(*uint8)(b)
		case 2:
			return *(*uint16)(a) == *(*uint16)(b)
		case 4:
			return *(*uint32)(a) == *(*uint32)(b)
		case 8:
			return *(*uint64)(a) == *(*uint64)(b)
		default:
			return bytes.Equal(unsafe.Slice((*byte)(a), n), unsafe.Slice((*byte)(b), n))
		}
	case cmpString:
		return *(*string)(a) == *(*string)(b)
	case cmpFloat32:
		return *(*float32)(a) == *(*float32)(b)
	case cmpFloat64:
		return *(*float64)(a) == *(*float64)(b)
	case cmpTime:
		return (*time.Time)(a).Equal(*(*time.Time)(b))
	}
	return f.eq(f.inPlace(a), f.inPlace(b))
}

// inPlace is the inline field's value at p as an interface pointing to
// it, not to a copy: for Value, and for comparisons that keep neither.
func (f *Field) inPlace(p unsafe.Pointer) any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: f.typ, data: p}
	return v
}
