package session

// Loading objects by key (Get), the shared load machinery, Refresh and
// Merge.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/objaccess"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// Get returns the object of type T with primary key pk (one value per key
// column), from the identity map when it is there, else from the
// database. It returns athanor.ErrNoRows when there is no such row.
//
// When filters of T apply (see Filters), Get always sends its SELECT,
// with their criteria, even for an object the identity map holds (which
// it then returns, unchanged): a row the criteria exclude is
// athanor.ErrNoRows, whatever the session loaded before.
func Get[T any](ctx context.Context, s *Session, pk ...any) (*T, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	m, err := s.opts.Registry.Of(typeFor[T]())
	if err != nil {
		return nil, err
	}
	key, where, err := pkLookup(m, pk)
	if err != nil {
		return nil, err
	}
	if identShard(m) != nil { // the key is unique on one shard only
		if key, where, err = s.shardLookup(ctx, m, pk, where); err != nil {
			return nil, fmt.Errorf("session: get: %w", err)
		}
	}
	var crit core.Expr
	if s.opts.Filters != nil || offIn(ctx) != nil {
		if crit, err = s.criteria(ctx, m, m.Table(), nil); err != nil {
			return nil, fmt.Errorf("session: get %s: %w", m.Name, err)
		}
	}
	// Under txLock: a running flush publishes the objects it wrote
	// before the lookup sees them.
	locked := s.readLock(ctx)
	var st State
	var p mapper.Ref
	if e := s.ids.get(key); e != nil && e.m == m { // (a row of another model of T's hierarchy is not a T)
		st, p = e.State(), e.p
	}
	s.readUnlock(locked)
	switch {
	case p.IsNil():
	case st == Persistent && crit == nil:
		return m.Object(p).(*T), nil
	case st == Deleted:
		return nil, fmt.Errorf("session: get %s: deleted in this session: %w", m.Name, athanor.ErrNoRows)
	}
	if err := s.autoflush(ctx); err != nil {
		return nil, err
	}
	// Under filters, an object the identity map holds is returned only
	// if its row meets their criteria now: the map may hold it from a
	// call with other criteria (another tenant, Unfiltered).
	stmt := getStmts.Get(m).Where(where)
	if crit != nil {
		stmt = stmt.Where(crit)
	}
	obj, err := s.loadOne(s.getCtx(ctx, m, pk), m, stmt)
	if err != nil {
		return nil, fmt.Errorf("session: get %s: %w", m.Name, err)
	}
	if obj.IsNil() {
		return nil, fmt.Errorf("session: get %s: %w", m.Name, athanor.ErrNoRows)
	}
	return m.Object(obj).(*T), nil
}

// pkLookup converts key values to the key fields' types and returns the
// identity key and the WHERE condition.
func pkLookup(m *mapper.Model, pk []any) (idKey, core.Expr, error) {
	fs := m.PrimaryKey()
	if len(pk) != len(fs) {
		return idKey{}, nil, fmt.Errorf("session: %s: %d key values for a %d-column key", m.Name, len(pk), len(fs))
	}
	if len(fs) == 1 { // the common case, without slices
		v, err := fs[0].Key(pk[0])
		if err != nil {
			return idKey{}, nil, fmt.Errorf("session: %s: %w", m.Name, err)
		}
		k := [1]any{v}
		return makeKey(m, k[:]), core.Eq(fs[0].Col, v), nil
	}
	vals := make([]any, len(pk))
	preds := make([]core.Expr, len(pk))
	for i, f := range fs {
		v, err := f.Key(pk[i])
		if err != nil {
			return idKey{}, nil, fmt.Errorf("session: %s: %w", m.Name, err)
		}
		vals[i] = v
		preds[i] = core.Eq(f.Col, v)
	}
	return makeKey(m, vals), core.And(preds...), nil
}

// load runs a SELECT of m's columns and returns the objects (expect, when
// not 0, is how many rows are likely: the query's LIMIT), taking the
// identity map's object for a key already there (whose state, changes
// included, is kept: a load never overwrites an object).
func (s *Session) load(ctx context.Context, m *mapper.Model, stmt core.Statement, expect int) ([]mapper.Ref, error) {
	ctx = s.criteriaCtx(ctx, m, stmt)
	lr := s.startLoad(m)
	lr.objs.Expect(expect)
	lr.blocks.Expect(expect)
	if expect > 0 {
		n := min(expect, 1024)
		lr.out = make([]mapper.Ref, 0, n)
		s.objs.expect(n)
		if m.IntKey() >= 0 {
			s.ids.expect(m.IdentityModel(), n)
		}
	}
	var err error
	if set := s.multiShard(ctx, stmt); set != nil {
		err = s.loadShards(ctx, set, stmt, lr)
	} else {
		err = s.query(ctx, stmt, lr.scanFn)
	}
	if len(lr.fresh) > 0 {
		s.loadHooks(ctx, m, lr.fresh)
	}
	out := lr.out
	lr.out = nil // the caller's now
	lr.release()
	return out, err
}

// loadOne is load for at most one object (a lookup by key): the first
// row's object, or the zero Ref.
func (s *Session) loadOne(ctx context.Context, m *mapper.Model, stmt core.Statement) (mapper.Ref, error) {
	ctx = s.criteriaCtx(ctx, m, stmt)
	lr := s.startLoad(m)
	lr.single = true
	err := s.query(ctx, stmt, lr.scanFn)
	if len(lr.fresh) > 0 {
		s.loadHooks(ctx, m, lr.fresh)
	}
	var p mapper.Ref
	if len(lr.out) > 0 {
		p = lr.out[0]
	}
	lr.release()
	return p, err
}

// loadRun is the state of one load, pooled with its row function bound
// once, so that a lookup by key allocates no closure, destination list or
// result list.
type loadRun struct {
	s      *Session
	m      *mapper.Model
	out    []mapper.Ref
	dest   []any
	scanFn func(*engine.Rows) error // lr.scan
	// Objects and their entries come from slabs: a load of n rows
	// allocates about log2(n) arrays of each, not n values. They are
	// new for each load, so that sessions share no array.
	objs, blocks objaccess.Slab
	lb           *loadBlock // m's
	// single: a lookup by key, which expects one row: its object and
	// entry are allocated alone, sparing the slabs' arrays.
	single bool
	// hooks: Events has load listeners; fresh then lists the objects the
	// load built, for them.
	hooks bool
	fresh []mapper.Ref
	// batch holds the entries of the rows scanned but not yet published
	// (see publish), whose objects are in out from batchAt on; keys is
	// publish's buffer.
	batch   []*entry
	batchAt int
	keys    []intKey
}

var loadRuns = sync.Pool{New: func() any {
	lr := new(loadRun)
	lr.scanFn = lr.scan
	return lr
}}

func (s *Session) startLoad(m *mapper.Model) *loadRun {
	lr := loadRuns.Get().(*loadRun)
	lr.s, lr.m = s, m
	lr.lb = loadBlockOf(m)
	lr.objs, lr.blocks = lr.lb.objs, lr.lb.blocks // empty: new arrays for this load
	lr.hooks = s.opts.Events != nil && s.opts.Events.anyLoad
	return lr
}

func (lr *loadRun) release() {
	clear(lr.dest)
	clear(lr.out)
	clear(lr.fresh)
	clear(lr.batch) // empty unless a scan panicked
	lr.s, lr.m, lr.lb, lr.out, lr.dest, lr.fresh = nil, nil, nil, lr.out[:0], lr.dest[:0], lr.fresh[:0]
	lr.batch, lr.batchAt = lr.batch[:0], 0
	lr.single = false
	lr.objs, lr.blocks = objaccess.Slab{}, objaccess.Slab{}
	loadRuns.Put(lr)
}

func (lr *loadRun) scan(rows *engine.Rows) error {
	s, m := lr.s, lr.m
	fields := m.LoadFields()
	lr.dest = slices.Grow(lr.dest[:0], len(fields))[:len(fields)]
	if lr.single {
		return lr.scanOne(rows, fields)
	}
	batched := m.IntKey() >= 0
	for rows.Next() {
		p := m.Ref(lr.objs.Next())
		for i, f := range fields {
			lr.dest[i] = f.Addr(p)
		}
		if err := rows.ScanLayout(loadLayout{m}, lr.dest...); err != nil {
			lr.publish() // the rows before, as they would be one by one
			return err
		}
		if batched {
			// Published with the rows around it (see publish).
			lr.objs.Keep()
			if len(lr.batch) == 0 {
				lr.batchAt = len(lr.out)
			}
			lr.batch = append(lr.batch, newLoaded(m, p, lr.lb, &lr.blocks))
			lr.blocks.Keep()
			lr.out = append(lr.out, p)
			if len(lr.batch) == loadBatchMax {
				lr.publish()
			}
			continue
		}
		// A plain load rarely meets an object the session holds: adopt
		// first (one identity-map operation, not a lookup and then an
		// insert), and give the slot back if the key was taken.
		got := s.adoptLoadedIn(m, p, lr.lb, &lr.blocks)
		if got == p {
			lr.objs.Keep()
			if lr.hooks {
				lr.fresh = append(lr.fresh, p)
			}
		} else {
			lr.objs.Discard()
		}
		lr.out = append(lr.out, got)
	}
	lr.publish()
	return rows.Err()
}

// loadLayout keys the scans of a model's LoadFields, one pointer per
// field in order (see engine.Rows.ScanLayout), so that the driver plans
// a model's columns once per connection rather than once per load.
type loadLayout struct{ m *mapper.Model }

// scanOne is scan for a lookup by key: each row's object and entry
// allocated alone (typically one of each).
func (lr *loadRun) scanOne(rows *engine.Rows, fields []*mapper.Field) error {
	s, m := lr.s, lr.m
	for rows.Next() {
		_, p := m.New()
		for i, f := range fields {
			lr.dest[i] = f.Addr(p)
		}
		if err := rows.ScanLayout(loadLayout{m}, lr.dest...); err != nil {
			return err
		}
		got := s.adoptLoadedIn(m, p, lr.lb, nil)
		if got == p && lr.hooks {
			lr.fresh = append(lr.fresh, p)
		}
		lr.out = append(lr.out, got)
	}
	return rows.Err()
}

// Refresh reloads obj's columns from the database, discarding its
// unflushed changes.
func (s *Session) Refresh(ctx context.Context, obj any) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	m, p, err := s.model(obj)
	if err != nil {
		return err
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	e := s.objs.get(p)
	if e == nil || e.State() != Persistent {
		return fmt.Errorf("session: refresh %s: %w", m.Name, ErrDetached)
	}
	if err := s.reread(ctx, e, nil); err != nil {
		return fmt.Errorf("session: refresh %s: %w", m.Name, err)
	}
	s.refreshHooks(ctx, m, p)
	return nil
}

// reread reads e's row again by its key into its object, lock (if not
// nil) adding a locking clause, and takes a new snapshot: the object
// holds the row's values and has no unflushed change. The caller holds
// flushMu (e.snap is written under it). A row gone is athanor.ErrNoRows.
func (s *Session) reread(ctx context.Context, e *entry, lock func(*core.SelectStmt) *core.SelectStmt) error {
	m, p := e.m, e.p
	preds := make([]core.Expr, 0, len(m.PrimaryKey()))
	for i, f := range m.PrimaryKey() {
		preds = append(preds, core.Eq(f.Col, keyValue(e, i)))
	}
	ctx, err := s.entryCtx(ctx, e)
	if err != nil {
		return err
	}
	fields := rereadFields(m, p)
	stmt := m.SelectFrom(m.SelectList(m.Table(), fields)...).Where(preds...)
	if lock != nil {
		stmt = lock(stmt)
	}
	found := false
	err = s.query(ctx, stmt, func(rows *engine.Rows) error {
		dest := make([]any, len(fields))
		for rows.Next() {
			for i, f := range fields {
				dest[i] = f.Addr(p)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			found = true
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if !found {
		return athanor.ErrNoRows
	}
	e.snap = snapshot(m, p)
	return nil
}

// Merge copies the column values of obj (typically detached, or built
// from a request) onto the session's object with the same primary key —
// the identity map's, else loaded by a SELECT — and returns that object;
// the columns that differ are written by an UPDATE at the next flush.
// Without such a row, a copy of obj is added as pending (an INSERT).
// obj itself is never put in the session, and relationships are not
// copied. With a version column, a non-zero version on obj must equal
// the row's: otherwise the row changed since obj was read, and Merge
// fails with an error matching athanor.ErrStaleObject.
func Merge[T any](ctx context.Context, s *Session, obj *T) (*T, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	m, p, err := s.model(obj)
	if err != nil {
		return nil, err
	}
	var pk []any
	for _, f := range m.PrimaryKey() {
		pk = append(pk, f.Value(p))
	}
	if sf := identShard(m); sf != nil {
		ctx = router.WithShardKey(ctx, sf.Value(p)) // obj names its row's shard
	}
	cur, err := Get[T](ctx, s, pk...)
	switch {
	case errors.Is(err, athanor.ErrNoRows):
		cp := new(T)
		*cp = *obj
		return cp, s.Add(cp)
	case err != nil:
		return nil, err
	}
	if cur == obj {
		return cur, nil
	}
	cp := m.Ref(cur)
	if v := m.Version(); v != nil && !v.IsZero(p) && !v.Unchanged(cp, v.Value(p)) {
		return nil, fmt.Errorf("session: merge %s: version %v, the session's is %v: %w", m.Name, v.Value(p), v.Value(cp), athanor.ErrStaleObject)
	}
	for _, f := range m.Fields() {
		if f.Version || f.Deferred && f.IsZero(p) {
			continue // the session's to check and bump; a deferred field obj lacks
		}
		if err := f.Set(cp, f.Value(p)); err != nil {
			return nil, fmt.Errorf("session: merge %s: %w", m.Name, err)
		}
	}
	return cur, nil
}

// getStmts holds each model's SELECT of all its columns as a template: a
// lookup by key is it plus one condition, whose SQL core then finds
// without walking the statement.
var getStmts = mapper.NewSlot(func(m *mapper.Model) *core.SelectStmt { return m.SelectAll().Template() })
