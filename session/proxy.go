package session

// This file keeps association proxies (mapper.Proxy: Book.Tags over
// Book.BookTags and BookTag.Tag) in step with their association
// collections: filled when both relationships are loaded, and reconciled
// at flush, where the side that changed since the last load or flush
// wins. See "Association proxies" in doc.go.

import (
	"context"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/mapper"
)

// assocTarget returns the target of association object a's Attr: as last
// loaded or flushed (prev) or as it is now; ok is false when it is not
// known (a persistent object whose Attr was never loaded).
func (pl *plan) assocTarget(px *mapper.Proxy, a mapper.Ref, prev bool) (mapper.Ref, bool) {
	ae := pl.lookup(a)
	var rec []mapper.Ref
	recorded := false
	if ae != nil {
		rec, recorded = ae.coll.get(px.Attr)
	}
	if prev && recorded {
		if len(rec) == 0 {
			return mapper.Ref{}, true
		}
		return rec[0], true
	}
	if ts := px.Attr.Targets(a); len(ts) == 1 {
		return ts[0], true
	}
	return mapper.Ref{}, recorded || ae == nil || ae.State() != Persistent
}

// proxyView is what the proxy shows for association objects as: their
// Attr targets (nil ones left out), as they were (prev) or are.
func (pl *plan) proxyView(e *entry, px *mapper.Proxy, as []mapper.Ref, prev bool) ([]mapper.Ref, error) {
	out := make([]mapper.Ref, 0, len(as))
	for _, a := range as {
		if a.IsNil() {
			continue
		}
		t, ok := pl.assocTarget(px, a, prev)
		if !ok {
			return nil, fmt.Errorf("session: %s %s: %s.%s is set, but %s.%s of its %s is not loaded (load %s.%s first)",
				e.m.Name, describe(e), e.m.Name, px.Name, px.Via.Target.Name, px.Attr.Name, px.Via.Name, e.m.Name, px.Name)
		}
		if !t.IsNil() {
			out = append(out, t)
		}
	}
	return out, nil
}

// sameMembers reports whether a and b hold the same objects, in any order.
func sameMembers(a, b []mapper.Ref) bool {
	if len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0]) {
		return true
	}
	as, bs := newMemberSet(a), newMemberSet(b)
	for _, x := range a {
		if !bs.has(x) {
			return false
		}
	}
	for _, x := range b {
		if !as.has(x) {
			return false
		}
	}
	return true
}

// syncProxies reconciles e's association proxies with their collections
// before the flush cascades from e. Against what the proxy showed when
// the collection was last loaded or flushed: when only the proxy changed,
// targets added to it get new association objects (the proxy's creator's)
// appended to the collection, and the association objects of targets
// removed from it are taken out of the collection and deleted; when only
// the collection changed, the proxy is set to what it now shows; when both
// changed and disagree, the flush fails naming both fields. Every write is
// journaled.
func (pl *plan) syncProxies(e *entry) error {
	for _, px := range e.m.Proxies() {
		f := px.Field()
		if f.IsNil(e.p) {
			continue // neither loaded nor set
		}
		via := px.Via
		prevAssoc, loaded := e.coll.get(via)
		if !loaded && e.State() == Persistent {
			return fmt.Errorf("session: %s %s: %s.%s is set, but %s.%s was never loaded, so what to add and remove is unknown (load %s.%s first)",
				e.m.Name, describe(e), e.m.Name, px.Name, e.m.Name, via.Name, e.m.Name, px.Name)
		}
		prev, err := pl.proxyView(e, px, prevAssoc, true)
		if err != nil {
			return err
		}
		curAssoc := via.Get(e.p)
		view, err := pl.proxyView(e, px, curAssoc, false)
		if err != nil {
			return err
		}
		cur := f.Get(e.p)
		proxyChanged, assocChanged := !sameMembers(cur, prev), !sameMembers(view, prev)
		switch {
		case proxyChanged && assocChanged:
			if !sameMembers(cur, view) {
				return fmt.Errorf("session: %s %s: %s.%s and %s.%s were both changed and disagree: change one of them, or both alike",
					e.m.Name, describe(e), e.m.Name, px.Name, e.m.Name, via.Name)
			}
		case assocChanged:
			pl.setRel(e, f, view)
		case proxyChanged:
			if err := pl.applyProxy(e, px, curAssoc, view, cur); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyProxy writes a changed proxy (cur) into its association collection
// (assoc, showing view).
func (pl *plan) applyProxy(e *entry, px *mapper.Proxy, assoc, view, cur []mapper.Ref) error {
	was, is := newMemberSet(view), newMemberSet(cur)
	next := make([]mapper.Ref, 0, len(cur))
	for _, a := range assoc {
		if a.IsNil() {
			continue
		}
		t, _ := pl.assocTarget(px, a, false)
		if t.IsNil() || is.has(t) {
			next = append(next, a)
			continue
		}
		// The target left the proxy: its association object goes, from
		// the target's loaded collection of them too.
		if ae := pl.lookup(a); ae != nil && ae.State() == Persistent {
			pl.markDeleted(ae)
		}
		if inv := px.Attr.Backref; inv != nil && inv.Many() && !inv.IsNil(t) {
			if te := pl.lookup(t); te != nil {
				rest := slices.DeleteFunc(inv.Get(t), func(x mapper.Ref) bool { return x == a })
				pl.setRel(te, inv, rest)
			}
		}
	}
	added := map[mapper.Ref]bool{}
	for _, t := range cur {
		if t.IsNil() || was.has(t) || added[t] {
			continue
		}
		added[t] = true
		a, err := px.Create(e.p, t)
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		next = append(next, a)
		// The target's own collection of association objects, when loaded,
		// gets it too, as a back-reference would.
		if inv := px.Attr.Backref; inv != nil && inv.Many() && !inv.IsNil(t) {
			if te := pl.lookup(t); te != nil {
				pl.setRel(te, inv, append(inv.Get(t), a))
			}
		}
	}
	pl.setRel(e, px.Via, next)
	return nil
}

// fillProxiesLocked sets the unset proxies of owners (objects of r.Owner,
// whose r was just loaded) when r is a proxy's association collection,
// or of the owners of the association objects owners when r is a proxy's
// Attr. Called with flushMu held.
func (s *Session) fillProxiesLocked(r *mapper.Relation, owners []mapper.Ref) {
	for _, px := range r.Owner.Proxies() {
		if px.Via == r {
			for _, o := range owners {
				s.fillProxyLocked(px, o)
			}
		}
	}
	if r.Kind != mapper.ManyToOne {
		return
	}
	for _, back := range r.Owner.Relations() {
		if back.Kind != mapper.ManyToOne {
			continue
		}
		for _, px := range back.Target.Proxies() {
			if px.Attr != r || px.Via.Backref != back {
				continue
			}
			for _, a := range owners {
				if ts := back.Targets(a); len(ts) == 1 {
					s.fillProxyLocked(px, ts[0])
				}
			}
		}
	}
}

// fillProxyLocked sets o's proxy px from its association collection when
// the proxy is unset and the collection and its members' Attr are loaded.
func (s *Session) fillProxyLocked(px *mapper.Proxy, o mapper.Ref) {
	f := px.Field()
	if !f.IsNil(o) || px.Via.IsNil(o) {
		return
	}
	e := s.loadedEntry(px.Owner, o)
	if e == nil || e.State() != Persistent {
		return
	}
	if _, ok := e.coll.get(px.Via); !ok {
		return
	}
	as := px.Via.Targets(o)
	view := make([]mapper.Ref, 0, len(as))
	for _, a := range as {
		if a.IsNil() {
			continue
		}
		if ts := px.Attr.Targets(a); len(ts) == 1 {
			view = append(view, ts[0])
			continue
		}
		ae := s.objs.get(a)
		if ae == nil {
			return
		}
		if _, ok := ae.coll.get(px.Attr); !ok {
			return // not loaded yet: a later load fills the proxy
		}
	}
	f.Set(o, view)
}

// loadProxy is Load of an association proxy: it loads the association
// collection, then its members' Attr, and fills the proxy.
func (s *Session) loadProxy(ctx context.Context, obj any, m *mapper.Model, p mapper.Ref, px *mapper.Proxy) error {
	if err := s.Load(ctx, obj, px.Via.Name); err != nil {
		return err
	}
	s.flushMu.Lock()
	var lacking mapper.Ref
	for _, a := range px.Via.Get(p) {
		if ae := s.objs.get(a); ae != nil && ae.State() == Persistent {
			if _, ok := ae.coll.get(px.Attr); !ok {
				lacking = a
				break
			}
		}
	}
	s.flushMu.Unlock()
	if !lacking.IsNil() {
		// One Load loads Attr of every association object lacking it.
		if err := s.Load(ctx, px.Via.Target.Object(lacking), px.Attr.Name); err != nil {
			return err
		}
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.fillProxyLocked(px, p)
	if px.Field().IsNil(p) {
		return fmt.Errorf("session: load %s.%s: %s.%s or %s.%s was not loaded", m.Name, px.Name, m.Name, px.Via.Name, px.Via.Target.Name, px.Attr.Name)
	}
	return nil
}
