package loader

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// selection is the select list of one statement: the owner-key columns
// (for a relationship load), the model's columns, and the columns of every
// LEFT OUTER JOINed relationship; it scans the rows back.
type selection struct {
	m       *mapper.Model
	table   *core.Table
	rel     *mapper.Relation // nil for the roots
	keyCols []any
	keyT    []reflect.Type
	keyK    []reflect.Kind // keyT's kinds
	// keyAt, when set, holds per key column the index in fields of the
	// model's field mapped to it: the key is then read from the row's
	// object rather than selected a second time (see ownKeyColumns).
	keyAt  []int
	joins  []*joinSel
	where  core.Expr       // the host's criteria on table (relationship loads; see filter)
	many   bool            // a joined collection: rows repeat their owners (joined.go)
	base   []any           // the model's columns when not the table's (wrap)
	fields []*mapper.Field // the model's fields loaded (see columns.go)
}

// joinSel is one joined relationship.
type joinSel struct {
	n      *node
	parent int                    // index of the owning join, -1 for the base model
	from   core.FromItem          // the aliased table (or LATERAL subquery) joined
	col    func(string) core.Expr // a column of from
	on     core.Expr
	link   *core.Table // a many-to-many's association table, joined first
	linkOn core.Expr
	// table is the target's aliased table the host's criteria name (see
	// filter); lateral, set for a LATERAL join, rebuilds its subquery with
	// criteria inside it, before its per-owner limit.
	table   *core.Table
	lateral func(criteria core.Expr)
	fields  []*mapper.Field // the target's fields loaded
}

// result is what scanning a selection's rows gathered.
type result struct {
	groups groups // targets by owner key (relationship loads)
	joins  []joinResult
	held   bool // a base object matched (or a root) was in the session before
}

// loaded counts the target rows the load matched to owners.
func (r *result) loaded() int {
	if r == nil {
		return 0
	}
	n := r.groups.count()
	for _, j := range r.joins {
		for _, t := range j.targets {
			if !t.IsNil() {
				n++
			}
		}
		n += j.count()
	}
	return n
}

type joinResult struct {
	owners  []mapper.Ref
	targets []mapper.Ref // per owner: its target, or nil
	seen    map[mapper.Ref]bool
	members // a collection's targets per owner (joined.go)
}

func newSelection(m *mapper.Model, table *core.Table, rel *mapper.Relation, fields []*mapper.Field, nodes []*node) *selection {
	if fields == nil {
		fields = m.LoadFields()
	}
	s := &selection{m: m, table: table, rel: rel, fields: fields}
	if rel != nil {
		var cols []*core.Column
		switch rel.Kind {
		case mapper.ManyToOne:
			for _, f := range m.PrimaryKey() {
				cols = append(cols, f.Col)
			}
		case mapper.OneToMany, mapper.OneToOne:
			for _, f := range rel.FK {
				cols = append(cols, f.Col)
			}
		case mapper.ManyToMany:
			cols = rel.SecondaryOwnerCols
		}
		for i, c := range cols {
			s.keyCols = append(s.keyCols, c)
			t := deref(ownerKeyFields(rel)[i].Type)
			s.keyT = append(s.keyT, t)
			s.keyK = append(s.keyK, t.Kind())
		}
		s.keyAt = ownKeyColumns(rel, fields)
	}
	s.addJoins(-1, tableCols(table), m, nodes)
	return s
}

// ownKeyColumns returns, per owner-key column, the index in fields of
// the loaded field mapped to it (a one-to-many's foreign key, a
// many-to-one's primary key), or nil unless every key column has one of
// the owner key's type, not a pointer (so a row's key reads as the
// owner's does).
func ownKeyColumns(rel *mapper.Relation, fields []*mapper.Field) []int {
	var kf []*mapper.Field // the target's fields holding the key
	switch rel.Kind {
	case mapper.ManyToOne:
		kf = rel.Target.PrimaryKey()
	case mapper.OneToMany, mapper.OneToOne:
		kf = rel.FK
	default: // a many-to-many's key is the association table's
		return nil
	}
	ok := ownerKeyFields(rel)
	if len(kf) == 0 || len(kf) != len(ok) {
		return nil
	}
	at := make([]int, len(kf))
	for i, f := range kf {
		o := ok[i]
		if f.Type.Kind() == reflect.Pointer || f.Type != deref(o.Type) || o.IsInt() && !f.IsInt() {
			return nil
		}
		at[i] = slices.Index(fields, f)
		if at[i] < 0 {
			return nil
		}
	}
	return at
}

func tableCols(t *core.Table) func(string) core.Expr {
	return func(name string) core.Expr { return t.C(name) }
}

// addJoins adds the joined relationships among nodes of om, whose columns
// owner names.
func (s *selection) addJoins(parent int, owner func(string) core.Expr, om *mapper.Model, nodes []*node) {
	for _, n := range nodes {
		if n.strategy != joined {
			continue
		}
		r := n.rel
		name := "j" + strconv.Itoa(len(s.joins)+1)
		alias := r.Target.Table().As(name)
		j := &joinSel{n: n, parent: parent, from: alias, col: tableCols(alias), table: alias, fields: n.fields}
		if j.fields == nil {
			j.fields = r.Target.LoadFields()
		}
		var on []core.Expr
		switch r.Kind {
		case mapper.ManyToOne:
			for i, f := range r.FK {
				on = append(on, core.Eq(alias.C(r.Target.PrimaryKey()[i].Column), owner(f.Column)))
			}
		case mapper.ManyToMany:
			j.link, j.linkOn, on = manyToManyOn(r, name, j.col, owner)
		default: // one-to-many, one-to-one: the key is on the target
			for i, f := range r.FK {
				on = append(on, core.Eq(alias.C(f.Column), owner(om.PrimaryKey()[i].Column)))
			}
		}
		if c := r.Target.Criterion(alias); c != nil { // a hierarchy's model: its rows only
			on = append(on, c)
		}
		j.on = core.And(on...)
		if r.Many() && n.limit > 0 {
			j.lateral = func(c core.Expr) { lateralJoin(j, name, owner, om, c) }
			j.lateral(nil)
		}
		s.many = s.many || r.Many()
		s.joins = append(s.joins, j)
		s.addJoins(len(s.joins)-1, j.col, r.Target, n.children)
	}
}

// filter adds the criteria of a FilteredHost: for a relationship load
// (base) on the target table, and on each joined alias to its ON clause.
func (s *selection) filter(ctx context.Context, h Host, base bool) error {
	fh, ok := h.(FilteredHost)
	if !ok {
		return nil
	}
	if base {
		c, err := fh.Criteria(ctx, s.m, s.table)
		if err != nil {
			return err
		}
		s.where = c
	}
	for _, j := range s.joins {
		c, err := fh.Criteria(ctx, j.n.rel.Target, j.table)
		if err != nil {
			return fmt.Errorf("joined %s.%s: %w", j.n.rel.Owner.Name, j.n.rel.Name, err)
		}
		switch {
		case c == nil:
		case j.lateral != nil:
			j.lateral(c)
		default:
			j.on = core.And(j.on, c)
		}
	}
	return nil
}

// items is the select list after the key columns.
func (s *selection) items() []any {
	base := s.base
	if base == nil {
		base = s.m.SelectList(s.table, s.fields)
	}
	out := append([]any(nil), base...)
	for _, j := range s.joins {
		if j.lateral == nil {
			out = append(out, j.n.rel.Target.SelectList(j.table, j.fields)...)
			continue
		}
		for _, f := range j.fields { // the LATERAL subquery names them
			out = append(out, j.col(f.Column))
		}
	}
	return out
}

// apply adds the columns and joins to a root statement.
func (s *selection) apply(sel *core.SelectStmt) *core.SelectStmt {
	return s.join(sel.Columns(s.items()...))
}

// join adds the LEFT OUTER JOINs of the joined relationships.
func (s *selection) join(sel *core.SelectStmt) *core.SelectStmt {
	for _, j := range s.joins {
		if j.link != nil {
			sel = sel.LeftJoin(j.link, j.linkOn)
		}
		sel = sel.LeftJoin(j.from, j.on)
	}
	return sel
}

// statement is the SELECT of the related rows of the owners with the
// given keys.
func (s *selection) statement(n *node, keys keySet) core.Statement {
	rel := s.rel
	t := rel.Target
	var items []any
	if s.keyAt == nil {
		items = append(items, s.keyCols...)
	}
	items = append(items, s.items()...)
	from := func(sel *core.SelectStmt) *core.SelectStmt {
		sel = t.Restrict(sel.From(s.table)) // a hierarchy's model: its rows only
		if rel.Kind == mapper.ManyToMany {
			on := make([]core.Expr, len(rel.SecondaryTargetColumns))
			for i, c := range rel.SecondaryTargetColumns {
				on[i] = core.Eq(c, t.PrimaryKey()[i].Col)
			}
			sel = sel.Join(rel.Secondary, core.And(on...))
		}
		sel = s.join(sel).Where(s.keyPredicate(keys))
		if s.where != nil {
			sel = sel.Where(s.where)
		}
		return sel
	}
	var order []any
	for _, o := range n.orderF {
		if o.desc {
			order = append(order, core.Desc(o.f.Col))
		} else {
			order = append(order, core.Asc(o.f.Col))
		}
	}
	for _, f := range t.PrimaryKey() {
		order = append(order, core.Asc(f.Col))
	}
	order = append(order, s.joinOrder()...)
	if n.limit > 0 && rel.Many() {
		// Top N per owner: number the rows of each owner and keep the
		// first N, in one statement.
		inner := make([]any, 0, len(items)+1)
		for i, it := range items {
			inner = append(inner, core.As(it, "c"+strconv.Itoa(i)))
		}
		inner = append(inner, core.As(core.Over(core.RowNumber(),
			core.Window().PartitionBy(s.keyCols...).OrderBy(order...)), "rn"))
		d := from(core.Select(inner...)).As("ld")
		outer := make([]any, len(items))
		for i := range items {
			outer[i] = d.C("c" + strconv.Itoa(i))
		}
		return core.Select(outer...).From(d).Where(core.Le(d.C("rn"), int64(n.limit))).OrderBy(d.C("rn"))
	}
	sel := from(core.Select(items...))
	if rel.Kind != mapper.ManyToOne || s.many {
		sel = sel.OrderBy(order...)
	}
	return sel
}

// keyPredicate is key IN (keys): one typed slice (= ANY($1) on
// PostgreSQL, an IN list elsewhere) for a one-column key, OR-ed
// conjunctions for a composite one.
func (s *selection) keyPredicate(keys keySet) core.Expr {
	if keys.one.IsValid() {
		return core.In(s.keyCols[0], keys.one.Interface())
	}
	ors := make([]core.Expr, 0, len(keys.multi))
	for _, k := range keys.multi {
		ands := make([]core.Expr, len(k))
		for i, v := range k {
			ands[i] = core.Eq(s.keyCols[i], v)
		}
		ors = append(ors, core.And(ands...))
	}
	return core.Or(ors...)
}

func (s *selection) newResult() *result {
	return &result{joins: make([]joinResult, len(s.joins))}
}
