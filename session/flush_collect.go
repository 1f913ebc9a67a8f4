package session

// This file holds cascade collection: which objects a flush touches
// (the session's, those reached by save-update cascades, deletes and
// orphans), the foreign-key links and association rows to write, and
// which persistent objects changed.

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// sortBySeq puts entries in Add order. Their sequence numbers are unique
// and, in a session, mostly dense: where they span at most twice as many
// values as there are entries, each is placed by its number in one pass
// instead of being compared.
func sortBySeq(es []*entry) {
	if len(es) < 2 {
		return
	}
	lo, hi, sorted := es[0].seq, es[0].seq, true
	for i, e := range es[1:] {
		lo, hi = min(lo, e.seq), max(hi, e.seq)
		sorted = sorted && es[i].seq < e.seq
	}
	if sorted {
		return
	}
	if span := hi - lo + 1; span <= 2*int64(len(es)) {
		slots := make([]*entry, span)
		for _, e := range es {
			slots[e.seq-lo] = e
		}
		k := 0
		for _, e := range slots {
			if e != nil {
				es[k] = e
				k++
			}
		}
		return
	}
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
}

// collect gathers the session's entries, follows save-update cascades,
// delete cascades over loaded relationships and orphans, and builds the
// links and association changes.
func (pl *plan) collect() error {
	s := pl.s
	all := pl.entryBuf[:0]
	if n := int(s.objs.n.Load()); n > cap(all) {
		all = make([]*entry, 0, n)
	}
	all = s.objs.appendTo(all)
	if len(all) == 1 && standalone(all[0].m) {
		// The session's one object has no relationships: nothing cascades
		// from it, links it or is orphaned by it, so the flush is its own
		// INSERT or UPDATE (a request's write, most often).
		switch e := all[0]; e.State() {
		case Pending:
			pl.inserts, pl.lone = all, e
			return nil
		case Persistent:
			pl.persist, pl.lone = append(pl.persist, e), e
			return nil
		}
	}
	sortBySeq(all)
	// save-update cascade. The session's objects are found in its object
	// set (see lookup); known holds the ones the flush adds.
	queue, owned := all, false
	push := func(m *mapper.Model, t mapper.Ref) {
		if t.IsNil() || pl.lookup(t) != nil {
			return
		}
		ne := &entry{m: m, p: t, seq: s.seq.Add(1)}
		ne.setState(Pending)
		if pl.known == nil {
			pl.known = map[mapper.Ref]*entry{}
		}
		pl.known[t] = ne
		pl.added = append(pl.added, ne)
		if !owned { // all stays as it is
			queue, owned = slices.Clone(queue), true
		}
		queue = append(queue, ne)
	}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if st := e.State(); st != Pending && st != Persistent {
			continue
		}
		if len(e.m.Proxies()) > 0 {
			if err := pl.syncProxies(e); err != nil {
				return err
			}
		}
		for _, r := range e.m.Relations() {
			if !r.Cascade.Has(mapper.CascadeSaveUpdate) {
				continue
			}
			for _, t := range r.Targets(e.p) { // a view: the loop does not change e's field
				push(r.Target, t)
			}
		}
		if len(e.m.PolyRelations()) > 0 { // see flush_poly.go
			if err := pl.polyCascade(e, push); err != nil {
				return err
			}
		}
	}
	// Cascaded objects become pending; the journal remembers them as
	// transient, outside the session.
	for _, e := range pl.added {
		pl.log.save(s, e)
		st := pl.log.states[e]
		st.state, st.inObjs = Transient, false
		pl.log.states[e] = st
	}
	all = append(all, pl.added...)

	// Deletes: marked ones, their delete cascades over loaded
	// relationships, and orphans.
	var del func(e *entry)
	del = func(e *entry) {
		if pl.deletes[e] {
			return
		}
		pl.markDeleted(e)
		for _, r := range e.m.Relations() {
			if !r.Cascade.Has(mapper.CascadeDelete) || r.Kind == mapper.ManyToMany {
				continue
			}
			targets := r.Get(e.p)
			if r.IsNil(e.p) {
				targets, _ = e.coll.get(r) // the members last seen
			}
			for _, t := range targets {
				if te := pl.lookup(t); te != nil && te.State() == Persistent {
					del(te)
				}
			}
		}
	}
	for _, e := range all {
		if e.State() == Deleted {
			del(e)
		}
	}
	pl.findMoves(all)
	for _, e := range all {
		if e.State() != Persistent || pl.deletes[e] {
			continue
		}
		for _, r := range e.m.Relations() {
			if r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne {
				continue
			}
			prev, ok := e.coll.get(r)
			if !ok || len(prev) == 0 {
				continue
			}
			ts := r.Targets(e.p)
			if slices.Equal(prev, ts) {
				continue
			}
			cur := newMemberSet(ts)
			for _, t := range prev {
				if cur.has(t) {
					continue
				}
				te := pl.lookup(t)
				if te == nil || te.State() != Persistent || pl.deletes[te] {
					continue
				}
				if pl.movedAway(te, e, r) {
					continue
				}
				if r.Cascade.Has(mapper.CascadeDeleteOrphan) {
					del(te)
				} else if err := pl.unparent(te, e, r); err != nil {
					return err
				}
			}
		}
	}

	if err := pl.polyOrphans(all, del); err != nil { // see flush_poly.go
		return err
	}

	// Links, inserts, association changes. The inserts are kept in all's
	// own array, which is not read again (each is written at or before
	// the place it was read from).
	pl.inserts = all[:0]
	for _, e := range all {
		if pl.deletes[e] {
			continue
		}
		switch e.State() {
		case Pending:
			pl.inserts = append(pl.inserts, e)
		case Persistent:
			pl.persist = append(pl.persist, e)
		default:
			continue
		}
		if err := pl.relLinks(e); err != nil {
			return err
		}
	}
	return nil
}

// standalone reports whether m's objects relate to no others through
// their own fields: no relationships, polymorphic ones or proxies.
func standalone(m *mapper.Model) bool {
	return len(m.Relations()) == 0 && len(m.PolyRelations()) == 0 && len(m.Proxies()) == 0
}

func nullable(fs []*mapper.Field) bool {
	for _, f := range fs {
		if !f.Nullable {
			return false
		}
	}
	return true
}

func (pl *plan) relLinks(e *entry) error {
	if len(e.m.PolyRelations()) > 0 {
		if err := pl.polyLinks(e); err != nil { // see flush_poly.go
			return err
		}
	}
	for _, r := range e.m.Relations() {
		switch r.Kind {
		case mapper.ManyToOne:
			ts, err := pl.resolveMove(e, r)
			if err != nil {
				return err
			}
			if len(ts) == 0 {
				if prev, _ := e.coll.get(r); len(prev) > 0 && nullable(r.FK) {
					pl.addLink(link{child: e, fk: r.FK, rel: r}, false)
				}
				continue
			}
			pe, err := pl.member(e, r, ts[0])
			if err != nil {
				return err
			}
			if pe != nil {
				pl.addLink(link{child: e, fk: r.FK, parent: pe, rel: r}, false)
			}
		case mapper.OneToMany, mapper.OneToOne:
			for _, t := range r.Targets(e.p) { // a view: the loop does not change e's field
				if t.IsNil() {
					continue
				}
				ce, err := pl.member(e, r, t)
				if err != nil {
					return err
				}
				if ce == nil {
					continue
				}
				// The child's own many-to-one wins over the collection:
				// insert before its links.
				pl.addLink(link{child: ce, fk: r.FK, parent: e, rel: r}, true)
			}
		case mapper.ManyToMany:
			if r.IsNil(e.p) {
				continue
			}
			prev, _ := e.coll.get(r)
			err := diffMembers(prev, r.Get(e.p), func(t mapper.Ref) error {
				te, err := pl.member(e, r, t)
				if te != nil {
					pl.addPair(&pl.m2mAdd, r, e, te)
				}
				return err
			}, func(t mapper.Ref) error {
				if te := pl.lookup(t); te != nil {
					pl.addPair(&pl.m2mDel, r, e, te)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// member returns the entry of a related object, or an error if it is not
// in the session (no save-update cascade reached it). Deleted targets
// yield nil.
func (pl *plan) member(owner *entry, r *mapper.Relation, t mapper.Ref) (*entry, error) {
	te := pl.lookup(t)
	if te == nil {
		return nil, fmt.Errorf("session: %s.%s refers to a %s that is not in the session (Add it, or cascade save-update)",
			owner.m.Name, r.Name, r.Target.Name)
	}
	if pl.deletes[te] {
		return nil, nil
	}
	switch te.State() {
	case Pending, Persistent:
		return te, nil
	}
	return nil, fmt.Errorf("session: %s.%s refers to a %s %s (Add or Merge it)", owner.m.Name, r.Name, te.State(), r.Target.Name)
}

func (pl *plan) addPair(set *map[pairKey]pair, r *mapper.Relation, owner, target *entry) {
	p := pair{t: r.Secondary, a: owner, b: target, ac: r.SecondaryOwnerCols, bc: r.SecondaryTargetColumns}
	if p.ac[0].Name > p.bc[0].Name {
		p.a, p.b, p.ac, p.bc = p.b, p.a, p.bc, p.ac
	}
	if *set == nil {
		*set = map[pairKey]pair{}
	}
	(*set)[pairKey{p.t, p.a, p.b}] = p
}

// The plan's maps are made on first write: most flushes need few of them.

func (pl *plan) markDeleted(e *entry) {
	if pl.deletes == nil {
		pl.deletes = map[*entry]bool{}
	}
	pl.deletes[e] = true
}

// addLink records l for its child, first (the child's own many-to-one
// wins over a collection's) or last. A link that would be applied right
// after the same one (the same parent through the same key: a one-to-many
// and its many-to-one backref agreeing) is not recorded: it would write
// the values just written. A child's first link is kept in a shared
// array: a flush of many children makes few allocations.
func (pl *plan) addLink(l link, first bool) {
	if pl.links == nil {
		pl.links = map[*entry][]link{}
	}
	ls := pl.links[l.child]
	if n := len(ls); n > 0 {
		next := ls[n-1]
		if first {
			next = ls[0]
		}
		if next.parent == l.parent && slices.Equal(next.fk, l.fk) {
			return
		}
	}
	if len(ls) == 0 {
		if len(pl.linkBuf) == cap(pl.linkBuf) {
			pl.linkBuf = make([]link, 0, 64)
		}
		pl.linkBuf = append(pl.linkBuf, l)
		n := len(pl.linkBuf)
		pl.links[l.child] = pl.linkBuf[n-1 : n : n]
		return
	}
	if first {
		pl.links[l.child] = append([]link{l}, pl.links[l.child]...)
	} else {
		pl.links[l.child] = append(pl.links[l.child], l)
	}
}

// applyLinks sets the foreign keys of es from their parents' keys.
func (pl *plan) applyLinks(es []*entry) error {
	for _, e := range es {
		for _, l := range pl.links[e] {
			pk := l.fk
			for i, f := range pk {
				var v any
				if l.parent != nil {
					pf := l.parent.m.PrimaryKey()[i]
					if f.Type == pf.Type && f.IsInt() {
						// The common integer key, compared unboxed.
						n, _ := f.Int(e.p)
						if k, _ := pf.Int(l.parent.p); n == k {
							continue
						}
					}
					v = pf.Value(l.parent.p)
				}
				if err := pl.set(e, f, v); err != nil {
					if l.poly != nil {
						return fmt.Errorf("session: %s.%s: %w", l.poly.Owner.Name, l.poly.Name, err)
					}
					return fmt.Errorf("session: %s.%s: %w", l.rel.Owner.Name, l.rel.Name, err)
				}
			}
		}
	}
	return nil
}

// changed is appendChanged of e, memoised for the plan.
func (pl *plan) changed(e *entry) []int {
	if pl.diff1e == e {
		return pl.diff1
	}
	if ch, ok := pl.diffs[e]; ok {
		return ch
	}
	start := len(pl.ints)
	pl.ints = appendChanged(pl.ints, e)
	ch := pl.ints[start:len(pl.ints):len(pl.ints)]
	if len(ch) == 0 {
		ch = nil
	}
	switch {
	case pl.diff1e == nil && pl.diffs == nil:
		pl.diff1e, pl.diff1 = e, ch
	default:
		if pl.diffs == nil {
			// Sized for every persistent entry (a flush usually diffs them
			// all): the map is made once instead of grown step by step.
			pl.diffs = make(map[*entry][]int, len(pl.persist))
		}
		pl.diffs[e] = ch
	}
	return ch
}

// appendChanged appends the indexes of the fields of a persistent entry
// that differ from its snapshot (every field without a snapshot). The
// version field is never reported: the flush manages it.
func appendChanged(out []int, e *entry) []int {
	for i, f := range e.m.Fields() {
		if f.Version {
			continue
		}
		if e.snap.IsZero() {
			if !f.PrimaryKey && !(f.Deferred && f.IsZero(e.p)) { // see deferred.go
				out = append(out, i)
			}
			continue
		}
		if !e.snap.Unchanged(e.p, i) {
			out = append(out, i)
		}
	}
	return out
}

// loadCascades loads, in the transaction, the unloaded collections of
// deleted objects whose relationship cascades deletes, and deletes them
// too, recursively.
func (pl *plan) loadCascades(ctx context.Context) error {
	done := map[*entry]bool{}
	for {
		var todo []*entry
		for e := range pl.deletes {
			if !done[e] {
				todo = append(todo, e)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		slices.SortFunc(todo, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
		for _, e := range todo {
			done[e] = true
			for _, r := range e.m.Relations() {
				if !r.Cascade.Has(mapper.CascadeDelete) || (r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne) {
					continue
				}
				loaded := !r.IsNil(e.p)
				if !loaded {
					_, loaded = e.coll.get(r)
				}
				// A loaded collection is handled in collect, unless
				// global filters may have left rows out of its load
				// (filter.go): the delete reaches those too.
				if loaded && !pl.s.filtered(r.Target) {
					continue
				}
				children, err := pl.childRows(ctx, e, r)
				if err != nil {
					return fmt.Errorf("load %s.%s to cascade the delete: %w", e.m.Name, r.Name, err)
				}
				for _, ce := range children {
					if loaded && !pl.refersTo(ce, r, e) {
						continue // moved to another parent in memory
					}
					if ce.State() == Persistent && !pl.deletes[ce] {
						pl.markDeleted(ce)
						// Loaded children may be listed as persistent.
						pl.persist = slices.DeleteFunc(pl.persist, func(x *entry) bool { return x == ce })
					}
				}
			}
		}
	}
}

// childRows loads, unfiltered, the rows of r's target that refer to e by
// r's foreign key and returns their entries.
func (pl *plan) childRows(ctx context.Context, e *entry, r *mapper.Relation) ([]*entry, error) {
	preds := make([]core.Expr, 0, len(r.FK))
	for i, f := range r.FK {
		preds = append(preds, core.Eq(f.Col, keyValue(e, i)))
	}
	ps, err := pl.s.load(ctx, r.Target, r.Target.SelectAll().Where(preds...), 0)
	if err != nil {
		return nil, err
	}
	out := make([]*entry, 0, len(ps))
	for _, p := range ps {
		if ce := pl.s.objs.get(p); ce != nil {
			out = append(out, ce)
		}
	}
	return out, nil
}
