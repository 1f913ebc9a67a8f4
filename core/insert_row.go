package core

import "slices"

// InsertRow is the INSERT of one row added to a statement, usually a
// template (see InsertStmt.Template): what s.Values(vals...) is, in a
// statement that takes no further clause. It holds the statement it was
// built from and the row, nothing else, so an ORM inserting one object
// with its kept template neither copies the template nor memoises the
// result: the compiled SQL is the template's, found in the template
// cache, and the arguments are the row itself.
type InsertRow struct {
	s    *InsertStmt
	vals []any
}

// Row returns the INSERT of s with one more row of vals, like Values,
// as a statement to run as it is. Like Values it keeps a copy of vals
// (not of the values themselves).
func (s *InsertStmt) Row(vals ...any) *InsertRow {
	return &InsertRow{s: s, vals: slices.Clone(vals)}
}

// Stmt returns r as an InsertStmt, to add clauses to: s.Values(vals...).
func (r *InsertRow) Stmt() *InsertStmt { return r.s.Values(r.vals...) }

// Writes implements Statement; an INSERT always writes.
func (r *InsertRow) Writes() bool { return true }

// Tables implements Statement: the template's tables, unless a value
// reads others (a subquery).
func (r *InsertRow) Tables() []string {
	for _, v := range r.vals {
		if !plainValue(v) {
			return r.Stmt().Tables()
		}
	}
	return r.s.Tables()
}

// String renders the statement in a generic dialect, for debugging.
func (r *InsertRow) String() string { return debugString(r) }

// stmtMemo is nil: compiling r costs a lookup and a check of its row,
// and r is not kept to be compiled again.
func (r *InsertRow) stmtMemo() *memo { return nil }

func (r *InsertRow) writeStmt(w *writer) { r.Stmt().writeStmt(w) }

// fromCache implements cachedForm: r's SQL is the one cached for its
// template with one row, when the template is one with no rows and r's
// values are plain (see plainRows). The arguments are r's own copy of
// its values.
func (r *InsertRow) fromCache(d Dialect, _ []any) (*shapeEntry, []any, bool) {
	t := r.s
	q := &t.q
	if q.tmpl != t || q.rows.len() != 0 {
		return nil, nil, false
	}
	k := insertTmpl{t, 1}
	f, ok := templates.find(k.hash(d), d, k)
	if !ok || !q.plainHead() || !q.plainRow(r.vals) {
		return nil, nil, false
	}
	if len(r.vals) == 0 {
		return f.e, nil, true
	}
	return f.e, r.vals[:len(r.vals):len(r.vals)], true
}

// noteCache implements cachedForm. It is never reached: compile expands
// r (see shorthand) when fromCache misses.
func (r *InsertRow) noteCache(Dialect, *shapeEntry, []any) {}

// expand implements shorthand.
func (r *InsertRow) expand() Statement { return r.Stmt() }
