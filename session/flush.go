package session

// This file holds the flush's plan and its steps in order: collect
// (flush_collect.go), order (flush_order.go), emit (flush_emit.go,
// flush_insert.go, flush_links.go), then finish, which brings the
// session's snapshots and states up to date; on failure the journal
// (flush_journal.go) puts the session back. See "Flush" in doc.go.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

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
	poly   *mapper.PolyRelation // instead of rel: see flush_poly.go
}

// pair is one row of an association table, oriented by column name: ac
// hold a's key, bc b's (one column per key column).
type pair struct {
	t    *core.Table
	a, b *entry
	ac   []*core.Column
	bc   []*core.Column
}

type pairKey struct {
	t    *core.Table
	a, b *entry
}

type plan struct {
	s       *Session
	log     journal
	known   map[mapper.Ref]*entry // entries of cascaded objects (the session's are in s.objs)
	added   []*entry              // cascaded from transient
	inserts []*entry
	deletes map[*entry]bool
	persist []*entry // persistent, not deleted
	// lone is the flush's one object when it is all the flush holds,
	// with nothing linked to it (see collect): its INSERT or UPDATE is
	// then the whole flush, and the stages that order, link and group
	// statements are skipped, as they would do nothing.
	lone    *entry
	links   map[*entry][]link
	linkBuf []link // backs the first link of each child (see addLink)
	m2mAdd  map[pairKey]pair
	m2mDel  map[pairKey]pair
	moves   map[mapper.Ref][]move // children added to collections (findMoves)
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
	snap1  mapper.Snapshot
	snaps  map[*entry]mapper.Snapshot
	// ints is where diffs are kept (clipped runs of it; it is reallocated,
	// never overwritten, when full), first in intBuf. entryBuf and
	// persistBuf likewise hold a small flush's entries.
	ints       []int
	intBuf     [8]int
	entryBuf   [2]*entry
	persistBuf [1]*entry
	writeBuf   [1]fieldWrite // backs log.writes: the key a one-row INSERT sets
	ret        returnBufs
	// idxKeys and idxEntries are the inserted entries finish indexes at
	// once (see indexInt).
	idxKeys    []intKey
	idxEntries []*entry
	// updated: the entries updated, kept only with Events (events.go).
	updated []*entry
	// scan is scanReturned bound to this plan, made once with it: the
	// RETURNING rows of every INSERT are read through it, so no closure
	// is allocated per statement (see sendInsert).
	scan func(*engine.Rows) error
}

// Plans are pooled: a flush's plan is mostly room for its bookkeeping,
// which ends with the flush. What must be unique to one flush, its
// context (see lockFlush), is not in the plan, and nothing the flush
// leaves behind points into it: finish copies snapshots and states into
// the entries, the transaction's journal copies the plan's (see
// journal.merge), and the after-listeners' record copies its lists (see
// record). A plan is released once its flush has ended, never while a
// caller of the flush may still read it.
var plans = sync.Pool{New: func() any {
	pl := new(plan)
	pl.scan = pl.scanPending
	return pl
}}

// dropMemos forgets e's memoised diff and snapshot.
func (pl *plan) dropMemos(e *entry) {
	if pl.diff1e == e {
		pl.diff1e, pl.diff1 = nil, nil
	}
	delete(pl.diffs, e)
	if pl.snap1e == e {
		pl.snap1e, pl.snap1 = nil, mapper.Snapshot{}
	}
	delete(pl.snaps, e)
}

// keyMoved reports whether the flush may have changed a field of the
// identity of e, a persistent entry: its primary key, or the shard key
// that is part of it (see identShard), as the diff against e's snapshot
// shows. Without a snapshot (an attached object) it cannot tell, and says
// so. Only then does finish recompute e's key for the identity map.
func (pl *plan) keyMoved(e *entry) bool {
	if e.snap.IsZero() {
		return true
	}
	fs, sf := e.m.Fields(), identShard(e.m)
	for _, i := range pl.changed(e) {
		if f := fs[i]; f.PrimaryKey || f == sf {
			return true
		}
	}
	return false
}

// snapOf returns the snapshot presnap recorded for e.
func (pl *plan) snapOf(e *entry) (mapper.Snapshot, bool) {
	if pl.snap1e == e {
		return pl.snap1, true
	}
	snap, ok := pl.snaps[e]
	return snap, ok
}

func (pl *plan) lookup(p mapper.Ref) *entry {
	if e := pl.known[p]; e != nil {
		return e
	}
	return pl.s.objs.get(p)
}

// set writes v into a field when it differs, journaling the old value.
func (pl *plan) set(e *entry, f *mapper.Field, v any) error {
	// v is a value as Value returns: Unchanged compares it unboxed (but a
	// JSON field's compares snapshot texts).
	if !f.IsJSON() && f.Unchanged(e.p, v) {
		return nil
	}
	old := f.Value(e.p)
	if err := f.Set(e.p, v); err != nil {
		return err
	}
	pl.dropMemos(e) // the diff and snapshot are stale
	pl.log.writes = append(pl.log.writes, fieldWrite{p: e.p, f: f, old: old})
	return nil
}

// indexInt sets the key of e, an inserted entry of a model whose
// identity is one integer column, and queues it for indexInts: the
// identity map takes a flush's new rows under one acquisition of its
// lock, its table grown once, as it takes a load's (see Session.index).
func (pl *plan) indexInt(e *entry) {
	if pl.idxKeys == nil {
		pl.idxKeys = make([]intKey, 0, len(pl.inserts))
		pl.idxEntries = make([]*entry, 0, len(pl.inserts))
	}
	pl.idxKeys = append(pl.idxKeys, intIdent(e, e.m.IntKey()))
	pl.idxEntries = append(pl.idxEntries, e)
}

// indexInts records the entries indexInt queued in the identity map. As
// with Session.index, an entry whose key another holds stays out of it.
func (pl *plan) indexInts() {
	if len(pl.idxKeys) == 0 {
		return
	}
	pl.s.ids.publishInts(pl.idxKeys, pl.idxEntries, nil)
	clear(pl.idxKeys)
	clear(pl.idxEntries)
	pl.idxKeys, pl.idxEntries = pl.idxKeys[:0], pl.idxEntries[:0]
}

// flushLocked flushes. With commit set (Session.Commit), a flush of a
// single statement with no transaction open runs it without a
// transaction, which commits it: committed then reports that, with the
// commit's token; and a failed flush ends the transaction.
func (s *Session) flushLocked(ctx context.Context, commit bool) (tok router.Token, committed bool, err error) {
	if !s.holdsObjects() {
		return router.Token{}, false, nil // nothing to flush: the common case before a read
	}
	open := false
	if commit {
		s.txLock.RLock()
		open = s.tx != nil
		s.txLock.RUnlock()
	}
	tok, committed, err = s.flushPlan(ctx, commit)
	if err != nil && open {
		s.endFailedCommit(ctx)
	}
	if s.rare != nil && s.rare.done != nil { // set by a flush that succeeded, with Events
		s.afterHooks(ctx)
	}
	return tok, committed, err
}

// endFailedCommit ends the transaction that was open when Commit's flush
// failed: a failed Commit rolls it back whatever failed (a flush that
// failed writing has rolled it back already; one that failed before
// writing has not).
func (s *Session) endFailedCommit(ctx context.Context) {
	s.txLock.Lock()
	if s.tx != nil {
		_ = s.rootTx().Rollback(context.WithoutCancel(ctx))
		s.endTx(false)
	}
	s.txLock.Unlock()
	s.afterRollback(ctx)
}

// flushPlan is flushLocked for a session holding objects. (Apart, so that
// the context escaping to the flush observer costs nothing when there is
// nothing to flush.)
func (s *Session) flushPlan(ctx context.Context, commit bool) (tok router.Token, committed bool, err error) {
	pl := newPlan(s)
	defer func() { pl.release() }() // pl may be replaced (beforeHooks); the last one is released last
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
	if s.opts.Events != nil {
		if pl, err = s.beforeHooks(ctx, pl); pl == nil {
			return router.Token{}, false, err
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
	// inside an existing one, so that a failed flush leaves the
	// transaction usable. Commit's flush needs none: Commit fails as a
	// whole, rolling the transaction back.
	nested := false
	if s.tx == nil {
		tx, err := s.b.Begin(ctx, s.opts.Tx)
		if err != nil {
			pl.log.restore(s)
			return router.Token{}, false, fmt.Errorf("session: flush: begin: %w", err)
		}
		s.tx, s.txLog = tx, &journal{}
		pl.tx = tx
	} else if commit {
		pl.tx = s.tx
	} else {
		nested = true
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
		var rerr error
		if nested {
			s.txMu.Lock()
			rerr = pl.tx.Rollback(ctx)
			s.txMu.Unlock()
		}
		pl.log.restore(s)
		if !nested || rerr != nil {
			_ = s.rootTx().Rollback(ctx)
			s.endTx(false)
		}
		return router.Token{}, false, fmt.Errorf("session: flush: %w", err)
	}
	if nested {
		s.txMu.Lock()
		_, err := pl.tx.Commit(ctx) // RELEASE SAVEPOINT
		s.txMu.Unlock()
		if err != nil {
			pl.log.restore(s)
			_ = s.rootTx().Rollback(ctx)
			s.endTx(false)
			return router.Token{}, false, fmt.Errorf("session: flush: release savepoint: %w", err)
		}
	}
	pl.finish(false)
	s.txLog.merge(s, &pl.log)
	return router.Token{}, false, nil
}

// newPlan returns an empty plan for a flush of s, from the pool.
func newPlan(s *Session) *plan {
	pl := plans.Get().(*plan)
	pl.s = s
	pl.ints, pl.persist, pl.log.writes = pl.intBuf[:0], pl.persistBuf[:0], pl.writeBuf[:0]
	return pl
}

// release clears pl, so that the pool keeps nothing of its flush
// reachable, and returns it to the pool. pl may be nil.
func (pl *plan) release() {
	if pl == nil {
		return
	}
	pl.reset()
	plans.Put(pl)
}

// reset zeroes pl but for its bound scan function.
func (pl *plan) reset() {
	scan := pl.scan
	*pl = plan{scan: scan}
}

// oneStatement reports whether the flush is exactly one statement: one
// new object that no other object's foreign key waits for (and nothing
// else), or one changed persistent object. Deletes may cascade, and
// association rows are statements of their own: neither qualifies.
func (pl *plan) oneStatement() (bool, error) {
	if e := pl.lone; e != nil {
		return e.State() == Pending || len(pl.changed(e)) > 0, nil
	}
	if len(pl.deletes) > 0 || len(pl.m2mAdd) > 0 || len(pl.m2mDel) > 0 || len(pl.inserts) > pl.s.opts.BatchSize {
		return false, nil
	}
	if len(pl.inserts) > 0 {
		// One multi-row INSERT: one model, the same columns for every
		// row, and no row whose foreign key waits for another's key.
		m := pl.inserts[0].m
		if len(pl.inserts) > 1 {
			auto := m.AutoIncrement()
			if !pl.s.returningOf(m.Table()) && auto != nil && auto.IsZero(pl.inserts[0].p) && !pl.s.opts.ConsecutiveIDs {
				return false, nil // MySQL inserts these row by row
			}
			sig := omitted(m, pl.inserts[0])
			for _, e := range pl.inserts[1:] {
				if e.m != m || omitted(m, e) != sig {
					return false, nil
				}
			}
			if pl.spansShards(pl.inserts) {
				return false, nil // a statement per shard: the transaction path refuses or runs them
			}
			if !pl.oneInsert(insertShapeFor(m, pl.inserts[0]), pl.inserts) {
				return false, nil // more parameters than one statement takes
			}
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
	pl.finish(true)
	if ts, ok := s.b.(tokenSource); ok && at.last != nil {
		return ts.commitToken(at.lastCtx, at.last), nil
	}
	return router.Token{}, nil
}

// holdsObjects reports whether the session holds any object at all.
func (s *Session) holdsObjects() bool {
	return !s.objs.empty()
}

// execute runs the flush's statements.
func (pl *plan) execute(ctx context.Context) error {
	if e := pl.lone; e != nil {
		if e.State() == Pending {
			return pl.insert(ctx, e.m, pl.inserts)
		}
		return pl.update(ctx, e)
	}
	if len(pl.deletes) > 0 { // both start from the deleted objects
		if err := pl.loadCascades(ctx); err != nil {
			return err
		}
		if err := pl.nullChildren(ctx); err != nil {
			return err
		}
	}
	var order []*mapper.Model
	if m := pl.onlyModel(); m != nil {
		// On the stack: a self-reference orders rows, not models.
		order = []*mapper.Model{m}
	} else {
		var err error
		if order, err = pl.s.modelOrder(pl); err != nil {
			return err
		}
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
	if len(pl.m2mAdd) > 0 || len(pl.m2mDel) > 0 || len(pl.deletes) > 0 {
		if err := pl.associations(ctx); err != nil {
			return err
		}
	}
	if len(pl.deletes) == 0 {
		return nil
	}
	// Deletes, dependents first.
	if err := pl.beforeDeletes(ctx); err != nil {
		return err
	}
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

// finish applies the flush to the session: new objects persistent,
// deleted ones detached, snapshots current. Every change is journaled
// for a later rollback of the transaction, unless the flush committed by
// itself (commitOne): then there is nothing left to roll back.
func (pl *plan) finish(committed bool) {
	s := pl.s
	if committed {
		pl.log = journal{}
	}
	save := func(e *entry) {
		if !committed {
			pl.log.save(s, e)
		}
	}
	for _, e := range pl.inserts {
		save(e)
		if snap, ok := pl.snapOf(e); ok {
			e.snap = snap
		} else {
			e.snap = snapshot(e.m, e.p)
		}
		e.coll = collections(e.m, e.p)
		if e.State() != Pending {
			e.key = identOf(e.m, e.p)
			continue
		}
		e.setState(Persistent)
		if e.m.IntKey() < 0 || len(pl.inserts) == 1 {
			s.index(e)
			continue
		}
		pl.indexInt(e)
	}
	pl.indexInts()
	// Objects added by cascade join the ones Add put in the object set.
	for _, e := range pl.added {
		if e.State() == Persistent {
			s.objs.put(e)
		}
	}
	for _, e := range pl.persist {
		save(e)
		moved := pl.keyMoved(e) // against the snapshot about to be replaced
		e.snap = snapshot(e.m, e.p)
		e.coll = collections(e.m, e.p)
		if !moved {
			continue
		}
		if k := identOf(e.m, e.p); k != e.key {
			s.ids.remove(e.key, e)
			e.key = k
			s.ids.putIfAbsent(k, e)
		}
	}
	for e := range pl.deletes {
		save(e)
		s.ids.remove(e.key, e)
		s.objs.remove(e.p)
		e.setState(Detached)
	}
	if pl.lone == nil { // a lone object has no polymorphic relationships (see standalone)
		pl.polyFinish() // see flush_poly.go
	}
	pl.record()
}
