package core

// A simple SELECT (no template; columns of its tables, or their stars,
// from tables alone, WHERE a conjunction of comparisons of columns with
// plain values, LIMIT and OFFSET, nothing else) is what a caller reading
// rows by key or by a range builds for every read. Its SQL depends only
// on the dialect, the tables, the selected columns, the columns and
// operators compared and which of LIMIT and OFFSET it has: compiling it
// looks them up here instead of walking the statement, as update_fast.go
// does for a simple UPDATE. The first compilation of each form takes the
// shape path and records its entry.

// selectForm is what the SQL of a simple SELECT depends on. Holding the
// tables and columns keeps their addresses from being reused while the
// form is cached.
type selectForm struct {
	from  []*Table
	cols  []selCol
	where []formPred
	flags uint8
	e     *shapeEntry
}

// selCol is one item of a simple select list: a column, or (col nil) the
// star of the table from[star].
type selCol struct {
	col  *Column
	star int
}

const (
	selDistinct uint8 = 1 << iota
	selLimit
	selOffset
	selNoCols // SELECT *
)

var selectForms formCache[*SelectStmt, *selectForm]

func (q *selectData) flags() uint8 {
	var f uint8
	if q.distinct {
		f |= selDistinct
	}
	if q.hasLimit {
		f |= selLimit
	}
	if q.hasOffset {
		f |= selOffset
	}
	if q.cols.empty() {
		f |= selNoCols
	}
	return f
}

// selItem returns the form of select item e of s, or false if it is not
// an intact column nor the star of one of s's tables.
func (q *selectData) selItem(e Expr) (selCol, bool) {
	if c, ok := e.(*Column); ok {
		return selCol{col: c, star: -1}, intact(c)
	}
	if _, ok := e.(star); !ok {
		return selCol{}, false
	}
	for i, f := range q.from {
		if t := f.(*Table); t.star != nil && t.star == e { // simpleKey checked
			return selCol{star: i}, true
		}
	}
	return selCol{}, false
}

// simpleKey returns s's key in selectForms and its number of arguments
// if s is a simple SELECT.
func (s *SelectStmt) simpleKey(d Dialect) (uint64, int, bool) {
	q := &s.q
	if q.tmpl != nil || q.more != nil || len(q.order) > 0 || len(q.from) == 0 {
		return 0, 0, false
	}
	h := mix(mix(formSeed(d), uint64(q.flags())), uint64(len(q.from)))
	for _, f := range q.from {
		t, ok := f.(*Table)
		if !ok || t == nil {
			return 0, 0, false
		}
		h = mix(h, ptrWord(t))
	}
	if !q.cols.empty() {
		n := 1 + len(q.cols.rest)
		for i := range n {
			e := q.cols.first
			if i > 0 {
				e = q.cols.rest[i-1]
			}
			c, ok := q.selItem(e)
			if !ok {
				return 0, 0, false
			}
			h = mix(h, ptrWord(c.col)^uint64(c.star+1))
		}
		h = mix(h, uint64(n))
	}
	args := 0
	if q.where.first != nil {
		n := 1 + len(q.where.rest)
		for i := range n {
			p := q.where.first
			if i > 0 {
				p = q.where.rest[i-1]
			}
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
		args = n
	}
	if q.hasLimit {
		args++
	}
	if q.hasOffset {
		args++
	}
	return h, args, true
}

// matches reports whether s, a simple SELECT, has form f.
func (f *selectForm) matches(s *SelectStmt) bool {
	q := &s.q
	nc := 0
	if !q.cols.empty() {
		nc = 1 + len(q.cols.rest)
	}
	nw := 0
	if q.where.first != nil {
		nw = 1 + len(q.where.rest)
	}
	if f.flags != q.flags() || len(f.from) != len(q.from) || len(f.cols) != nc || len(f.where) != nw {
		return false
	}
	for i, t := range q.from {
		if f.from[i] != t.(*Table) {
			return false
		}
	}
	for i := range nc {
		e := q.cols.first
		if i > 0 {
			e = q.cols.rest[i-1]
		}
		if c, _ := q.selItem(e); c != f.cols[i] {
			return false
		}
	}
	for i := range nw {
		p := q.where.first
		if i > 0 {
			p = q.where.rest[i-1]
		}
		c := p.(compare)
		if f.where[i].col != c.l.(*Column) || f.where[i].op != c.op {
			return false
		}
	}
	return true
}

// fromSimple is fromCache for a simple SELECT.
func (s *SelectStmt) fromSimple(d Dialect, spare []any) (*shapeEntry, []any, bool) {
	k, n, ok := s.simpleKey(d)
	if !ok {
		return nil, nil, false
	}
	f, ok := selectForms.find(k, d, s)
	if !ok {
		return nil, nil, false
	}
	q := &s.q
	var args []any
	if n <= len(spare) {
		args = spare[:0:n]
	} else {
		args = make([]any, 0, n)
	}
	if q.where.first != nil {
		args = append(args, q.where.first.(compare).r)
		for _, p := range q.where.rest {
			args = append(args, p.(compare).r)
		}
	}
	if q.hasLimit {
		args = append(args, q.limit)
	}
	if q.hasOffset {
		args = append(args, q.offset)
	}
	return f.e, args, true
}

// noteSimple is noteCache for a simple SELECT whose arguments are exactly
// its compared values, limit and offset.
func (s *SelectStmt) noteSimple(d Dialect, e *shapeEntry, args []any) {
	k, n, ok := s.simpleKey(d)
	if !ok || n != len(args) {
		return
	}
	q := &s.q
	f := &selectForm{flags: q.flags(), e: e}
	for _, t := range q.from {
		f.from = append(f.from, t.(*Table))
	}
	if !q.cols.empty() {
		c, _ := q.selItem(q.cols.first)
		f.cols = append(f.cols, c)
		for _, x := range q.cols.rest {
			c, _ := q.selItem(x)
			f.cols = append(f.cols, c)
		}
	}
	if q.where.first != nil {
		for i := range 1 + len(q.where.rest) {
			p := q.where.first
			if i > 0 {
				p = q.where.rest[i-1]
			}
			c := p.(compare)
			f.where = append(f.where, formPred{op: c.op, col: c.l.(*Column)})
		}
	}
	selectForms.add(k, d, s, f)
}
