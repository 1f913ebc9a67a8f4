package mapper

import (
	"fmt"
	"reflect"
)

// PolyRelation is a relationship field typed by an interface that a
// mapped hierarchy's models implement (see Inheritance): Vehicles
// []Vehicle, one-to-many, whose foreign-key column (tag fk:) is on the
// hierarchy's base table and references the owner's single-column key;
// or Vehicle Vehicle, many-to-one, whose fk: names the owner's field
// holding the target's key. Its elements are the hierarchy's objects,
// each of its own Go type. The flush does not follow it: add the
// objects and set their keys (see the session package).
type PolyRelation struct {
	// Name is the Go field name; Owner the model declaring it.
	Name  string
	Owner *Model
	// Interface is the interface the targets implement.
	Interface reflect.Type
	// Many: a []I field (one-to-many), else an I field (many-to-one).
	Many bool
	// FK is, for Many, the column of the base table referencing the
	// owner's key; else the owner's field holding the target's key.
	FK string
	// Cascade is save-update (the default) and, for Many, delete-orphan
	// as the tag's cascade: says; delete is not supported.
	Cascade Cascade

	index []int
	raw   string
}

// PolyRelations returns the model's interface-typed relationships.
func (m *Model) PolyRelations() []*PolyRelation { return m.poly }

// PolyRelation returns the interface-typed relationship on the Go field
// name.
func (m *Model) PolyRelation(field string) (*PolyRelation, bool) {
	for _, r := range m.poly {
		if r.Name == field {
			return r, true
		}
	}
	return nil, false
}

// Field returns the relationship's field of owner (a Ref of r.Owner), settable.
func (r *PolyRelation) Field(owner Ref) reflect.Value {
	return reflect.ValueOf(r.Owner.Object(owner)).Elem().FieldByIndex(r.index)
}

// polyTarget reports a field typed I or []I with I a non-empty interface.
func polyTarget(t reflect.Type) (reflect.Type, bool, bool) {
	switch {
	case t.Kind() == reflect.Interface && t.NumMethod() > 0:
		return t, false, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Interface && t.Elem().NumMethod() > 0:
		return t.Elem(), true, true
	}
	return nil, false, false
}

func (b *build) polyRel(d *draft, sf reflect.StructField, tg tag, raw string, idx []int, it reflect.Type, many bool) error {
	m := d.m
	if k, ok := tg.check(nil, map[string]bool{"fk": true, "cascade": true}); !ok || tg.name != "" {
		if tg.name != "" {
			k = tg.name
		}
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown option %q of a relationship to an interface (want fk:, cascade:)", k)
	}
	c := CascadeSaveUpdate
	if v, ok := tg.vals["cascade"]; ok {
		var ok bool
		if c, ok = parseCascade(v); !ok {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown cascade %q (want save-update, delete-orphan, none joined by +)", v)
		}
		if c.Has(CascadeDelete) || (!many && c.Has(CascadeDeleteOrphan)) {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "cascade %q: a relationship to an interface takes save-update and, for a slice, delete-orphan", v)
		}
	}
	fk := tg.vals["fk"]
	if fk == "" {
		return fieldError(m.Name, sf.Name, raw, ErrBadRelation, "a relationship to interface %s needs fk: (the base table's column for a slice, the owner's key field otherwise)", it)
	}
	m.poly = append(m.poly, &PolyRelation{Name: sf.Name, Owner: m, Interface: it, Many: many, FK: fk, Cascade: c, index: idx, raw: raw})
	return nil
}

// checkPoly validates the owner side of m's interface-typed
// relationships once its fields are known.
func checkPoly(m *Model) error {
	for _, r := range m.poly {
		if r.Many && len(m.pk) != 1 {
			return fieldError(m.Name, r.Name, r.raw, ErrBadRelation, "a one-to-many relationship to an interface needs a single-column key on %s", m.Name)
		}
		if !r.Many {
			if _, ok := m.Field(r.FK); !ok {
				return fieldError(m.Name, r.Name, r.raw, ErrUnknownColumn, "fk %q: %s has no such field or column", r.FK, m.Name)
			}
		}
	}
	return nil
}

// PolyBase returns the base of the registered hierarchy whose models
// implement it (through a pointer), for polymorphic queries: an error
// when none or more than one does.
func (r *Registry) PolyBase(it reflect.Type) (*Model, error) {
	if it == nil || it.Kind() != reflect.Interface {
		return nil, fmt.Errorf("mapper: polymorphic type %v: not an interface: %w", it, ErrInheritance)
	}
	var found *Model
	for _, m := range r.Models() {
		if m.inh == nil || m.inh.Base != m {
			continue
		}
		impl := reflect.PointerTo(m.Type).Implements(it)
		for _, s := range m.inh.Subtypes() {
			impl = impl || reflect.PointerTo(s.Type).Implements(it)
		}
		if !impl {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("mapper: interface %s: implemented by the hierarchies of %s and %s: %w", it, found.Name, m.Name, ErrInheritance)
		}
		found = m
	}
	if found == nil {
		return nil, fmt.Errorf("mapper: interface %s: no registered hierarchy implements it (register its subtypes): %w", it, ErrInheritance)
	}
	return found, nil
}
