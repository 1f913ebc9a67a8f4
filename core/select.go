package core

import "slices"

// SelectQuery is a query producing rows: a *SelectStmt or a *CompoundStmt.
// It can be a statement, a subquery (Subquery, In, Exists), a derived table
// (As) or a CTE body. The set is closed.
type SelectQuery interface {
	Statement
	// As makes the query a derived table: (SELECT …) AS "alias".
	As(alias string) *Derived
	writeQuery(w *writer)
}

func writeQuery(w *writer, q SelectQuery) { q.writeQuery(w) }

// FromItem is something a query can select from or join: a *Table, a
// *Derived table, a *CTE, or Raw SQL. The set is closed.
type FromItem interface {
	writeFrom(w *writer)
}

// appendClip appends to a copy-on-write slice: the result never shares
// spare capacity with s, so statement values stay independent.
func appendClip[T any](s []T, v ...T) []T { return append(slices.Clip(s), v...) }

type joinKind uint8

const (
	innerJoin joinKind = iota
	leftJoin
	rightJoin
	fullJoin
	crossJoin
)

var joinSQL = [...]string{" JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ", " CROSS JOIN "}

type join struct {
	kind joinKind
	item FromItem
	on   Expr
}

type lockMode uint8

const (
	lockNone lockMode = iota
	lockUpdate
	lockShare
)

// LockOption modifies FOR UPDATE / FOR SHARE.
type LockOption uint8

const (
	// SkipLocked skips rows locked by others (SKIP LOCKED).
	SkipLocked LockOption = iota + 1
	// NoWait fails instead of waiting for a lock (NOWAIT).
	NoWait
)

// selectData holds a SELECT's clauses: the ones nearly every query has
// inline, the others in more, so that the statement value every builder
// call copies stays small.
type selectData struct {
	cols          exprs
	from          []FromItem
	where         exprs
	order         []OrderItem
	limit, offset int64
	hasLimit      bool
	hasOffset     bool
	distinct      bool
	// more is nil until one of its clauses is set. Statements share it:
	// it is never changed, only replaced (see withMore).
	more *selectMore
	// tmpl is the template this statement was built from by Where alone,
	// or nil (see Template).
	tmpl *SelectStmt
}

type selectMore struct {
	ctes    []*CTE
	joins   []join
	having  []Expr
	groupBy []Expr
	lock    lockMode
	lockOpt LockOption
}

// noMore stands for a nil selectData.more when reading.
var noMore selectMore

func (q *selectData) rest() *selectMore {
	if q.more == nil {
		return &noMore
	}
	return q.more
}

// exprs is an immutable list of expressions that holds its first element
// inline, so a list of one (a select list of one column or star, a single
// WHERE predicate) needs no backing array. A statement never points into
// itself: builder calls chained in one expression then keep their
// intermediate statements on the stack, and only the last is allocated.
type exprs struct {
	first Expr   // nil when the list is empty
	rest  []Expr // after first; shared, never appended to in place
}

// add returns l with v appended, dropping nil elements (a nil predicate
// stands for none).
func (l exprs) add(v ...Expr) exprs {
	if l.first == nil {
		for len(v) > 0 && v[0] == nil {
			v = v[1:]
		}
		if len(v) == 0 {
			return l
		}
		l.first, v = v[0], v[1:]
	}
	n := 0
	for _, e := range v {
		if e != nil {
			n++
		}
	}
	if n == 0 {
		return l
	}
	rest := make([]Expr, len(l.rest), len(l.rest)+n)
	copy(rest, l.rest)
	for _, e := range v {
		if e != nil {
			rest = append(rest, e)
		}
	}
	l.rest = rest
	return l
}

// addValues is add for operands given as any (see toExpr).
func (l exprs) addValues(vs []any) exprs {
	if len(vs) == 0 {
		return l
	}
	if l.first == nil {
		l.first, vs = toExpr(vs[0]), vs[1:]
		if len(vs) == 0 {
			return l
		}
	}
	rest := make([]Expr, len(l.rest), len(l.rest)+len(vs))
	copy(rest, l.rest)
	for _, v := range vs {
		rest = append(rest, toExpr(v))
	}
	l.rest = rest
	return l
}

func (l exprs) empty() bool { return l.first == nil }

// SelectStmt is an immutable SELECT. Every method returns a new statement;
// the receiver is never changed, so a base query may be shared between
// goroutines and extended independently.
type SelectStmt struct {
	q selectData
	m memo
}

// Select starts a SELECT of the given columns or expressions (values are
// bound). With no columns it selects *.
func Select(cols ...any) *SelectStmt {
	return &SelectStmt{q: selectData{cols: exprs{}.addValues(cols)}}
}

func (s *SelectStmt) with(f func(q *selectData)) *SelectStmt {
	n := &SelectStmt{q: s.q}
	n.q.tmpl = nil // any clause but Where changes the template
	f(&n.q)
	return n
}

// withMore is with for the clauses in selectData.more, which it copies.
func (s *SelectStmt) withMore(f func(m *selectMore)) *SelectStmt {
	n := &SelectStmt{q: s.q}
	n.q.tmpl = nil
	m := *n.q.rest()
	f(&m)
	n.q.more = &m
	return n
}

// Columns appends to the select list.
func (s *SelectStmt) Columns(cols ...any) *SelectStmt {
	return s.with(func(q *selectData) { q.cols = q.cols.addValues(cols) })
}

// Distinct makes it SELECT DISTINCT.
func (s *SelectStmt) Distinct() *SelectStmt {
	return s.with(func(q *selectData) { q.distinct = true })
}

// From adds FROM items (comma-separated).
func (s *SelectStmt) From(items ...FromItem) *SelectStmt {
	return s.with(func(q *selectData) { q.from = addFrom(q.from, items) })
}

// addFrom appends FROM items; a table alone uses its own one-item list.
func addFrom(from, items []FromItem) []FromItem {
	if len(from) == 0 && len(items) == 1 {
		if t, ok := items[0].(*Table); ok && t != nil && t.fromList != nil {
			return t.fromList
		}
	}
	return appendClip(from, items...)
}

func (s *SelectStmt) join(k joinKind, item FromItem, on Expr) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.joins = appendClip(m.joins, join{kind: k, item: item, on: on}) })
}

// Join adds an INNER JOIN item ON on.
func (s *SelectStmt) Join(item FromItem, on Expr) *SelectStmt { return s.join(innerJoin, item, on) }

// LeftJoin adds a LEFT JOIN.
func (s *SelectStmt) LeftJoin(item FromItem, on Expr) *SelectStmt { return s.join(leftJoin, item, on) }

// RightJoin adds a RIGHT JOIN.
func (s *SelectStmt) RightJoin(item FromItem, on Expr) *SelectStmt {
	return s.join(rightJoin, item, on)
}

// FullJoin adds a FULL JOIN (not on MySQL/MariaDB).
func (s *SelectStmt) FullJoin(item FromItem, on Expr) *SelectStmt { return s.join(fullJoin, item, on) }

// CrossJoin adds a CROSS JOIN.
func (s *SelectStmt) CrossJoin(item FromItem) *SelectStmt { return s.join(crossJoin, item, nil) }

// Where adds predicates, ANDed with any already present. Nil predicates
// are ignored.
func (s *SelectStmt) Where(preds ...Expr) *SelectStmt {
	n := &SelectStmt{q: s.q} // keeps s's template
	n.q.where = n.q.where.add(preds...)
	return n
}

// Template returns s as a template: a statement to keep and look rows up
// with many times, as an ORM does by primary key. A statement built from
// it by one Where of one comparison of a column with a value (Eq(col, v))
// compiles without walking the statement: the first with that column
// and operator, for the same dialect, left its SQL in a cache. Any other
// clause added makes an ordinary statement again.
func (s *SelectStmt) Template() *SelectStmt {
	t := &SelectStmt{q: s.q}
	t.q.tmpl = t
	return t
}

// GroupBy adds GROUP BY expressions.
func (s *SelectStmt) GroupBy(es ...any) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.groupBy = appendClip(m.groupBy, toExprs(es)...) })
}

// Having adds HAVING predicates, ANDed.
func (s *SelectStmt) Having(preds ...Expr) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.having = appendClip(m.having, preds...) })
}

// OrderBy adds ORDER BY terms: OrderItems (Asc, Desc) or expressions
// (ascending).
func (s *SelectStmt) OrderBy(items ...any) *SelectStmt {
	return s.with(func(q *selectData) { q.order = appendClip(q.order, toOrder(items)...) })
}

// Limit sets LIMIT n (bound as a parameter).
func (s *SelectStmt) Limit(n int64) *SelectStmt {
	return s.with(func(q *selectData) { q.limit, q.hasLimit = n, true })
}

// Offset sets OFFSET n (bound as a parameter).
func (s *SelectStmt) Offset(n int64) *SelectStmt {
	return s.with(func(q *selectData) { q.offset, q.hasOffset = n, true })
}

// ForUpdate adds FOR UPDATE, optionally SKIP LOCKED or NOWAIT. The
// statement then Writes.
func (s *SelectStmt) ForUpdate(opt ...LockOption) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.lock, m.lockOpt = lockUpdate, firstOpt(opt) })
}

// ForShare adds FOR SHARE (LOCK IN SHARE MODE on MySQL/MariaDB). The
// statement then Writes: it must run on the primary.
func (s *SelectStmt) ForShare(opt ...LockOption) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.lock, m.lockOpt = lockShare, firstOpt(opt) })
}

func firstOpt(o []LockOption) LockOption {
	if len(o) == 0 {
		return 0
	}
	return o[0]
}

// With attaches common table expressions.
func (s *SelectStmt) With(ctes ...*CTE) *SelectStmt {
	return s.withMore(func(m *selectMore) { m.ctes = appendClip(m.ctes, ctes...) })
}

// As makes the query a derived table.
func (s *SelectStmt) As(alias string) *Derived { return &Derived{q: s, alias: alias} }

// Writes implements Statement.
func (s *SelectStmt) Writes() bool { return scan(s).writes }

// Tables implements Statement.
func (s *SelectStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *SelectStmt) String() string { return debugString(s) }

func (s *SelectStmt) stmtMemo() *memo     { return &s.m }
func (s *SelectStmt) writeStmt(w *writer) { s.writeQuery(w) }
func (s *SelectStmt) writeExpr(w *writer) { subquery{q: s}.writeExpr(w) }
func (s *SelectStmt) prec() int           { return precPrimary }
func (s *SelectStmt) simpleOperand() bool {
	q, m := &s.q, s.q.rest()
	return len(m.ctes) == 0 && len(q.order) == 0 && !q.hasLimit && !q.hasOffset && m.lock == lockNone
}

func (s *SelectStmt) writeQuery(w *writer) {
	if s == nil {
		w.failf("core: nil select")
		return
	}
	q, m := &s.q, s.q.rest()
	writeWith(w, m.ctes)
	w.s("SELECT ")
	if q.distinct {
		w.s("DISTINCT ")
	}
	if q.cols.empty() {
		w.b('*')
	} else {
		// A bare value here has no context to type it (see ParamCaster).
		w.typed(q.cols.first, precLowest)
		for _, e := range q.cols.rest {
			w.s(", ")
			w.typed(e, precLowest)
		}
	}
	if len(q.from) > 0 {
		w.s(" FROM ")
		for i, f := range q.from {
			if i > 0 {
				w.s(", ")
			}
			f.writeFrom(w)
		}
	}
	writeJoins(w, m.joins)
	writeWhere(w, " WHERE ", q.where.first, q.where.rest)
	// The server matches these items against the select list: an equal
	// expression built again reuses its placeholders (see reuse.go).
	same := w.sameItems
	w.sameItems = true
	if len(m.groupBy) > 0 {
		w.s(" GROUP BY ")
		w.list(m.groupBy)
	}
	writeWhere(w, " HAVING ", nil, m.having)
	if len(q.order) > 0 {
		w.s(" ORDER BY ")
		writeOrder(w, q.order)
	}
	w.sameItems = same
	writeLimit(w, q.hasLimit, q.limit, q.hasOffset, q.offset)
	if m.lock != lockNone {
		w.writes = true
		writeLock(w, m.lock, m.lockOpt)
	}
}

func writeJoins(w *writer, joins []join) {
	for _, j := range joins {
		switch {
		case j.kind == fullJoin && !w.f.FullJoin:
			w.unsupported("FULL JOIN")
		case j.kind == rightJoin && !w.f.RightJoin:
			w.unsupported("RIGHT JOIN")
		}
		w.s(joinSQL[j.kind])
		j.item.writeFrom(w)
		if j.kind != crossJoin {
			w.s(" ON ")
			if j.on == nil {
				w.expr(True, precLowest)
			} else {
				w.expr(j.on, precLowest)
			}
		}
	}
}

// writeWhere writes kw and the predicates first (if not nil) and preds,
// ANDed; nil predicates are skipped.
func writeWhere(w *writer, kw string, first Expr, preds []Expr) {
	n := 0
	if first != nil {
		n++
	}
	for _, p := range preds {
		if p != nil {
			n++
		}
	}
	if n == 0 {
		return // only nil predicates: no clause at all
	}
	w.s(kw)
	min := precAnd
	if n == 1 {
		min = precLowest
	}
	i := 0
	if first != nil {
		w.expr(first, min)
		i++
	}
	for _, p := range preds {
		if p == nil {
			continue
		}
		if i > 0 {
			w.s(" AND ")
		}
		w.expr(p, min)
		i++
	}
}

func writeLimit(w *writer, hasLimit bool, limit int64, hasOffset bool, offset int64) {
	if hasLimit {
		w.s(" LIMIT ")
		w.arg(limit)
	} else if hasOffset && w.f.OffsetWithoutLimit != "" {
		w.s(" LIMIT ")
		w.s(w.f.OffsetWithoutLimit)
	}
	if hasOffset {
		w.s(" OFFSET ")
		w.arg(offset)
	}
}

func writeLock(w *writer, mode lockMode, opt LockOption) {
	if !w.f.Locking {
		return
	}
	if mode == lockShare {
		w.b(' ')
		w.s(w.f.ShareLock)
	} else {
		w.s(" FOR UPDATE")
	}
	switch opt {
	case SkipLocked:
		if !w.f.SkipLocked {
			w.unsupported("SKIP LOCKED")
		}
		w.s(" SKIP LOCKED")
	case NoWait:
		if !w.f.NoWait {
			w.unsupported("NOWAIT")
		}
		w.s(" NOWAIT")
	}
}

// Derived is a query used as a table: (SELECT …) AS "alias".
type Derived struct {
	q       SelectQuery
	alias   string
	lateral bool // LATERAL (see Lateral)
}

// C refers to a column of the derived table: "alias"."name".
func (d *Derived) C(name string) Expr { return ident{qualifier: d.alias, name: name} }

// Star is "alias".*.
func (d *Derived) Star() Expr { return star{qualifier: d.alias} }

func (d *Derived) writeFrom(w *writer) {
	if d.lateral {
		writeLateral(w)
	}
	w.b('(')
	d.q.writeQuery(w)
	w.s(") AS ")
	w.ident(d.alias)
}

// CTE is a common table expression: a name, optional column names and a
// body. It is a FromItem that renders as its name.
type CTE struct {
	name      string
	cols      []string
	body      Statement
	recursive bool
}

// NewCTE declares a CTE named name with optional column names. Give it a
// body with As; a recursive CTE can reference itself (via C or as a
// FromItem) in the body it is given.
func NewCTE(name string, cols ...string) *CTE { return &CTE{name: name, cols: cols} }

// As returns the CTE with body: a SelectQuery, or (PostgreSQL) an
// Insert/Update/Delete with Returning — a data-modifying CTE.
func (c *CTE) As(body Statement) *CTE {
	n := *c
	n.body = body
	return &n
}

// Recursive returns the CTE marked recursive: WITH RECURSIVE.
func (c *CTE) Recursive() *CTE {
	n := *c
	n.recursive = true
	return &n
}

// Name is the CTE's name.
func (c *CTE) Name() string { return c.name }

// C refers to a column of the CTE: "name"."col".
func (c *CTE) C(col string) Expr { return ident{qualifier: c.name, name: col} }

func (c *CTE) writeFrom(w *writer) { w.ident(c.name) }

// writeDMLWith writes the WITH clause of an INSERT, UPDATE or DELETE.
func writeDMLWith(w *writer, ctes []*CTE) {
	if len(ctes) > 0 && !w.f.DMLWith {
		w.unsupported("WITH before INSERT/UPDATE/DELETE")
	}
	writeWith(w, ctes)
}

func writeWith(w *writer, ctes []*CTE) {
	if len(ctes) == 0 {
		return
	}
	for _, c := range ctes {
		w.ctes = append(w.ctes, c.name)
	}
	w.s("WITH ")
	if slices.ContainsFunc(ctes, func(c *CTE) bool { return c.recursive }) {
		w.s("RECURSIVE ")
	}
	for i, c := range ctes {
		if i > 0 {
			w.s(", ")
		}
		w.ident(c.name)
		if len(c.cols) > 0 {
			w.s(" (")
			for j, col := range c.cols {
				if j > 0 {
					w.s(", ")
				}
				w.ident(col)
			}
			w.b(')')
		}
		w.s(" AS (")
		switch b := c.body.(type) {
		case nil:
			w.failf("core: cte %q has no body", c.name)
		case SelectQuery:
			b.writeQuery(w)
		case *RawSQL:
			b.writeExpr(w)
		default:
			if !w.f.ModifyingCTE {
				w.unsupported("data-modifying WITH")
			}
			w.writes = true
			b.writeStmt(w)
		}
		w.b(')')
	}
	w.b(' ')
}

func debugString(s Statement) string {
	w := newWriter(genericDialect{}, modeSQL)
	defer w.release()
	s.writeStmt(w)
	if w.err != nil {
		return "<invalid: " + w.err.Error() + ">"
	}
	return string(w.buf)
}
