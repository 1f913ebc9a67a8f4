package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// QueryOf is an immutable query for objects of type T: every method
// returns a new query, so a base query can be shared and extended.
// Predicates are core expressions over T's table and the joined
// relationships' aliased tables (see C and Join); names given as strings
// (Filter, OrderBy, Join) are checked against the mapping, and the
// statement is compiled before anything is sent, so an unknown column is
// an error without a round trip.
type QueryOf[T any] struct {
	s                   *Session
	m                   *mapper.Model
	err                 error
	where               []core.Expr
	order               []any
	joins               []queryJoin
	limit, offset       int64
	hasLimit, hasOffset bool
	loads               []loader.Option
	lock                queryLock  // see lock.go
	off                 *filterOff // filters turned off (Unfiltered; filter.go)
	scopedDone          bool       // the filters' criteria are in where and joins (scoped)
}

// Query starts a query for T's objects.
//
//	books, err := session.Query[Book](s).Filter("AuthorID", id).OrderBy("-Title").Limit(10).All(ctx)
func Query[T any](s *Session) *QueryOf[T] {
	m, err := s.opts.Registry.Of(typeFor[T]())
	return &QueryOf[T]{s: s, m: m, err: err}
}

func (q *QueryOf[T]) clone() *QueryOf[T] {
	n := *q
	n.where = q.where[:len(q.where):len(q.where)]
	n.order = q.order[:len(q.order):len(q.order)]
	n.joins = q.joins[:len(q.joins):len(q.joins)]
	n.loads = q.loads[:len(q.loads):len(q.loads)]
	return &n
}

func (q *QueryOf[T]) fail(err error) *QueryOf[T] {
	n := q.clone()
	if n.err == nil {
		n.err = err
	}
	return n
}

// Where adds predicates (ANDed).
func (q *QueryOf[T]) Where(preds ...core.Expr) *QueryOf[T] {
	n := q.clone()
	n.where = append(n.where, preds...)
	return n
}

// Filter adds field = value for a field or column name of T, or a path
// through joined relationships ("Manager.LastName"; see Join) (nil: IS
// NULL). An unknown name makes the query fail.
func (q *QueryOf[T]) Filter(field string, value any) *QueryOf[T] {
	if q.m == nil {
		return q
	}
	c, _, err := q.attr(field)
	if err != nil {
		return q.fail(fmt.Errorf("session: query %s: filter: %w", q.m.Name, err))
	}
	return q.Where(core.Eq(c, value))
}

// C returns T's column for a field or column name, or the column of a
// joined relationship's model for a path ("Manager.LastName", under the
// join's alias; see Join), for building predicates and order terms; an
// unknown name fails when the query runs.
func (q *QueryOf[T]) C(field string) *core.Column {
	if q.m == nil {
		return nil
	}
	c, _, err := q.column(field)
	if err != nil {
		return q.m.Table().C(field) // compiles to an error naming table and column
	}
	return c
}

// OrderBy adds ORDER BY terms: core.Asc/Desc items or expressions, or
// field names of T ("Title", "-Title" for descending) or paths through
// joined to-one relationships ("Manager.LastName"). A column reached
// through a to-many join is refused (ErrOrderThroughToMany).
func (q *QueryOf[T]) OrderBy(items ...any) *QueryOf[T] {
	n := q.clone()
	for _, it := range items {
		name, ok := it.(string)
		if !ok {
			n.order = append(n.order, it)
			continue
		}
		desc := strings.HasPrefix(name, "-")
		c, j, err := q.attr(strings.TrimPrefix(name, "-"))
		if err != nil {
			return q.fail(fmt.Errorf("session: query %s: order by: %w", q.m.Name, err))
		}
		if j != nil && j.many {
			return q.fail(fmt.Errorf("session: query %s: order by %s: column of %s: %w", q.m.Name, name, j.name(), ErrOrderThroughToMany))
		}
		if desc {
			n.order = append(n.order, core.Desc(c))
		} else {
			n.order = append(n.order, core.Asc(c))
		}
	}
	return n
}

// Limit sets LIMIT n.
func (q *QueryOf[T]) Limit(n int64) *QueryOf[T] {
	c := q.clone()
	c.limit, c.hasLimit = n, true
	return c
}

// Offset sets OFFSET n.
func (q *QueryOf[T]) Offset(n int64) *QueryOf[T] {
	c := q.clone()
	c.offset, c.hasOffset = n, true
	return c
}

// Statement returns the SELECT the query runs, with the criteria of the
// session's filters as they are under context.Background() (see
// StatementContext).
func (q *QueryOf[T]) Statement() (*core.SelectStmt, error) {
	return q.StatementContext(context.Background())
}

// StatementContext returns the SELECT the query runs with ctx: the
// criteria of filters that read the context (a tenant) are those of ctx.
func (q *QueryOf[T]) StatementContext(ctx context.Context) (*core.SelectStmt, error) {
	if err := q.ready(); err != nil {
		return nil, err
	}
	q, err := q.scoped(ctx)
	if err != nil {
		return nil, err
	}
	plan, _, err := q.polyPlan()
	if err != nil {
		return nil, err
	}
	return q.applyLock(q.base(q.selectAll(plan), true)), nil
}

func (q *QueryOf[T]) prepare(ctx context.Context, stmt core.Statement) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	if err := q.ready(); err != nil {
		return err
	}
	if d := q.s.dialectFor(stmt); d != nil {
		if _, err := core.Compile(d, stmt); err != nil {
			return fmt.Errorf("session: query %s: %w", q.m.Name, err)
		}
	}
	return q.s.autoflush(ctx)
}

// All returns every matching object, once each (see Join), from the
// identity map where present.
func (q *QueryOf[T]) All(ctx context.Context) ([]*T, error) {
	if err := q.ready(); err != nil {
		return nil, err
	}
	q, err := q.scoped(ctx)
	if err != nil {
		return nil, err
	}
	plan, polys, err := q.polyPlan() // see poly_eager.go
	if err != nil {
		return nil, err
	}
	var stmt *core.SelectStmt
	if plan != nil {
		ctx = q.loadCtx(ctx) // the loads honour Unfiltered too
		stmt, err = plan.SelectContext(ctx, host{q.s}, q.base(q.m.SelectFrom(), true))
		if err != nil {
			return nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
		}
	} else {
		stmt = q.base(q.m.SelectAll(), true)
	}
	if q.lock.mode != lockNone {
		stmt = q.applyLock(stmt)
	}
	ctx = q.s.criteriaCtx(ctx, q.m, stmt) // the plan's loads read the same shards
	if err := q.prepare(ctx, stmt); err != nil {
		return nil, err
	}
	if q.lock.mode != lockNone {
		if err := q.checkLock(); err != nil {
			return nil, err
		}
	}
	var ps []mapper.Ref
	held := q.s.seq.Load() // see refreshHeld
	if plan != nil {
		ps, err = q.runPlan(ctx, plan, stmt) // see shard_read_load.go
	} else {
		expect := 0
		if q.hasLimit {
			expect = int(min(q.limit, 1<<20))
		}
		ps, err = q.s.load(ctx, q.m, stmt, expect)
	}
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
	}
	if q.lock.mode != lockNone {
		if err := q.refreshHeld(ctx, ps, held); err != nil {
			return nil, err
		}
	}
	if len(polys) > 0 {
		if err := q.s.eagerPoly(ctx, q.m, ps, polys, plan.Raise()); err != nil {
			return nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
		}
	}
	if plan == nil {
		// One row per primary key (joins that could repeat one are
		// semijoins, see base): no object can come twice. The list is
		// the caller's: hand it over as a []*T, the same layout.
		if len(ps) == 0 {
			return []*T{}, nil
		}
		return mapper.Objects[T](q.m, ps), nil
	}
	out := make([]*T, 0, len(ps))
	seen := make(map[*T]bool, len(ps))
	for _, t := range mapper.Objects[T](q.m, ps) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// First returns the first object (add OrderBy for a defined one), or
// athanor.ErrNoRows.
func (q *QueryOf[T]) First(ctx context.Context) (*T, error) {
	all, err := q.Limit(1).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("session: query %s: %w", q.m.Name, athanor.ErrNoRows)
	}
	return all[0], nil
}

// One returns the only matching object: athanor.ErrNoRows without one,
// ErrMultipleRows with more.
func (q *QueryOf[T]) One(ctx context.Context) (*T, error) {
	all, err := q.Limit(2).All(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, fmt.Errorf("session: query %s: %w", q.m.Name, athanor.ErrNoRows)
	case 1:
		return all[0], nil
	}
	return nil, fmt.Errorf("session: query %s: %w", q.m.Name, ErrMultipleRows)
}

// Count returns the number of matching objects (each once, whatever the
// joins), within Limit/Offset when set.
func (q *QueryOf[T]) Count(ctx context.Context) (int64, error) {
	if err := q.ready(); err != nil {
		return 0, err
	}
	if q.lock.mode != lockNone {
		return 0, fmt.Errorf("session: query %s: count: %w", q.m.Name, ErrLockNotQuery)
	}
	q, err := q.scoped(ctx)
	if err != nil {
		return 0, err
	}
	ctx = q.s.criteriaCtx(ctx, q.m, q.base(q.m.SelectFrom(), false))
	if set := q.s.multiShard(ctx, q.countStmt()); set != nil {
		return q.countShards(ctx, set) // see shard_read.go
	}
	var stmt core.Statement
	pk := make([]any, 0, len(q.m.PrimaryKey()))
	for _, f := range q.m.PrimaryKey() {
		pk = append(pk, f.Col)
	}
	switch {
	case q.hasLimit || q.hasOffset:
		inner := q.base(q.m.SelectFrom(pk...), true)
		stmt = core.Select(core.Count(core.Star())).From(inner.As("q"))
	default:
		stmt = q.base(q.m.SelectFrom(core.Count(core.Star())), false)
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
		return 0, fmt.Errorf("session: query %s: count: %w", q.m.Name, err)
	}
	return n, nil
}

// Exists reports whether any object matches (within Limit/Offset when
// set, as Count).
func (q *QueryOf[T]) Exists(ctx context.Context) (bool, error) {
	if err := q.ready(); err != nil {
		return false, err
	}
	if q.lock.mode != lockNone {
		return false, fmt.Errorf("session: query %s: exists: %w", q.m.Name, ErrLockNotQuery)
	}
	q, err := q.scoped(ctx)
	if err != nil {
		return false, err
	}
	ctx = q.s.criteriaCtx(ctx, q.m, q.base(q.m.SelectFrom(), false))
	if set := q.s.multiShard(ctx, q.countStmt()); set != nil {
		return q.existsShards(ctx, set) // see shard_read.go
	}
	// The subquery selects the key, not a bound constant: PostgreSQL
	// types a lone parameter in a select list as text.
	pk := make([]any, 0, len(q.m.PrimaryKey()))
	for _, f := range q.m.PrimaryKey() {
		pk = append(pk, f.Col)
	}
	stmt := core.Select(core.Exists(q.base(q.m.SelectFrom(pk...), q.hasLimit || q.hasOffset)))
	if err := q.prepare(ctx, stmt); err != nil {
		return false, err
	}
	var ok bool
	err = q.s.query(ctx, stmt, func(rows *engine.Rows) error {
		if rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				return err
			}
			switch x := v.(type) {
			case bool:
				ok = x
			case int64:
				ok = x != 0
			default:
				ok = fmt.Sprint(x) == "1" || fmt.Sprint(x) == "true"
			}
		}
		return rows.Err()
	})
	if err != nil {
		return false, fmt.Errorf("session: query %s: exists: %w", q.m.Name, err)
	}
	return ok, nil
}
