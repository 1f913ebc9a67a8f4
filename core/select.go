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

type selectData struct {
	ctes          []*CTE
	distinct      bool
	cols          []Expr
	from          []FromItem
	joins         []join
	where, having []Expr
	groupBy       []Expr
	order         []OrderItem
	limit, offset int64
	hasLimit      bool
	hasOffset     bool
	lock          lockMode
	lockOpt       LockOption
}

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
	return &SelectStmt{q: selectData{cols: toExprs(cols)}}
}

func (s *SelectStmt) with(f func(q *selectData)) *SelectStmt {
	n := &SelectStmt{q: s.q}
	f(&n.q)
	return n
}

// Columns appends to the select list.
func (s *SelectStmt) Columns(cols ...any) *SelectStmt {
	return s.with(func(q *selectData) { q.cols = appendClip(q.cols, toExprs(cols)...) })
}

// Distinct makes it SELECT DISTINCT.
func (s *SelectStmt) Distinct() *SelectStmt {
	return s.with(func(q *selectData) { q.distinct = true })
}

// From adds FROM items (comma-separated).
func (s *SelectStmt) From(items ...FromItem) *SelectStmt {
	return s.with(func(q *selectData) { q.from = appendClip(q.from, items...) })
}

func (s *SelectStmt) join(k joinKind, item FromItem, on Expr) *SelectStmt {
	return s.with(func(q *selectData) { q.joins = appendClip(q.joins, join{kind: k, item: item, on: on}) })
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
	return s.with(func(q *selectData) { q.where = appendClip(q.where, preds...) })
}

// GroupBy adds GROUP BY expressions.
func (s *SelectStmt) GroupBy(es ...any) *SelectStmt {
	return s.with(func(q *selectData) { q.groupBy = appendClip(q.groupBy, toExprs(es)...) })
}

// Having adds HAVING predicates, ANDed.
func (s *SelectStmt) Having(preds ...Expr) *SelectStmt {
	return s.with(func(q *selectData) { q.having = appendClip(q.having, preds...) })
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
	return s.with(func(q *selectData) { q.lock, q.lockOpt = lockUpdate, firstOpt(opt) })
}

// ForShare adds FOR SHARE (LOCK IN SHARE MODE on MySQL/MariaDB). The
// statement then Writes: it must run on the primary.
func (s *SelectStmt) ForShare(opt ...LockOption) *SelectStmt {
	return s.with(func(q *selectData) { q.lock, q.lockOpt = lockShare, firstOpt(opt) })
}

func firstOpt(o []LockOption) LockOption {
	if len(o) == 0 {
		return 0
	}
	return o[0]
}

// With attaches common table expressions.
func (s *SelectStmt) With(ctes ...*CTE) *SelectStmt {
	return s.with(func(q *selectData) { q.ctes = appendClip(q.ctes, ctes...) })
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
	q := &s.q
	return len(q.ctes) == 0 && len(q.order) == 0 && !q.hasLimit && !q.hasOffset && q.lock == lockNone
}

func (s *SelectStmt) writeQuery(w *writer) {
	if s == nil {
		w.failf("core: nil select")
		return
	}
	q := &s.q
	writeWith(w, q.ctes)
	w.s("SELECT ")
	if q.distinct {
		w.s("DISTINCT ")
	}
	if len(q.cols) == 0 {
		w.b('*')
	} else {
		w.list(q.cols)
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
	writeJoins(w, q.joins)
	writeWhere(w, " WHERE ", q.where)
	if len(q.groupBy) > 0 {
		w.s(" GROUP BY ")
		w.list(q.groupBy)
	}
	writeWhere(w, " HAVING ", q.having)
	if len(q.order) > 0 {
		w.s(" ORDER BY ")
		writeOrder(w, q.order)
	}
	writeLimit(w, q.hasLimit, q.limit, q.hasOffset, q.offset)
	if q.lock != lockNone {
		w.writes = true
		writeLock(w, q.lock, q.lockOpt)
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

func writeWhere(w *writer, kw string, preds []Expr) {
	n := 0
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
	q     SelectQuery
	alias string
}

// C refers to a column of the derived table: "alias"."name".
func (d *Derived) C(name string) Expr { return ident{qualifier: d.alias, name: name} }

// Star is "alias".*.
func (d *Derived) Star() Expr { return star{qualifier: d.alias} }

func (d *Derived) writeFrom(w *writer) {
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
