package core

import "sync/atomic"

type updateData struct {
	ctes  []*CTE
	table *Table
	sets  []Assignment
	// setsClaimed, when set, counts the elements of sets' array that some
	// statement holds (see appendShared).
	setsClaimed *atomic.Int64
	from        []FromItem
	where       []Expr
	returning   []Expr
}

// UpdateStmt is an immutable UPDATE.
type UpdateStmt struct {
	q updateData
	m memo
}

// Update starts an UPDATE of t.
func Update(t *Table) *UpdateStmt { return &UpdateStmt{q: updateData{table: t}} }

// UpdateOf is Update(t).SetAll(sets...).Where(where...) built in one
// step: the statement and each list are copied once, not once per
// builder call. The statement keeps copies, so the caller may reuse both
// slices.
func UpdateOf(t *Table, sets []Assignment, where ...Expr) *UpdateStmt {
	return &UpdateStmt{q: updateData{table: t, sets: appendClip(nil, sets...), where: appendClip(nil, where...)}}
}

func (s *UpdateStmt) with(f func(q *updateData)) *UpdateStmt {
	n := &UpdateStmt{q: s.q}
	f(&n.q)
	return n
}

// Set adds col = v (v bound unless it is an Expr).
func (s *UpdateStmt) Set(col *Column, v any) *UpdateStmt {
	return s.with(func(q *updateData) { q.sets, q.setsClaimed = appendShared1(q.sets, q.setsClaimed, Set(col, v)) })
}

// SetAll adds several assignments.
func (s *UpdateStmt) SetAll(as ...Assignment) *UpdateStmt {
	return s.with(func(q *updateData) { q.sets, q.setsClaimed = appendShared(q.sets, q.setsClaimed, as) })
}

// From joins other tables into the update (UPDATE … FROM on PostgreSQL and
// SQLite, a multi-table UPDATE on MySQL); relate them in Where.
func (s *UpdateStmt) From(items ...FromItem) *UpdateStmt {
	return s.with(func(q *updateData) { q.from = appendClip(q.from, items...) })
}

// Where adds predicates, ANDed.
func (s *UpdateStmt) Where(preds ...Expr) *UpdateStmt {
	return s.with(func(q *updateData) { q.where = appendClip(q.where, preds...) })
}

// Returning adds RETURNING (PostgreSQL, SQLite).
func (s *UpdateStmt) Returning(cols ...any) *UpdateStmt {
	return s.with(func(q *updateData) { q.returning = appendClip(q.returning, toExprs(cols)...) })
}

// With attaches common table expressions: WITH … UPDATE (PostgreSQL,
// SQLite).
func (s *UpdateStmt) With(ctes ...*CTE) *UpdateStmt {
	return s.with(func(q *updateData) { q.ctes = appendClip(q.ctes, ctes...) })
}

// Writes implements Statement; an UPDATE always writes.
func (s *UpdateStmt) Writes() bool { return true }

// Tables implements Statement.
func (s *UpdateStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *UpdateStmt) String() string { return debugString(s) }

func (s *UpdateStmt) stmtMemo() *memo { return &s.m }

func (s *UpdateStmt) writeStmt(w *writer) {
	q := &s.q
	w.writes = true
	if q.table == nil {
		w.failf("core: update without a table")
		return
	}
	writeDMLWith(w, q.ctes)
	w.s("UPDATE ")
	q.table.writeFrom(w)
	multi := len(q.from) > 0 && w.f.UpdateFrom == JoinMulti
	if len(q.from) > 0 {
		switch w.f.UpdateFrom {
		case JoinMulti:
			for _, f := range q.from {
				w.s(", ")
				f.writeFrom(w)
			}
		case JoinNone:
			w.unsupported("UPDATE … FROM")
		}
	}
	w.s(" SET ")
	writeSets(w, q.table.Name(), q.sets, multi)
	if len(q.from) > 0 && w.f.UpdateFrom == JoinFrom {
		w.s(" FROM ")
		for i, f := range q.from {
			if i > 0 {
				w.s(", ")
			}
			f.writeFrom(w)
		}
	}
	writeWhere(w, " WHERE ", nil, q.where)
	if len(q.returning) > 0 {
		if !w.f.ReturningUpdate {
			w.unsupported("UPDATE … RETURNING")
		}
		w.s(" RETURNING ")
		w.list(q.returning)
	}
}
