package core

// Compiling an INSERT built by adding rows to a template (see
// InsertStmt.Template) need not walk the whole statement to find its
// cached SQL: with plain values (each bound as one argument) the SQL
// depends only on the template, the dialect and the number of rows.
// Likewise a SELECT template with one comparison of a column and a value
// added (SelectStmt.Template): its SQL depends on the template, the
// column and the operator. The first compilation of such a statement
// takes the shape path and records its entry here; later ones check the
// statement and collect its values.

// insertTmpl is what the SQL of a statement built from template t with
// n rows of plain values depends on besides the dialect. Its form holds
// t, so t's address cannot be reused by another statement while the form
// is in the cache.
type insertTmpl struct {
	t *InsertStmt
	n int
}

// tmplForm is the cached SQL of a template's statements of one kind k.
type tmplForm[K comparable] struct {
	k K
	e *shapeEntry
}

func (f *tmplForm[K]) matches(k K) bool { return f.k == k }

var (
	templates       formCache[insertTmpl, *tmplForm[insertTmpl]]
	selectTemplates formCache[selectTmpl, *tmplForm[selectTmpl]]
)

func (k insertTmpl) hash(d Dialect) uint64 {
	return mix(mix(formSeed(d), ptrWord(k.t)), uint64(k.n))
}

// plainRows reports whether s's SQL is its template's with this many
// rows: every row has one value per column and every value is plain
// (bound as one argument, see writer.bound) and fits its column; and
// nothing a walk would read anew has changed: Column's fields are
// exported, and a column renamed, or a client-side default set (bound
// in every row), since the template's SQL was cached would change it.
// It returns the total number of values.
func (s *InsertStmt) plainRows() (int, bool) {
	q := &s.q
	if !q.plainHead() {
		return 0, false
	}
	total := 0
	for i := range q.rows.len() {
		row := q.rows.row(i)
		if !q.plainRow(row) {
			return 0, false
		}
		total += len(row)
	}
	return total, true
}

// plainHead is plainRows' check of what is not a row: the statement has
// no clause but its table, columns, rows and RETURNING columns, and its
// table binds no client-side default.
func (q *insertData) plainHead() bool {
	if q.sel != nil || q.more != nil || q.table == nil {
		return false
	}
	for _, c := range q.cols {
		if !intact(c) {
			return false
		}
	}
	for _, e := range q.returning {
		if c, ok := e.(*Column); !ok || !intact(c) {
			return false
		}
	}
	for _, c := range q.table.Columns() {
		if c.Default != nil {
			return false
		}
	}
	return true
}

// plainRow is plainRows' check of one row.
func (q *insertData) plainRow(row []any) bool {
	if len(row) != len(q.cols) {
		return false
	}
	for j, v := range row {
		if !plainValue(v) {
			return false
		}
		if checkFits(q.cols[j], v) != nil {
			return false // the shape path reports it
		}
	}
	return true
}

// intact reports whether c is a table's column, named as when the table
// was built.
func intact(c *Column) bool {
	return c != nil && c.table != nil && c.shape != "" && c.shapeName == c.Name && c.Type.Kind != TypeInvalid
}

// fromCache compiles s through the template cache: its entry and
// arguments (in spare when they fit), or false if s has no template, its
// rows are not plain, or the cache has no entry yet.
func (s *InsertStmt) fromCache(d Dialect, spare []any) (*shapeEntry, []any, bool) {
	q := &s.q
	if q.tmpl == nil {
		return s.fromSimple(d, spare)
	}
	if q.rows.len() == 0 {
		return nil, nil, false
	}
	k := insertTmpl{q.tmpl, q.rows.len()}
	f, ok := templates.find(k.hash(d), d, k)
	if !ok {
		return nil, nil, false
	}
	total, ok := s.plainRows()
	if !ok {
		return nil, nil, false
	}
	return f.e, s.rowArgs(total, spare), true
}

// rowArgs returns the values of s's rows, total of them, as compiled
// arguments: the rows' own array when it is large, else a copy in spare
// when they fit.
func (s *InsertStmt) rowArgs(total int, spare []any) []any {
	q := &s.q
	if all := q.rows.all; all != nil {
		if len(all) > len(spare) {
			return all[:len(all):len(all)]
		}
		return keepArgs(all, spare)
	}
	var args []any
	if total <= len(spare) {
		args = spare[:0:total]
	} else {
		args = make([]any, 0, total)
	}
	for i := range q.rows.len() {
		args = append(args, q.rows.row(i)...)
	}
	return args
}

// noteCache records e, s's compiled entry with arguments args, for
// statements built like s, if s qualifies: it has a template, and its
// arguments are exactly its rows' plain values (no client-side default,
// RETURNING or upsert value is bound).
func (s *InsertStmt) noteCache(d Dialect, e *shapeEntry, args []any) {
	q := &s.q
	if q.tmpl == nil {
		s.noteSimple(d, e, args)
		return
	}
	if q.rows.len() == 0 {
		return
	}
	total, ok := s.plainRows()
	if !ok || total != len(args) {
		return
	}
	k := insertTmpl{q.tmpl, q.rows.len()}
	templates.add(k.hash(d), d, k, &tmplForm[insertTmpl]{k: k, e: e})
}

// selectTmpl is what the SQL of a statement built from template t with
// WHERE col op $1 depends on besides the dialect. Its form holds t, as
// insertTmpl's does.
type selectTmpl struct {
	t   *SelectStmt
	op  string
	col *Column
}

func (k selectTmpl) hash(d Dialect) uint64 {
	return mixString(mix(mix(formSeed(d), ptrWord(k.t)), ptrWord(k.col)), k.op)
}

// keyPred returns the key of s's SQL if it is its template's with one
// comparison of an intact column and a plain value, and that value; the
// template binds nothing of its own and selects intact columns (or *)
// from tables, with no other clause a walk would read anew.
func (s *SelectStmt) keyPred() (selectTmpl, any, bool) {
	q, t := &s.q, s.q.tmpl
	if t == nil || q.where.first == nil || len(q.where.rest) > 0 {
		return selectTmpl{}, nil, false
	}
	c, ok := q.where.first.(compare)
	if !ok {
		return selectTmpl{}, nil, false
	}
	col, ok := c.l.(*Column)
	if !ok || !intact(col) {
		return selectTmpl{}, nil, false
	}
	if !plainValue(c.r) {
		return selectTmpl{}, nil, false
	}
	tq := &t.q
	if !tq.where.empty() || tq.more != nil || len(tq.order) > 0 {
		return selectTmpl{}, nil, false
	}
	for _, f := range tq.from {
		if _, ok := f.(*Table); !ok {
			return selectTmpl{}, nil, false
		}
	}
	if !tq.cols.empty() {
		if c, ok := tq.cols.first.(*Column); !ok || !intact(c) {
			return selectTmpl{}, nil, false
		}
		for _, e := range tq.cols.rest {
			if c, ok := e.(*Column); !ok || !intact(c) {
				return selectTmpl{}, nil, false
			}
		}
	}
	return selectTmpl{t: t, op: c.op, col: col}, c.r, true
}

// fromCache is InsertStmt.fromCache for a SELECT.
func (s *SelectStmt) fromCache(d Dialect, spare []any) (*shapeEntry, []any, bool) {
	if s.q.tmpl == nil {
		return s.fromSimple(d, spare)
	}
	k, v, ok := s.keyPred()
	if !ok {
		return nil, nil, false
	}
	f, ok := selectTemplates.find(k.hash(d), d, k)
	if !ok {
		return nil, nil, false
	}
	var args []any
	if len(spare) > 0 {
		args = spare[:1:1]
	} else {
		args = make([]any, 1)
	}
	args[0] = v
	return f.e, args, true
}

// noteCache is InsertStmt.noteCache for a SELECT: the value of the
// comparison must be its only argument.
func (s *SelectStmt) noteCache(d Dialect, e *shapeEntry, args []any) {
	if s.q.tmpl == nil {
		s.noteSimple(d, e, args)
		return
	}
	if k, _, ok := s.keyPred(); ok && len(args) == 1 {
		selectTemplates.add(k.hash(d), d, k, &tmplForm[selectTmpl]{k: k, e: e})
	}
}
