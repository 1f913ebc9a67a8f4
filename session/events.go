package session

// This file holds the session's typed events: listeners registered on an
// Events value given to sessions as Options.Events, and the calls the
// flush, loads, Refresh, Commit and Rollback make to them. A session
// without Events does no work for them.

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// Events holds ORM event listeners: per model (before and after insert,
// update and delete; load; refresh) and per session (before and after
// flush, after commit, after rollback). Register every listener before
// the first session uses the Events (Options.Events): registering on an
// Events a session was created with panics, so listeners never change
// under a running flush. One Events may serve any number of sessions.
//
//	ev := new(session.Events)
//	session.OnBeforeUpdate(ev, func(ctx context.Context, s *session.Session, a *Article) error {
//		a.UpdatedAt = time.Now()
//		return nil
//	})
//	s := session.New(db, session.Options{Events: ev})
//
// Listeners run on the goroutine of the call that triggers them, while
// the session holds its flush lock (during Flush, Commit, Rollback and
// Refresh) or runs a load: they may read and set the fields of objects
// and call StateOf, and BeforeFlush listeners may Add and Delete, but no
// listener may run statements through the session (Get of an object not
// in the identity map, queries, Flush, Commit, Rollback, Refresh): those
// wait for the lock the listener runs under.
type Events struct {
	sealed atomic.Bool

	models map[reflect.Type]*modelEvents

	beforeFlush   []func(context.Context, *Session) error
	afterFlush    []func(context.Context, *Session)
	afterCommit   []func(context.Context, *Session)
	afterRollback []func(context.Context, *Session)

	// Any listener of the kind, on any model: the flush skips a kind no
	// model listens to.
	anyBefore, anyAfter [3]bool
	anyLoad             bool
}

// The flush operations, indexes of modelEvents' arrays.
const (
	opInsert = iota
	opUpdate
	opDelete
)

var opNames = [3]string{"insert", "update", "delete"}

type modelEvents struct {
	before  [3][]func(context.Context, *Session, any) error
	after   [3][]func(context.Context, *Session, any)
	load    []func(context.Context, *Session, any)
	refresh []func(context.Context, *Session, any)
}

func (ev *Events) mustOpen() {
	if ev.sealed.Load() {
		panic("session: listener registered on Events already given to a session")
	}
}

func modelOf[T any](ev *Events) *modelEvents {
	ev.mustOpen()
	t := reflect.TypeFor[T]()
	if ev.models == nil {
		ev.models = map[reflect.Type]*modelEvents{}
	}
	me := ev.models[t]
	if me == nil {
		me = &modelEvents{}
		ev.models[t] = me
	}
	return me
}

func before[T any](ev *Events, op int, fn func(context.Context, *Session, *T) error) {
	me := modelOf[T](ev)
	me.before[op] = append(me.before[op], func(ctx context.Context, s *Session, obj any) error { return fn(ctx, s, obj.(*T)) })
	ev.anyBefore[op] = true
}

func after[T any](ev *Events, op int, fn func(context.Context, *Session, *T)) {
	me := modelOf[T](ev)
	me.after[op] = append(me.after[op], func(ctx context.Context, s *Session, obj any) { fn(ctx, s, obj.(*T)) })
	ev.anyAfter[op] = true
}

// OnBeforeInsert registers fn to run for each new *T a flush is about to
// insert, before its INSERT is shaped: fields fn sets are written by that
// INSERT. An error fails the flush (nothing of it is written) and is
// wrapped in one naming the model.
func OnBeforeInsert[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T) error) {
	before(ev, opInsert, fn)
}

// OnBeforeUpdate registers fn to run for each persistent *T whose columns
// differ from their last loaded or flushed values, before its UPDATE is
// shaped: fields fn sets (UpdatedAt, say) are written by the same UPDATE.
// Objects without changes are not passed. An error fails the flush as
// OnBeforeInsert's does.
func OnBeforeUpdate[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T) error) {
	before(ev, opUpdate, fn)
}

// OnBeforeDelete registers fn to run for each *T a flush is about to
// delete (those cascades reach included), in the flush's transaction
// before its DELETE. An error fails the flush as OnBeforeInsert's does.
func OnBeforeDelete[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T) error) {
	before(ev, opDelete, fn)
}

// OnAfterInsert registers fn to run for each *T a flush inserted, once the
// flush has succeeded (the object is persistent, its generated key set).
func OnAfterInsert[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T)) {
	after(ev, opInsert, fn)
}

// OnAfterUpdate registers fn to run for each *T a flush updated, once the
// flush has succeeded.
func OnAfterUpdate[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T)) {
	after(ev, opUpdate, fn)
}

// OnAfterDelete registers fn to run for each *T a flush deleted, once the
// flush has succeeded (the object is detached).
func OnAfterDelete[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T)) {
	after(ev, opDelete, fn)
}

// OnLoad registers fn to run once for each *T the session builds from a
// row and puts in the session, by whatever path: Get, a query, the
// relationship loads of loader options (SelectIn, Joined, nested paths)
// and Load. It runs after the statement has finished, or for a query with
// loader options or Load after all of its loads have (so the object's
// loaded relationships are set). An object the identity map already held
// is not passed.
func OnLoad[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T)) {
	me := modelOf[T](ev)
	me.load = append(me.load, func(ctx context.Context, s *Session, obj any) { fn(ctx, s, obj.(*T)) })
	ev.anyLoad = true
}

// OnRefresh registers fn to run for each *T that Refresh has reloaded,
// or LoadFields has filled fields of.
func OnRefresh[T any](ev *Events, fn func(ctx context.Context, s *Session, obj *T)) {
	me := modelOf[T](ev)
	me.refresh = append(me.refresh, func(ctx context.Context, s *Session, obj any) { fn(ctx, s, obj.(*T)) })
}

// OnBeforeFlush registers fn to run when a flush has found something to
// write, before anything else: objects fn adds, deletes or changes are
// part of the flush. An error fails the flush, which writes nothing.
func (ev *Events) OnBeforeFlush(fn func(ctx context.Context, s *Session) error) {
	ev.mustOpen()
	ev.beforeFlush = append(ev.beforeFlush, fn)
}

// OnAfterFlush registers fn to run after each flush that wrote, once it
// has succeeded and its objects' states are current (after the
// per-object after-listeners).
func (ev *Events) OnAfterFlush(fn func(ctx context.Context, s *Session)) {
	ev.mustOpen()
	ev.afterFlush = append(ev.afterFlush, fn)
}

// OnAfterCommit registers fn to run after each Commit that succeeded.
func (ev *Events) OnAfterCommit(fn func(ctx context.Context, s *Session)) {
	ev.mustOpen()
	ev.afterCommit = append(ev.afterCommit, fn)
}

// OnAfterRollback registers fn to run after Rollback (or Close) rolled
// back an open transaction, and after a Commit whose COMMIT failed.
func (ev *Events) OnAfterRollback(fn func(ctx context.Context, s *Session)) {
	ev.mustOpen()
	ev.afterRollback = append(ev.afterRollback, fn)
}

// beforeHooks runs the BeforeFlush and before-insert and before-update
// listeners of a flush whose plan pl has found work, before anything is
// sent. BeforeFlush may change the session, so the plan is then built
// again; it returns the plan to run, or nil when there is nothing left
// to write. On error the session is restored.
func (s *Session) beforeHooks(ctx context.Context, pl *plan) (*plan, error) {
	ev := s.opts.Events
	if len(ev.beforeFlush) > 0 {
		pl.log.restore(s) // undo what collect applied; the listeners see the objects as they were
		for _, fn := range ev.beforeFlush {
			if err := fn(ctx, s); err != nil {
				return nil, fmt.Errorf("session: flush: before flush: %w", err)
			}
		}
		pl = newPlan(s)
		if err := pl.collect(); err != nil {
			return nil, err
		}
		if len(pl.inserts) == 0 && len(pl.deletes) == 0 && len(pl.m2mAdd) == 0 && len(pl.m2mDel) == 0 {
			if err := pl.applyLinks(pl.persist); err != nil {
				pl.log.restore(s)
				return nil, err
			}
			if !slices.ContainsFunc(pl.persist, func(e *entry) bool { return len(pl.changed(e)) > 0 }) {
				pl.log.restore(s)
				return nil, nil
			}
		}
	}
	if ev.anyBefore[opInsert] {
		for _, e := range pl.inserts {
			if err := ev.runBefore(ctx, s, opInsert, e); err != nil {
				pl.log.restore(s)
				return nil, err
			}
			pl.dropMemos(e)
		}
	}
	if ev.anyBefore[opUpdate] {
		// Links first: a changed foreign key is a change. (A key still to
		// come from a new parent is written again after its INSERT.)
		if err := pl.applyLinks(pl.persist); err != nil {
			pl.log.restore(s)
			return nil, err
		}
		for _, e := range pl.persist {
			if ev.models[e.m.Type] == nil || len(pl.changed(e)) == 0 {
				continue
			}
			if err := ev.runBefore(ctx, s, opUpdate, e); err != nil {
				pl.log.restore(s)
				return nil, err
			}
			pl.dropMemos(e)
		}
	}
	return pl, nil
}

// beforeDeletes runs the before-delete listeners over the flush's
// deletes, in the order objects were added.
func (pl *plan) beforeDeletes(ctx context.Context) error {
	ev := pl.s.opts.Events
	if ev == nil || !ev.anyBefore[opDelete] {
		return nil
	}
	es := make([]*entry, 0, len(pl.deletes))
	for e := range pl.deletes {
		es = append(es, e)
	}
	sortBySeq(es)
	for _, e := range es {
		if err := ev.runBefore(ctx, pl.s, opDelete, e); err != nil {
			return err
		}
	}
	return nil
}

func (ev *Events) runBefore(ctx context.Context, s *Session, op int, e *entry) error {
	me := ev.models[e.m.Type]
	if me == nil {
		return nil
	}
	for _, fn := range me.before[op] {
		if err := fn(ctx, s, e.m.Object(e.p)); err != nil {
			return fmt.Errorf("session: flush: before %s %s: %w", opNames[op], e.m.Name, err)
		}
	}
	return nil
}

// flushed is what a successful flush did, kept for its after-listeners.
type flushed struct {
	inserts, updates, deletes []*entry
}

// record keeps what pl did for the after-listeners (only with Events).
func (pl *plan) record() {
	ev := pl.s.opts.Events
	if ev == nil || !ev.anyAfter[opInsert] && !ev.anyAfter[opUpdate] && !ev.anyAfter[opDelete] && len(ev.afterFlush) == 0 {
		return
	}
	// Copies: the after-listeners run once the plan is released.
	f := &flushed{inserts: slices.Clone(pl.inserts), updates: slices.Clone(pl.updated)}
	for e := range pl.deletes {
		f.deletes = append(f.deletes, e)
	}
	sortBySeq(f.deletes)
	pl.s.rareState().done = f
}

// afterHooks runs the after-listeners of the flush that just succeeded,
// if any, once its locks but the flush lock are released.
func (s *Session) afterHooks(ctx context.Context) {
	if s.rare == nil || s.rare.done == nil {
		return
	}
	f := s.rare.done
	s.rare.done = nil
	ev := s.opts.Events
	for op, es := range [3][]*entry{f.inserts, f.updates, f.deletes} {
		if !ev.anyAfter[op] {
			continue
		}
		for _, e := range es {
			if me := ev.models[e.m.Type]; me != nil {
				for _, fn := range me.after[op] {
					fn(ctx, s, e.m.Object(e.p))
				}
			}
		}
	}
	for _, fn := range ev.afterFlush {
		fn(ctx, s)
	}
}

// noteUpdate records that e was updated, for the after-update listeners.
func (pl *plan) noteUpdate(e *entry) {
	if ev := pl.s.opts.Events; ev != nil && ev.anyAfter[opUpdate] {
		pl.updated = append(pl.updated, e)
	}
}

func (s *Session) afterCommit(ctx context.Context) {
	if ev := s.opts.Events; ev != nil {
		for _, fn := range ev.afterCommit {
			fn(ctx, s)
		}
	}
}

func (s *Session) afterRollback(ctx context.Context) {
	if ev := s.opts.Events; ev != nil {
		for _, fn := range ev.afterRollback {
			fn(ctx, s)
		}
	}
}

// loadHooks runs the load listeners over the objects a load built.
func (s *Session) loadHooks(ctx context.Context, m *mapper.Model, ps []mapper.Ref) {
	me := s.opts.Events.models[m.Type]
	if me == nil {
		return
	}
	for _, p := range ps {
		obj := m.Object(p)
		for _, fn := range me.load {
			fn(ctx, s, obj)
		}
	}
}

// refreshHooks runs the refresh listeners for p.
func (s *Session) refreshHooks(ctx context.Context, m *mapper.Model, p mapper.Ref) {
	if ev := s.opts.Events; ev != nil {
		if me := ev.models[m.Type]; me != nil {
			for _, fn := range me.refresh {
				fn(ctx, s, m.Object(p))
			}
		}
	}
}

var _ loader.RunHost = host{}

// StartRun implements loader.RunHost: when the Events have load
// listeners, a relationship load (a query with loader options, Load)
// runs on a host that notes the objects it publishes, and their
// listeners run when it ends. Otherwise the load runs on h itself, at no
// cost.
func (h host) StartRun() (loader.Host, func(context.Context)) {
	if ev := h.s.opts.Events; ev == nil || !ev.anyLoad {
		return h, nil
	}
	lh := &loadHost{host: h}
	return lh, lh.end
}

// loadHost is the host of one relationship load with load listeners.
type loadHost struct {
	host
	mu    sync.Mutex    // the host may scan statements' rows concurrently
	fresh []freshObject // guarded by mu
}

type freshObject struct {
	m *mapper.Model
	p mapper.Ref
}

// Adopter is host.Adopter's, noting the objects it publishes (not those
// whose key the identity map held by now) when m has load listeners.
func (h *loadHost) Adopter(m *mapper.Model) loader.Adopter {
	a := h.s.newAdopter(m)
	if me := h.s.opts.Events.models[m.Type]; me == nil || len(me.load) == 0 {
		return a
	}
	return &notingAdopter{a: a, h: h, m: m}
}

type notingAdopter struct {
	a *adopter
	h *loadHost
	m *mapper.Model
}

func (n *notingAdopter) Adopt(p mapper.Ref) (mapper.Ref, loader.Handle) {
	got, hnd := n.a.Adopt(p)
	if got == p {
		n.h.mu.Lock()
		n.h.fresh = append(n.h.fresh, freshObject{n.m, p})
		n.h.mu.Unlock()
	}
	return got, hnd
}

// end runs the load listeners over the objects the load published, in
// the order it published them.
func (h *loadHost) end(ctx context.Context) {
	h.mu.Lock()
	fresh := h.fresh
	h.fresh = nil
	h.mu.Unlock()
	for _, o := range fresh {
		obj := o.m.Object(o.p)
		for _, fn := range h.s.opts.Events.models[o.m.Type].load {
			fn(ctx, h.s, obj)
		}
	}
}
