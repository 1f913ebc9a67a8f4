package core

import "time"

// A simple UPDATE (columns set to plain values, WHERE a conjunction of
// comparisons of columns with plain values, nothing else) is rebuilt for
// every write by an ORM and by callers updating by key. Its SQL depends
// only on the dialect, the table, the columns set and the columns and
// operators compared, all of which it holds by pointer: compiling it
// looks them up here instead of walking the statement to find the cached
// SQL. The first compilation of each form takes the shape path and
// records its entry.

// updateForm is what the SQL of a simple UPDATE depends on. Holding the
// columns keeps their addresses from being reused while the form is
// cached.
type updateForm struct {
	table *Table
	sets  []*Column
	where []formPred
	e     *shapeEntry
}

type formPred struct {
	op  string
	col *Column
}

var updateForms formCache[*UpdateStmt, *updateForm]

// simpleKey returns s's key in updateForms and its total number of
// arguments if s is a simple UPDATE whose columns are intact (see intact)
// and whose values fit them.
func (s *UpdateStmt) simpleKey(d Dialect) (uint64, int, bool) {
	q := &s.q
	if m := q.more; q.table == nil || len(q.sets) == 0 || m != nil && (len(m.ctes) > 0 || len(m.from) > 0 || len(m.returning) > 0) {
		return 0, 0, false
	}
	h := mix(mix(formSeed(d), ptrWord(q.table)), uint64(len(q.sets)))
	for _, a := range q.sets {
		if !intact(a.col) || !plainValue(a.v) || checkFits(a.col, a.v) != nil {
			return 0, 0, false
		}
		h = mix(h, ptrWord(a.col))
	}
	for _, p := range q.where {
		c, ok := p.(compare)
		if !ok {
			return 0, 0, false
		}
		col, ok := c.l.(*Column)
		if !ok || !intact(col) || !plainValue(c.r) {
			return 0, 0, false
		}
		h = mixString(mix(h, ptrWord(col)), c.op)
	}
	return h, len(q.sets) + len(q.where), true
}

// plainValue reports whether v is bound as one argument: not an Expr nor
// a subquery. The Go types callers bind most are told apart by their type
// word alone; only other values take the interface switch, a cache lookup
// for each call.
func plainValue(v any) bool {
	switch v.(type) {
	case nil, string, int, int64, int32, bool, float64, []byte, time.Time:
		return true
	case Expr, SelectQuery:
		return false
	}
	return true
}

// matches reports whether s has form f.
func (f *updateForm) matches(s *UpdateStmt) bool {
	q := &s.q
	if f.table != q.table || len(f.sets) != len(q.sets) || len(f.where) != len(q.where) {
		return false
	}
	for i, a := range q.sets {
		if f.sets[i] != a.col {
			return false
		}
	}
	for i, p := range q.where {
		c := p.(compare) // simpleKey checked
		if f.where[i].col != c.l.(*Column) || f.where[i].op != c.op {
			return false
		}
	}
	return true
}

// fromCache compiles s through the cache, with its arguments in spare
// when they fit, or returns false.
func (s *UpdateStmt) fromCache(d Dialect, spare []any) (*shapeEntry, []any, bool) {
	k, n, ok := s.simpleKey(d)
	if !ok {
		return nil, nil, false
	}
	f, ok := updateForms.find(k, d, s)
	if !ok {
		return nil, nil, false
	}
	var args []any
	if n <= len(spare) {
		args = spare[:0:n]
	} else {
		args = make([]any, 0, n)
	}
	for _, a := range s.q.sets {
		args = append(args, a.v)
	}
	for _, p := range s.q.where {
		args = append(args, p.(compare).r)
	}
	return f.e, args, true
}

// noteCache records e, s's compiled entry with arguments args, if s is a
// simple UPDATE whose arguments are exactly its values.
func (s *UpdateStmt) noteCache(d Dialect, e *shapeEntry, args []any) {
	k, n, ok := s.simpleKey(d)
	if !ok || n != len(args) {
		return
	}
	q := &s.q
	f := &updateForm{table: q.table, sets: make([]*Column, len(q.sets)), where: make([]formPred, len(q.where)), e: e}
	for i, a := range q.sets {
		f.sets[i] = a.col
	}
	for i, p := range q.where {
		c := p.(compare)
		f.where[i] = formPred{op: c.op, col: c.l.(*Column)}
	}
	updateForms.add(k, d, s, f)
}
