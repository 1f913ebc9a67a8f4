package mapper

import (
	"reflect"
	"unsafe"
)

// Access plans
//
// Registration gives every Field what it needs to be read and written
// without reflection on the hot paths of loading and flushing: the
// interface type words of its type and of a pointer to it (so Addr and
// Value build interface values directly), its integer kind (so Int reads a
// key without boxing it), and its place in the model's snapshot block (so
// Model.Snapshot copies every plain value in one allocation, see
// snapshot.go).

// eface is the layout of an interface value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// basicKind names the predeclared types Value reads without reflection.
type basicKind uint8

const (
	basicNone basicKind = iota
	basicInt64
	basicInt
	basicInt32
	basicString
	basicBool
	basicFloat64
)

var basicTypes = map[reflect.Type]basicKind{
	reflect.TypeFor[int64]():   basicInt64,
	reflect.TypeFor[int]():     basicInt,
	reflect.TypeFor[int32]():   basicInt32,
	reflect.TypeFor[string]():  basicString,
	reflect.TypeFor[bool]():    basicBool,
	reflect.TypeFor[float64](): basicFloat64,
}

// plan fills the field's access plan from its type.
func (f *Field) plan() {
	f.typ = typeWord(reflect.Zero(f.Type).Interface())
	f.ptrTyp = typeWord(reflect.New(f.Type).Interface())
	f.basic = basicTypes[f.Type]
	switch k := f.Type.Kind(); k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		f.intKind = k
	}
	f.inline = inlineValue(f.Type)
	f.cmp = cmpKindOf(f.Type)
}

// inlineValue reports a type whose interface values point to a copy of
// the value (not pointer-shaped) and whose copy is a snapshot: no pointer,
// slice, map or interface whose target a later change could alter.
func inlineValue(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array, reflect.Struct:
		// Values alike to what Value returns (a shallow copy), unless the
		// type is pointer-shaped and so stored in the interface itself.
		return !directIface(t)
	}
	return false
}

// directIface mirrors the compiler's rule for types stored directly in an
// interface's data word.
func directIface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return true
	case reflect.Array:
		return t.Len() == 1 && directIface(t.Elem())
	case reflect.Struct:
		return t.NumField() == 1 && directIface(t.Field(0).Type)
	}
	return false
}

// Int returns the value of an integer field (signed or unsigned, of any
// size, named or not; unsigned values keep their bits) without boxing it.
// ok is false for other fields, pointer fields included.
func (f *Field) Int(obj Ref) (n int64, ok bool) {
	p := obj.at(f.offset)
	switch f.intKind {
	case reflect.Int64, reflect.Uint64:
		return *(*int64)(p), true
	case reflect.Int:
		return int64(*(*int)(p)), true
	case reflect.Int32:
		return int64(*(*int32)(p)), true
	case reflect.Int16:
		return int64(*(*int16)(p)), true
	case reflect.Int8:
		return int64(*(*int8)(p)), true
	case reflect.Uint, reflect.Uintptr:
		return int64(*(*uint)(p)), true
	case reflect.Uint32:
		return int64(*(*uint32)(p)), true
	case reflect.Uint16:
		return int64(*(*uint16)(p)), true
	case reflect.Uint8:
		return int64(*(*uint8)(p)), true
	}
	return 0, false
}

// IsInt reports whether Int reads the field.
func (f *Field) IsInt() bool { return f.intKind != reflect.Invalid }

// Targets returns the related objects of owner as the field holds them,
// without copying: for a *T field zero or one object, for a []*T field a
// view of the slice (nil elements, zero Refs, included). The view must
// not be modified or kept; use Get for a copy.
func (r *Relation) Targets(owner Ref) []Ref {
	p := owner.at(r.offset)
	if r.many {
		return *(*[]Ref)(p) // []*T has the layout of []Ref
	}
	if *(*unsafe.Pointer)(p) == nil {
		return nil
	}
	return unsafe.Slice((*Ref)(p), 1)
}

// emptyTargets backs the empty, non-nil slice of a loaded collection
// without members.
var emptyTargets = make([]Ref, 0)

// SetFrom stores targets (objects of r.Target) into the field of owner,
// as Set does, and for a []*T field copies them into buf, which then
// backs the field's slice (with no room to append into its neighbour):
// setting many owners from one buffer is one allocation instead of one
// per owner. It returns the rest of buf. buf may be shorter than targets
// (or nil): the slice is allocated then. The field is never left nil: an
// empty collection is an empty, non-nil slice.
func (r *Relation) SetFrom(owner Ref, targets, buf []Ref) []Ref {
	p := owner.at(r.offset)
	if !r.many {
		if len(targets) == 0 {
			*(*Ref)(p) = Ref{}
		} else {
			*(*Ref)(p) = targets[0]
		}
		return buf
	}
	n := len(targets)
	var s []Ref
	switch {
	case n == 0:
		s = emptyTargets
	case len(buf) >= n:
		copy(buf, targets)
		s, buf = buf[:n:n], buf[n:]
	default:
		s = append([]Ref(nil), targets...)
	}
	*(*[]Ref)(p) = s
	return buf
}
