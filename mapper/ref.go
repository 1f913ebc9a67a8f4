package mapper

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Ref is a reference to one object of a model: the struct a *T of the
// model's type points to. It is one word, compared with == (two Refs are
// equal when they reference the same object), and usable as a map key;
// its zero value references nothing (see IsNil). A Ref is made only by
// Model.New, Model.Ref and Relation.Get or Relation.Targets, so it always
// references an object of the model it came from (or none), and the
// Field, Relation and Model methods given a Ref read and write that
// object by the field offsets registration recorded.
//
// A Ref keeps its object alive, as a *T does. It says nothing of its
// model: a caller keeps the two together.
type Ref struct{ p unsafe.Pointer }

// IsNil reports whether r references no object.
func (r Ref) IsNil() bool { return r.p == nil }

// Hash returns a hash of the object's identity (its address, which Go's
// collector never moves), for tables keyed by object: equal Refs hash
// equal. The address is mixed with seed and multiplied by 2⁶⁴/φ, so that
// objects at a fixed stride spread over the high bits; take those.
func (r Ref) Hash(seed uint64) uint64 {
	return (uint64(uintptr(r.p)) ^ seed) * 0x9e3779b97f4a7c15
}

// New allocates a zero object of the model and returns it as a *T in an
// interface, with its Ref.
func (m *Model) New() (any, Ref) {
	v := reflect.New(m.Type)
	return v.Interface(), Ref{v.UnsafePointer()}
}

// Ref returns the Ref of obj, a *T of the model's type (a nil *T gives the
// zero Ref). It panics, naming the model and obj's type, for any other
// value: a Ref always references an object of its model.
func (m *Model) Ref(obj any) Ref {
	e := (*eface)(unsafe.Pointer(&obj))
	if e.typ != m.ptrTyp {
		panic(fmt.Sprintf("mapper: model %s: Ref of a %T, not a *%s", m.Name, obj, m.Type))
	}
	return Ref{e.data}
}

// Object returns the object r references as a *T in an interface (a nil
// *T for the zero Ref). r must come from this model.
func (m *Model) Object(r Ref) any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: m.ptrTyp, data: r.p}
	return v
}

// at is the address of the field at offset off of the object r references.
func (r Ref) at(off uintptr) unsafe.Pointer { return unsafe.Add(r.p, off) }

// Objects returns refs, objects of m, as a []*T, T being m's Go type,
// without copying: the result shares refs' memory (a []Ref has the layout
// of a []*T), so refs must not be used afterwards. It panics, naming the
// model, when T is not m's type.
func Objects[T any](m *Model, refs []Ref) []*T {
	if t := reflect.TypeFor[T](); t != m.Type {
		panic(fmt.Sprintf("mapper: model %s: Objects of %s, not %s", m.Name, t, m.Type))
	}
	if refs == nil {
		return nil
	}
	return unsafe.Slice((**T)(unsafe.Pointer(unsafe.SliceData(refs))), len(refs))
}
