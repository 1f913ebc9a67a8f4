package loader

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// Joined collections
//
// A one-to-many or many-to-many loaded with Joined comes in its owners'
// statement through LEFT OUTER JOINs (a many-to-many through its
// association table, aliased like the target), so an owner comes once per
// member and the scan gathers each owner's members once each, in row
// order. The statement is ordered by the query's own order, then the
// owner's key (so each owner's rows are together), then, per joined
// collection, its OrderBy and key. A query with LIMIT or OFFSET is wrapped
// first, as SQLAlchemy does: the query with its conditions, order and
// bounds becomes a derived table of owners, and the collections join to
// it, so LIMIT counts owners, not joined rows.

// wrapAlias names the derived table of a wrapped query; the joins are
// j1, j2, …, their association tables j1s, j2s, … and the tables inside
// LATERAL subqueries j1t, j2t, ….
const wrapAlias = "jp"

// manyToManyOn joins a many-to-many's association table (aliased name+"s")
// to the owner, and the target (whose columns target names) to it.
func manyToManyOn(r *mapper.Relation, name string, target, owner func(string) core.Expr) (*core.Table, core.Expr, []core.Expr) {
	link := r.Secondary.As(name + "s")
	var linkOn, on []core.Expr
	for i, f := range r.Owner.PrimaryKey() {
		linkOn = append(linkOn, core.Eq(link.C(r.SecondaryOwnerCols[i].Name), owner(f.Column)))
	}
	for i, f := range r.Target.PrimaryKey() {
		on = append(on, core.Eq(target(f.Column), link.C(r.SecondaryTargetColumns[i].Name)))
	}
	return link, core.And(linkOn...), on
}

// joinOrder orders the rows of each owner by its joined collections:
// each one's OrderBy, then its key, in join order (a nested collection
// after its owner's).
func (s *selection) joinOrder() []any {
	var out []any
	for _, j := range s.joins {
		if !j.n.rel.Many() {
			continue // one row per owner: nothing to order
		}
		for _, o := range j.n.orderF {
			c := j.col(o.f.Column)
			if o.desc {
				out = append(out, core.Desc(c))
			} else {
				out = append(out, core.Asc(c))
			}
		}
		for _, f := range j.n.rel.Target.PrimaryKey() {
			out = append(out, core.Asc(j.col(f.Column)))
		}
	}
	return out
}

// applyMany is apply for a selection with joined collections: the query's
// order, then the owner's key, then the collections' order; a query with
// LIMIT or OFFSET is wrapped first (see above).
func (s *selection) applyMany(sel *core.SelectStmt) *core.SelectStmt {
	if _, hasLimit, _, hasOffset := sel.Paging(); !hasLimit && !hasOffset {
		sel = s.apply(sel)
		for _, f := range s.m.PrimaryKey() {
			sel = sel.OrderBy(core.Asc(f.Col))
		}
		return sel.OrderBy(s.joinOrder()...)
	}
	// The order terms may name any table of the query (its own joins):
	// the derived table carries their values as columns jo0, jo1, …, and
	// the outer query orders by those.
	order := sel.OrderItems()
	inner := sel.Columns(s.m.SelectList(s.table, s.fields)...)
	for i, o := range order {
		inner = inner.Columns(core.As(o.Expr(), "jo"+strconv.Itoa(i)))
	}
	d := inner.As(wrapAlias)
	w := &selection{m: s.m, table: s.table, fields: s.fields}
	for _, f := range s.fields {
		w.base = append(w.base, d.C(f.Column))
	}
	w.addJoins(-1, d.C, s.m, s.nodes())
	outer := w.apply(core.Select().From(d))
	for i, o := range order {
		outer = outer.OrderBy(o.WithExpr(d.C("jo" + strconv.Itoa(i))))
	}
	for _, f := range s.m.PrimaryKey() {
		outer = outer.OrderBy(core.Asc(d.C(f.Column)))
	}
	return outer.OrderBy(w.joinOrder()...)
}

// nodes returns the top-level joined nodes of the selection.
func (s *selection) nodes() []*node {
	var out []*node
	for _, j := range s.joins {
		if j.parent < 0 {
			out = append(out, j.n)
		}
	}
	return out
}

// members is what a scan gathered of one joined collection: its owners in
// row order and each one's distinct targets in row order.
type members struct {
	index map[mapper.Ref]int // owner → its position in lists
	lists [][]mapper.Ref
	pairs map[[2]mapper.Ref]bool // (owner, target) seen, for owners of more than linearMembers
	// flat backs the lists of owners whose rows came together (rows are
	// ordered by owner): the list at its end (lists[open]) grows there,
	// one array for all; a list grown after another gets its own.
	flat []mapper.Ref
	open int
}

// linearMembers: up to this many members, an owner's list is searched for
// a repeated target (a row of another joined collection brings it again)
// rather than a set: a short scan costs less than hashing every pair.
const linearMembers = 16

// addMember records that a row joined target (nil: no member) to owner.
func (jr *joinResult) addMember(owner, target mapper.Ref) {
	k, ok := 0, false
	if n := len(jr.owners); n > 0 && jr.owners[n-1] == owner {
		k, ok = n-1, true // rows come grouped by owner
	} else {
		k, ok = jr.index[owner]
	}
	if !ok {
		if jr.index == nil {
			jr.index = map[mapper.Ref]int{}
		}
		k = len(jr.owners)
		jr.index[owner] = k
		jr.owners = append(jr.owners, owner)
		jr.lists = append(jr.lists, nil)
	}
	if target.IsNil() {
		return
	}
	l := jr.lists[k]
	if len(l) < linearMembers {
		if !slices.Contains(l, target) {
			jr.grow(k, target)
		}
		return
	}
	if jr.pairs == nil {
		jr.pairs = map[[2]mapper.Ref]bool{}
	}
	if len(l) == linearMembers && !jr.pairs[[2]mapper.Ref{owner, l[0]}] {
		for _, t := range l { // the owner's list outgrows the scan: the set takes it
			jr.pairs[[2]mapper.Ref{owner, t}] = true
		}
	}
	pk := [2]mapper.Ref{owner, target}
	if jr.pairs[pk] {
		return // the same member again, on a row of another collection
	}
	jr.pairs[pk] = true
	jr.grow(k, target)
}

// grow appends target to list k: at the end of flat when the list ends
// there (or is empty), leaving it no room to append past its end.
func (m *members) grow(k int, target mapper.Ref) {
	l := m.lists[k]
	if len(l) > 0 && k != m.open {
		m.lists[k] = append(l, target) // an array of its own
		return
	}
	m.open = k
	m.flat = append(m.flat, target)
	n := len(m.flat)
	m.lists[k] = m.flat[n-len(l)-1 : n : n]
}

func (m *members) count() int {
	n := 0
	for _, l := range m.lists {
		n += len(l)
	}
	return n
}

// populateMany sets a joined collection on its owners, and a one-to-many's
// back-reference on the members that lack it.
func (r *run) populateMany(rel *mapper.Relation, jr *joinResult) {
	if len(jr.owners) == 0 {
		return
	}
	r.h.Populate(rel, jr.owners, nil, func(k int) []mapper.Ref { return jr.lists[k] })
	b := rel.Backref
	if b == nil || b.Kind != mapper.ManyToOne || rel.Kind != mapper.OneToMany {
		return
	}
	n := jr.count()
	if n == 0 {
		return
	}
	kids := make([]mapper.Ref, 0, n)
	owner := make([]mapper.Ref, 0, n)
	for k, o := range jr.owners {
		for _, c := range jr.lists[k] {
			kids = append(kids, c)
			owner = append(owner, o)
		}
	}
	r.h.Populate(b, kids, nil, func(i int) []mapper.Ref { return owner[i : i+1 : i+1] })
}

// lateralJoin makes j, a joined collection with a per-owner Limit, a
// LATERAL subquery of each owner's first members in the collection's order
// (PostgreSQL, MySQL 8; a dialect without LATERAL refuses the statement).
// Its table is aliased name+"t", so that a self-reference's owner stays
// distinct inside it; the host's criteria on it go inside, before the
// limit.
func lateralJoin(j *joinSel, name string, owner func(string) core.Expr, om *mapper.Model, criteria core.Expr) {
	r := j.n.rel
	t := r.Target.Table().As(name + "t")
	j.table = t
	sel := core.Select(r.Target.SelectList(t, j.fields)...).From(t)
	var where []core.Expr
	if r.Kind == mapper.ManyToMany {
		link, linkOn, on := manyToManyOn(r, name, tableCols(t), owner)
		sel, where = sel.Join(link, core.And(on...)), []core.Expr{linkOn}
	} else {
		for i, f := range r.FK {
			where = append(where, core.Eq(t.C(f.Column), owner(om.PrimaryKey()[i].Column)))
		}
	}
	if c := r.Target.Criterion(t); c != nil { // a hierarchy's model: its rows only
		where = append(where, c)
	}
	if criteria != nil {
		where = append(where, criteria)
	}
	var order []any
	for _, o := range j.n.orderF {
		if o.desc {
			order = append(order, core.Desc(t.C(o.f.Column)))
		} else {
			order = append(order, core.Asc(t.C(o.f.Column)))
		}
	}
	for _, f := range r.Target.PrimaryKey() {
		order = append(order, core.Asc(t.C(f.Column)))
	}
	d := core.Lateral(sel.Where(where...).OrderBy(order...).Limit(int64(j.n.limit))).As(name)
	j.from, j.col = d, d.C
	j.link, j.linkOn, j.on = nil, nil, core.True
}

// checkJoined refuses a Limit on a SelectIn whose joined children include
// a collection: its rows are numbered per owner, and joined members would
// count as rows.
func checkJoined(m *mapper.Model, nodes []*node) error {
	for _, n := range nodes {
		r := n.rel
		if n.strategy == selectIn && n.limit > 0 && r.Many() && joinsMany(n.children) {
			return fmt.Errorf("loader: %s.%s: Limit with joined collections under it: %w", m.Name, r.Name, ErrJoinedCollection)
		}
		if err := checkJoined(r.Target, n.children); err != nil {
			return err
		}
	}
	return nil
}

// joinsMany reports whether the joined nodes among nodes (and the joined
// ones under them) hold a collection.
func joinsMany(nodes []*node) bool {
	for _, n := range nodes {
		if n.strategy == joined && (n.rel.Many() || joinsMany(n.children)) {
			return true
		}
	}
	return false
}
