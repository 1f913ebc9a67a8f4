package session

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// journal records what a flush changed in the session, so a failed flush
// (or a rolled-back transaction) can put everything back.
type journal struct {
	writes []fieldWrite     // field values the flush overwrote, in order
	states map[*entry]saved // entry states before their first change
	order  []*entry         // keys of states, in order
}

type fieldWrite struct {
	p   unsafe.Pointer
	f   *mapper.Field
	old any
	// rel and olds instead of f and old: a relationship field's targets.
	rel  *mapper.Relation
	olds []unsafe.Pointer
}

type saved struct {
	state  State
	key    idKey
	snap   []any
	coll   colls
	inObjs bool
}

func (j *journal) save(s *Session, e *entry) {
	if j.states == nil {
		j.states = map[*entry]saved{}
	}
	if _, ok := j.states[e]; ok {
		return
	}
	j.states[e] = saved{state: e.State(), key: e.key, snap: e.snap, coll: e.coll, inObjs: s.objs.get(e.p) == e}
	j.order = append(j.order, e)
}

// merge appends a later journal (whose first-touch states lose to j's).
func (j *journal) merge(s *Session, later *journal) {
	j.writes = append(j.writes, later.writes...)
	for _, e := range later.order {
		if _, ok := j.states[e]; !ok {
			if j.states == nil {
				j.states = map[*entry]saved{}
			}
			j.states[e] = later.states[e]
			j.order = append(j.order, e)
		}
	}
}

// restore undoes the journal: field writes in reverse, then states.
func (j *journal) restore(s *Session) {
	for i := len(j.writes) - 1; i >= 0; i-- {
		w := j.writes[i]
		if w.rel != nil {
			w.rel.Set(w.p, w.olds)
			continue
		}
		_ = w.f.Set(w.p, w.old)
	}
	for _, e := range j.order {
		st := j.states[e]
		s.ids.remove(e.key, e)
		e.key, e.snap, e.coll = st.key, st.snap, st.coll
		e.setState(st.state)
		if st.state == Persistent || st.state == Deleted {
			s.ids.putIfAbsent(e.key, e)
		}
		if st.inObjs {
			s.objs.put(e)
		} else {
			s.objs.remove(e.p)
		}
	}
}

// Flush writes every pending change to the database in the session's
// transaction (begun if needed): inserts in foreign-key order, batched per
// table; updates of the changed columns only; deletes, dependents first.
// If it fails, the database work of this flush is rolled back and every
// object is as it was before the call.
func (s *Session) Flush(ctx context.Context) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	if s.closed.Load() {
		return ErrClosed
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	_, _, err := s.flushLocked(ctx, false)
	return err
}

// link says: child's fk fields take parent's key (or NULL for a nil
// parent).
type link struct {
	child  *entry
	fk     []*mapper.Field
	parent *entry
	rel    *mapper.Relation
}

// pair is one row of an association table, oriented by column name.
type pair struct {
	t    *core.Table
	a, b *entry
	ac   *core.Column
	bc   *core.Column
}

type pairKey struct {
	t    *core.Table
	a, b *entry
}

type plan struct {
	s       *Session
	log     journal
	known   map[unsafe.Pointer]*entry // entries of cascaded objects (the session's are in s.objs)
	added   []*entry                  // cascaded from transient
	inserts []*entry
	deletes map[*entry]bool
	persist []*entry // persistent, not deleted
	links   map[*entry][]link
	m2mAdd  map[pairKey]pair
	m2mDel  map[pairKey]pair
	moves   map[unsafe.Pointer][]move // children added to collections (findMoves)
	tx      Tx
	auto    autoTx // tx of a one-statement commit (kept here: no allocation)
	// diffs memoises changed per entry; set drops an entry's. The first
	// entry's is held in diff1, off the map: a flush of one object
	// allocates no map.
	diff1e *entry
	diff1  []int
	diffs  map[*entry][]int
	// snaps holds the snapshots of inserted entries (see presnap), the
	// first in snap1 like diff1; set drops an entry's.
	snap1e *entry
	snap1  []any
	snaps  map[*entry][]any
	// ints is where diffs are kept (clipped runs of it; it is reallocated,
	// never overwritten, when full), first in intBuf. entryBuf and
	// modelBuf likewise hold a small flush's entries and models.
	ints       []int
	intBuf     [8]int
	entryBuf   [2]*entry
	persistBuf [1]*entry
	modelBuf   [1]*mapper.Model
	ret        returnBufs
	// committed: the flush committed by itself (commitOne), so finish
	// need not journal what it changes for a later rollback.
	committed bool
}

// dropMemos forgets e's memoised diff and snapshot.
func (pl *plan) dropMemos(e *entry) {
	if pl.diff1e == e {
		pl.diff1e, pl.diff1 = nil, nil
	}
	delete(pl.diffs, e)
	if pl.snap1e == e {
		pl.snap1e, pl.snap1 = nil, nil
	}
	delete(pl.snaps, e)
}

// snapOf returns the snapshot presnap recorded for e.
func (pl *plan) snapOf(e *entry) ([]any, bool) {
	if pl.snap1e == e {
		return pl.snap1, true
	}
	snap, ok := pl.snaps[e]
	return snap, ok
}

func (pl *plan) lookup(p unsafe.Pointer) *entry {
	if e := pl.known[p]; e != nil {
		return e
	}
	return pl.s.objs.get(p)
}

// set writes v into a field when it differs, journaling the old value.
func (pl *plan) set(e *entry, f *mapper.Field, v any) error {
	old := f.Value(e.p)
	if f.Equal(old, v) && (v == nil) == (old == nil) {
		return nil
	}
	if err := f.Set(e.p, v); err != nil {
		return err
	}
	pl.dropMemos(e) // the diff and snapshot are stale
	pl.log.writes = append(pl.log.writes, fieldWrite{p: e.p, f: f, old: old})
	return nil
}

// flushLocked flushes. With commit set (Session.Commit with no
// transaction open), a flush of a single statement runs it without a
// transaction, which commits it: committed then reports that, with the
// commit's token.
func (s *Session) flushLocked(ctx context.Context, commit bool) (tok router.Token, committed bool, err error) {
	if !s.holdsObjects() {
		return router.Token{}, false, nil // nothing to flush: the common case before a read
	}
	return s.flushPlan(ctx, commit)
}

// flushPlan is flushLocked for a session holding objects. (Apart, so that
// the context escaping to the flush observer costs nothing when there is
// nothing to flush.)
func (s *Session) flushPlan(ctx context.Context, commit bool) (tok router.Token, committed bool, err error) {
	pl := &plan{s: s}
	pl.ints, pl.persist = pl.intBuf[:0], pl.persistBuf[:0]
	if err := pl.collect(); err != nil {
		return router.Token{}, false, err
	}
	if len(pl.inserts) == 0 && len(pl.deletes) == 0 && len(pl.m2mAdd) == 0 && len(pl.m2mDel) == 0 {
		// Only updates are possible: apply links and diff.
		if err := pl.applyLinks(pl.persist); err != nil {
			pl.log.restore(s)
			return router.Token{}, false, err
		}
		if !slices.ContainsFunc(pl.persist, func(e *entry) bool { return len(pl.changed(e)) > 0 }) {
			pl.log.restore(s)
			return router.Token{}, false, nil
		}
	}

	// Reads wait while the flush writes: they never run in a transaction
	// being ended, nor meet rows the identity map does not show yet.
	ctx = s.lockFlush(ctx)
	defer s.unlockFlush()
	ctx, end := s.observeFlush(ctx, commit)
	if end != nil {
		defer func() { end(err) }()
	}
	if commit && s.tx == nil && s.opts.Tx == (engine.TxOptions{}) {
		one, err := pl.oneStatement()
		if err != nil {
			pl.log.restore(s)
			return router.Token{}, false, err
		}
		if one {
			tok, err := pl.commitOne(ctx)
			if err != nil {
				return router.Token{}, false, err
			}
			return tok, true, nil
		}
	}
	// The transaction: the session's, or a new one; a savepoint per flush
	// inside an existing one.
	began := false
	if s.tx == nil {
		tx, err := s.b.Begin(ctx, s.opts.Tx)
		if err != nil {
			pl.log.restore(s)
			return router.Token{}, false, fmt.Errorf("session: flush: begin: %w", err)
		}
		s.tx, s.txLog, began = tx, &journal{}, true
		pl.tx = tx
	} else {
		s.txMu.Lock()
		sp, err := s.tx.Savepoint(ctx)
		s.txMu.Unlock()
		if err != nil {
			pl.log.restore(s)
			return router.Token{}, false, fmt.Errorf("session: flush: savepoint: %w", err)
		}
		pl.tx = sp
	}
	s.setFlushTx(pl.tx) // the flush's own reads run in its savepoint
	if err := pl.execute(ctx); err != nil {
		s.txMu.Lock()
		rerr := pl.tx.Rollback(ctx)
		s.txMu.Unlock()
		pl.log.restore(s)
		if began || rerr != nil {
			_ = s.tx.Rollback(ctx)
			s.endTx(false)
		}
		return router.Token{}, false, fmt.Errorf("session: flush: %w", err)
	}
	if !began {
		s.txMu.Lock()
		_, err := pl.tx.Commit(ctx) // RELEASE SAVEPOINT
		s.txMu.Unlock()
		if err != nil {
			pl.log.restore(s)
			_ = s.tx.Rollback(ctx)
			s.endTx(false)
			return router.Token{}, false, fmt.Errorf("session: flush: release savepoint: %w", err)
		}
	}
	pl.finish()
	s.txLog.merge(s, &pl.log)
	return router.Token{}, false, nil
}

// oneStatement reports whether the flush is exactly one statement: one
// new object that no other object's foreign key waits for (and nothing
// else), or one changed persistent object. Deletes may cascade, and
// association rows are statements of their own: neither qualifies.
func (pl *plan) oneStatement() (bool, error) {
	if len(pl.deletes) > 0 || len(pl.m2mAdd) > 0 || len(pl.m2mDel) > 0 || len(pl.inserts) > pl.s.opts.BatchSize {
		return false, nil
	}
	if len(pl.inserts) > 0 {
		// One multi-row INSERT: one model, the same columns for every
		// row, and no row whose foreign key waits for another's key.
		m := pl.inserts[0].m
		sig := omitted(m, pl.inserts[0])
		if len(pl.inserts) > 1 {
			auto := m.AutoIncrement()
			if !pl.s.returning && auto != nil && auto.IsZero(pl.inserts[0].p) && !pl.s.opts.ConsecutiveIDs {
				return false, nil // MySQL inserts these row by row
			}
		}
		for _, e := range pl.inserts[1:] {
			if e.m != m || omitted(m, e) != sig {
				return false, nil
			}
		}
		if !pl.oneInsert(insertShapeFor(m, pl.inserts[0]), pl.inserts) {
			return false, nil // more parameters than one statement takes
		}
		for _, ls := range pl.links {
			for _, l := range ls {
				if l.parent != nil && l.parent.State() == Pending {
					return false, nil // an UPDATE or INSERT needs its key
				}
			}
		}
		if err := pl.applyLinks(pl.persist); err != nil {
			return false, err
		}
		return !slices.ContainsFunc(pl.persist, func(e *entry) bool { return len(pl.changed(e)) > 0 }), nil
	}
	n := 0
	for _, e := range pl.persist {
		if len(pl.changed(e)) > 0 {
			n++
		}
	}
	return n == 1, nil
}

// commitOne runs a one-statement flush outside a transaction, and so
// commits it. On failure nothing was written and the objects are restored.
func (pl *plan) commitOne(ctx context.Context) (router.Token, error) {
	s := pl.s
	pl.auto = autoTx{b: s.b}
	at := &pl.auto
	pl.tx = at
	if err := pl.execute(ctx); err != nil {
		pl.log.restore(s)
		s.forgetIfUnknown(err, pl.inserts) // see outcome.go
		return router.Token{}, fmt.Errorf("session: flush: %w", err)
	}
	pl.committed = true
	pl.finish()
	if ts, ok := s.b.(tokenSource); ok && at.last != nil {
		return ts.commitToken(ctx, at.last), nil
	}
	return router.Token{}, nil
}

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
	if n := int(s.objs.n.Load()); n > len(all) {
		all = make([]*entry, 0, n)
	}
	all = s.objs.appendTo(all)
	sortBySeq(all)
	// save-update cascade. The session's objects are found in its object
	// set (see lookup); known holds the ones the flush adds.
	queue, owned := all, false
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if st := e.State(); st != Pending && st != Persistent {
			continue
		}
		for _, r := range e.m.Relations() {
			if !r.Cascade.Has(mapper.CascadeSaveUpdate) {
				continue
			}
			for _, t := range r.Get(e.p) {
				if pl.lookup(t) != nil {
					continue
				}
				ne := &entry{m: r.Target, p: t, seq: s.seq.Add(1)}
				ne.setState(Pending)
				if pl.known == nil {
					pl.known = map[unsafe.Pointer]*entry{}
				}
				pl.known[t] = ne
				pl.added = append(pl.added, ne)
				if !owned { // all stays as it is
					queue, owned = slices.Clone(queue), true
				}
				queue = append(queue, ne)
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

	// Links, inserts, association changes.
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

func nullable(fs []*mapper.Field) bool {
	for _, f := range fs {
		if !f.Nullable {
			return false
		}
	}
	return true
}

func (pl *plan) relLinks(e *entry) error {
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
			for _, t := range r.Get(e.p) {
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
			err := diffMembers(prev, r.Get(e.p), func(t unsafe.Pointer) error {
				te, err := pl.member(e, r, t)
				if te != nil {
					pl.addPair(&pl.m2mAdd, r, e, te)
				}
				return err
			}, func(t unsafe.Pointer) error {
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
func (pl *plan) member(owner *entry, r *mapper.Relation, t unsafe.Pointer) (*entry, error) {
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
	p := pair{t: r.Secondary, a: owner, b: target, ac: r.SecondaryOwnerCols[0], bc: r.SecondaryTargetColumns[0]}
	if p.ac.Name > p.bc.Name {
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
// wins over a collection's) or last.
func (pl *plan) addLink(l link, first bool) {
	if pl.links == nil {
		pl.links = map[*entry][]link{}
	}
	if first {
		pl.links[l.child] = append([]link{l}, pl.links[l.child]...)
	} else {
		pl.links[l.child] = append(pl.links[l.child], l)
	}
}

// holdsObjects reports whether the session holds any object at all.
func (s *Session) holdsObjects() bool {
	return !s.objs.empty()
}

// applyLinks sets the foreign keys of es from their parents' keys.
func (pl *plan) applyLinks(es []*entry) error {
	for _, e := range es {
		for _, l := range pl.links[e] {
			pk := l.fk
			for i, f := range pk {
				var v any
				if l.parent != nil {
					v = l.parent.m.PrimaryKey()[i].Value(l.parent.p)
				}
				if err := pl.set(e, f, v); err != nil {
					return fmt.Errorf("session: %s.%s: %w", l.rel.Owner.Name, l.rel.Name, err)
				}
			}
		}
	}
	return nil
}

// changed is the package function changed, memoised for the plan.
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
			pl.diffs = map[*entry][]int{}
		}
		pl.diffs[e] = ch
	}
	return ch
}

// changed returns the indexes of the fields of a persistent entry that
// differ from its snapshot (every field without a snapshot). The version
// field is never reported: the flush manages it.
func changed(e *entry) []int { return appendChanged(nil, e) }

// appendChanged is changed, appending to out.
func appendChanged(out []int, e *entry) []int {
	for i, f := range e.m.Fields() {
		if f.Version {
			continue
		}
		if e.snap == nil {
			if !f.PrimaryKey {
				out = append(out, i)
			}
			continue
		}
		if !f.Unchanged(e.p, e.snap[i]) {
			out = append(out, i)
		}
	}
	return out
}

// execute runs the flush's statements.
func (pl *plan) execute(ctx context.Context) error {
	if err := pl.loadCascades(ctx); err != nil {
		return err
	}
	if err := pl.nullChildren(ctx); err != nil {
		return err
	}
	order, err := pl.s.modelOrder(pl)
	if err != nil {
		return err
	}
	// Inserts, parents first.
	for _, m := range order {
		es := pl.inserts
		if len(order) > 1 {
			es = nil
			for _, e := range pl.inserts {
				if e.m == m {
					es = append(es, e)
				}
			}
		}
		if len(es) == 0 {
			continue
		}
		if len(pl.links) == 0 { // one wave: no row waits for another's key
			if err := pl.applyLinks(es); err != nil {
				return err
			}
			if err := pl.insert(ctx, m, es); err != nil {
				return err
			}
			continue
		}
		for _, wave := range pl.waves(m, es) {
			if err := pl.applyLinks(wave); err != nil {
				return err
			}
			if err := pl.insert(ctx, m, wave); err != nil {
				return err
			}
		}
	}
	// Updates.
	if err := pl.applyLinks(pl.persist); err != nil {
		return err
	}
	for _, m := range order {
		for _, e := range pl.persist {
			if e.m == m {
				if err := pl.update(ctx, e); err != nil {
					return err
				}
			}
		}
	}
	// Association rows.
	if err := pl.associations(ctx); err != nil {
		return err
	}
	// Deletes, dependents first.
	for _, m := range slices.Backward(order) {
		var es []*entry
		for e := range pl.deletes {
			if e.m == m {
				es = append(es, e)
			}
		}
		slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
		waves := pl.deleteWaves(m, es)
		for _, wave := range slices.Backward(waves) {
			if err := pl.delete(ctx, m, wave); err != nil {
				return err
			}
		}
	}
	return nil
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
				if !r.IsNil(e.p) {
					continue // loaded: handled in collect
				}
				if _, seen := e.coll.get(r); seen {
					continue
				}
				var preds []core.Expr
				for i, f := range r.FK {
					preds = append(preds, core.Eq(f.Col, keyValue(e, i)))
				}
				stmt := r.Target.SelectAll().Where(preds...)
				ps, err := pl.s.load(ctx, r.Target, stmt, 0)
				if err != nil {
					return fmt.Errorf("load %s.%s to cascade the delete: %w", e.m.Name, r.Name, err)
				}
				for _, p := range ps {
					ce := pl.s.objs.get(p)
					if ce == nil {
						continue
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

// keyValue is the i-th primary-key value of a persistent entry as the
// database has it (its snapshot), or as the object holds it.
func keyValue(e *entry, i int) any {
	f := e.m.PrimaryKey()[i]
	if e.snap != nil {
		for j, g := range e.m.Fields() {
			if g == f {
				return e.snap[j]
			}
		}
	}
	return f.Value(e.p)
}

// waves splits the inserts of one model so that rows referencing other
// new rows of the same table (self-references) come after them.
func (pl *plan) waves(m *mapper.Model, es []*entry) [][]*entry {
	if len(es) == 0 {
		return nil
	}
	if len(pl.links) == 0 {
		return [][]*entry{es}
	}
	depth := map[*entry]int{}
	in := map[*entry]bool{}
	for _, e := range es {
		in[e] = true
	}
	var d func(e *entry, guard int) int
	d = func(e *entry, guard int) int {
		if v, ok := depth[e]; ok {
			return v
		}
		if guard > len(es) {
			return 0 // a cycle of new rows; the database will refuse it
		}
		v := 0
		for _, l := range pl.links[e] {
			if l.parent != nil && l.parent != e && in[l.parent] {
				v = max(v, d(l.parent, guard+1)+1)
			}
		}
		depth[e] = v
		return v
	}
	maxd := 0
	for _, e := range es {
		maxd = max(maxd, d(e, 0))
	}
	out := make([][]*entry, maxd+1)
	for _, e := range es {
		out[depth[e]] = append(out[depth[e]], e)
	}
	return out
}

// deleteWaves orders deletes of one model: rows referencing other
// deleted rows of the same table (by their loaded key values) in later
// waves, which run first.
func (pl *plan) deleteWaves(m *mapper.Model, es []*entry) [][]*entry {
	if len(es) == 0 {
		return nil
	}
	var self []*mapper.Relation
	for _, r := range m.Relations() {
		if r.Kind == mapper.ManyToOne && r.Target == m {
			self = append(self, r)
		}
	}
	if len(self) == 0 {
		return [][]*entry{es}
	}
	byKey := map[idKey]*entry{}
	for _, e := range es {
		byKey[e.key] = e
	}
	depth := map[*entry]int{}
	var d func(e *entry, guard int) int
	d = func(e *entry, guard int) int {
		if v, ok := depth[e]; ok {
			return v
		}
		v := 0
		if guard <= len(es) {
			for _, r := range self {
				vals := make([]any, len(r.FK))
				for i, f := range r.FK {
					vals[i] = snapValue(e, f)
				}
				if slices.Contains(vals, nil) {
					continue
				}
				if pe := byKey[makeKey(m, vals)]; pe != nil && pe != e {
					v = max(v, d(pe, guard+1)+1)
				}
			}
		}
		depth[e] = v
		return v
	}
	maxd := 0
	for _, e := range es {
		maxd = max(maxd, d(e, 0))
	}
	out := make([][]*entry, maxd+1)
	for _, e := range es {
		out[depth[e]] = append(out[depth[e]], e)
	}
	return out
}

func snapValue(e *entry, f *mapper.Field) any {
	if e.snap != nil {
		for j, g := range e.m.Fields() {
			if g == f {
				return e.snap[j]
			}
		}
	}
	return f.Value(e.p)
}

// exec runs a statement of the flush.
func (pl *plan) exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	pl.s.txMu.Lock()
	defer pl.s.txMu.Unlock()
	return pl.tx.Exec(ctx, stmt)
}

// update writes the changed columns of a persistent entry, checking and
// bumping its version column.
func (pl *plan) update(ctx context.Context, e *entry) error {
	ch := pl.changed(e)
	if len(ch) == 0 {
		return nil
	}
	m := e.m
	fields := m.Fields()
	stmt := core.Update(m.Table())
	for _, i := range ch {
		v, err := fields[i].Bind(e.p)
		if err != nil {
			return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
		}
		stmt = stmt.Set(fields[i].Col, v)
	}
	for i, f := range m.PrimaryKey() {
		stmt = stmt.Where(core.Eq(f.Col, keyValue(e, i)))
	}
	v := m.Version()
	var next int64
	if v != nil {
		cur := snapValue(e, v)
		n, err := toInt64(cur)
		if err != nil {
			return fmt.Errorf("update %s: version: %w", m.Name, err)
		}
		next = n + 1
		stmt = stmt.Set(v.Col, next).Where(core.Eq(v.Col, cur))
	}
	res, err := pl.exec(ctx, stmt)
	if err != nil {
		return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
	}
	if res.RowsAffected == 0 {
		// The row is gone (deleted by someone else), or, with a version
		// column, changed by someone else: either way this session's view
		// is stale, and writing nothing silently would lose the change.
		if v == nil {
			return fmt.Errorf("update %s %s: no row matched: %w", m.Name, e.key, athanor.ErrStaleObject)
		}
		return fmt.Errorf("update %s %s: version %v: %w", m.Name, e.key, snapValue(e, v), athanor.ErrStaleObject)
	}
	if v != nil {
		if err := pl.set(e, v, next); err != nil {
			return err
		}
	}
	return nil
}

func toInt64(v any) (int64, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), nil
	}
	return 0, fmt.Errorf("not an integer: %T", v)
}

// associations writes the association rows that appeared and removes
// the ones that went, and those of deleted objects.
func (pl *plan) associations(ctx context.Context) error {
	keyOfEntry := func(e *entry) any { return e.m.PrimaryKey()[0].Value(e.p) }
	var dels []pair
	for k, p := range pl.m2mDel {
		if _, readded := pl.m2mAdd[k]; readded {
			delete(pl.m2mAdd, k)
			continue
		}
		dels = append(dels, p)
	}
	if err := pl.deletePairs(ctx, dels); err != nil {
		return err
	}
	// Rows of deleted objects.
	var deleted []*entry
	for e := range pl.deletes {
		deleted = append(deleted, e)
	}
	slices.SortFunc(deleted, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	for _, e := range deleted {
		for _, r := range e.m.Relations() {
			if r.Kind != mapper.ManyToMany {
				continue
			}
			stmt := core.Delete(r.Secondary).Where(core.Eq(r.SecondaryOwnerCols[0], snapKey(e)))
			if _, err := pl.exec(ctx, stmt); err != nil {
				return fmt.Errorf("delete from %s: %w", r.Secondary.Name(), err)
			}
		}
	}
	// New rows, per table, batched.
	byTable := map[*core.Table][]pair{}
	var tables []*core.Table
	for _, p := range pl.m2mAdd {
		if pl.deletes[p.a] || pl.deletes[p.b] {
			continue
		}
		if _, ok := byTable[p.t]; !ok {
			tables = append(tables, p.t)
		}
		byTable[p.t] = append(byTable[p.t], p)
	}
	slices.SortFunc(tables, func(a, b *core.Table) int { return strings.Compare(a.Name(), b.Name()) })
	for _, t := range tables {
		ps := byTable[t]
		slices.SortFunc(ps, func(x, y pair) int { return cmp.Or(cmp.Compare(x.a.seq, y.a.seq), cmp.Compare(x.b.seq, y.b.seq)) })
		for chunk := range slices.Chunk(ps, pl.rowsPerStatement(2)) {
			rows, flat := make([][]any, len(chunk)), make([]any, 2*len(chunk))
			for i, p := range chunk {
				flat[2*i], flat[2*i+1] = keyOfEntry(p.a), keyOfEntry(p.b)
				rows[i] = flat[2*i : 2*i+2 : 2*i+2]
			}
			stmt := core.Insert(t).Columns(chunk[0].ac, chunk[0].bc).Rows(rows...) // not Values per row: each copies the rows before it
			if _, err := pl.exec(ctx, stmt); err != nil {
				return fmt.Errorf("insert into %s: %w", t.Name(), err)
			}
		}
	}
	return nil
}

func snapKey(e *entry) any { return keyValue(e, 0) }

// delete removes rows of one model: by key lists when unversioned, row by
// row with the version checked otherwise.
func (pl *plan) delete(ctx context.Context, m *mapper.Model, es []*entry) error {
	v := m.Version()
	pk := m.PrimaryKey()
	if v == nil && len(pk) == 1 {
		for chunk := range slices.Chunk(es, pl.rowsPerStatement(1)) {
			keys := make([]any, len(chunk))
			for i, e := range chunk {
				keys[i] = keyValue(e, 0)
			}
			if _, err := pl.exec(ctx, core.Delete(m.Table()).Where(core.In(pk[0].Col, keys...))); err != nil {
				return fmt.Errorf("delete %s: %w", m.Name, err)
			}
		}
		return nil
	}
	for _, e := range es {
		stmt := core.Delete(m.Table())
		for i, f := range pk {
			stmt = stmt.Where(core.Eq(f.Col, keyValue(e, i)))
		}
		if v != nil {
			stmt = stmt.Where(core.Eq(v.Col, snapValue(e, v)))
		}
		res, err := pl.exec(ctx, stmt)
		if err != nil {
			return fmt.Errorf("delete %s %s: %w", m.Name, e.key, err)
		}
		if v != nil && res.RowsAffected == 0 {
			return fmt.Errorf("delete %s %s: version %v: %w", m.Name, e.key, snapValue(e, v), athanor.ErrStaleObject)
		}
	}
	return nil
}

// finish applies the flush to the session: new objects persistent,
// deleted ones detached, snapshots current. Every change is journaled
// for a later rollback of the transaction.
func (pl *plan) finish() {
	s := pl.s
	if pl.committed {
		pl.log = journal{} // nothing left to roll back
	}
	for _, e := range pl.inserts {
		pl.journal(e)
		if snap, ok := pl.snapOf(e); ok {
			e.snap = snap
		} else {
			e.snap = snapshot(e.m, e.p)
		}
		e.coll = collections(e.m, e.p)
		if e.State() != Pending {
			e.key = keyOf(e.m, e.p)
			continue
		}
		e.setState(Persistent)
		s.index(e)
	}
	// Objects added by cascade join the ones Add put in the object set.
	for _, e := range pl.added {
		if e.State() == Persistent {
			s.objs.put(e)
		}
	}
	for _, e := range pl.persist {
		pl.journal(e)
		e.snap = snapshot(e.m, e.p)
		e.coll = collections(e.m, e.p)
		if k := keyOf(e.m, e.p); k != e.key {
			s.ids.remove(e.key, e)
			e.key = k
			s.ids.putIfAbsent(k, e)
		}
	}
	for e := range pl.deletes {
		pl.journal(e)
		s.ids.remove(e.key, e)
		s.objs.remove(e.p)
		e.setState(Detached)
	}
}

// journal saves e's state before finish changes it, unless the flush
// committed by itself.
func (pl *plan) journal(e *entry) {
	if !pl.committed {
		pl.log.save(pl.s, e)
	}
}

// onlyModel returns the model of every entry the flush writes when there
// is one, else nil.
func (pl *plan) onlyModel() *mapper.Model {
	var m *mapper.Model
	same := func(e *entry) bool {
		if m == nil {
			m = e.m
		}
		return e.m == m
	}
	for _, e := range pl.inserts {
		if !same(e) {
			return nil
		}
	}
	for _, e := range pl.persist {
		if !same(e) {
			return nil
		}
	}
	for e := range pl.deletes {
		if !same(e) {
			return nil
		}
	}
	return m
}

// modelOrder returns the models of the flush with every model after the
// models its table's foreign keys reference.
func (s *Session) modelOrder(pl *plan) ([]*mapper.Model, error) {
	if m := pl.onlyModel(); m != nil {
		pl.modelBuf[0] = m
		return pl.modelBuf[:], nil // a self-reference orders rows, not models
	}
	involved := map[*mapper.Model]bool{}
	for _, e := range pl.inserts {
		involved[e.m] = true
	}
	for _, e := range pl.persist {
		involved[e.m] = true
	}
	for e := range pl.deletes {
		involved[e.m] = true
	}
	if len(involved) == 1 {
		for m := range involved {
			return []*mapper.Model{m}, nil // a self-reference orders rows, not models
		}
	}
	byTable := map[string]*mapper.Model{}
	for _, m := range s.reg.Models() {
		byTable[m.Table().Name()] = m
	}
	ms := make([]*mapper.Model, 0, len(involved))
	for m := range involved {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *mapper.Model) int { return strings.Compare(a.Table().FullName(), b.Table().FullName()) })
	const (
		visiting = 1
		done     = 2
	)
	state := map[*mapper.Model]int{}
	var out []*mapper.Model
	var visit func(m *mapper.Model, path []string) error
	visit = func(m *mapper.Model, path []string) error {
		switch state[m] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("foreign-key cycle between models %s -> %s: not supported by the flush", strings.Join(path, " -> "), m.Name)
		}
		state[m] = visiting
		for _, fk := range m.Table().ForeignKeys() {
			dep := byTable[fk.RefTable]
			if dep == nil || dep == m {
				continue
			}
			if err := visit(dep, append(path, m.Name)); err != nil {
				return err
			}
		}
		state[m] = done
		if involved[m] {
			out = append(out, m)
		}
		return nil
	}
	for _, m := range ms {
		if err := visit(m, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
