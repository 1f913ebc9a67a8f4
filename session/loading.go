package session

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// This file plugs the loader package into the session: query options,
// the batched lazy Load, raise mode and the N+1 detector.

// batcher is a backend that runs independent statements together:
// pipelined on PostgreSQL, fanned out over pooled connections on MySQL,
// on one replica of the right group over a router (see engine.DB.Batch).
type batcher interface {
	Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error)
}

// maxFanOut bounds the concurrent reads of one batch on a backend that
// cannot batch.
const maxFanOut = 4

// host is the session as the loader sees it.
type host struct{ s *Session }

var _ loader.Host = host{}

func (h host) Dialect() core.Dialect { return h.s.loaderDialect() }

func (h host) Query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	if set := h.s.stmtShardSet(stmt); set != nil {
		return h.s.loadQuery(ctx, set, stmt, fn) // see shard_read.go
	}
	return h.s.query(ctx, stmt, fn)
}

func (h host) Batch(ctx context.Context, stmts []core.Statement, fn func(int, *engine.Rows) error) error {
	s := h.s
	if s.anySharded(stmts) {
		return h.loadBatch(ctx, stmts, fn) // see shard_read.go
	}
	locked := s.readLock(ctx)
	if s.stmtTx(locked) != nil {
		s.readUnlock(locked)
		// The transaction's connection serves one statement at a time.
		for i, st := range stmts {
			if err := s.query(ctx, st, func(rows *engine.Rows) error { return fn(i, rows) }); err != nil {
				return err
			}
		}
		return nil
	}
	if b, ok := s.b.(batcher); ok {
		defer s.readUnlock(locked) // a read statement, as in Session.query
		res, err := b.Batch(s.readCtx(ctx), stmts...)
		if err != nil {
			return err
		}
		for i := range res {
			// A statement's own error comes out of its rows, so fn names
			// the relationship that failed.
			rows := res[i].Rows()
			err := fn(i, rows)
			rows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	s.readUnlock(locked) // each statement below takes it (Session.query)

	var mu sync.Mutex // fn sees one statement at a time
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(maxFanOut)
	for i, st := range stmts {
		g.Go(func() error {
			return s.query(gctx, st, func(rows *engine.Rows) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(i, rows)
			})
		})
	}
	return g.Wait()
}

func (h host) Lookup(m *mapper.Model, p mapper.Ref) mapper.Ref {
	return h.s.lookupLoaded(m, p)
}

func (h host) Adopter(m *mapper.Model) loader.Adopter {
	return h.s.newAdopter(m)
}

func (h host) Unloaded(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref {
	s := h.s
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	var out []mapper.Ref // nil while every owner so far lacks r: then owners is the answer
	for i, o := range owners {
		e := s.loadedEntry(r.Owner, o)
		lacks := e != nil && e.State() == Persistent
		if lacks {
			_, loaded := e.coll.get(r)
			lacks = !loaded
		}
		switch {
		case out != nil:
			if lacks {
				out = append(out, o)
			}
		case !lacks:
			out = make([]mapper.Ref, i, len(owners))
			copy(out, owners[:i])
		}
	}
	if out == nil {
		return owners
	}
	return out
}

// Populate sets the relationship and records its members as loaded. The
// collections of all owners share one backing array (each with no room to
// append into the next), and the record of loaded members is appended to
// the entry's list (colls.add), which a journal's earlier copy of the list
// never sees. An owner's Handle is its entry (see adopter.Adopt), which
// spares looking the entry up by key.
func (h host) Populate(r *mapper.Relation, owners []mapper.Ref, handles []loader.Handle, targets func(int) []mapper.Ref) int {
	s := h.s
	var buf []mapper.Ref
	if r.Many() {
		n := 0
		for i := range owners {
			n += len(targets(i))
		}
		buf = make([]mapper.Ref, n)
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	set := 0
	var recs []collRec // the records of owners that have none yet, in one array
	for i, o := range owners {
		var e *entry
		if i < len(handles) {
			e, _ = handles[i].(*entry)
		}
		if e == nil || e.p != o {
			e = s.loadedEntry(r.Owner, o)
		}
		if e == nil || e.State() != Persistent {
			continue
		}
		if _, ok := e.coll.get(r); ok {
			continue // loaded meanwhile, or changed by the caller: keep it
		}
		set++
		ts := targets(i)
		buf = r.SetFrom(o, ts, buf)
		if e.coll.loaded() {
			e.coll = e.coll.add(r, ts, len(e.m.Relations()))
			continue
		}
		if ts == nil {
			ts = []mapper.Ref{}
		}
		// Each owner gets a slot as wide as its model's relationships, so
		// later loads of its other relationships append in place; the
		// slot's capacity ends where the next owner's begins.
		nr := len(e.m.Relations())
		if len(recs)+nr > cap(recs) {
			recs = make([]collRec, 0, (len(owners)-i)*nr)
		}
		at := len(recs)
		recs = recs[:at+nr]
		recs[at] = collRec{r, ts}
		e.coll = collsOf(recs[at : at+1 : at+nr])
	}
	if set > 0 {
		s.fillProxiesLocked(r, owners)
	}
	return set
}

func (h host) Members(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref {
	s := h.s
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	n := 0
	for _, o := range owners {
		n += len(r.Targets(o))
	}
	// The targets of a one-to-many or one-to-one each have one owner, so
	// they are as many as the references (size for them); those of a
	// many-to-one or many-to-many are shared (start small).
	hint := n
	if r.Kind == mapper.ManyToOne || r.Kind == mapper.ManyToMany {
		hint = min(n, 16)
	}
	seen := make(map[mapper.Ref]struct{}, hint)
	out := make([]mapper.Ref, 0, hint)
	for _, o := range owners {
		for _, m := range r.Targets(o) {
			if m.IsNil() {
				continue
			}
			if _, ok := seen[m]; !ok {
				seen[m] = struct{}{}
				out = append(out, m)
			}
		}
	}
	return out
}

func (h host) MarkRaise(objs []mapper.Ref) {
	for _, p := range objs {
		if e := h.s.objs.get(p); e != nil {
			e.raise.Store(true)
		}
	}
}

// Options sets how the query loads relationships of the objects it
// returns, replacing earlier options:
//
//	authors, err := session.Query[Author](s).
//		Options(loader.SelectIn("Books", loader.SelectIn("Tags")), loader.Joined("Publisher")).
//		All(ctx)
//
// See package loader. Options naming an unknown relationship make the
// query fail.
func (q *QueryOf[T]) Options(opts ...loader.Option) *QueryOf[T] {
	n := q.clone()
	n.loads = opts
	return n
}

// plan compiles the query's load options, with raise mode when the
// session is strict.
func (q *QueryOf[T]) plan() (*loader.Plan, error) {
	opts := q.loads
	if q.s.opts.Raise || q.s.opts.Strict {
		opts = append(opts[:len(opts):len(opts)], loader.Raise())
	}
	if len(opts) == 0 {
		return nil, nil
	}
	p, err := loader.Compile(q.m, opts...)
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
	}
	return p, nil
}

// Load loads the relationship rel of obj, a persistent object, when it is
// not loaded yet — and, in the same single statement, of every other
// persistent object of obj's type in the session that lacks it (Go cannot
// intercept field access, so lazy loading is this explicit call, batched).
// Related objects come from the identity map where present. An object
// whose rel is loaded already is left as it is (Refresh the owner, or a
// new session, to see newer rows).
//
// rel may name an association proxy (mapper.Proxy): Load then loads its
// association collection and their many-to-one, each as above, and fills
// the proxy (see "Association proxies").
//
// Objects loaded in raise mode (loader.Raise, Options.Raise or Strict)
// refuse: the error wraps loader.ErrUnplannedLoad and names the
// relationship. Loads that find only obj lacking rel, repeated from one
// call site, are an N+1 pattern: reported to Options.OnNPlusOne, and an
// error wrapping loader.ErrNPlusOne under Options.Strict.
func (s *Session) Load(ctx context.Context, obj any, rel string) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	m, p, err := s.model(obj)
	if err != nil {
		return err
	}
	r, ok := m.Relation(rel)
	if !ok {
		if px, ok := m.Proxy(rel); ok {
			return s.loadProxy(ctx, obj, m, p, px)
		}
		if pr, ok := m.PolyRelation(rel); ok { // see poly.go
			return s.loadPolyLazy(ctx, m, pr, p)
		}
		return fmt.Errorf("session: load %s.%s: %w", m.Name, rel, loader.ErrNoRelation)
	}
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	locked := s.readLock(ctx) // a running flush publishes what it wrote first
	e := s.objs.get(p)
	s.readUnlock(locked)
	if e == nil || e.State() != Persistent {
		return fmt.Errorf("session: load %s.%s: %w", m.Name, rel, ErrDetached)
	}
	s.flushMu.Lock()
	_, loaded := e.coll.get(r)
	s.flushMu.Unlock()
	if loaded {
		return nil
	}
	if e.raise.Load() {
		return fmt.Errorf("session: load %s.%s: %w", m.Name, rel, loader.ErrUnplannedLoad)
	}
	owners := []mapper.Ref{p}
	s.flushMu.Lock()
	s.objs.each(func(o *entry) {
		if o != e && o.m == m && o.State() == Persistent {
			if _, ok := o.coll.get(r); !ok {
				owners = append(owners, o.p)
			}
		}
	})
	s.flushMu.Unlock()
	if len(owners) == 1 && s.detect != nil { // Strict or OnNPlusOne
		if rep, ok := s.detect.PerObject(r, 1); ok {
			if s.opts.OnNPlusOne != nil {
				s.opts.OnNPlusOne(rep)
			}
			if s.opts.Strict {
				return fmt.Errorf("session: load %s.%s: %s: %w", m.Name, rel, rep, loader.ErrNPlusOne)
			}
		}
	}
	plan, err := loader.Compile(m, loader.SelectIn(rel))
	if err != nil {
		return fmt.Errorf("session: load %s.%s: %w", m.Name, rel, err)
	}
	if ctx, err = s.loadScope(ctx, m, r, owners); err != nil { // see shard_read_load.go
		return fmt.Errorf("session: load %s.%s: %w", m.Name, rel, err)
	}
	if err := plan.Load(ctx, host{s}, owners); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}
