package session

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// ErrUnknownDiscriminator: a row of a mapped hierarchy has a
// discriminator value no registered model of the hierarchy declares.
var ErrUnknownDiscriminator = errors.New("session: unknown discriminator value")

// PolyQueryOf is an immutable polymorphic query over a mapped hierarchy
// (see mapper.Inheritance): its results are I values, each the object of
// the model its row's discriminator names (*Car, *Truck, or the base's
// own type for the base's rows). It runs as one SELECT of the keys and
// discriminators (the base table, LEFT JOINed to every joined-table
// subtype's table, so conditions and order may name any subtype's
// columns), then one SELECT per subtype present, by key: each subtype's
// objects are loaded as Query[Sub] loads them, through the identity map.
type PolyQueryOf[I any] struct {
	s                   *Session
	base                *mapper.Model
	err                 error
	where               []core.Expr
	order               []any
	limit, offset       int64
	hasLimit, hasOffset bool
}

// QueryPoly starts a polymorphic query of the registered hierarchy whose
// models implement the interface I (register every subtype first: only
// registered subtypes are known):
//
//	vs, err := session.QueryPoly[Vehicle](s).Filter("Name", "Rover").All(ctx) // []Vehicle of *Car, *Truck
func QueryPoly[I any](s *Session) *PolyQueryOf[I] {
	base, err := s.opts.Registry.PolyBase(typeFor[I]())
	if err != nil {
		err = fmt.Errorf("session: query poly: %w", err)
	}
	return &PolyQueryOf[I]{s: s, base: base, err: err}
}

func (q *PolyQueryOf[I]) clone() *PolyQueryOf[I] {
	n := *q
	n.where = q.where[:len(q.where):len(q.where)]
	n.order = q.order[:len(q.order):len(q.order)]
	return &n
}

func (q *PolyQueryOf[I]) fail(err error) *PolyQueryOf[I] {
	n := q.clone()
	if n.err == nil {
		n.err = err
	}
	return n
}

// Where adds predicates (ANDed).
func (q *PolyQueryOf[I]) Where(preds ...core.Expr) *PolyQueryOf[I] {
	n := q.clone()
	n.where = append(n.where, preds...)
	return n
}

// column resolves a field or column name of the base or of a subtype;
// a name two subtypes map to different columns is an error.
func (q *PolyQueryOf[I]) column(name string) (*core.Column, error) {
	if q.base == nil {
		return nil, q.err
	}
	if f, ok := q.base.Field(name); ok {
		return f.Col, nil
	}
	var col *core.Column
	var from string
	for _, sub := range q.base.Inheritance().Subtypes() {
		f, ok := sub.Field(name)
		if !ok {
			continue
		}
		if col != nil && (col.Name != f.Col.Name || col.Table().Name() != f.Col.Table().Name()) {
			return nil, fmt.Errorf("field %q is a column of %s and of %s: name it with Where", name, from, sub.Name)
		}
		col, from = f.Col, sub.Name
	}
	if col == nil {
		return nil, fmt.Errorf("model %s and its subtypes: no field or column %q: %w", q.base.Name, name, mapper.ErrUnknownColumn)
	}
	return col, nil
}

// C returns the column of a field or column name of the base or of a
// subtype, for predicates; an unknown name fails when the query runs.
func (q *PolyQueryOf[I]) C(name string) *core.Column {
	c, err := q.column(name)
	if err != nil {
		if q.base == nil {
			return nil
		}
		return q.base.Table().C(name) // compiles to an error naming table and column
	}
	return c
}

// Filter adds field = value (nil: IS NULL) for a field of the base or of
// a subtype (a subtype's column is NULL on other kinds' rows).
func (q *PolyQueryOf[I]) Filter(field string, value any) *PolyQueryOf[I] {
	c, err := q.column(field)
	if err != nil {
		return q.fail(fmt.Errorf("session: query poly: filter: %w", err))
	}
	if value == nil {
		return q.Where(core.IsNull(c))
	}
	return q.Where(core.Eq(c, value))
}

// OrderBy adds ORDER BY terms: core.Asc/Desc items or expressions, or
// field names of the base or a subtype ("Name", "-Name").
func (q *PolyQueryOf[I]) OrderBy(items ...any) *PolyQueryOf[I] {
	n := q.clone()
	for _, it := range items {
		name, ok := it.(string)
		if !ok {
			n.order = append(n.order, it)
			continue
		}
		c, err := q.column(strings.TrimPrefix(name, "-"))
		if err != nil {
			return q.fail(fmt.Errorf("session: query poly: order by: %w", err))
		}
		if strings.HasPrefix(name, "-") {
			n.order = append(n.order, core.Desc(c))
		} else {
			n.order = append(n.order, core.Asc(c))
		}
	}
	return n
}

// Limit sets LIMIT n.
func (q *PolyQueryOf[I]) Limit(n int64) *PolyQueryOf[I] {
	c := q.clone()
	c.limit, c.hasLimit = n, true
	return c
}

// Offset sets OFFSET n.
func (q *PolyQueryOf[I]) Offset(n int64) *PolyQueryOf[I] {
	c := q.clone()
	c.offset, c.hasOffset = n, true
	return c
}

// from is SELECT cols FROM the base table LEFT JOIN each joined-table
// subtype's table, with the query's conditions.
func (q *PolyQueryOf[I]) from(cols ...any) *core.SelectStmt {
	sel := polyFrom(q.base, cols...)
	if len(q.where) > 0 {
		sel = sel.Where(q.where...)
	}
	return sel
}

func polyFrom(base *mapper.Model, cols ...any) *core.SelectStmt {
	sel := core.Select(cols...).From(base.Table())
	for _, sub := range base.Inheritance().Subtypes() {
		if h := sub.Inheritance(); h.Joined() {
			pk := base.PrimaryKey()
			on := make([]core.Expr, len(pk))
			for i, f := range pk {
				on[i] = core.Eq(h.SubTable.C(f.Column), f.Col)
			}
			sel = sel.LeftJoin(h.SubTable, core.And(on...))
		}
	}
	return sel
}

// Statement returns the first SELECT the query runs (keys and
// discriminators).
func (q *PolyQueryOf[I]) Statement() (*core.SelectStmt, error) {
	if q.err != nil {
		return nil, q.err
	}
	sel := q.from(polyCols(q.base)...)
	if len(q.order) > 0 {
		sel = sel.OrderBy(q.order...)
	}
	if q.hasLimit {
		sel = sel.Limit(q.limit)
	}
	if q.hasOffset {
		sel = sel.Offset(q.offset)
	}
	return sel, nil
}

// polyCols is the key and discriminator columns of base's table.
func polyCols(base *mapper.Model) []any {
	var cols []any
	for _, f := range base.PrimaryKey() {
		cols = append(cols, f.Col)
	}
	return append(cols, base.Inheritance().Discriminator.Col)
}

// scoped returns q with the criteria of the session's filters: the
// base's, and each subtype's for its rows (kind <> sub OR criteria).
func (q *PolyQueryOf[I]) scoped(ctx context.Context) (*PolyQueryOf[I], error) {
	if q.err != nil || (q.s.opts.Filters == nil && offIn(ctx) == nil) {
		return q, q.err
	}
	var add []core.Expr
	for _, m := range append([]*mapper.Model{q.base}, q.base.Inheritance().Subtypes()...) {
		c, err := q.s.criteria(ctx, m, m.Table(), nil)
		if err != nil {
			return nil, fmt.Errorf("session: query poly %s: %w", q.base.Name, err)
		}
		switch {
		case c == nil:
		case m == q.base:
			add = append(add, c)
		default:
			add = append(add, core.Or(core.Not(m.Criterion(m.Table())), c))
		}
	}
	return q.Where(add...), nil
}

// All returns every matching object as an I, in the query's order.
func (q *PolyQueryOf[I]) All(ctx context.Context) ([]I, error) {
	q, err := q.scoped(ctx)
	if err != nil {
		return nil, err
	}
	stmt, err := q.Statement()
	if err != nil {
		return nil, err
	}
	if err := q.prepare(ctx, stmt); err != nil {
		return nil, err
	}
	rows, err := q.s.polyLoad(ctx, q.base, stmt, 0)
	if err != nil {
		return nil, fmt.Errorf("session: query poly %s: %w", q.base.Name, err)
	}
	out := make([]I, 0, len(rows))
	for _, r := range rows {
		v, ok := r.m.Object(r.p).(I)
		if !ok {
			return nil, fmt.Errorf("session: query poly %s: *%s does not implement %s", q.base.Name, r.m.Name, typeFor[I]())
		}
		out = append(out, v)
	}
	return out, nil
}

// First returns the first object (add OrderBy for a defined one), or
// athanor.ErrNoRows.
func (q *PolyQueryOf[I]) First(ctx context.Context) (I, error) {
	all, err := q.Limit(1).All(ctx)
	if err != nil {
		var zero I
		return zero, err
	}
	if len(all) == 0 {
		var zero I
		return zero, fmt.Errorf("session: query poly %s: %w", q.base.Name, athanor.ErrNoRows)
	}
	return all[0], nil
}

// Count returns the number of matching rows (within Limit/Offset when
// set).
func (q *PolyQueryOf[I]) Count(ctx context.Context) (int64, error) {
	q, err := q.scoped(ctx)
	if err != nil {
		return 0, err
	}
	var stmt core.Statement
	if q.hasLimit || q.hasOffset {
		inner, _ := q.Statement()
		stmt = core.Select(core.Count(core.Star())).From(inner.As("q"))
	} else {
		stmt = q.from(core.Count(core.Star()))
	}
	if err := q.prepare(ctx, stmt); err != nil {
		return 0, err
	}
	var n int64
	err = q.s.query(ctx, stmt, func(rows *engine.Rows) error {
		if rows.Next() {
			return rows.Scan(&n)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("session: query poly %s: count: %w", q.base.Name, err)
	}
	return n, nil
}

func (q *PolyQueryOf[I]) prepare(ctx context.Context, stmt core.Statement) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	if d := q.s.dialectFor(stmt); d != nil {
		if _, err := core.Compile(d, stmt); err != nil {
			return fmt.Errorf("session: query poly %s: %w", q.base.Name, err)
		}
	}
	return q.s.autoflush(ctx)
}

// polyRow is one object of a polymorphic load, with the values of the
// extra columns its first SELECT read.
type polyRow struct {
	m     *mapper.Model
	p     mapper.Ref
	extra []any
}

// polyChunk bounds the keys of one SELECT of a subtype's objects.
const polyChunk = 500

// polyLoad runs stmt, a SELECT of base's key columns, discriminator and
// nExtra more columns, then loads each row's object as its model by key
// (one SELECT per model present, through the identity map), and returns
// them in stmt's order. A row gone by the second SELECT is left out.
func (s *Session) polyLoad(ctx context.Context, base *mapper.Model, stmt core.Statement, nExtra int) ([]polyRow, error) {
	pk := base.PrimaryKey()
	h := base.Inheritance()
	type hit struct {
		key   idKey
		vals  []any
		m     *mapper.Model
		extra []any
	}
	var hits []hit
	err := s.query(ctx, stmt, func(rows *engine.Rows) error {
		for rows.Next() {
			dest := make([]any, len(pk)+1+nExtra)
			ptrs := make([]any, len(dest))
			for i := range dest {
				ptrs[i] = &dest[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			vals := make([]any, len(pk))
			for i, f := range pk {
				v, err := f.Key(dest[i])
				if err != nil {
					return err
				}
				vals[i] = v
			}
			d := dest[len(pk)]
			if b, ok := d.([]byte); ok {
				d = string(b)
			}
			m, ok := h.ByIdentity(d)
			if !ok {
				return fmt.Errorf("model %s: row %v: %v: %w", base.Name, vals, d, ErrUnknownDiscriminator)
			}
			hits = append(hits, hit{key: makeKey(base, vals), vals: vals, m: m, extra: dest[len(pk)+1:]})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	byModel := map[*mapper.Model][][]any{}
	var models []*mapper.Model
	for _, h := range hits {
		if _, ok := byModel[h.m]; !ok {
			models = append(models, h.m)
		}
		byModel[h.m] = append(byModel[h.m], h.vals)
	}
	got := make(map[idKey]mapper.Ref, len(hits))
	for _, m := range models {
		for chunk := range slices.Chunk(byModel[m], polyChunk) {
			sel := m.SelectAll().Where(keyIn(m.PrimaryKey(), chunk))
			if s.opts.Filters != nil || offIn(ctx) != nil {
				c, err := s.criteria(ctx, m, m.Table(), nil)
				if err != nil {
					return nil, err
				}
				sel = sel.Where(c)
			}
			ps, err := s.load(ctx, m, sel, len(chunk))
			if err != nil {
				return nil, fmt.Errorf("load %s: %w", m.Name, err)
			}
			for _, p := range ps {
				got[keyOf(m, p)] = p
			}
		}
	}
	out := make([]polyRow, 0, len(hits))
	for _, h := range hits {
		if p, ok := got[h.key]; ok {
			out = append(out, polyRow{m: h.m, p: p, extra: h.extra})
		}
	}
	return out, nil
}

// LoadPoly loads rel, an interface-typed relationship (see
// mapper.PolyRelation), of owners (persistent objects of one model), in
// one SELECT of the targets' keys and discriminators plus one per
// subtype present. Each target is an object of its own model, from the
// identity map where present. A one-to-many field gets a non-nil slice
// (empty when there are no targets), ordered by key; Session.Load with
// the field's name loads it for every persistent owner in the session
// whose field is nil.
func LoadPoly(ctx context.Context, s *Session, rel string, owners ...any) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	if len(owners) == 0 {
		return nil
	}
	m, _, err := s.model(owners[0])
	if err != nil {
		return err
	}
	refs := make([]mapper.Ref, len(owners))
	for i, o := range owners {
		om, p, err := s.model(o)
		if err != nil {
			return err
		}
		if om != m {
			return fmt.Errorf("session: load poly %s.%s: owner of type %T: want *%s", m.Name, rel, o, m.Name)
		}
		refs[i] = p
	}
	r, ok := m.PolyRelation(rel)
	if !ok {
		return fmt.Errorf("session: load poly %s.%s: no relationship to an interface of that name: %w", m.Name, rel, mapper.ErrUnknownColumn)
	}
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	if err := s.loadPoly(ctx, r, refs); err != nil {
		return fmt.Errorf("session: load poly %s.%s: %w", m.Name, rel, err)
	}
	return nil
}

// loadPolyLazy is Session.Load for an interface-typed relationship: obj
// and every persistent object of its model whose field is nil.
func (s *Session) loadPolyLazy(ctx context.Context, m *mapper.Model, r *mapper.PolyRelation, p mapper.Ref) error {
	locked := s.readLock(ctx)
	e := s.objs.get(p)
	s.readUnlock(locked)
	if e != nil && e.raise.Load() {
		s.flushMu.Lock()
		unloaded := r.Field(p).IsNil()
		if fkf, ok := m.Field(r.FK); !r.Many && ok && fkf.IsNil(p) {
			unloaded = false // no target to load
		}
		s.flushMu.Unlock()
		if !unloaded {
			return nil // planned by the query that loaded p
		}
		return fmt.Errorf("session: load %s.%s: %w", m.Name, r.Name, loader.ErrUnplannedLoad)
	}
	owners := []mapper.Ref{p}
	s.flushMu.Lock()
	s.objs.each(func(o *entry) {
		if o.p != p && o.m == m && o.State() == Persistent && r.Field(o.p).IsNil() {
			owners = append(owners, o.p)
		}
	})
	s.flushMu.Unlock()
	if err := s.autoflush(ctx); err != nil {
		return err
	}
	if err := s.loadPoly(ctx, r, owners); err != nil {
		return fmt.Errorf("session: load %s.%s: %w", m.Name, r.Name, err)
	}
	return nil
}

func (s *Session) loadPoly(ctx context.Context, r *mapper.PolyRelation, owners []mapper.Ref) error {
	base, err := s.opts.Registry.PolyBase(r.Interface)
	if err != nil {
		return err
	}
	m := r.Owner
	if r.Many {
		fk, ok := base.Field(r.FK)
		if !ok {
			return fmt.Errorf("fk %q: model %s has no such column: %w", r.FK, base.Name, mapper.ErrUnknownColumn)
		}
		ok0 := m.PrimaryKey()[0]
		keys := make([]any, 0, len(owners))
		byKey := map[any][]mapper.Ref{}
		for _, o := range owners {
			k := ok0.Value(o)
			if _, seen := byKey[k]; !seen {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], o)
		}
		got := map[any][]reflect.Value{}
		for chunk := range slices.Chunk(keys, polyChunk) {
			cols := append(polyCols(base), fk.Col)
			stmt := polyFrom(base, cols...).Where(core.In(fk.Col, chunk...)).OrderBy(polyOrder(base)...)
			rows, err := s.polyLoad(ctx, base, stmt, 1)
			if err != nil {
				return err
			}
			for _, row := range rows {
				k, err := ok0.Key(row.extra[0])
				if err != nil {
					return err
				}
				got[k] = append(got[k], reflect.ValueOf(row.m.Object(row.p)))
			}
		}
		st := reflect.SliceOf(r.Interface)
		for k, os := range byKey {
			ts := got[k]
			for _, o := range os {
				sl := reflect.MakeSlice(st, len(ts), len(ts))
				for i, t := range ts {
					if !t.Type().Implements(r.Interface) {
						return fmt.Errorf("%s does not implement %s", t.Type(), r.Interface)
					}
					sl.Index(i).Set(t)
				}
				s.flushMu.Lock()
				r.Field(o).Set(sl)
				s.polyLoaded(r, o)
				s.flushMu.Unlock()
			}
		}
		return nil
	}
	fkf, _ := m.Field(r.FK)
	pk := base.PrimaryKey()
	if len(pk) != 1 {
		return fmt.Errorf("model %s: a many-to-one relationship to an interface needs a single-column key", base.Name)
	}
	var keys []any
	for _, o := range owners {
		if !fkf.IsNil(o) {
			keys = append(keys, fkf.Value(o))
		}
	}
	got := map[any]reflect.Value{}
	for chunk := range slices.Chunk(keys, polyChunk) {
		rows, err := s.polyLoad(ctx, base, polyFrom(base, polyCols(base)...).Where(core.In(pk[0].Col, chunk...)), 0)
		if err != nil {
			return err
		}
		for _, row := range rows {
			got[pk[0].Value(row.p)] = reflect.ValueOf(row.m.Object(row.p))
		}
	}
	for _, o := range owners {
		if fkf.IsNil(o) {
			continue
		}
		k, err := pk[0].Key(fkf.Value(o))
		if err != nil {
			return err
		}
		if t, ok := got[k]; ok {
			s.flushMu.Lock()
			r.Field(o).Set(t)
			s.flushMu.Unlock()
		}
	}
	return nil
}

// polyOrder orders a hierarchy's rows by key.
func polyOrder(base *mapper.Model) []any {
	var out []any
	for _, f := range base.PrimaryKey() {
		out = append(out, core.Asc(f.Col))
	}
	return out
}
