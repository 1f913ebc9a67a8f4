package session

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// Deferred columns and computed fields (see "Deferred columns" and
// "Computed attributes" in the package doc).
//
// A session keeps no record of which fields an object lacks: a field a
// load left out holds its zero value, and so does the object's snapshot
// of it. The flush writes what differs from the snapshot, so an unloaded
// field is written only when the caller set it to a non-zero value, and
// LoadFields fills a field only where it is still zero and unchanged.

// maxLoadKeys bounds the keys of one LoadFields statement.
const maxLoadKeys = loader.ChunkSize

// LoadFields loads the named fields (deferred columns, computed fields,
// or any other field a column option left out) of obj, a persistent
// object, and in the same statements of every persistent object of its
// type in the session that lacks one of them: a field is filled where it
// holds its zero value and the caller has not changed it since the load
// (a value the caller set is kept, and written by the flush). The values
// loaded become the snapshot, so they are not written back. Go cannot
// intercept field access, so this call is the lazy load of deferred
// fields. The OnRefresh listeners run for each object it filled.
func (s *Session) LoadFields(ctx context.Context, obj any, fields ...string) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	m, p, err := s.model(obj)
	if err != nil {
		return err
	}
	fs := make([]*mapper.Field, 0, len(fields))
	for _, name := range fields {
		f, ok := m.Attr(name)
		if !ok {
			return fmt.Errorf("session: load fields %s.%s: %w", m.Name, name, mapper.ErrUnknownColumn)
		}
		if !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	locked := s.readLock(ctx)
	e := s.objs.get(p)
	s.readUnlock(locked)
	if e == nil || e.State() != Persistent {
		return fmt.Errorf("session: load fields %s: %w", m.Name, ErrDetached)
	}
	s.flushMu.Lock()
	if !lacksAny(e, fs) {
		s.flushMu.Unlock()
		return nil
	}
	owners := []*entry{e}
	s.objs.each(func(o *entry) {
		if o != e && o.m == m && o.State() == Persistent && lacksAny(o, fs) {
			owners = append(owners, o)
		}
	})
	s.flushMu.Unlock()
	for len(owners) > 0 {
		n := min(len(owners), maxLoadKeys)
		if err := s.loadFieldsOf(ctx, m, fs, owners[:n]); err != nil {
			return fmt.Errorf("session: load fields %s: %w", m.Name, err)
		}
		owners = owners[n:]
	}
	return nil
}

// lacks reports whether field f of e's object is unloaded as far as the
// session can tell: zero, and (for a column) unchanged since the load.
// The caller holds flushMu.
func lacks(e *entry, f *mapper.Field) bool {
	if !f.IsZero(e.p) {
		return false
	}
	return f.Computed || e.snap.IsZero() || e.snap.Unchanged(e.p, f.LoadIndex())
}

func lacksAny(e *entry, fs []*mapper.Field) bool {
	return slices.ContainsFunc(fs, func(f *mapper.Field) bool { return lacks(e, f) })
}

// loadFieldsOf reads fs of the owners' rows by key and fills them in.
func (s *Session) loadFieldsOf(ctx context.Context, m *mapper.Model, fs []*mapper.Field, owners []*entry) error {
	pk := m.PrimaryKey()
	sel := append(slices.Clone(pk), fs...)
	if sf := identShard(m); sf != nil && !slices.Contains(fs, sf) {
		sel = append(sel, sf) // the row's identity
	}
	var where core.Expr
	if len(pk) == 1 {
		vals := reflect.MakeSlice(reflect.SliceOf(pk[0].Type), 0, len(owners))
		for _, o := range owners {
			vals = reflect.Append(vals, reflect.ValueOf(pk[0].Value(o.p)))
		}
		where = core.In(pk[0].Col, vals.Interface())
	} else {
		ors := make([]core.Expr, len(owners))
		for i, o := range owners {
			ands := make([]core.Expr, len(pk))
			for j, f := range pk {
				ands[j] = core.Eq(f.Col, f.Value(o.p))
			}
			ors[i] = core.And(ands...)
		}
		where = core.Or(ors...)
	}
	stmt := m.SelectFrom(m.SelectList(m.Table(), sel)...).Where(where)
	var rows []mapper.Ref
	err := s.query(ctx, stmt, func(r *engine.Rows) error {
		dest := make([]any, len(sel))
		for r.Next() {
			_, p := m.New()
			for i, f := range sel {
				dest[i] = f.Addr(p)
			}
			if err := r.Scan(dest...); err != nil {
				return err
			}
			rows = append(rows, p)
		}
		return r.Err()
	})
	if err != nil {
		return err
	}
	var filled []mapper.Ref
	s.flushMu.Lock()
	for _, row := range rows {
		e := s.ids.get(identOf(m, row))
		if e == nil || e.State() != Persistent {
			continue
		}
		if fill(e, row, fs) {
			filled = append(filled, e.p)
		}
	}
	for _, p := range filled { // under flushMu, as Refresh runs them
		s.refreshHooks(ctx, m, p)
	}
	s.flushMu.Unlock()
	return nil
}

// fill copies the fields fs that e's object lacks from row, and takes
// them into its snapshot; it reports whether it filled one. The caller
// holds flushMu.
func fill(e *entry, row mapper.Ref, fs []*mapper.Field) bool {
	var buf [8]int
	taken := buf[:0] // fields to take into a new snapshot: a journal may hold the old one
	done := false
	for _, f := range fs {
		if !lacks(e, f) {
			continue
		}
		done = true
		reflect.ValueOf(f.Addr(e.p)).Elem().Set(reflect.ValueOf(f.Addr(row)).Elem())
		if f.Computed || e.snap.IsZero() {
			continue
		}
		taken = append(taken, f.LoadIndex())
	}
	if len(taken) > 0 {
		e.snap = e.snap.Retake(e.p, taken)
	}
	return done
}

var _ loader.FillHost = host{}

// Lacking implements loader.FillHost: the deferred and computed fields
// among fields that the held object lacks.
func (h host) Lacking(m *mapper.Model, held mapper.Ref, fields []*mapper.Field) []int {
	s := h.s
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	e := s.objs.get(held)
	if e == nil || e.State() != Persistent {
		return nil
	}
	var out []int
	for k, f := range fields {
		if (f.Deferred || f.Computed) && lacks(e, f) {
			out = append(out, k)
		}
	}
	return out
}

// Fill implements loader.FillHost.
func (h host) Fill(m *mapper.Model, held, row mapper.Ref, fields []*mapper.Field, idx []int) {
	s := h.s
	fs := make([]*mapper.Field, len(idx))
	for i, k := range idx {
		fs[i] = fields[k]
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if e := s.objs.get(held); e != nil && e.State() == Persistent {
		fill(e, row, fs)
	}
}

// rereadFields is what Refresh reads of the object at p: the model's
// default load and the deferred fields the object holds a value in.
func rereadFields(m *mapper.Model, p mapper.Ref) []*mapper.Field {
	if !m.HasDeferred() {
		return m.LoadFields()
	}
	var out []*mapper.Field
	for _, f := range m.Loadable() {
		if !f.Deferred || !f.IsZero(p) {
			out = append(out, f)
		}
	}
	return out
}

// selectAll is the SELECT of the fields plan loads of the query's model
// (its default load without column options), FROM its table.
func (q *QueryOf[T]) selectAll(plan *loader.Plan) *core.SelectStmt {
	fs := plan.Fields()
	if fs == nil {
		return q.m.SelectAll()
	}
	return q.m.SelectFrom(q.m.SelectList(q.m.Table(), fs)...)
}

// loadsField reports whether the query's options load field f of T.
func (q *QueryOf[T]) loadsField(f *mapper.Field) bool {
	plan, err := q.plan()
	if err != nil {
		return false
	}
	fs := plan.Fields()
	if fs == nil {
		fs = q.m.LoadFields()
	}
	return slices.Contains(fs, f)
}

// attr is column for a name that may also be a computed field of T or of
// a joined model: its expression, over T's table or the join's alias.
func (q *QueryOf[T]) attr(name string) (core.Expr, *queryJoin, error) {
	if dot := strings.LastIndexByte(name, '.'); dot < 0 {
		if f, ok := q.m.Attr(name); ok && f.Computed {
			return q.m.Expr(q.m.Table(), f), nil, nil
		}
	} else if j := q.joined(name[:dot]); j != nil {
		if f, ok := j.model.Attr(name[dot+1:]); ok && f.Computed {
			return j.model.Expr(j.table, f), j, nil
		}
	}
	c, j, err := q.column(name)
	if err != nil {
		return nil, nil, err
	}
	return c, j, nil
}

// E returns the expression of a field of T — its column, or the SQL of a
// computed field — or of a joined relationship's model ("Author.BookCount",
// under the join's alias; see Join), for predicates and order terms. C
// gives columns only; an unknown name fails when the query runs.
func (q *QueryOf[T]) E(field string) core.Expr {
	if q.m == nil {
		return nil
	}
	e, _, err := q.attr(field)
	if err != nil {
		return core.Invalid(fmt.Errorf("session: query %s: %w", q.m.Name, err))
	}
	return e
}
