package core

import "strconv"

type setOp uint8

const (
	opUnion setOp = iota
	opUnionAll
	opIntersect
	opIntersectAll
	opExcept
	opExceptAll
)

var setOpSQL = [...]string{" UNION ", " UNION ALL ", " INTERSECT ", " INTERSECT ALL ", " EXCEPT ", " EXCEPT ALL "}

type compoundData struct {
	op            setOp
	parts         []SelectQuery
	ctes          []*CTE
	order         []OrderItem
	limit, offset int64
	hasLimit      bool
	hasOffset     bool
}

// CompoundStmt is an immutable UNION / INTERSECT / EXCEPT of queries.
type CompoundStmt struct {
	q compoundData
	m memo
}

func compound(op setOp, qs []SelectQuery) *CompoundStmt {
	return &CompoundStmt{q: compoundData{op: op, parts: qs}}
}

// Union is q1 UNION q2 …
func Union(qs ...SelectQuery) *CompoundStmt { return compound(opUnion, qs) }

// UnionAll is q1 UNION ALL q2 …
func UnionAll(qs ...SelectQuery) *CompoundStmt { return compound(opUnionAll, qs) }

// Intersect is q1 INTERSECT q2 …
func Intersect(qs ...SelectQuery) *CompoundStmt { return compound(opIntersect, qs) }

// IntersectAll is q1 INTERSECT ALL q2 … (not on SQLite).
func IntersectAll(qs ...SelectQuery) *CompoundStmt { return compound(opIntersectAll, qs) }

// Except is q1 EXCEPT q2 …
func Except(qs ...SelectQuery) *CompoundStmt { return compound(opExcept, qs) }

// ExceptAll is q1 EXCEPT ALL q2 … (not on SQLite).
func ExceptAll(qs ...SelectQuery) *CompoundStmt { return compound(opExceptAll, qs) }

func (s *CompoundStmt) with(f func(q *compoundData)) *CompoundStmt {
	n := &CompoundStmt{q: s.q}
	f(&n.q)
	return n
}

// OrderBy orders the combined result.
func (s *CompoundStmt) OrderBy(items ...any) *CompoundStmt {
	return s.with(func(q *compoundData) { q.order = appendClip(q.order, toOrder(items)...) })
}

// Limit limits the combined result.
func (s *CompoundStmt) Limit(n int64) *CompoundStmt {
	return s.with(func(q *compoundData) { q.limit, q.hasLimit = n, true })
}

// Offset skips rows of the combined result.
func (s *CompoundStmt) Offset(n int64) *CompoundStmt {
	return s.with(func(q *compoundData) { q.offset, q.hasOffset = n, true })
}

// With attaches common table expressions.
func (s *CompoundStmt) With(ctes ...*CTE) *CompoundStmt {
	return s.with(func(q *compoundData) { q.ctes = appendClip(q.ctes, ctes...) })
}

// As makes the compound a derived table.
func (s *CompoundStmt) As(alias string) *Derived { return &Derived{q: s, alias: alias} }

// Writes implements Statement.
func (s *CompoundStmt) Writes() bool { return scan(s).writes }

// Tables implements Statement.
func (s *CompoundStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *CompoundStmt) String() string { return debugString(s) }

func (s *CompoundStmt) stmtMemo() *memo     { return &s.m }
func (s *CompoundStmt) writeStmt(w *writer) { s.writeQuery(w) }

func (s *CompoundStmt) writeQuery(w *writer) {
	if s == nil {
		w.failf("core: nil compound select")
		return
	}
	q := &s.q
	if len(q.parts) < 2 {
		w.failf("core: %s needs at least two queries", setOpSQL[q.op][1:len(setOpSQL[q.op])-1])
		return
	}
	if (q.op == opIntersectAll || q.op == opExceptAll) && !w.f.SetOpAll {
		w.unsupported(setOpSQL[q.op][1 : len(setOpSQL[q.op])-1])
	}
	writeWith(w, q.ctes)
	for i, p := range q.parts {
		if i > 0 {
			w.s(setOpSQL[q.op])
		}
		// Operands with their own ORDER BY/LIMIT (or nested set operations)
		// are wrapped as derived tables: every dialect accepts that, while
		// SQLite rejects parenthesised operands.
		if sel, ok := p.(*SelectStmt); ok && sel.simpleOperand() {
			sel.writeQuery(w)
			continue
		}
		w.s("SELECT * FROM (")
		p.writeQuery(w)
		w.s(") AS ")
		w.ident("_q" + strconv.Itoa(i+1))
	}
	if len(q.order) > 0 {
		w.s(" ORDER BY ")
		writeOrder(w, q.order)
	}
	writeLimit(w, q.hasLimit, q.limit, q.hasOffset, q.offset)
}
