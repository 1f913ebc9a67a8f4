package core

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// Assignment is one "column = value" of an UPDATE or upsert.
type Assignment struct {
	col *Column
	v   any // an operand as given: written by writer.operand, never boxed in a node
}

// Set assigns v (a value, bound, or an Expr) to col.
func Set(col *Column, v any) Assignment { return Assignment{col: col, v: v} }

type conflict struct {
	target    []*Column
	doNothing bool
	sets      []Assignment
}

// rowList is an immutable list of VALUES rows, each row's operands as
// given (see writer.operand) in storage the statement owns. The first row
// is held inline, so a one-row insert needs no array of rows.
type rowList struct {
	first []any   // row 0, or nil if there are no rows (an empty row is not nil)
	rest  [][]any // rows 1 to n-1: a prefix of an array other statements may share (see add)
	// claimed, when set, counts the elements of rest's array that some
	// statement holds; add appends in place only at that boundary.
	claimed *atomic.Int64
	// all, when set, is every row's values end to end in one array the
	// statement owns: if they are all plain values (bound, one argument
	// each), the compiled arguments can be this array itself, not a copy
	// of it (see writer.owned).
	all []any
}

// len is the number of rows.
func (l *rowList) len() int {
	if l.first == nil {
		return 0
	}
	return 1 + len(l.rest)
}

func (l *rowList) row(i int) []any {
	if i == 0 {
		return l.first
	}
	return l.rest[i-1]
}

// add returns l with row r, which the statement owns, appended.
//
// Like append, it writes into the spare capacity of the array behind rest
// when it can, so a loop of Values is amortized linear, not quadratic.
// Statements stay immutable: the slot after l's rows is taken only if no
// other statement built from the same array has taken it (a compare-and-
// swap on claimed), so Values on an older statement never writes over, nor
// sees, the rows of a newer one; it copies instead.
func (l rowList) add(r []any) rowList {
	if l.first == nil {
		if r == nil {
			r = []any{} // a row of no values is still a row
		}
		l.first, l.all = r, r
		return l
	}
	k := len(l.rest)
	if l.claimed != nil && k < cap(l.rest) && l.claimed.CompareAndSwap(int64(k), int64(k+1)) {
		l.rest = l.rest[:k+1]
		l.rest[k] = r
	} else {
		rest := make([][]any, k+1, max(4, 2*(k+1)))
		copy(rest, l.rest)
		rest[k] = r
		l.rest = rest
		l.claimed = new(atomic.Int64)
		l.claimed.Store(int64(k + 1))
	}
	l.all = nil
	return l
}

// insertData holds an INSERT's clauses: the ones nearly every insert has
// (and INSERT … SELECT, which an ORM's batch is) inline, the others in
// more, so that the statement value every builder call copies stays
// small.
type insertData struct {
	table     *Table
	cols      []*Column
	rows      rowList
	sel       SelectQuery
	returning []Expr
	// more is nil until one of its clauses is set. Statements share it:
	// it is never changed, only replaced (see withMore).
	more *insertMore
	// tmpl is the template this statement was built from by adding rows
	// alone, or nil (see Template).
	tmpl *InsertStmt
}

type insertMore struct {
	ctes     []*CTE
	conflict *conflict
}

// noInsertMore stands for a nil insertData.more when reading.
var noInsertMore insertMore

func (q *insertData) rest() *insertMore {
	if q.more == nil {
		return &noInsertMore
	}
	return q.more
}

// InsertStmt is an immutable INSERT.
type InsertStmt struct {
	q insertData
	m memo
}

// Insert starts an INSERT INTO t.
func Insert(t *Table) *InsertStmt { return &InsertStmt{q: insertData{table: t}} }

func (s *InsertStmt) with(f func(q *insertData)) *InsertStmt {
	n := &InsertStmt{q: s.q}
	n.q.tmpl = nil // any clause but rows changes the template
	f(&n.q)
	return n
}

// withMore is with for the clauses in insertData.more, which it copies.
func (s *InsertStmt) withMore(f func(m *insertMore)) *InsertStmt {
	return s.with(func(q *insertData) {
		m := *q.rest()
		f(&m)
		q.more = &m
	})
}

// withRows is with for a call that adds rows only: the result keeps s's
// template.
func (s *InsertStmt) withRows(f func(q *insertData)) *InsertStmt {
	n := &InsertStmt{q: s.q}
	f(&n.q)
	return n
}

// Template returns s as a template: a statement to keep and add rows to
// many times, as an ORM does with its INSERT of a model. A statement
// built from it by Values and Rows alone, its values all plain (no Expr
// or subquery), compiles without walking the statement: the first with
// as many rows, for the same dialect, left its SQL in a cache. Any other
// clause added makes an ordinary statement again.
func (s *InsertStmt) Template() *InsertStmt {
	t := &InsertStmt{q: s.q}
	t.q.tmpl = t
	return t
}

// Columns sets the inserted columns, in the order Values gives them.
func (s *InsertStmt) Columns(cols ...*Column) *InsertStmt {
	return s.with(func(q *insertData) { q.cols = appendClip(q.cols, cols...) })
}

// Values adds one row; call it again for a multi-row insert. Values are
// bound unless they are Exprs. The statement keeps a copy of vals, so the
// caller may reuse the slice (the values themselves are not copied: a
// []byte is bound as the slice given).
func (s *InsertStmt) Values(vals ...any) *InsertStmt {
	return s.withRows(func(q *insertData) { q.rows = q.rows.add(slices.Clone(vals)) })
}

// Rows adds many rows at once, each like a Values call. It allocates less
// than a loop of Values (one array for all the values), though both take
// time linear in the number of rows.
//
// The values of all the rows are copied into one array, so the caller may
// reuse or modify rows and their slices after the call.
func (s *InsertStmt) Rows(rows ...[]any) *InsertStmt {
	return s.withRows(func(q *insertData) {
		if len(rows) == 0 {
			return
		}
		// A copy, not the caller's slices: a statement is immutable and
		// may be shared and memoised, so it must not change under a caller
		// that refills its buffers. One array for all the values costs one
		// allocation, not one per row.
		n := 0
		for _, r := range rows {
			n += len(r)
		}
		l := q.rows
		// A statement of one row (Values then Rows) copies that row
		// into the array too: its values are then all the arguments in
		// one array, which compile need not copy (see writer.owned).
		had := l.len()
		fresh := had == 0 || had == 1 && l.all != nil
		if had == 1 && fresh {
			n += len(l.first)
		}
		flat := make([]any, n)
		all := flat
		next := func(r []any) []any {
			k := copy(flat, r)
			row := flat[:k:k] // clipped: rows never share spare capacity
			flat = flat[k:]
			return row
		}
		switch {
		case had == 1 && fresh:
			l.first = next(l.first)
		case fresh:
			l.first, rows = next(rows[0]), rows[1:]
		}
		rest := make([][]any, len(l.rest), len(l.rest)+len(rows))
		copy(rest, l.rest)
		for _, r := range rows {
			rest = append(rest, next(r))
		}
		l.rest, l.all, l.claimed = rest, nil, nil
		if fresh {
			l.all = all
		}
		q.rows = l
	})
}

// Select makes it INSERT … SELECT.
func (s *InsertStmt) Select(q SelectQuery) *InsertStmt {
	return s.with(func(d *insertData) { d.sel = q })
}

// Returning adds a RETURNING clause (PostgreSQL, SQLite, MariaDB).
func (s *InsertStmt) Returning(cols ...any) *InsertStmt {
	return s.with(func(q *insertData) { q.returning = appendClip(q.returning, toExprs(cols)...) })
}

// OnConflictDoNothing skips rows that violate a unique constraint:
// ON CONFLICT (target) DO NOTHING, or on MySQL a no-op
// ON DUPLICATE KEY UPDATE. target may be empty except on SQLite upserts
// that also update.
func (s *InsertStmt) OnConflictDoNothing(target ...*Column) *InsertStmt {
	return s.withMore(func(m *insertMore) { m.conflict = &conflict{target: target, doNothing: true} })
}

// OnConflictDoUpdate updates the existing row instead: ON CONFLICT
// (target) DO UPDATE SET … on PostgreSQL/SQLite, ON DUPLICATE KEY UPDATE on
// MySQL (which ignores target and uses whichever unique key conflicts).
// Use Excluded(col) for the value the insert proposed.
func (s *InsertStmt) OnConflictDoUpdate(target []*Column, sets ...Assignment) *InsertStmt {
	return s.withMore(func(m *insertMore) { m.conflict = &conflict{target: target, sets: sets} })
}

// With attaches common table expressions: WITH … INSERT (PostgreSQL,
// SQLite).
func (s *InsertStmt) With(ctes ...*CTE) *InsertStmt {
	return s.withMore(func(m *insertMore) { m.ctes = appendClip(m.ctes, ctes...) })
}

// Writes implements Statement; an INSERT always writes.
func (s *InsertStmt) Writes() bool { return true }

// Tables implements Statement.
func (s *InsertStmt) Tables() []string { return scan(s).tables }

// String renders the statement in a generic dialect, for debugging.
func (s *InsertStmt) String() string { return debugString(s) }

func (s *InsertStmt) stmtMemo() *memo { return &s.m }

func (s *InsertStmt) writeStmt(w *writer) {
	q, m := &s.q, s.q.rest()
	w.writes = true
	if q.table == nil {
		w.failf("core: insert without a table")
		return
	}
	name := q.table.Name()
	writeDMLWith(w, m.ctes)
	w.s("INSERT INTO ")
	q.table.writeFrom(w)
	cols := q.cols
	// Columns with a client-side default that the statement leaves out get
	// it bound; a small array keeps the usual few off the heap.
	var dbuf [8]*Column
	defaults := dbuf[:0]
	if q.sel == nil {
		for _, c := range q.table.Columns() {
			if c.Default != nil && !containsCol(cols, c) {
				defaults = append(defaults, c)
			}
		}
	}
	if n := len(cols) + len(defaults); n > 0 {
		w.s(" (")
		for i := range n {
			var c *Column
			if i < len(cols) {
				c = cols[i]
			} else {
				c = defaults[i-len(cols)]
			}
			if i > 0 {
				w.s(", ")
			}
			switch {
			case c == nil:
				w.failf("core: insert into %q: nil column", name)
				return
			case c.table != nil && c.table.root() != q.table.root():
				w.failf("core: insert into %q: column %q belongs to table %q", name, c.Name, c.table.Name())
			case c.Type.Kind == TypeInvalid && c.table != nil:
				w.failf("core: table %q has no column %q", c.table.Name(), c.Name)
			}
			w.ident(c.Name)
		}
		w.b(')')
	}
	switch {
	case q.sel != nil:
		if q.rows.len() > 0 {
			w.failf("core: insert into %q: both Values and Select", name)
		}
		w.b(' ')
		q.sel.writeQuery(w)
	case q.rows.len() == 0:
		w.failf("core: insert into %q: no values", name)
	case len(cols)+len(defaults) == 0 && !w.f.EmptyValues:
		// A row of no columns (every column left to the server): "VALUES
		// ()" is MySQL's; the standard form takes one row only.
		if q.rows.len() > 1 {
			w.fail(fmt.Errorf("%s: insert into %q: %d rows of no columns in one statement (DEFAULT VALUES inserts one): %w",
				w.d.Name(), name, q.rows.len(), ErrUnsupported))
			return
		}
		if len(q.rows.first) != 0 {
			w.failf("core: insert into %q: row 0 has %d values for 0 columns", name, len(q.rows.first))
			return
		}
		w.s(" DEFAULT VALUES")
	default:
		plain := q.rows.all != nil && len(defaults) == 0 && len(w.args) == 0
		w.s(" VALUES ")
		for i := range q.rows.len() {
			row := q.rows.row(i)
			if len(row) != len(cols) {
				w.failf("core: insert into %q: row %d has %d values for %d columns", name, i, len(row), len(cols))
				return
			}
			if i > 0 {
				w.s(", ")
			}
			w.b('(')
			for j, v := range row {
				if j > 0 {
					w.s(", ")
				}
				if err := checkFits(cols[j], v); err != nil {
					w.fail(fmt.Errorf("core: insert into %q: row %d: %w", name, i, err))
				}
				plain = w.bound(v, precLowest) && plain
			}
			for j, c := range defaults {
				if len(row) > 0 || j > 0 {
					w.s(", ")
				}
				w.arg(c.Default)
			}
			w.b(')')
		}
		if plain {
			// The values are all the arguments unless a later clause
			// binds some: compile checks the count (see writer.owned).
			w.owned = q.rows.all
		}
	}
	if m.conflict != nil {
		writeConflict(w, name, m.conflict, cols)
	}
	if len(q.returning) > 0 {
		if !w.f.ReturningInsert {
			w.unsupported("INSERT … RETURNING")
		}
		w.s(" RETURNING ")
		w.list(q.returning)
	}
}

func containsCol(cols []*Column, c *Column) bool {
	for _, x := range cols {
		if x != nil && x.Name == c.Name { // a nil column is reported by the writer
			return true
		}
	}
	return false
}

func writeConflict(w *writer, table string, c *conflict, cols []*Column) {
	switch w.f.Upsert {
	case UpsertOnConflict:
		w.s(" ON CONFLICT")
		if len(c.target) > 0 {
			w.s(" (")
			for i, t := range c.target {
				if i > 0 {
					w.s(", ")
				}
				w.ident(t.Name)
			}
			w.b(')')
		} else if !c.doNothing {
			w.failf("core: insert into %q: ON CONFLICT DO UPDATE needs conflict target columns", table)
		}
		if c.doNothing {
			w.s(" DO NOTHING")
			return
		}
		w.s(" DO UPDATE SET ")
		writeSets(w, table, c.sets, false)
	case UpsertOnDuplicateKey:
		w.s(" ON DUPLICATE KEY UPDATE ")
		if c.doNothing {
			// A self-assignment changes nothing but swallows only
			// duplicate-key errors (unlike INSERT IGNORE).
			var col *Column
			switch {
			case len(c.target) > 0:
				col = c.target[0]
			case len(cols) > 0:
				col = cols[0]
			default:
				w.failf("core: insert into %q: on conflict do nothing needs a column", table)
				return
			}
			w.ident(col.Name)
			w.s(" = ")
			w.ident(col.Name)
			return
		}
		writeSets(w, table, c.sets, false)
	default:
		w.unsupported("upsert")
	}
}

func writeSets(w *writer, table string, sets []Assignment, qualify bool) {
	if len(sets) == 0 {
		w.failf("core: %q: no columns to set", table)
		return
	}
	for i, a := range sets {
		if i > 0 {
			w.s(", ")
		}
		if a.col == nil {
			w.failf("core: %q: assignment to a nil column", table)
			return
		}
		if a.col.Type.Kind == TypeInvalid && a.col.table != nil {
			w.failf("core: table %q has no column %q", a.col.table.Name(), a.col.Name)
		}
		if qualify && a.col.table != nil {
			w.qualified(a.col.table.refName(), a.col.Name)
		} else {
			w.ident(a.col.Name)
		}
		if err := checkFits(a.col, a.v); err != nil {
			w.fail(fmt.Errorf("core: %q: %w", table, err))
		}
		w.s(" = ")
		w.operand(a.v, precLowest)
	}
}
