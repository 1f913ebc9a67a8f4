package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// ErrOrderThroughToMany: a query orders by a column reached through a
// to-many relationship (or a JoinOn item), which has no single value per
// object. Order by an aggregate in a subquery, or query the other side.
var ErrOrderThroughToMany = errors.New("session: order by a column of a to-many join")

// queryJoin is one joined FROM item of a query: a relationship path
// (Join) or an item the caller gave (JoinOn).
type queryJoin struct {
	// path is the relationship path ("Album.Artist"), "" for JoinOn.
	path string
	// model is the path's target model; table its table under the alias
	// derived from path. Both nil for JoinOn.
	model *mapper.Model
	table *core.Table
	alias string
	// link is a many-to-many's association table under its own alias,
	// joined (ON linkOn) before the target.
	link      *core.Table
	linkAlias string
	linkOn    core.Expr
	// item is JoinOn's FROM item.
	item core.FromItem
	on   core.Expr
	// via names the first to-many relationship on the path ("" for
	// none): one object of T may then match several joined rows. JoinOn
	// items count as to-many, as nothing says otherwise.
	via  string
	many bool
	left bool // LEFT JOIN
}

func (j *queryJoin) apply(sel *core.SelectStmt) *core.SelectStmt {
	join := (*core.SelectStmt).Join
	if j.left {
		join = (*core.SelectStmt).LeftJoin
	}
	if j.link != nil {
		sel = join(sel, j.link, j.linkOn)
	}
	item := j.item
	if j.table != nil {
		item = j.table
	}
	return join(sel, item, j.on)
}

// name is how errors name the join.
func (j *queryJoin) name() string {
	if j.via != "" {
		return "relationship " + j.via
	}
	return "JoinOn item"
}

// joined returns the join of a relationship path, or nil.
func (q *QueryOf[T]) joined(path string) *queryJoin {
	for i := range q.joins {
		if q.joins[i].path == path {
			return &q.joins[i]
		}
	}
	return nil
}

// manyJoins reports whether a join may match several rows per object.
func (q *QueryOf[T]) manyJoins() bool {
	for i := range q.joins {
		if q.joins[i].many {
			return true
		}
	}
	return false
}

// join adds the joins (left: LEFT JOINs) of every relationship on path
// not joined yet. q must be a fresh clone.
func (q *QueryOf[T]) join(path string, left bool) error {
	owner, ownerT, via := q.m, q.m.Table(), ""
	for start := 0; start <= len(path); {
		end := strings.IndexByte(path[start:], '.')
		if end < 0 {
			end = len(path)
		} else {
			end += start
		}
		prefix, name := path[:end], path[start:end]
		start = end + 1
		if j := q.joined(prefix); j != nil {
			owner, ownerT, via = j.model, j.table, j.via
			continue
		}
		r, ok := owner.Relation(name)
		if !ok {
			return fmt.Errorf("session: query %s: join %q: model %s has no relationship %q: %w", q.m.Name, path, owner.Name, name, mapper.ErrUnknownColumn)
		}
		j := queryJoin{path: prefix, model: r.Target, left: left}
		j.alias = q.alias(prefix)
		j.table = r.Target.Table().As(j.alias)
		tpk, opk := r.Target.PrimaryKey(), owner.PrimaryKey()
		var on []core.Expr
		switch r.Kind {
		case mapper.ManyToOne:
			for i, f := range r.FK {
				on = append(on, core.Eq(ownerT.C(f.Column), j.table.C(tpk[i].Column)))
			}
		case mapper.OneToMany, mapper.OneToOne:
			for i, f := range r.FK {
				on = append(on, core.Eq(j.table.C(f.Column), ownerT.C(opk[i].Column)))
			}
		case mapper.ManyToMany:
			j.linkAlias = q.alias(prefix + "." + r.Secondary.Name())
			j.link = r.Secondary.As(j.linkAlias)
			var lon []core.Expr
			for i, c := range r.SecondaryOwnerCols {
				lon = append(lon, core.Eq(j.link.C(c.Name), ownerT.C(opk[i].Column)))
			}
			j.linkOn = core.And(lon...)
			for i, c := range r.SecondaryTargetColumns {
				on = append(on, core.Eq(j.link.C(c.Name), j.table.C(tpk[i].Column)))
			}
		}
		j.on = core.And(on...)
		if via == "" && (r.Kind == mapper.OneToMany || r.Kind == mapper.ManyToMany) {
			via = prefix
		}
		j.via, j.many = via, via != ""
		q.joins = append(q.joins, j)
		owner, ownerT = r.Target, j.table
	}
	return nil
}

// alias returns want, or want with underscores added until no table or
// alias of the query has the name (compared without case, as SQLite and
// MySQL on some systems do).
func (q *QueryOf[T]) alias(want string) string {
	for q.taken(want) {
		want += "_"
	}
	return want
}

func (q *QueryOf[T]) taken(name string) bool {
	if strings.EqualFold(name, q.m.Table().Name()) {
		return true
	}
	for _, j := range q.joins {
		if strings.EqualFold(name, j.alias) || strings.EqualFold(name, j.linkAlias) {
			return true
		}
		if t, ok := j.item.(*core.Table); ok && strings.EqualFold(name, refName(t)) {
			return true
		}
	}
	return false
}

// column resolves a field (or column) name of T, or a path through joined
// relationships to a field of the last one's model ("Manager.LastName"),
// and returns the join it belongs to (nil for T's own).
func (q *QueryOf[T]) column(name string) (*core.Column, *queryJoin, error) {
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		c, err := q.m.C(name)
		return c, nil, err
	}
	j := q.joined(name[:dot])
	if j == nil {
		return nil, nil, fmt.Errorf("%q: relationship path %q is not joined (call Join first): %w", name, name[:dot], mapper.ErrUnknownColumn)
	}
	f, ok := j.model.Field(name[dot+1:])
	if !ok {
		return nil, nil, fmt.Errorf("%q: model %s has no field or column %q: %w", name, j.model.Name, name[dot+1:], mapper.ErrUnknownColumn)
	}
	return j.table.C(f.Column), j, nil
}

// ready returns the query's error, or an error if it orders by a column
// of a join that may match several rows per object (see
// ErrOrderThroughToMany): such a column is not in the outer statement's
// scope. Columns are recognised as such or inside core.Asc/Desc; in other
// expressions the server reports the unknown table (the join's alias).
func (q *QueryOf[T]) ready() error {
	if q.err != nil || len(q.order) == 0 || !q.manyJoins() {
		return q.err
	}
	for _, it := range q.order {
		if o, ok := it.(core.OrderItem); ok {
			it = o.Expr()
		}
		c, ok := it.(*core.Column)
		if !ok || c == nil {
			continue
		}
		for i := range q.joins {
			j := &q.joins[i]
			if !j.many {
				continue
			}
			item, _ := j.item.(*core.Table)
			if t := c.Table(); t != nil && (sameTable(t, j.table) || sameTable(t, j.link) || sameTable(t, item)) {
				return fmt.Errorf("session: query %s: order by %s: column of %s: %w", q.m.Name, c.Name, j.name(), ErrOrderThroughToMany)
			}
		}
	}
	return nil
}

// base adds the query's joins and conditions, and with paging its order
// and bounds, to sel, a SELECT from T's table. To-one joins are joined:
// they cannot repeat a row. Joins that may (to-many, JoinOn) go into a
// semijoin on T's primary key with the conditions, so each object comes
// once, and Limit, Offset and Count count objects, with no DISTINCT that
// would keep the order from naming joined columns.
func (q *QueryOf[T]) base(sel *core.SelectStmt, paging bool) *core.SelectStmt {
	if !q.manyJoins() {
		for i := range q.joins {
			sel = q.joins[i].apply(sel)
		}
		if len(q.where) > 0 {
			sel = sel.Where(q.where...)
		}
	} else {
		sel = q.semijoin(sel)
		for i := range q.joins {
			if !q.joins[i].many {
				sel = q.joins[i].apply(sel)
			}
		}
	}
	if paging {
		if len(q.order) > 0 {
			sel = sel.OrderBy(q.order...)
		}
		if q.hasLimit {
			sel = sel.Limit(q.limit)
		}
		if q.hasOffset {
			sel = sel.Offset(q.offset)
		}
	}
	return sel
}

// semijoin restricts sel to the objects with a matching joined row:
// key IN (SELECT key FROM t JOIN … WHERE …). The subquery's FROM names
// T's table again, unaliased, so the conditions' columns of T resolve to
// it. A composite key joins the distinct keys as a derived table instead.
func (q *QueryOf[T]) semijoin(sel *core.SelectStmt) *core.SelectStmt {
	pk := q.m.PrimaryKey()
	cols := make([]any, len(pk))
	for i, f := range pk {
		cols[i] = f.Col
	}
	inner := q.m.SelectFrom(cols...)
	for i := range q.joins {
		inner = q.joins[i].apply(inner)
	}
	if len(q.where) > 0 {
		inner = inner.Where(q.where...)
	}
	if len(pk) == 1 {
		return sel.Where(core.In(pk[0].Col, inner))
	}
	d := inner.Distinct().As(q.alias("matched"))
	on := make([]core.Expr, len(pk))
	for i, f := range pk {
		on[i] = core.Eq(f.Col, d.C(f.Column))
	}
	return sel.Join(d, core.And(on...))
}

// Join inner-joins the relationships on path, a relationship field of T
// or a dotted path through the related models ("Album.Artist"), for
// conditions and order terms on their columns. Each joined table gets an
// alias derived from the path ("Album", "Album.Artist"; a many-to-many's
// association table "Tags.book_tags"), so a self-referencing
// relationship and one table reached twice are distinct tables; name the
// columns with C, Filter or OrderBy and the path:
//
//	q := session.Query[Employee](s).Join("Manager")
//	q = q.Where(core.Eq(q.C("Manager.LastName"), "Adams")).OrderBy("Manager.FirstName")
//
// Joining a path again, or a prefix of a path already joined, adds
// nothing. Through many-to-one and one-to-one relationships the join is
// an ordinary join (an object without a related row is left out) and its
// columns can be ordered by. Through one-to-many and many-to-many ones an
// object may match several rows: the query then keeps the objects with
// at least one matching row, each once (a semijoin on T's key holding
// the joins and every condition), so Limit, Offset and Count count
// objects; their columns can be used in conditions but not in OrderBy
// (ErrOrderThroughToMany), as they have no single value per object.
func (q *QueryOf[T]) Join(path string) *QueryOf[T] {
	if q.m == nil {
		return q
	}
	n := q.clone()
	if err := n.join(path, false); err != nil {
		return q.fail(err)
	}
	return n
}

// LeftJoin is Join with LEFT OUTER JOINs for the relationships on path
// not joined yet: an object without a related row is kept, its joined
// columns NULL (ordering by them puts it first or last as the server
// sorts NULLs). Through a to-many relationship it keeps every object
// unless a condition says otherwise:
//
//	q := session.Query[Employee](s).LeftJoin("Reports")
//	leaves, err := q.Where(core.IsNull(q.C("Reports.ID"))).All(ctx) // no reports
func (q *QueryOf[T]) LeftJoin(path string) *QueryOf[T] {
	if q.m == nil {
		return q
	}
	n := q.clone()
	if err := n.join(path, true); err != nil {
		return q.fail(err)
	}
	return n
}

// JoinOn inner-joins any table or derived table ON on, as a filter: it
// may match several rows per object, so it is treated as a to-many join
// (see Join). Give a table joined twice, or T's own table, an alias with
// core.Table.As.
func (q *QueryOf[T]) JoinOn(item core.FromItem, on core.Expr) *QueryOf[T] {
	n := q.clone()
	n.joins = append(n.joins, queryJoin{item: item, on: on, many: true})
	return n
}

// sameTable reports whether a (a column's table) is b, an aliased table of
// a join, or another view of b under the same alias: the SQL names the
// same table, though the column may come from another query's join.
func sameTable(a, b *core.Table) bool {
	return b != nil && (a == b || a.Alias() == b.Alias() && a.FullName() == b.FullName())
}

// refName is how SQL names t: its alias, or its name.
func refName(t *core.Table) string {
	if a := t.Alias(); a != "" {
		return a
	}
	return t.Name()
}
