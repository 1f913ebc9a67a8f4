package loader

import (
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/mapper"
)

// Errors of the loader; match with errors.Is. Messages name the model and
// the relationship at fault.
var (
	// ErrNoRelation: an option names a field that is not a relationship
	// of the model. It wraps mapper.ErrUnknownColumn, as session's
	// unknown-name errors do.
	ErrNoRelation = fmt.Errorf("no such relationship: %w", mapper.ErrUnknownColumn)
	// ErrJoinedCollection: a SelectIn with a per-owner Limit was given a
	// joined collection under it (its rows are numbered per owner, and
	// joined members would count); use SelectIn there.
	ErrJoinedCollection = errors.New("per-owner limit over a joined collection")
	// ErrConflict: one relationship was given two strategies in one query.
	ErrConflict = errors.New("conflicting load strategies")
	// ErrUnplannedLoad: in raise mode, a relationship that the query did
	// not plan was loaded (Session.Load).
	ErrUnplannedLoad = errors.New("unplanned load in raise mode")
	// ErrNPlusOne: in strict mode, a relationship was loaded one object at
	// a time, again and again, from the same call site.
	ErrNPlusOne = errors.New("repeated per-object load (N+1)")
)

// ChunkSize is the most keys one IN list holds on dialects that bind
// every key as its own parameter (MySQL/MariaDB allow 65,535 parameters
// per statement, SQLite 32,766): 10,000 keeps a statement well under both
// limits even for two-column keys, and keeps statements small enough to
// fan out. PostgreSQL binds all keys as one array parameter (= ANY($1))
// and is never chunked.
const ChunkSize = 10_000

type strategy uint8

const (
	selectIn strategy = iota + 1
	joined
	raise
	columns // column options only (columns.go)
)

func (s strategy) String() string {
	switch s {
	case selectIn:
		return "selectin"
	case joined:
		return "joined"
	}
	return "raise"
}

// Option is one load instruction for a query: a relationship path and how
// to load it, or Raise. Options are values; their methods return new
// values, so an option can be shared between queries.
type Option struct {
	path     string // relationship field name, or a dotted path
	strategy strategy
	children []Option
	limit    int
	order    []string
	cols     []colOp // column options (columns.go)
}

// SelectIn loads the relationship rel of every object the query returns
// with one extra SELECT … WHERE key IN (…) per relationship and depth:
// keys go as one array parameter on PostgreSQL (= ANY($1)), in IN lists of
// at most ChunkSize elsewhere. children apply to the loaded objects:
//
//	loader.SelectIn("Books", loader.SelectIn("Tags"))
//
// rel may be a dotted path ("Books.Tags"), each step loaded with SelectIn.
// A step may be an association proxy (mapper.Proxy): it loads the
// association collection and its many-to-one, both with the option's
// strategy.
func SelectIn(rel string, children ...Option) Option {
	return Option{path: rel, strategy: selectIn, children: children}
}

// Joined loads the relationship rel in the same statement as its owners,
// through a LEFT OUTER JOIN on an aliased table: a to-one relationship
// (many-to-one, one-to-one) or a collection (one-to-many; many-to-many,
// through its association table). children apply to the joined objects
// (Joined children join too; SelectIn children run after, as the next
// depth, over the distinct joined objects). A joined collection repeats its
// owner once per member: the statement is ordered by the query's order,
// then the owner's key, then the collection's OrderBy and key, and a query
// with LIMIT or OFFSET (First, One) is wrapped in a derived table that
// the collections join, so the bounds count owners and every collection
// is complete. Limit on a joined collection joins a LATERAL subquery of
// each owner's first n members (PostgreSQL, MySQL 8); on a dialect without
// LATERAL (MariaDB, SQLite) the query fails with core.ErrUnsupported.
func Joined(rel string, children ...Option) Option {
	return Option{path: rel, strategy: joined, children: children}
}

// Raise turns on raise mode for the query: the objects it loads (the
// roots and every object its options load) refuse later Session.Load
// calls for relationships they lack, with an error wrapping
// ErrUnplannedLoad that names the relationship. Plan every load up front.
func Raise() Option { return Option{strategy: raise} }

// Limit keeps, per owner, the first n related objects in the order of
// OrderBy (default: primary key) — top-N per parent, computed in one
// statement with ROW_NUMBER() OVER (PARTITION BY key ORDER BY …) for
// SelectIn, with a LATERAL subquery for Joined (see Joined). It applies to
// collections.
func (o Option) Limit(n int) Option {
	o.limit = n
	return o
}

// OrderBy orders each loaded collection by fields of the related model:
// "Published", or "-Published" for descending. The primary key breaks
// ties.
func (o Option) OrderBy(fields ...string) Option {
	o.order = append(o.order[:len(o.order):len(o.order)], fields...)
	return o
}

// node is one planned relationship load.
type node struct {
	rel      *mapper.Relation
	strategy strategy
	limit    int
	orderF   []orderField
	children []*node
	colOps   []colOp         // column options for the target
	fields   []*mapper.Field // the target's fields loaded; nil: its default
}

type orderField struct {
	f    *mapper.Field
	desc bool
}

// Plan is the compiled form of a query's options for one model: the
// relationships to load, how, and in what order. It is immutable.
type Plan struct {
	m      *mapper.Model
	nodes  []*node
	raise  bool
	fields []*mapper.Field // the roots' fields loaded; nil: the default
	// While compiling: the node whose children are compiled (nil: the
	// roots) and the column options met, resolved once every relationship
	// option is (columns.go).
	cur     *node
	pending []pendingCols
}

// Raise reports whether the plan is in raise mode.
func (p *Plan) Raise() bool { return p != nil && p.raise }

// Compile checks opts against model m and returns the plan. An unknown
// relationship, Joined on a collection, or two strategies for one
// relationship is an error naming model and relationship.
func Compile(m *mapper.Model, opts ...Option) (*Plan, error) {
	p := &Plan{m: m}
	var err error
	p.nodes, err = compileLevel(p, m, nil, opts)
	if err != nil {
		return nil, err
	}
	if err := p.compileColumns(); err != nil {
		return nil, err
	}
	if err := checkJoined(m, p.nodes); err != nil {
		return nil, err
	}
	return p, nil
}

func compileLevel(p *Plan, m *mapper.Model, into []*node, opts []Option) ([]*node, error) {
	for _, o := range opts {
		if o.strategy == raise {
			p.raise = true
			continue
		}
		if o.strategy == columns {
			p.pending = append(p.pending, pendingCols{at: p.cur, ops: o.cols})
			continue
		}
		steps, lastFrom := expandProxies(m, strings.Split(o.path, "."))
		// A dotted path is nested options, the last step carrying o's
		// strategy, limit, order and children.
		cur := m
		level := &into
		for i, step := range steps {
			step = strings.TrimSpace(step)
			r, ok := cur.Relation(step)
			if !ok {
				if _, poly := cur.PolyRelation(step); poly {
					return nil, fmt.Errorf("loader: %s.%s: a relationship to an interface loads only with SelectIn, from a query of %s or as a child of another such load: %w", cur.Name, step, cur.Name, ErrPolyRelation)
				}
				return nil, fmt.Errorf("loader: %s.%s: %w", cur.Name, step, ErrNoRelation)
			}
			last := i == len(steps)-1
			st := selectIn
			if i >= lastFrom { // the last step, or both of a proxy's
				st = o.strategy
			}
			n := find(*level, r)
			if n == nil {
				n = &node{rel: r, strategy: st}
				*level = append(*level, n)
			} else if i >= lastFrom && n.strategy != st {
				return nil, fmt.Errorf("loader: %s.%s: %s and %s: %w", cur.Name, step, n.strategy, st, ErrConflict)
			}
			if last {
				if o.limit > 0 {
					n.limit = o.limit
				}
				if len(o.order) > 0 {
					n.orderF = nil
					for _, name := range o.order {
						desc := strings.HasPrefix(name, "-")
						f, ok := r.Target.Field(strings.TrimPrefix(name, "-"))
						if !ok {
							return nil, fmt.Errorf("loader: %s.%s: order by %q: %w", cur.Name, step, name, mapper.ErrUnknownColumn)
						}
						n.orderF = append(n.orderF, orderField{f: f, desc: desc})
					}
				}
				n.colOps = append(n.colOps, o.cols...)
				var err error
				up := p.cur
				p.cur = n
				n.children, err = compileLevel(p, r.Target, n.children, o.children)
				p.cur = up
				if err != nil {
					return nil, err
				}
			}
			cur = r.Target
			level = &n.children
		}
	}
	return into, nil
}

func find(ns []*node, r *mapper.Relation) *node {
	for _, n := range ns {
		if n.rel == r {
			return n
		}
	}
	return nil
}

// expandProxies replaces each association proxy in a path (Book.Tags,
// proxy:BookTags.Tag) by the two relationships behind it (BookTags, Tag):
// loading a proxy loads its association objects and their targets, and the
// host fills the proxy from them. Steps that are neither are left for
// compileLevel to refuse. lastFrom is the index in the result of the
// first relationship of the path's last step: the option's strategy
// applies from there.
func expandProxies(m *mapper.Model, steps []string) (out []string, lastFrom int) {
	out = make([]string, 0, len(steps))
	cur := m
	for _, step := range steps {
		step = strings.TrimSpace(step)
		lastFrom = len(out)
		if cur == nil {
			out = append(out, step)
			continue
		}
		if r, ok := cur.Relation(step); ok {
			out = append(out, step)
			cur = r.Target
			continue
		}
		if p, ok := cur.Proxy(step); ok {
			out = append(out, p.Via.Name, p.Attr.Name)
			cur = p.Attr.Target
			continue
		}
		out = append(out, step)
		cur = nil
	}
	return out, lastFrom
}
