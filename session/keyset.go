package session

// This file is keyset pagination: Page reads the page after (or before) a
// cursor with a WHERE on the ordering columns, never an OFFSET, so a page
// costs the same wherever it is and rows added or removed before it do
// not shift it.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// ErrKeysetOrder: a query's order cannot drive keyset pagination (Page):
// an item is not a column of T or of a to-one join, or the query has its
// own Limit or Offset. The error names the item.
var ErrKeysetOrder = errors.New("session: order unusable for keyset pagination")

// PageRequest asks Page for one page: Size objects after the cursor
// After, or before the cursor Before (at most one of them; neither for
// the first page). Cursors are PageOf.Next and PageOf.Prev of a page of
// the same model and ordering.
type PageRequest struct {
	Size   int
	After  string
	Before string
}

// PageOf is a page of objects, in the query's order, and the cursors of
// the pages around it.
type PageOf[T any] struct {
	Items []*T
	// Next is the cursor of the page after this one (for
	// PageRequest.After), Prev of the page before it (for Before); ""
	// when there is none: Next on the last page (fewer than Size+1
	// objects followed the cursor), Prev on the first (read without a
	// cursor, or fewer than Size+1 objects preceded Before). A page read
	// after a cursor has a Prev, and one read before a cursor a Next (the
	// cursor's object lies that way, unless deleted since); an empty page
	// has neither. HasNext and HasPrev report them set.
	Next, Prev       string
	HasNext, HasPrev bool
}

// keysetKey is one ordering column of a paged query.
type keysetKey struct {
	name  string       // how errors name it: the field or path
	col   *core.Column // as the query names it (a join's alias)
	qual  string       // its table's alias or name
	field *mapper.Field
	join  *queryJoin // nil for T's own column
	desc  bool
	// nullable: the column may be NULL (a nullable field, or one reached
	// through a LEFT JOIN); nullsLast: NULLs come after every value in
	// the key's order.
	nullable, nullsLast bool
}

// reversed is k in the opposite order (NULLs on the other side too).
func (k keysetKey) reversed() keysetKey {
	k.desc, k.nullsLast = !k.desc, !k.nullsLast
	return k
}

func (k keysetKey) item() core.OrderItem {
	o := core.Asc(k.col)
	if k.desc {
		o = core.Desc(k.col)
	}
	switch {
	case !k.nullable:
	case k.nullsLast:
		o = o.NullsLast()
	default:
		o = o.NullsFirst()
	}
	return o
}

// after is the condition "the column comes strictly after v in k's
// order", nil for never.
func (k keysetKey) after(v any) core.Expr {
	if v == nil {
		if k.nullsLast {
			return nil
		}
		return core.IsNotNull(k.col)
	}
	cmp := core.Gt(k.col, v)
	if k.desc {
		cmp = core.Lt(k.col, v)
	}
	if k.nullable && k.nullsLast {
		return core.Or(cmp, core.IsNull(k.col))
	}
	return cmp
}

// keysetAfter is the condition "the row comes strictly after vals in the
// order of keys": (k1 after v1) OR (k1 = v1 AND k2 after v2) OR …, with
// NULLs compared by IS NULL and placed by each key's NULLS order.
func keysetAfter(keys []keysetKey, vals []any) core.Expr {
	var ors, eqs []core.Expr
	for i, k := range keys {
		v := vals[i]
		if c := k.after(v); c != nil {
			ors = append(ors, core.And(append(eqs[:len(eqs):len(eqs)], c)...))
		}
		if v == nil {
			eqs = append(eqs, core.IsNull(k.col))
		} else {
			eqs = append(eqs, core.Eq(k.col, v))
		}
	}
	return core.Or(ors...)
}

// keysetKeys returns the query's order as keyset keys, made total by T's
// primary-key columns the order lacks (ascending, at the end).
func (q *QueryOf[T]) keysetKeys() ([]keysetKey, error) {
	var keys []keysetKey
	for _, it := range q.order {
		o, ok := it.(core.OrderItem)
		if !ok {
			o = core.Asc(it)
		}
		c, ok := o.Expr().(*core.Column)
		if !ok || c == nil || c.Table() == nil {
			return nil, fmt.Errorf("order item %v is not a column: %w", it, ErrKeysetOrder)
		}
		k := keysetKey{col: c, qual: refName(c.Table()), desc: o.Descending()}
		if sameTable(c.Table(), q.m.Table()) {
			f, ok := q.m.Field(c.Name)
			if !ok {
				return nil, fmt.Errorf("order by %s: model %s has no column %q: %w", c.Name, q.m.Name, c.Name, mapper.ErrUnknownColumn)
			}
			k.field, k.name, k.nullable = f, f.Name, f.Nullable
			if f.Deferred && !q.loadsField(f) { // cursors take own values from the objects
				return nil, fmt.Errorf("order by deferred field %s.%s: not loaded (loader.Undefer it): %w", q.m.Name, f.Name, ErrKeysetOrder)
			}
		} else {
			for i := range q.joins {
				j := &q.joins[i]
				if j.table != nil && sameTable(c.Table(), j.table) {
					k.join = j
					break
				}
			}
			if k.join == nil {
				return nil, fmt.Errorf("order by %s.%s: not a column of %s or of a joined relationship: %w", k.qual, c.Name, q.m.Name, ErrKeysetOrder)
			}
			if k.join.many {
				return nil, fmt.Errorf("order by %s.%s: column of %s: %w", k.qual, c.Name, k.join.name(), ErrOrderThroughToMany)
			}
			f, ok := k.join.model.Field(c.Name)
			if !ok {
				return nil, fmt.Errorf("order by %s.%s: model %s has no column %q: %w", k.qual, c.Name, k.join.model.Name, c.Name, mapper.ErrUnknownColumn)
			}
			k.field, k.name = f, k.join.path+"."+f.Name
			k.nullable = f.Nullable || q.leftOnPath(k.join.path)
		}
		first, last := o.Nulls()
		switch {
		case first:
			k.nullsLast = false
		case last:
			k.nullsLast = true
		default:
			k.nullsLast = !k.desc // NULL sorts as the largest value
		}
		if !k.nullable {
			k.nullsLast = false
		}
		keys = append(keys, k)
	}
	for _, f := range q.m.PrimaryKey() {
		if !slices.ContainsFunc(keys, func(k keysetKey) bool { return k.join == nil && k.field == f }) {
			keys = append(keys, keysetKey{name: f.Name, col: f.Col, qual: refName(q.m.Table()), field: f})
		}
	}
	return keys, nil
}

// leftOnPath reports a LEFT JOIN on the relationship path (or a prefix
// of it): its columns may then be NULL.
func (q *QueryOf[T]) leftOnPath(path string) bool {
	for i := range q.joins {
		j := &q.joins[i]
		if j.left && j.path != "" && (j.path == path || len(path) > len(j.path) && path[:len(j.path)] == j.path && path[len(j.path)] == '.') {
			return true
		}
	}
	return false
}

// Page returns one page of the query's objects by keyset (seek)
// pagination: the objects after req.After (or before req.Before, or from
// the start), at most req.Size of them, in the query's order.
//
//	q := session.Query[Track](s).OrderBy("-UnitPrice", "Name")
//	page, err := q.Page(ctx, session.PageRequest{Size: 20})
//	next, err := q.Page(ctx, session.PageRequest{Size: 20, After: page.Next})
//
// The order must name columns: fields of T, or paths through joined
// to-one relationships ("Album.Title", after Join or LeftJoin). Page
// appends T's primary-key columns it lacks, so the order is total and no
// object is skipped or repeated between pages; it reads Size+1 objects to
// know whether another page follows. A page before a cursor is read in
// the reversed order and returned in the query's. Conditions, joins and
// loader options apply as for All; the query must not have its own
// Limit or Offset (ErrKeysetOrder).
//
// A nullable ordering column (or one reached through a LEFT JOIN) sorts
// its NULLs as core.OrderItem's NullsFirst or NullsLast say, and without
// either as larger than every value: last ascending, first descending, on
// every dialect (PostgreSQL's default; Page writes the NULLS order out, so
// MariaDB and SQLite sort the same). The cursor condition compares NULLs
// with IS NULL accordingly.
//
// A cursor is opaque text (base64url) holding the ordering values of the
// page's last (Next) or first (Prev) object, each in its field's type,
// exactly (integers, floats, strings, booleans, times to the nanosecond,
// bytes, athanor.Decimal and other text-marshalled values, NULLs), and a
// fingerprint of the model and ordering: a cursor of another model, other
// columns, directions or NULLS order is refused with an error wrapping
// ErrInvalidCursor, as is malformed text. Cursors are not signed: they
// carry values a client can read and alter (they are always bound as
// parameters). Own-column values come from the page's objects (an object
// the session held with unflushed changes and autoflush off gives its
// changed values); values of joined columns are read with one more
// statement per cursor.
func (q *QueryOf[T]) Page(ctx context.Context, req PageRequest) (*PageOf[T], error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	if err := q.ready(); err != nil {
		return nil, err
	}
	fail := func(err error) (*PageOf[T], error) {
		return nil, fmt.Errorf("session: query %s: page: %w", q.m.Name, err)
	}
	switch {
	case req.Size <= 0:
		return fail(fmt.Errorf("size %d: must be positive", req.Size))
	case req.After != "" && req.Before != "":
		return fail(errors.New("both After and Before given"))
	case q.hasLimit || q.hasOffset:
		return fail(fmt.Errorf("the query has its own Limit or Offset: %w", ErrKeysetOrder))
	}
	keys, err := q.keysetKeys()
	if err != nil {
		return fail(err)
	}
	fp := fingerprint(q.m.Name, keys)
	back, cur := req.Before != "", req.After
	if back {
		cur = req.Before
	}
	seek := keys
	if back {
		seek = make([]keysetKey, len(keys))
		for i, k := range keys {
			seek[i] = k.reversed()
		}
	}
	n := q.clone()
	n.order = make([]any, len(seek))
	for i, k := range seek {
		n.order[i] = k.item()
	}
	if cur != "" {
		vals, err := decodeCursor(cur, fp, keys)
		if err != nil {
			return fail(err)
		}
		n.where = append(n.where, keysetAfter(seek, vals))
	}
	n.limit, n.hasLimit = int64(req.Size)+1, true
	items, err := n.All(ctx)
	if err != nil {
		return nil, err
	}
	more := len(items) > req.Size
	if more {
		items = items[:req.Size]
	}
	if back {
		slices.Reverse(items)
	}
	page := &PageOf[T]{Items: items}
	if len(items) == 0 {
		return page, nil
	}
	// Going forward, a page reached by a cursor has one before it (the
	// cursor's object at least, unless deleted since: the page before is
	// then empty); going back, the same holds for the page after.
	page.HasNext = more || back
	page.HasPrev = more && back || !back && cur != ""
	if page.HasNext {
		if page.Next, err = q.cursor(ctx, keys, fp, items[len(items)-1]); err != nil {
			return fail(err)
		}
	}
	if page.HasPrev {
		if page.Prev, err = q.cursor(ctx, keys, fp, items[0]); err != nil {
			return fail(err)
		}
	}
	return page, nil
}

// cursor encodes the ordering values of obj.
func (q *QueryOf[T]) cursor(ctx context.Context, keys []keysetKey, fp uint64, obj *T) (string, error) {
	p := q.m.Ref(any(obj))
	vals := make([]any, len(keys))
	joined := false
	for i, k := range keys {
		if k.join != nil {
			joined = true
			continue
		}
		vals[i] = k.field.Value(p)
	}
	if joined {
		if err := q.joinedValues(ctx, keys, p, vals); err != nil {
			return "", err
		}
	}
	return encodeCursor(fp, keys, vals)
}

// joinedValues reads the values of the joined keys for the object p from
// the database: SELECT those columns FROM T's table and the to-one joins
// WHERE T's key is p's.
func (q *QueryOf[T]) joinedValues(ctx context.Context, keys []keysetKey, p mapper.Ref, vals []any) error {
	var cols, dest []any
	var at []int
	for i, k := range keys {
		if k.join == nil {
			continue
		}
		t := k.field.Type
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		cols = append(cols, k.col)
		dest = append(dest, reflect.New(reflect.PointerTo(t)).Interface()) // **T: NULL scans as nil
		at = append(at, i)
	}
	// The key columns too, skipped: Scan never sees a single destination
	// (which it would take for a struct to fill).
	var where []core.Expr
	for _, f := range q.m.PrimaryKey() {
		cols = append(cols, f.Col)
		dest = append(dest, nil)
		where = append(where, core.Eq(f.Col, f.Value(p)))
	}
	sel := q.m.SelectFrom(cols...)
	for i := range q.joins {
		if !q.joins[i].many {
			sel = q.joins[i].apply(sel)
		}
	}
	sel = sel.Where(where...)
	ctx, err := q.s.objectCtx(ctx, q.m, p) // a sharded object's row is on its shard
	if err != nil {
		return fmt.Errorf("cursor: %w", err)
	}
	found := false
	err = q.s.query(ctx, sel, func(rows *engine.Rows) error {
		if rows.Next() {
			found = true
			if err := rows.Scan(dest...); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("cursor: read joined ordering columns: %w", err)
	}
	if !found {
		return fmt.Errorf("cursor: the row of the page's object is gone")
	}
	for j, i := range at {
		v := reflect.ValueOf(dest[j]).Elem() // *T
		if !v.IsNil() {
			vals[i] = v.Elem().Interface()
		}
	}
	return nil
}
