package session

// This file brings interface-typed relationships (mapper.PolyRelation)
// into the flush: their targets cascade save-update, and the links set
// the foreign keys, as a one-to-many's and a many-to-one's do.

import (
	"fmt"

	"github.com/athanor-orm/athanor/mapper"
)

// polyCascade calls push with each target of e's interface-typed
// relationships and its model (push skips those the session holds).
func (pl *plan) polyCascade(e *entry, push func(*mapper.Model, mapper.Ref)) error {
	for _, r := range e.m.PolyRelations() {
		for _, v := range polyValues(r, e.p) {
			tm, tp, err := pl.s.model(v)
			if err != nil {
				return fmt.Errorf("session: %s.%s: %w", e.m.Name, r.Name, err)
			}
			push(tm, tp)
		}
	}
	return nil
}

// polyLinks records the foreign keys of e's interface-typed
// relationships: a one-to-many's targets take e's key in the column fk:
// names; e's fk: field takes a many-to-one's target's key. A nil field
// or a nil many-to-one writes nothing.
func (pl *plan) polyLinks(e *entry) error {
	for _, r := range e.m.PolyRelations() {
		for _, v := range polyValues(r, e.p) {
			tm, tp, err := pl.s.model(v)
			if err != nil {
				return fmt.Errorf("session: %s.%s: %w", e.m.Name, r.Name, err)
			}
			te, err := pl.polyMember(e, r, tm, tp)
			if err != nil {
				return err
			}
			if te == nil {
				continue // deleted
			}
			if r.Many {
				f, ok := tm.Field(r.FK)
				if !ok {
					return fmt.Errorf("session: %s.%s: fk %q: model %s has no such column: %w", e.m.Name, r.Name, r.FK, tm.Name, mapper.ErrUnknownColumn)
				}
				pl.addLink(link{child: te, fk: []*mapper.Field{f}, parent: e, poly: r}, true)
				continue
			}
			f, _ := e.m.Field(r.FK) // checked when mapped
			pl.addLink(link{child: e, fk: []*mapper.Field{f}, parent: te, poly: r}, false)
		}
	}
	return nil
}

// polyMember is member for an interface-typed relationship.
func (pl *plan) polyMember(owner *entry, r *mapper.PolyRelation, tm *mapper.Model, t mapper.Ref) (*entry, error) {
	te := pl.lookup(t)
	if te == nil {
		return nil, fmt.Errorf("session: %s.%s refers to a %s that is not in the session (Add it)", owner.m.Name, r.Name, tm.Name)
	}
	if pl.deletes[te] {
		return nil, nil
	}
	switch te.State() {
	case Pending, Persistent:
		return te, nil
	}
	return nil, fmt.Errorf("session: %s.%s refers to a %s %s (Add or Merge it)", owner.m.Name, r.Name, te.State(), tm.Name)
}
