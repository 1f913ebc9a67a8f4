package session

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// This file holds the flush's rules for a child between two sides of one
// foreign key (a parent's collection and the child's own many-to-one), and
// for the children of a deleted parent its relationship does not delete.
// See "Flush" in doc.go.

// memberSet answers "is t a member" for a collection's members: by a scan
// when they are few, by a map otherwise, so that diffing two collections is
// linear in their sizes.
type memberSet struct {
	ps []mapper.Ref
	m  map[mapper.Ref]struct{}
}

// setScanMax is the size up to which a scan beats building a map.
const setScanMax = 16

func newMemberSet(ps []mapper.Ref) memberSet {
	if len(ps) <= setScanMax {
		return memberSet{ps: ps}
	}
	m := make(map[mapper.Ref]struct{}, len(ps))
	for _, p := range ps {
		m[p] = struct{}{}
	}
	return memberSet{m: m}
}

func (s memberSet) has(p mapper.Ref) bool {
	if s.m != nil {
		_, ok := s.m[p]
		return ok
	}
	return slices.Contains(s.ps, p)
}

// move is a child that appeared in a loaded collection of parent since the
// collection was loaded (or in any collection of a pending parent).
type move struct {
	parent *entry
	rel    *mapper.Relation // the one-to-many or one-to-one relationship
}

// findMoves records, for every child added to a one-to-many or one-to-one
// collection since its snapshot, the parent that added it. collect calls it
// before the orphan pass: a child removed from one collection and added to
// another has moved, it is no orphan. New children whose many-to-one is
// unset or already names the parent (the usual way to add them) need no
// record: nothing can disagree.
func (pl *plan) findMoves(all []*entry) {
	for _, e := range all {
		st := e.State()
		if (st != Pending && st != Persistent) || pl.deletes[e] {
			continue
		}
		for _, r := range e.m.Relations() {
			if r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne {
				continue
			}
			cur := r.Targets(e.p)
			if len(cur) == 0 {
				continue
			}
			prev, _ := e.coll.get(r)
			if slices.Equal(prev, cur) {
				continue // unchanged: the common case, without a set
			}
			var was memberSet
			if len(prev) > 0 {
				was = newMemberSet(prev)
			}
			for _, t := range cur {
				if t.IsNil() || was.has(t) {
					continue
				}
				if te := pl.lookup(t); te == nil || te.State() != Persistent {
					if r.Backref == nil || r.Backref.Kind != mapper.ManyToOne {
						continue
					}
					if bp := r.Backref.Targets(t); len(bp) == 0 || bp[0] == e.p {
						continue
					}
				}
				if pl.moves == nil {
					pl.moves = map[mapper.Ref][]move{}
				}
				pl.moves[t] = append(pl.moves[t], move{parent: e, rel: r})
			}
		}
	}
}

// sameFK reports whether a collection relationship and a many-to-one are
// the two sides of one foreign key (the child's fields).
func sameFK(coll, m2o *mapper.Relation) bool {
	return coll.Target == m2o.Owner && slices.Equal(coll.FK, m2o.FK)
}

// movedAway reports whether child, gone from parent's collection r, now
// belongs to another parent: by its many-to-one, by having been added to
// another collection of the same relationship, or by its foreign key
// fields, set by the caller.
func (pl *plan) movedAway(child, parent *entry, r *mapper.Relation) bool {
	for i, f := range r.FK {
		if v := f.Value(child.p); v != nil && !f.Equal(v, keyValue(parent, i)) {
			return true
		}
	}
	if r.Backref != nil {
		if bp := r.Backref.Targets(child.p); len(bp) == 1 && bp[0] != parent.p {
			return true
		}
	}
	for _, mv := range pl.moves[child.p] {
		if mv.rel == r && mv.parent != parent {
			return true
		}
	}
	return false
}

// m2oChanged reports whether child's many-to-one r points elsewhere than
// when it was loaded: compared with the recorded target, or, when none was
// recorded, with the foreign key the database has.
func m2oChanged(child *entry, r *mapper.Relation, cur []mapper.Ref) bool {
	if prev, ok := child.coll.get(r); ok {
		switch {
		case len(prev) == 0 && len(cur) == 0:
			return false
		case len(prev) == 0 || len(cur) == 0:
			return true
		}
		return prev[0] != cur[0]
	}
	if len(cur) == 0 {
		return false
	}
	if child.State() != Persistent || child.snap.IsZero() {
		return true
	}
	tk := r.Target.PrimaryKey()
	for i, f := range r.FK {
		a, b := snapValue(child, f), tk[i].Value(cur[0])
		if a == nil || b == nil || !f.Equal(a, b) {
			return true
		}
	}
	return false
}

// resolveMove settles a child's many-to-one r against the collections it
// was added to: the side that changed since the snapshot wins; when both
// changed and disagree, the flush fails. When the collection wins, the
// child's many-to-one is set to the new parent (journaled), so that the
// objects agree with the row. It returns the parent pointer the
// many-to-one now holds (nil for none).
func (pl *plan) resolveMove(child *entry, r *mapper.Relation) ([]mapper.Ref, error) {
	cur := r.Targets(child.p)
	var to *move
	for i := range pl.moves[child.p] {
		mv := &pl.moves[child.p][i]
		if !sameFK(mv.rel, r) {
			continue
		}
		if to != nil && to.parent != mv.parent {
			return nil, fmt.Errorf("session: %s %s was added to %s.%s of two objects (%s %s and %s %s)",
				child.m.Name, describe(child), mv.rel.Owner.Name, mv.rel.Name, to.parent.m.Name, describe(to.parent), mv.parent.m.Name, describe(mv.parent))
		}
		to = mv
	}
	if to == nil {
		return cur, nil
	}
	if len(cur) == 1 && cur[0] == to.parent.p {
		return cur, nil // both sides agree
	}
	if m2oChanged(child, r, cur) {
		other := "nil"
		if len(cur) == 1 {
			other = r.Target.Name
			if pe := pl.lookup(cur[0]); pe != nil {
				other += " " + describe(pe)
			}
		}
		return nil, fmt.Errorf("session: %s %s: %s.%s points to %s but it was added to %s.%s of %s %s: change one side only, or both alike",
			child.m.Name, describe(child), r.Owner.Name, r.Name, other, to.rel.Owner.Name, to.rel.Name, to.parent.m.Name, describe(to.parent))
	}
	// The collection changed, the many-to-one did not: the collection wins,
	// and a many-to-one still naming the old parent follows it (or the next
	// flush would move the child back).
	if len(cur) == 0 {
		return cur, nil
	}
	pl.setRel(child, r, []mapper.Ref{to.parent.p})
	return r.Targets(child.p), nil
}

// describe names an entry by its primary-key value(s), for errors.
func describe(e *entry) string {
	pk := e.m.PrimaryKey()
	if len(pk) == 1 {
		return fmt.Sprint(pk[0].Value(e.p))
	}
	vals := make([]any, len(pk))
	for i, f := range pk {
		vals[i] = f.Value(e.p)
	}
	return fmt.Sprint(vals)
}

// setRel writes a relationship field, journaling its old targets.
func (pl *plan) setRel(e *entry, r *mapper.Relation, ts []mapper.Ref) {
	old := r.Get(e.p)
	if r.IsNil(e.p) {
		old = nil
	}
	r.Set(e.p, ts)
	pl.log.relWrite(e.p, r, old)
}

// unparent sets the foreign key of child, removed from parent's collection
// r, to NULL. The removal is the change, so a many-to-one still naming
// parent is cleared too (journaled): it would otherwise win and keep the
// key. A key that cannot be NULL is an error: the removal cannot be
// written.
func (pl *plan) unparent(child, parent *entry, r *mapper.Relation) error {
	if !nullable(r.FK) {
		return fmt.Errorf("session: %s %s was removed from %s.%s of %s %s, but %s.%s cannot be NULL (delete it, move it to another parent, or cascade delete-orphan)",
			child.m.Name, describe(child), r.Owner.Name, r.Name, parent.m.Name, describe(parent), child.m.Name, r.FK[0].Name)
	}
	pl.addLink(link{child: child, fk: r.FK, rel: r}, true)
	for _, cr := range child.m.Relations() {
		if cr.Kind == mapper.ManyToOne && sameFK(r, cr) {
			if ts := cr.Targets(child.p); len(ts) == 1 && ts[0] == parent.p {
				pl.setRel(child, cr, nil)
			}
		}
	}
	return nil
}

// diffMembers calls add for each member of cur not in prev and del for each
// member of prev not in cur, in linear time.
func diffMembers(prev, cur []mapper.Ref, add, del func(mapper.Ref) error) error {
	if slices.Equal(prev, cur) {
		return nil
	}
	was, is := newMemberSet(prev), newMemberSet(cur)
	for _, t := range cur {
		if !was.has(t) {
			if err := add(t); err != nil {
				return err
			}
		}
	}
	for _, t := range prev {
		if !is.has(t) {
			if err := del(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// nullChildren keeps deleted parents' children that their relationship
// does not delete (no delete cascade) and sets their foreign key to NULL,
// as SQLAlchemy does without passive deletes: the members of a loaded
// collection, or the rows the database has, loaded in the transaction.
// A child re-pointed to another parent keeps it. A foreign key that
// cannot be NULL fails the flush before anything is written, naming the
// relationship. The updates run with the flush's other updates, before
// the deletes.
func (pl *plan) nullChildren(ctx context.Context) error {
	var parents []*entry
	for e := range pl.deletes {
		for _, r := range e.m.Relations() {
			if (r.Kind == mapper.OneToMany || r.Kind == mapper.OneToOne) && !r.Cascade.Has(mapper.CascadeDelete) {
				parents = append(parents, e)
				break
			}
		}
	}
	if len(parents) == 0 {
		return nil
	}
	slices.SortFunc(parents, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	var inPersist map[*entry]bool
	for _, e := range parents {
		for _, r := range e.m.Relations() {
			if (r.Kind != mapper.OneToMany && r.Kind != mapper.OneToOne) || r.Cascade.Has(mapper.CascadeDelete) {
				continue
			}
			var children []*entry
			fromDB := false
			if r.IsNil(e.p) {
				if prev, ok := e.coll.get(r); ok {
					children = pl.entriesOf(prev)
				} else {
					fromDB = true
				}
			} else {
				prev, _ := e.coll.get(r)
				children = pl.entriesOf(append(r.Get(e.p), prev...))
			}
			// Global filters may have left rows out of a loaded
			// collection (filter.go): their keys are nulled too.
			// (refersTo below skips the children moved in memory.)
			if fromDB || pl.s.filtered(r.Target) {
				more, err := pl.childRows(ctx, e, r)
				if err != nil {
					return fmt.Errorf("load %s.%s to set their foreign key to NULL: %w", e.m.Name, r.Name, err)
				}
				for _, ce := range more {
					if !slices.Contains(children, ce) {
						children = append(children, ce)
					}
				}
			}
			for _, ce := range children {
				if ce.State() != Persistent || pl.deletes[ce] || !pl.refersTo(ce, r, e) {
					continue
				}
				if !nullable(r.FK) {
					return fmt.Errorf("delete %s %s: %s %s still refers to it by %s.%s, which cannot be NULL (cascade deletes over %s.%s, or reassign or delete the %s first)",
						e.m.Name, describe(e), r.Target.Name, describe(ce), r.Target.Name, r.FK[0].Name, e.m.Name, r.Name, r.Target.Name)
				}
				for _, f := range r.FK {
					if err := pl.set(ce, f, nil); err != nil {
						return fmt.Errorf("%s.%s: %w", e.m.Name, r.Name, err)
					}
				}
				for _, cr := range ce.m.Relations() {
					if cr.Kind == mapper.ManyToOne && sameFK(r, cr) {
						if ts := cr.Targets(ce.p); len(ts) == 1 && ts[0] == e.p {
							pl.setRel(ce, cr, nil)
						}
					}
				}
				if inPersist == nil {
					inPersist = make(map[*entry]bool, len(pl.persist))
					for _, x := range pl.persist {
						inPersist[x] = true
					}
				}
				if !inPersist[ce] {
					inPersist[ce] = true
					pl.persist = append(pl.persist, ce)
				}
			}
		}
	}
	return nil
}

// entriesOf returns the session's entries of the objects ps, each once.
func (pl *plan) entriesOf(ps []mapper.Ref) []*entry {
	seen := make(map[*entry]bool, len(ps))
	var out []*entry
	for _, p := range ps {
		if ce := pl.lookup(p); ce != nil && !seen[ce] {
			seen[ce] = true
			out = append(out, ce)
		}
	}
	return out
}

// refersTo reports whether child still belongs to the deleted parent by
// r: its foreign key holds the parent's key and no link of the flush
// points it at another parent.
func (pl *plan) refersTo(child *entry, r *mapper.Relation, parent *entry) bool {
	for _, l := range pl.links[child] {
		if l.parent != nil && l.parent != parent && slices.Equal(l.fk, r.FK) && !pl.deletes[l.parent] {
			return false
		}
	}
	for i, f := range r.FK {
		v, k := f.Value(child.p), keyValue(parent, i)
		if v == nil || k == nil || !f.Equal(v, k) {
			return false
		}
	}
	return true
}

// deletePairs removes association rows: those of one object in one table
// (one column's value) go in one DELETE … WHERE a = ? AND b IN (…), split
// by the parameter limit; a composite key is matched column by column,
// WHERE a1 = ? AND a2 = ? AND ((b1 = ? AND b2 = ?) OR …). The pairs are grouped by the side with fewer
// distinct objects (members removed from one collection share their
// owner).
func (pl *plan) deletePairs(ctx context.Context, dels []pair) error {
	as, bs := map[*entry]bool{}, map[*entry]bool{}
	for _, p := range dels {
		as[p.a], bs[p.b] = true, true
	}
	if len(bs) < len(as) {
		for i, p := range dels {
			dels[i] = pair{t: p.t, a: p.b, b: p.a, ac: p.bc, bc: p.ac}
		}
	}
	slices.SortFunc(dels, func(x, y pair) int {
		return cmp.Or(strings.Compare(x.t.Name(), y.t.Name()), strings.Compare(x.ac[0].Name, y.ac[0].Name),
			cmp.Compare(x.a.seq, y.a.seq), cmp.Compare(x.b.seq, y.b.seq))
	})
	for len(dels) > 0 {
		p := dels[0]
		n := 1
		for n < len(dels) && dels[n].t == p.t && dels[n].ac[0] == p.ac[0] && dels[n].a == p.a {
			n++
		}
		w := len(p.bc)
		for chunk := range slices.Chunk(dels[:n], max(pl.rowsPerStatement(p.t, w)-len(p.ac), 1)) {
			var which core.Expr
			if w == 1 {
				keys := make([]any, len(chunk))
				for i, q := range chunk {
					keys[i] = snapKey(q.b)
				}
				which = core.In(p.bc[0], keys...)
			} else {
				// A composite key: one conjunction per row, as the
				// loader selects composite keys.
				ors := make([]core.Expr, len(chunk))
				for i, q := range chunk {
					ors[i] = keyEq(p.bc, q.b)
				}
				which = core.Or(ors...)
			}
			stmt := core.Delete(p.t).Where(keyEq(p.ac, p.a), which)
			if _, err := pl.exec(ctx, stmt); err != nil {
				return fmt.Errorf("delete from %s: %w", p.t.Name(), err)
			}
		}
		dels = dels[n:]
	}
	return nil
}

// pairColumns are the association columns of p's row: a's key columns,
// then b's.
func pairColumns(p pair) []*core.Column {
	return append(slices.Clip(p.ac), p.bc...)
}

// appendKey appends the current primary-key values of e (assigned by now
// for inserted objects).
func appendKey(dst []any, e *entry) []any {
	for _, f := range e.m.PrimaryKey() {
		dst = append(dst, f.Value(e.p))
	}
	return dst
}

// keyEq matches association columns cols against e's key as loaded (its
// snapshot): cols[i] = key value i.
func keyEq(cols []*core.Column, e *entry) core.Expr {
	if len(cols) == 1 {
		return core.Eq(cols[0], keyValue(e, 0))
	}
	ands := make([]core.Expr, len(cols))
	for i, c := range cols {
		ands[i] = core.Eq(c, keyValue(e, i))
	}
	return core.And(ands...)
}
