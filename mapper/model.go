package mapper

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/athanor-orm/athanor/core"
)

// Model is a registered struct type mapped to a table. It is built once, at
// registration, and is immutable afterwards (apart from the caches other
// packages keep on it, see Slot): safe to share.
type Model struct {
	// Name is the Go struct name.
	Name string
	// Type is the struct type (not the pointer).
	Type reflect.Type
	// Bind is the bind group named by the `bind:` tag, or "" (the router's
	// default group).
	Bind string

	table     *core.Table
	fields    []*Field // column fields, in table column order
	pk        []*Field
	autoInc   *Field
	version   *Field
	rels      []*Relation
	byColumn  map[string]*Field
	byName    map[string]*Field
	relByName map[string]*Relation
	proxies   []*Proxy // association proxy fields (proxy.go)
	// intKey is the index in fields of the key when it is one integer
	// column that identifies a row alone, else -1.
	intKey int
	// shardKey is the field tagged shardkey, or nil (see shardkey.go).
	shardKey *Field
	// snapType is the layout of a Snapshot block (see access.go), and
	// snapPtrTyp the interface type word of a pointer to one.
	snapType   reflect.Type
	snapPtrTyp unsafe.Pointer
	// ptrTyp is the interface type word of *T (see Ref).
	ptrTyp unsafe.Pointer
	// computed fields (not columns) and the default load set, see
	// deferred.go.
	computed []*Field
	reg      *Registry // set for models with computed fields
	load     atomic.Pointer[loadSet]
	// inh is the model's place in a mapped hierarchy (see inherit.go).
	inh *Inheritance
	// poly are the interface-typed relationships (see poly.go).
	poly []*PolyRelation
	// slots hold the per-model caches of other packages (see Slot).
	slots [maxSlots]atomic.Value
}

// Table is the model's table metadata; pass it to core.NewMetaData (or use
// Registry.MetaData) to create the schema.
func (m *Model) Table() *core.Table { return m.table }

// Fields returns the column fields in table column order.
func (m *Model) Fields() []*Field { return m.fields }

// PrimaryKey returns the primary-key fields in key order.
func (m *Model) PrimaryKey() []*Field { return m.pk }

// AutoIncrement returns the autoincrement primary-key field, or nil.
func (m *Model) AutoIncrement() *Field { return m.autoInc }

// Version returns the version (optimistic locking) field, or nil.
func (m *Model) Version() *Field { return m.version }

// Relations returns the relationships declared on the model.
func (m *Model) Relations() []*Relation { return m.rels }

// Relation returns the relationship declared on the Go field name.
func (m *Model) Relation(field string) (*Relation, bool) {
	r, ok := m.relByName[field]
	return r, ok
}

// Field returns the column field by Go field name or by column name.
func (m *Model) Field(name string) (*Field, bool) {
	if f, ok := m.byName[name]; ok {
		return f, true
	}
	f, ok := m.byColumn[name]
	return f, ok
}

// C returns the table column for a Go field name or a column name, or an
// error naming the model when there is none. Use it to build predicates
// that are checked against the mapping.
func (m *Model) C(name string) (*core.Column, error) {
	f, ok := m.Field(name)
	if !ok {
		return nil, fmt.Errorf("mapper: model %s: no field or column %q: %w", m.Name, name, ErrUnknownColumn)
	}
	return f.Col, nil
}

// SelectColumns is the select list of a load of the model: every column
// that is not deferred, then every computed field that is not deferred,
// in LoadFields order.
func (m *Model) SelectColumns() []any { return m.loadSet().cols }

// IntKey returns the index in Fields of the primary key when it is a
// single integer column that identifies a row alone (the common case,
// which identity maps key without boxing), or -1. A model with a shard
// key outside its primary key (ShardKey) has -1: its rows are identified
// by key and shard key together.
func (m *Model) IntKey() int { return m.intKey }

// SelectAll is SELECT SelectColumns FROM the model's table, built once:
// statements are immutable, so callers add to it (a WHERE, a LIMIT)
// without copying the column list each time.
func (m *Model) SelectAll() *core.SelectStmt { return m.loadSet().all }

// Field is one mapped column of a model, with the field's offset so values
// are read and written without reflection lookups by name.
type Field struct {
	// The access plan (see access.go) comes first: reading or writing a
	// value touches these and the key flags, and together they share a
	// cache line instead of trailing the names.
	offset  uintptr
	typ     unsafe.Pointer // interface type word of Type
	ptrTyp  unsafe.Pointer // interface type word of *Type
	snapOff uintptr        // offset in the snapshot block of the inline copy, or of the any
	intKind reflect.Kind   // Type's kind when it is an integer type
	basic   basicKind      // Type is a predeclared type Value reads directly
	inline  bool           // Snapshot copies the value into its block
	json    bool           // bound and snapshotted as JSON text (see json.go)
	ptr     bool           // Type is a pointer: nil is NULL
	cmp     cmpKind        // how an inline copy compares (see snapshot.go)

	PrimaryKey    bool
	AutoIncrement bool
	Nullable      bool
	Version       bool
	// HasDefault reports a server default: an INSERT of a nil pointer
	// field leaves the column out so the default applies.
	HasDefault bool

	// Col is the column in the model's table.
	Col *core.Column
	// Name is the Go field name; Column the column name.
	Name   string
	Column string
	// Type is the Go type of the field.
	Type reflect.Type
	// Index is the reflect field index path (embedded structs flattened).
	Index []int

	// RenamedFrom is the column's former name (tag renamed_from:), a
	// hint for schema migrations; empty if none.
	RenamedFrom string
	// Deferred: the field is loaded only on request (tag deferred or
	// deferred:group; see deferred.go); Group is its group, or "".
	// Computed: the field holds a SQL expression, not a column (Col is
	// nil; see Model.Expr).
	Deferred bool
	Group    string
	Computed bool
	// ShardKey: the field is the model's shard key (tag shardkey; see
	// Model.ShardKey).
	ShardKey bool
	lpos     int // index in Model.Loadable
	eq       func(a, b any) bool
}

// Addr returns a pointer to the field of the struct at obj, typed *F, for
// scanning; for a JSON field of type any (type:json), a sql.Scanner at
// the field that decodes the column's JSON text, on every driver.
func (f *Field) Addr(obj Ref) any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: f.ptrTyp, data: obj.at(f.offset)}
	return v
}

// Value returns the field's value for binding: nil for a nil pointer, the
// pointed-to value otherwise.
func (f *Field) Value(obj Ref) any { return f.valueAt(obj.at(f.offset)) }

// valueAt is Value for the field's value at p.
func (f *Field) valueAt(p unsafe.Pointer) any {
	switch f.basic {
	case basicInt64:
		return *(*int64)(p)
	case basicInt:
		return *(*int)(p)
	case basicInt32:
		return *(*int32)(p)
	case basicString:
		return *(*string)(p)
	case basicBool:
		return *(*bool)(p)
	case basicFloat64:
		return *(*float64)(p)
	}
	v := reflect.NewAt(f.Type, p).Elem()
	if f.ptr {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	return v.Interface()
}

// IsNil reports whether a pointer field is nil (false for other fields).
func (f *Field) IsNil(obj Ref) bool {
	if !f.ptr {
		return false
	}
	return *(*unsafe.Pointer)(obj.at(f.offset)) == nil
}

// IsZero reports whether the field holds its zero value.
func (f *Field) IsZero(obj Ref) bool {
	p := obj.at(f.offset)
	switch f.basic {
	case basicInt64:
		return *(*int64)(p) == 0
	case basicInt:
		return *(*int)(p) == 0
	case basicInt32:
		return *(*int32)(p) == 0
	case basicString:
		return *(*string)(p) == ""
	case basicBool:
		return !*(*bool)(p)
	}
	if f.ptr {
		return *(*unsafe.Pointer)(p) == nil
	}
	return reflect.NewAt(f.Type, p).Elem().IsZero()
}

// Set stores v (a value as returned by Value, or nil) into the field,
// converting between numeric types where needed.
func (f *Field) Set(obj Ref, v any) error {
	// The common cases (a generated key, a version) without reflection.
	switch p := obj.at(f.offset); f.basic {
	case basicInt64:
		switch x := v.(type) {
		case int64:
			*(*int64)(p) = x
			return nil
		case int:
			*(*int64)(p) = int64(x)
			return nil
		}
	case basicInt:
		switch x := v.(type) {
		case int:
			*(*int)(p) = x
			return nil
		case int64:
			if int64(int(x)) == x {
				*(*int)(p) = int(x)
				return nil
			}
		}
	case basicString:
		if x, ok := v.(string); ok {
			*(*string)(p) = x
			return nil
		}
	}
	dst := reflect.NewAt(f.Type, obj.at(f.offset)).Elem()
	if v == nil {
		dst.SetZero()
		return nil
	}
	target := dst
	if f.ptr {
		target = reflect.New(f.Type.Elem()).Elem()
	}
	sv := reflect.ValueOf(v)
	switch {
	case sv.Type().AssignableTo(target.Type()):
		target.Set(sv)
	case isNumber(sv.Kind()) && isNumber(target.Kind()):
		c, ok := convertNumber(sv, target.Type())
		if !ok {
			return fmt.Errorf("mapper: field %s: %v (%T) does not fit %s", f.Name, v, v, target.Type())
		}
		target.Set(c)
	case sv.Type().ConvertibleTo(target.Type()) && !isNumber(sv.Kind()) && !isNumber(target.Kind()):
		target.Set(sv.Convert(target.Type()))
	default:
		return fmt.Errorf("mapper: field %s: cannot store %T in %s", f.Name, v, f.Type)
	}
	if f.ptr {
		dst.Set(target.Addr())
	}
	return nil
}

// Snapshot returns a copy of the field's value that later changes to the
// object cannot alter (slices, such as byte slices and arrays, are
// copied, so changing an element in place is seen as a change).
func (f *Field) Snapshot(obj Ref) any {
	if f.json {
		return f.snapshotJSON(obj)
	}
	v := f.Value(obj)
	if b, ok := v.([]byte); ok && b != nil {
		return bytes.Clone(b)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && !rv.IsNil() {
		c := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		reflect.Copy(c, rv)
		return c.Interface()
	}
	return v
}

// Unchanged reports whether the field of obj still holds snap, a value
// Snapshot (or Value) returned for it: Equal, without boxing the current
// value for the common types.
func (f *Field) Unchanged(obj Ref, snap any) bool {
	if e := (*eface)(unsafe.Pointer(&snap)); f.inline && e.typ == f.typ {
		// The value's own type: compared in place, as in a Snapshot.
		return f.sameAt(e.data, obj.at(f.offset))
	}
	if f.json {
		return f.unchangedJSON(obj, snap)
	}
	cur := f.Value(obj)
	return f.Equal(snap, cur) && (cur == nil) == (snap == nil)
}

// Equal compares two values returned by Value or Snapshot: times by
// instant, byte slices by content, anything else by ==, or deeply.
func (f *Field) Equal(a, b any) bool { return f.eq(a, b) }

// Key converts v (a primary-key value given by a caller, such as an int
// for an int64 key) to the field's value type, for identity lookups.
func (f *Field) Key(v any) (any, error) {
	t := f.Type
	if f.ptr {
		t = t.Elem()
	}
	sv := reflect.ValueOf(v)
	if !sv.IsValid() {
		return nil, fmt.Errorf("mapper: field %s: nil key", f.Name)
	}
	if sv.Type() == t {
		return v, nil
	}
	if x, ok := v.(int); ok && t == int64Type { // Get(ctx, s, 7) of an int64 key
		return int64(x), nil
	}
	if isNumber(sv.Kind()) && isNumber(t.Kind()) {
		c, ok := convertNumber(sv, t)
		if !ok {
			return nil, fmt.Errorf("mapper: field %s: key %v (%T) does not fit %s", f.Name, v, v, t)
		}
		return c.Interface(), nil
	}
	if sv.Type().ConvertibleTo(t) && !isNumber(sv.Kind()) && !isNumber(t.Kind()) {
		return sv.Convert(t).Interface(), nil
	}
	return nil, fmt.Errorf("mapper: field %s: key of type %T does not fit %s", f.Name, v, t)
}

var int64Type = reflect.TypeFor[int64]()

// convertNumber returns the number sv as a value of the number type t,
// and false when t cannot hold it exactly: an integer out of t's range
// (reflect's Convert would wrap it, or flip its sign), a fraction or an
// out-of-range float for an integer type, an integer a float type would
// round. Between float types only the range is checked: a float32 field
// holds a float64 rounded, as Go's own conversion does.
func convertNumber(sv reflect.Value, t reflect.Type) (reflect.Value, bool) {
	out := reflect.New(t).Elem()
	const two63 = 1 << 63 // as a float64: exactly 2^63
	switch tk := t.Kind(); {
	case isInt(sv.Kind()):
		n := sv.Int()
		switch {
		case isInt(tk):
			if out.OverflowInt(n) {
				return out, false
			}
			out.SetInt(n)
		case isUint(tk):
			if n < 0 || out.OverflowUint(uint64(n)) {
				return out, false
			}
			out.SetUint(uint64(n))
		default:
			f := float64(n)
			if f >= two63 || int64(f) != n || !exactIn(tk, f) {
				return out, false
			}
			out.SetFloat(f)
		}
	case isUint(sv.Kind()):
		u := sv.Uint()
		switch {
		case isInt(tk):
			if u > math.MaxInt64 || out.OverflowInt(int64(u)) {
				return out, false
			}
			out.SetInt(int64(u))
		case isUint(tk):
			if out.OverflowUint(u) {
				return out, false
			}
			out.SetUint(u)
		default:
			f := float64(u)
			if f >= 2*two63 || uint64(f) != u || !exactIn(tk, f) {
				return out, false
			}
			out.SetFloat(f)
		}
	default: // a float
		f := sv.Float()
		switch {
		case isInt(tk):
			if f != math.Trunc(f) || f < -two63 || f >= two63 || out.OverflowInt(int64(f)) {
				return out, false
			}
			out.SetInt(int64(f))
		case isUint(tk):
			if f != math.Trunc(f) || f < 0 || f >= 2*two63 || out.OverflowUint(uint64(f)) {
				return out, false
			}
			out.SetUint(uint64(f))
		default:
			if out.OverflowFloat(f) {
				return out, false
			}
			out.SetFloat(f)
		}
	}
	return out, true
}

// exactIn reports whether the float kind k holds the integral f exactly.
func exactIn(k reflect.Kind, f float64) bool {
	return k == reflect.Float64 || float64(float32(f)) == f
}

func isInt(k reflect.Kind) bool {
	return k == reflect.Int || k == reflect.Int8 || k == reflect.Int16 || k == reflect.Int32 || k == reflect.Int64
}

func isUint(k reflect.Kind) bool {
	return k == reflect.Uint || k == reflect.Uint8 || k == reflect.Uint16 || k == reflect.Uint32 || k == reflect.Uint64 || k == reflect.Uintptr
}

func isNumber(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func equalFunc(t reflect.Type) func(a, b any) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return func(a, b any) bool {
			if a == nil || b == nil {
				return a == nil && b == nil
			}
			return a.(time.Time).Equal(b.(time.Time))
		}
	case t == reflect.TypeFor[[]byte]():
		return func(a, b any) bool {
			if a == nil || b == nil {
				return a == nil && b == nil
			}
			ab, bb := a.([]byte), b.([]byte)
			return (ab == nil) == (bb == nil) && bytes.Equal(ab, bb)
		}
	case t.Comparable():
		return func(a, b any) bool { return a == b }
	default:
		return reflect.DeepEqual
	}
}

// RelKind is the kind of a relationship.
type RelKind uint8

const (
	// ManyToOne: a *T field; the foreign key is on this model's table.
	ManyToOne RelKind = iota + 1
	// OneToMany: a []*T field; the foreign key is on T's table.
	OneToMany
	// OneToOne: a *T field; the foreign key is on T's table.
	OneToOne
	// ManyToMany: a []*T field through a secondary table.
	ManyToMany
)

func (k RelKind) String() string {
	switch k {
	case ManyToOne:
		return "many-to-one"
	case OneToMany:
		return "one-to-many"
	case OneToOne:
		return "one-to-one"
	case ManyToMany:
		return "many-to-many"
	}
	return "invalid"
}

// Cascade is the set of operations a relationship passes on to its
// targets.
type Cascade uint8

const (
	// CascadeSaveUpdate: objects reachable through the relationship are
	// added to the session with their owner (the default).
	CascadeSaveUpdate Cascade = 1 << iota
	// CascadeDelete: deleting the owner deletes the targets.
	CascadeDelete
	// CascadeDeleteOrphan: a target removed from the owner's collection
	// (or replaced, for one-to-one) is deleted.
	CascadeDeleteOrphan
)

// Has reports whether c includes all of x.
func (c Cascade) Has(x Cascade) bool { return c&x == x }

// Relation is a relationship field of a model.
type Relation struct {
	// Name is the Go field name.
	Name string
	Kind RelKind
	// Owner is the model declaring the field, Target the related model.
	Owner, Target *Model
	// FK are the foreign-key fields: on Owner for ManyToOne, on Target for
	// OneToMany and OneToOne, in the order of the referenced primary key.
	FK []*Field
	// Secondary is the association table of a ManyToMany, with the
	// columns referencing the owner's and the target's primary keys.
	Secondary              *core.Table
	SecondaryOwnerCols     []*core.Column
	SecondaryTargetColumns []*core.Column
	// Backref is the inverse relationship on Target, or nil.
	Backref *Relation
	Cascade Cascade

	offset uintptr
	many   bool // a []*T field (read as []Ref, its layout)
}

// Many reports whether the field is a slice.
func (r *Relation) Many() bool { return r.many }

// Get returns the related objects of owner: for a *T field zero or one
// object, for a []*T field the slice's elements (nil entries skipped).
func (r *Relation) Get(owner Ref) []Ref {
	ts := r.Targets(owner)
	if !r.many {
		if len(ts) == 0 {
			return nil
		}
		return []Ref{ts[0]}
	}
	out := make([]Ref, 0, len(ts))
	for _, t := range ts {
		if !t.IsNil() {
			out = append(out, t)
		}
	}
	return out
}

// IsNil reports whether the field is a nil pointer or a nil slice (not
// loaded, for a collection).
func (r *Relation) IsNil(owner Ref) bool {
	// A *T, and a slice's data pointer (nil only for a nil slice).
	return *(*unsafe.Pointer)(owner.at(r.offset)) == nil
}

// Set stores targets into the field of owner: the first (or nil) for a *T
// field, a new slice for a []*T field.
func (r *Relation) Set(owner Ref, targets []Ref) {
	r.SetFrom(owner, targets, nil)
}
