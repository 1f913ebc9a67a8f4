package core

import "sync/atomic"

// updateData holds an UPDATE's clauses: the ones nearly every update has
// inline, the others in more, so that the statement value every builder
// call copies stays small.
type updateData struct {
	table *Table
	sets  []Assignment
	// setsClaimed, when set, counts the elements of sets' array that some
	// statement holds (see appendShared).
	setsClaimed *atomic.Int64
	where       []Expr
	// more is nil until one of its clauses is set. Statements share it:
	// it is never changed, only replaced (see withMore).
	more *updateMore
}

type updateMore struct {
	ctes      []*CTE
	from      []FromItem
	returning []Expr
}

// noUpdateMore stands for a nil updateData.more when reading.
var noUpdateMore updateMore

func (q *updateData) rest() *updateMore {
	if q.more == nil {
		return &noUpdateMore
	}
	return q.more
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

// withMore is with for the clauses in updateData.more, which it copies.
func (s *UpdateStmt) withMore(f func(m *updateMore)) *UpdateStmt {
	return s.with(func(q *updateData) {
		m := *q.rest()
		f(&m)
		q.more = &m
	})
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
	return s.withMore(func(m *updateMore) { m.from = appendClip(m.from, items...) })
}

// Where adds predicates, ANDed.
func (s *UpdateStmt) Where(preds ...Expr) *UpdateStmt {
	return s.with(func(q *updateData) { q.where = appendClip(q.where, preds...) })
}

// Returning adds RETURNING (PostgreSQL, SQLite).
func (s *UpdateStmt) Returning(cols ...any) *UpdateStmt {
	return s.withMore(func(m *updateMore) { m.returning = appendClip(m.returning, toExprs(cols)...) })
}

// With attaches common table expressions: WITH … UPDATE (PostgreSQL,
// SQLite).
func (s *UpdateStmt) With(ctes ...*CTE) *UpdateStmt {
	return s.withMore(func(m *updateMore) { m.ctes = appendClip(m.ctes, ctes...) })
}

// Writes implements Statement; an UPDATE always writes.
func (s *UpdateStmt) Writes() bool { return true }

// Tables implements Statement.
func (s *UpdateStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *UpdateStmt) String() string { return debugString(s) }

func (s *UpdateStmt) stmtMemo() *memo { return &s.m }

func (s *UpdateStmt) writeStmt(w *writer) {
	q, m := &s.q, s.q.rest()
	w.writes = true
	if q.table == nil {
		w.failf("core: update without a table")
		return
	}
	writeDMLWith(w, m.ctes)
	w.s("UPDATE ")
	q.table.writeFrom(w)
	multi := len(m.from) > 0 && w.f.UpdateFrom == JoinMulti
	if len(m.from) > 0 {
		switch w.f.UpdateFrom {
		case JoinMulti:
			for _, f := range m.from {
				w.s(", ")
				f.writeFrom(w)
			}
		case JoinNone:
			w.unsupported("UPDATE … FROM")
		}
	}
	w.s(" SET ")
	writeSets(w, q.table.Name(), q.sets, multi)
	if len(m.from) > 0 && w.f.UpdateFrom == JoinFrom {
		w.s(" FROM ")
		for i, f := range m.from {
			if i > 0 {
				w.s(", ")
			}
			f.writeFrom(w)
		}
	}
	writeWhere(w, " WHERE ", nil, q.where)
	if len(m.returning) > 0 {
		if !w.f.ReturningUpdate {
			w.unsupported("UPDATE … RETURNING")
		}
		w.s(" RETURNING ")
		w.list(m.returning)
	}
}
