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
		if !r.Cascade.Has(mapper.CascadeSaveUpdate) {
			continue
		}
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

// polyOwner names one owner's interface-typed one-to-many, whose members
// the session last saw in rareState.polyPrev: recorded by its load and by
// each flush, so the next flush finds the members removed since.
type polyOwner struct {
	p mapper.Ref
	r *mapper.PolyRelation
}

// polyLoaded records the members of r that owner holds (flushMu held).
func (s *Session) polyLoaded(r *mapper.PolyRelation, owner mapper.Ref) {
	if !r.Many {
		return
	}
	rs := s.rareState()
	if rs.polyPrev == nil {
		rs.polyPrev = map[polyOwner][]mapper.Ref{}
	}
	vs := polyValues(r, owner)
	refs := make([]mapper.Ref, 0, len(vs))
	for _, v := range vs {
		if _, p, err := s.model(v); err == nil {
			refs = append(refs, p)
		}
	}
	rs.polyPrev[polyOwner{owner, r}] = refs
}

// polyFinish records the members of the flushed owners' loaded
// interface-typed one-to-many fields, and forgets deleted owners'.
func (pl *plan) polyFinish() {
	s := pl.s
	for _, es := range [][]*entry{pl.inserts, pl.persist} {
		for _, e := range es {
			for _, r := range e.m.PolyRelations() {
				if r.Many && !r.Field(e.p).IsNil() {
					s.polyLoaded(r, e.p)
				}
			}
		}
	}
	if s.rare == nil || s.rare.polyPrev == nil {
		return
	}
	for e := range pl.deletes {
		for _, r := range e.m.PolyRelations() {
			delete(s.rare.polyPrev, polyOwner{e.p, r})
		}
	}
}

// polyOrphans handles the members removed from persistent owners'
// interface-typed one-to-many fields since they were last loaded or
// flushed: deleted under delete-orphan, else their key set to NULL. A
// member now in another owner's such field has moved: that owner's link
// sets its key.
func (pl *plan) polyOrphans(all []*entry, del func(*entry)) error {
	s := pl.s
	if s.rare == nil || len(s.rare.polyPrev) == 0 {
		return nil
	}
	var held map[mapper.Ref]bool // every current member, made on first need
	for _, e := range all {
		if e.State() != Persistent || pl.deletes[e] || len(e.m.PolyRelations()) == 0 {
			continue
		}
		for _, r := range e.m.PolyRelations() {
			prev, ok := s.rare.polyPrev[polyOwner{e.p, r}]
			if !ok || len(prev) == 0 || r.Field(e.p).IsNil() {
				continue
			}
			cur := map[mapper.Ref]bool{}
			for _, v := range polyValues(r, e.p) {
				if _, p, err := s.model(v); err == nil {
					cur[p] = true
				}
			}
			for _, t := range prev {
				if cur[t] {
					continue
				}
				te := pl.lookup(t)
				if te == nil || te.State() != Persistent || pl.deletes[te] {
					continue
				}
				if held == nil {
					held = pl.polyHeld(all)
				}
				if held[t] || !pl.polyRefers(te, r, e) {
					continue // moved to another owner
				}
				if r.Cascade.Has(mapper.CascadeDeleteOrphan) {
					del(te)
					continue
				}
				f, ok := te.m.Field(r.FK)
				if !ok {
					return fmt.Errorf("session: %s.%s: fk %q: model %s has no such column: %w", e.m.Name, r.Name, r.FK, te.m.Name, mapper.ErrUnknownColumn)
				}
				if !f.Nullable {
					return fmt.Errorf("session: %s %s was removed from %s.%s of %s %s, but %s.%s cannot be NULL (delete it, move it to another owner, or cascade delete-orphan)",
						te.m.Name, describe(te), e.m.Name, r.Name, e.m.Name, describe(e), te.m.Name, f.Name)
				}
				pl.addLink(link{child: te, fk: []*mapper.Field{f}, poly: r}, true)
			}
		}
	}
	return nil
}

// polyHeld returns the members of every live entry's interface-typed
// one-to-many fields.
func (pl *plan) polyHeld(all []*entry) map[mapper.Ref]bool {
	held := map[mapper.Ref]bool{}
	for _, e := range all {
		if pl.deletes[e] || len(e.m.PolyRelations()) == 0 {
			continue
		}
		if st := e.State(); st != Persistent && st != Pending {
			continue
		}
		for _, r := range e.m.PolyRelations() {
			if !r.Many {
				continue
			}
			for _, v := range polyValues(r, e.p) {
				if _, p, err := pl.s.model(v); err == nil {
					held[p] = true
				}
			}
		}
	}
	return held
}

// polyRefers reports whether child's fk column still holds owner's key.
func (pl *plan) polyRefers(child *entry, r *mapper.PolyRelation, owner *entry) bool {
	f, ok := child.m.Field(r.FK)
	if !ok {
		return true // refused by the caller
	}
	v, k := f.Value(child.p), keyValue(owner, 0)
	return v != nil && k != nil && f.Equal(v, k)
}
