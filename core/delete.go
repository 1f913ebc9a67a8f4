package core

type deleteData struct {
	ctes      []*CTE
	table     *Table
	using     []FromItem
	where     []Expr
	returning []Expr
}

// DeleteStmt is an immutable DELETE.
type DeleteStmt struct {
	q deleteData
	m memo
}

// Delete starts a DELETE FROM t.
func Delete(t *Table) *DeleteStmt { return &DeleteStmt{q: deleteData{table: t}} }

func (s *DeleteStmt) with(f func(q *deleteData)) *DeleteStmt {
	n := &DeleteStmt{q: s.q}
	f(&n.q)
	return n
}

// Using joins other tables into the delete; relate them in Where.
// PostgreSQL writes USING, MySQL a multi-table DELETE, and SQLite, which
// has neither, gets WHERE EXISTS (SELECT 1 FROM … WHERE …).
func (s *DeleteStmt) Using(items ...FromItem) *DeleteStmt {
	return s.with(func(q *deleteData) { q.using = appendClip(q.using, items...) })
}

// Where adds predicates, ANDed.
func (s *DeleteStmt) Where(preds ...Expr) *DeleteStmt {
	return s.with(func(q *deleteData) { q.where = appendClip(q.where, preds...) })
}

// Returning adds RETURNING (PostgreSQL, SQLite, MariaDB).
func (s *DeleteStmt) Returning(cols ...any) *DeleteStmt {
	return s.with(func(q *deleteData) { q.returning = appendClip(q.returning, toExprs(cols)...) })
}

// With attaches common table expressions: WITH … DELETE (PostgreSQL,
// SQLite).
func (s *DeleteStmt) With(ctes ...*CTE) *DeleteStmt {
	return s.with(func(q *deleteData) { q.ctes = appendClip(q.ctes, ctes...) })
}

// Writes implements Statement; a DELETE always writes.
func (s *DeleteStmt) Writes() bool { return true }

// Tables implements Statement.
func (s *DeleteStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *DeleteStmt) String() string { return debugString(s) }

func (s *DeleteStmt) stmtMemo() *memo { return &s.m }

func (s *DeleteStmt) writeStmt(w *writer) {
	q := &s.q
	w.writes = true
	if q.table == nil {
		w.failf("core: delete without a table")
		return
	}
	writeDMLWith(w, q.ctes)
	w.s("DELETE ")
	style := w.f.DeleteUsing
	if len(q.using) == 0 {
		style = JoinFrom
	}
	switch style {
	case JoinMulti:
		w.ident(q.table.refName())
		w.s(" FROM ")
		q.table.writeFrom(w)
		for _, u := range q.using {
			w.s(", ")
			u.writeFrom(w)
		}
		writeWhere(w, " WHERE ", nil, q.where)
	case JoinFrom:
		w.s("FROM ")
		q.table.writeFrom(w)
		if len(q.using) > 0 {
			w.s(" USING ")
			for i, u := range q.using {
				if i > 0 {
					w.s(", ")
				}
				u.writeFrom(w)
			}
		}
		writeWhere(w, " WHERE ", nil, q.where)
	default: // JoinNone: correlated EXISTS
		w.s("FROM ")
		q.table.writeFrom(w)
		w.s(" WHERE EXISTS (SELECT 1 FROM ")
		for i, u := range q.using {
			if i > 0 {
				w.s(", ")
			}
			u.writeFrom(w)
		}
		writeWhere(w, " WHERE ", nil, q.where)
		w.b(')')
	}
	if len(q.returning) > 0 {
		if !w.f.ReturningDelete {
			w.unsupported("DELETE … RETURNING")
		}
		w.s(" RETURNING ")
		w.list(q.returning)
	}
}
