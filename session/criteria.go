package session

import (
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

// ErrRelationKind: a relationship criterion does not fit the kind of the
// relationships on its path: Has through a one-to-many or many-to-many
// relationship (use Any), or Any or Contains through to-one ones only
// (use Has).
var ErrRelationKind = errors.New("session: relationship criterion does not fit the relationship's kind")

// Related is the objects related to a query's objects through a
// relationship path, for relationship criteria: Any, Has and Contains
// make EXISTS subqueries over them, to use in Where (alone or inside
// core.Or, core.Not, …). The path's tables are aliased by the path, in a
// namespace of their own ("rel:Albums", "rel:Albums.Tracks"; a
// many-to-many's association table "rel:Tags.book_tags"; past 63 bytes
// cut, with a hash of the path), so a self-referencing relationship, and a path also given to Join, names
// other tables than the query's own; C names the path's target's columns
// under that alias. A Related is immutable and depends on its path only:
// two built apart name the same alias.
//
// A Related made by Related.Related continues its parent's path and
// correlates with the parent's alias: its criteria belong inside the
// parent's Any or Has.
type Related struct {
	// query names the query's model, for errors.
	query string
	// path is the path from the query's model; hops are its
	// relationships, the first correlated with the enclosing table (the
	// query's, or a parent Related's target).
	path string
	hops []criteriaHop
	// model is the path's target model and table its table under the
	// path's alias; nil when err is set.
	model *mapper.Model
	table *core.Table
	// outer is the enclosing table, for C's fallback on a bad path.
	outer *core.Table
	// many: a one-to-many or many-to-many relationship is on the path.
	many bool
	err  error
}

// criteriaHop is one relationship of a Related's path.
type criteriaHop struct {
	rel *mapper.Relation
	// from is the owner's table (the enclosing table for the first hop),
	// table the target's under the hop's alias, link a many-to-many's
	// association table under its own.
	from, table, link *core.Table
}

// relAlias is the alias of the table reached by path (from the query's
// model): no Join alias (a Go field path) nor table name has the prefix.
// A long one is cut and given a hash of the whole: PostgreSQL keeps 63
// bytes of a name (the dialect refuses longer ones), and cutting alone
// could make two aliases of one EXISTS one name.
func relAlias(path string) string {
	a := "rel:" + path
	if len(a) <= maxAlias {
		return a
	}
	n := maxAlias - 17
	for n > 0 && !utf8.RuneStart(a[n]) {
		n--
	}
	h := fnv.New64a()
	h.Write([]byte(path))
	return fmt.Sprintf("%s~%016x", a[:n], h.Sum64())
}

// maxAlias is the longest alias every dialect keeps whole (PostgreSQL
// keeps 63 bytes).
const maxAlias = 63

// Related returns the objects related to T's through path, a
// relationship field of T or a dotted path through the related models
// ("Albums.Tracks"), for Any, Has and Contains criteria and for naming
// their columns with C:
//
//	q := session.Query[Artist](s)
//	tracks := q.Related("Albums.Tracks")
//	long, err := q.Where(tracks.Any(core.Gt(tracks.C("Milliseconds"), 600000))).All(ctx)
//
// An unknown relationship makes the criteria built from it fail to
// compile, with an error naming the model and the name, so the query
// fails before anything is sent.
func (q *QueryOf[T]) Related(path string) *Related {
	if q.m == nil {
		err := q.err
		if err == nil {
			err = errors.New("session: relationship criteria on a query of no model")
		}
		return &Related{path: path, err: err}
	}
	return newRelated(q.m.Name, "", q.m, q.m.Table(), path)
}

// Any is EXISTS over the objects related through path (see Related)
// matching every pred: SQLAlchemy's relationship.any(). The path must
// hold a one-to-many or many-to-many relationship. Columns of the
// related model are named through Related(path).C, which gives the same
// alias:
//
//	q := session.Query[Artist](s)
//	withA, err := q.Where(q.Any("Albums", core.Like(q.Related("Albums").C("Title"), "A%"))).All(ctx)
//	none, err := q.Where(core.Not(q.Any("Albums"))).All(ctx) // artists without albums
func (q *QueryOf[T]) Any(path string, preds ...core.Expr) core.Expr {
	return q.Related(path).Any(preds...)
}

// Has is EXISTS over the object related through path (see Related), a
// path of many-to-one and one-to-one relationships only, if it matches
// every pred: SQLAlchemy's relationship.has(). An object whose foreign
// key is NULL has none, so core.Not(q.Has(path)) keeps it.
//
//	q := session.Query[Track](s)
//	artist := q.Related("Album.Artist")
//	tracks, err := q.Where(q.Has("Album.Artist", core.Like(artist.C("Name"), "A%"))).All(ctx)
func (q *QueryOf[T]) Has(path string, preds ...core.Expr) core.Expr {
	return q.Related(path).Has(preds...)
}

// Contains is EXISTS over the objects related through path (see Any),
// restricted to obj, a *Target of the path's target model, compared by
// its primary key: SQLAlchemy's relationship.contains(). Through a
// many-to-many relationship it reads only the association table.
//
//	books, err := q.Where(q.Contains("Tags", tag)).All(ctx)
//
// obj must have its key: a nil pointer, a nil key field, or a zero
// autoincrement key (an object not yet flushed) makes the query fail.
func (q *QueryOf[T]) Contains(path string, obj any) core.Expr {
	return q.Related(path).Contains(obj)
}

// newRelated resolves path from owner, whose table (or alias) is outer;
// prefix is the path from the query's model to owner ("" for the
// query's model itself).
func newRelated(query, prefix string, owner *mapper.Model, outer *core.Table, path string) *Related {
	full := path
	if prefix != "" {
		full = prefix + "." + path
	}
	r := &Related{query: query, path: full, outer: outer}
	if path == "" {
		r.err = fmt.Errorf("session: query %s: relationship criteria: empty relationship path after %q: %w", query, prefix, mapper.ErrUnknownColumn)
		return r
	}
	from, at := outer, prefix
	for _, name := range strings.Split(path, ".") {
		if at == "" {
			at = name
		} else {
			at += "." + name
		}
		rel, ok := owner.Relation(name)
		if !ok {
			r.err = fmt.Errorf("session: query %s: relationship criteria %q: model %s has no relationship %q: %w", query, full, owner.Name, name, mapper.ErrUnknownColumn)
			return r
		}
		h := criteriaHop{rel: rel, from: from, table: rel.Target.Table().As(relAlias(at))}
		switch rel.Kind {
		case mapper.ManyToMany:
			h.link = rel.Secondary.As(relAlias(at + "." + rel.Secondary.Name()))
			r.many = true
		case mapper.OneToMany:
			r.many = true
		}
		r.hops = append(r.hops, h)
		owner, from = rel.Target, h.table
	}
	r.model, r.table = owner, from
	return r
}

// C returns the column of the path's target model for a field or column
// name, under the path's alias, for the predicates of Any and Has. An
// unknown name fails when the query runs, naming the table and column.
func (r *Related) C(field string) *core.Column {
	switch {
	case r.table != nil:
		if c, err := r.model.C(field); err == nil {
			return r.table.C(c.Name)
		}
		return r.table.C(field) // compiles to an error naming table and column
	case r.outer != nil:
		return r.outer.C(field) // the criteria compile to r.err first
	default:
		return &core.Column{Name: field}
	}
}

// Related continues the path through the target's relationships ("Tracks"
// after "Albums"), correlated with this Related's alias, for criteria
// nested inside this one's:
//
//	albums := q.Related("Albums")
//	tracks := albums.Related("Tracks")
//	q.Where(albums.Any(core.Like(albums.C("Title"), "A%"), tracks.Any(core.Gt(tracks.C("Milliseconds"), 600000))))
func (r *Related) Related(path string) *Related {
	if r.err != nil {
		return &Related{query: r.query, path: r.path + "." + path, outer: r.outer, err: r.err}
	}
	return newRelated(r.query, r.path, r.model, r.table, path)
}

// Any is EXISTS over the related objects matching every pred; see
// QueryOf.Any.
func (r *Related) Any(preds ...core.Expr) core.Expr {
	if err := r.check("Any", true); err != nil {
		return core.Invalid(err)
	}
	return r.exists(preds, false)
}

// Has is EXISTS over the related object if it matches every pred; see
// QueryOf.Has.
func (r *Related) Has(preds ...core.Expr) core.Expr {
	if err := r.check("Has", false); err != nil {
		return core.Invalid(err)
	}
	return r.exists(preds, false)
}

// Contains is EXISTS over the related objects restricted to obj's key;
// see QueryOf.Contains.
func (r *Related) Contains(obj any) core.Expr {
	if err := r.check("Contains", true); err != nil {
		return core.Invalid(err)
	}
	key, err := r.key(obj)
	if err != nil {
		return core.Invalid(err)
	}
	last := r.hops[len(r.hops)-1]
	preds := make([]core.Expr, len(key))
	if last.link != nil {
		// The association row names the key: the target's table adds
		// nothing.
		for i, c := range last.rel.SecondaryTargetColumns {
			preds[i] = core.Eq(last.link.C(c.Name), key[i])
		}
		return r.exists(preds, true)
	}
	for i, f := range r.model.PrimaryKey() {
		preds[i] = core.Eq(r.table.C(f.Column), key[i])
	}
	return r.exists(preds, false)
}

// check returns r's error, or an error if the path's relationships do
// not fit op: to-many for Any and Contains, to-one only for Has.
func (r *Related) check(op string, many bool) error {
	if r.err != nil {
		return r.err
	}
	if many && !r.many {
		return fmt.Errorf("session: query %s: %s %q: only to-one relationships (use Has): %w", r.query, op, r.path, ErrRelationKind)
	}
	if !many && r.many {
		for _, h := range r.hops {
			if h.rel.Kind == mapper.OneToMany || h.rel.Kind == mapper.ManyToMany {
				return fmt.Errorf("session: query %s: %s %q: relationship %s.%s is to-many (use Any): %w", r.query, op, r.path, h.rel.Owner.Name, h.rel.Name, ErrRelationKind)
			}
		}
	}
	return nil
}

// key returns obj's primary-key values, obj being a *Target.
func (r *Related) key(obj any) ([]any, error) {
	want := reflect.PointerTo(r.model.Type)
	rv := reflect.ValueOf(obj)
	if !rv.IsValid() || rv.Type() != want {
		return nil, fmt.Errorf("session: query %s: Contains %q: got %T, want %v", r.query, r.path, obj, want)
	}
	if rv.IsNil() {
		return nil, fmt.Errorf("session: query %s: Contains %q: nil %v", r.query, r.path, want)
	}
	ref := r.model.Ref(obj)
	pk := r.model.PrimaryKey()
	key := make([]any, len(pk))
	for i, f := range pk {
		if f.IsNil(ref) || f.AutoIncrement && f.IsZero(ref) {
			return nil, fmt.Errorf("session: query %s: Contains %q: the %s has no %s (flush it first)", r.query, r.path, r.model.Name, f.Name)
		}
		v, err := f.Bind(ref)
		if err != nil {
			return nil, fmt.Errorf("session: query %s: Contains %q: %s.%s: %w", r.query, r.path, r.model.Name, f.Name, err)
		}
		key[i] = v
	}
	return key, nil
}

// exists builds EXISTS (SELECT 1 FROM the path's tables WHERE the first
// hop's correlation AND preds). linkOnly stops a last many-to-many hop
// at its association table.
func (r *Related) exists(preds []core.Expr, linkOnly bool) core.Expr {
	var sel *core.SelectStmt
	var where []core.Expr
	add := func(item *core.Table, on core.Expr) {
		if sel == nil {
			sel = core.Select(core.Literal(1)).From(item)
			where = append(where, on) // the correlation with the enclosing table
			return
		}
		sel = sel.Join(item, on)
	}
	for i, h := range r.hops {
		linkOn, on := h.conditions()
		if h.link != nil {
			add(h.link, linkOn)
			if linkOnly && i == len(r.hops)-1 {
				break
			}
		}
		add(h.table, on)
	}
	return core.Exists(sel.Where(append(where, preds...)...))
}

// conditions returns the hop's join conditions: the association table's
// with the owner (many-to-many only), and the target's.
func (h criteriaHop) conditions() (linkOn, on core.Expr) {
	r := h.rel
	tpk, opk := r.Target.PrimaryKey(), r.Owner.PrimaryKey()
	var eqs []core.Expr
	switch r.Kind {
	case mapper.ManyToOne:
		for i, f := range r.FK {
			eqs = append(eqs, core.Eq(h.from.C(f.Column), h.table.C(tpk[i].Column)))
		}
	case mapper.OneToMany, mapper.OneToOne:
		for i, f := range r.FK {
			eqs = append(eqs, core.Eq(h.table.C(f.Column), h.from.C(opk[i].Column)))
		}
	case mapper.ManyToMany:
		var leqs []core.Expr
		for i, c := range r.SecondaryOwnerCols {
			leqs = append(leqs, core.Eq(h.link.C(c.Name), h.from.C(opk[i].Column)))
		}
		linkOn = core.And(leqs...)
		for i, c := range r.SecondaryTargetColumns {
			eqs = append(eqs, core.Eq(h.link.C(c.Name), h.table.C(tpk[i].Column)))
		}
	}
	return linkOn, core.And(eqs...)
}
