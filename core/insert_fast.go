package core

// A simple INSERT (no template, plain values, columns and RETURNING all
// intact columns of the table, nothing else; see plainRows) is what a
// caller writing rows with core builds for every write. Its SQL depends
// only on the dialect, the table, the columns, the RETURNING columns and
// the number of rows, all of which it holds by pointer or count:
// compiling it looks them up here instead of walking the statement (and
// hashing its shape) to find the cached SQL, as update_fast.go does for a
// simple UPDATE. The first compilation of each form takes the shape path
// and records its entry.

// insertForm is what the SQL of a simple INSERT depends on. Holding the
// columns keeps their addresses from being reused while the form is
// cached.
type insertForm struct {
	table     *Table
	cols      []*Column
	returning []*Column
	rows      int
	e         *shapeEntry
}

var insertForms formCache[*InsertStmt, *insertForm]

// simpleKey returns s's key in insertForms and its number of values if s
// is a simple INSERT.
func (s *InsertStmt) simpleKey(d Dialect) (uint64, int, bool) {
	q := &s.q
	if q.tmpl != nil || q.rows.len() == 0 {
		return 0, 0, false
	}
	total, ok := s.plainRows()
	if !ok {
		return 0, 0, false
	}
	h := mix(mix(mix(formSeed(d), ptrWord(q.table)), uint64(q.rows.len())), uint64(len(q.cols)))
	for _, c := range q.cols {
		h = mix(h, ptrWord(c))
	}
	h = mix(h, uint64(len(q.returning)))
	for _, e := range q.returning {
		h = mix(h, ptrWord(e.(*Column))) // plainRows checked
	}
	return h, total, true
}

// matches reports whether s has form f.
func (f *insertForm) matches(s *InsertStmt) bool {
	q := &s.q
	if f.table != q.table || f.rows != q.rows.len() || len(f.cols) != len(q.cols) || len(f.returning) != len(q.returning) {
		return false
	}
	for i, c := range q.cols {
		if f.cols[i] != c {
			return false
		}
	}
	for i, e := range q.returning {
		if f.returning[i] != e.(*Column) {
			return false
		}
	}
	return true
}

// fromSimple is fromCache for a simple INSERT.
func (s *InsertStmt) fromSimple(d Dialect, spare []any) (*shapeEntry, []any, bool) {
	k, total, ok := s.simpleKey(d)
	if !ok {
		return nil, nil, false
	}
	f, ok := insertForms.find(k, d, s)
	if !ok {
		return nil, nil, false
	}
	return f.e, s.rowArgs(total, spare), true
}

// noteSimple is noteCache for a simple INSERT whose arguments are exactly
// its values.
func (s *InsertStmt) noteSimple(d Dialect, e *shapeEntry, args []any) {
	k, total, ok := s.simpleKey(d)
	if !ok || total != len(args) {
		return
	}
	q := &s.q
	f := &insertForm{table: q.table, cols: append([]*Column(nil), q.cols...), returning: make([]*Column, len(q.returning)), rows: q.rows.len(), e: e}
	for i, r := range q.returning {
		f.returning[i] = r.(*Column)
	}
	insertForms.add(k, d, s, f)
}
