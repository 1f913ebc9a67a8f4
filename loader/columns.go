package loader

import (
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/mapper"
)

// Column options: which fields of a model a query loads (SQLAlchemy's
// load_only, defer, undefer, undefer_group). They apply to the query's
// model, or, through a relationship path ("Books.Body") or as methods of a
// relationship option (SelectIn("Books").LoadOnly("Title")), to the
// objects a relationship loads. The primary key and the keys of the
// model's relationships are always loaded.

// ErrNotLoadedPath: a column option names a relationship path that no
// option of the query loads.
var ErrNotLoadedPath = errors.New("column option on a relationship the query does not load")

// ErrKeyColumn: a column option defers a primary-key column or the key of
// a relationship, which loads always need.
var ErrKeyColumn = errors.New("key column cannot be deferred")

// FillHost is implemented by a host that fills, from a row that has
// them, the fields an object it holds lacks (SQLAlchemy populates
// unloaded attributes from a later load): for a row whose object the host
// holds, of a model with deferred or computed fields, the loader asks
// Lacking which of the row's fields (indexes in fields) to take, and
// hands them to Fill with row, an object the row was scanned into.
type FillHost interface {
	Lacking(m *mapper.Model, held mapper.Ref, fields []*mapper.Field) []int
	Fill(m *mapper.Model, held, row mapper.Ref, fields []*mapper.Field, idx []int)
}

type colKind uint8

const (
	loadOnly colKind = iota + 1
	deferCols
	undeferCols
	undeferGroup
)

func (k colKind) String() string {
	switch k {
	case loadOnly:
		return "LoadOnly"
	case deferCols:
		return "Defer"
	case undeferCols:
		return "Undefer"
	}
	return "UndeferGroup"
}

// colOp is one column option: kind, the relationship path it applies to
// (relative to where it was given; "" for that model), and names (fields,
// or one group).
type colOp struct {
	kind  colKind
	path  string
	names []string
}

type pendingCols struct {
	at  *node // nil: the roots
	ops []colOp
}

// colOps groups names by their relationship path ("Books.Body" → path
// "Books", name "Body"), in order.
func colOps(kind colKind, names []string) []colOp {
	var out []colOp
	for _, n := range names {
		path, name := "", strings.TrimSpace(n)
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			path, name = name[:i], name[i+1:]
		}
		if len(out) > 0 && out[len(out)-1].path == path {
			out[len(out)-1].names = append(out[len(out)-1].names, name)
			continue
		}
		out = append(out, colOp{kind: kind, path: path, names: []string{name}})
	}
	return out
}

// LoadOnly loads only the named fields (columns or computed fields, Go
// or column names) of the query's model, deferred ones included, plus its
// primary key and relationship keys; a dotted name ("Books.Title") names
// a field of a relationship the query loads.
func LoadOnly(fields ...string) Option {
	return Option{strategy: columns, cols: colOps(loadOnly, fields)}
}

// Defer leaves the named fields out of the load (as the deferred tag
// does); a primary key or relationship key is refused (ErrKeyColumn).
func Defer(fields ...string) Option {
	return Option{strategy: columns, cols: colOps(deferCols, fields)}
}

// Undefer loads the named deferred fields with the rest.
func Undefer(fields ...string) Option {
	return Option{strategy: columns, cols: colOps(undeferCols, fields)}
}

// UndeferGroup loads the deferred fields of a group (tag
// deferred:group); "Books.text" names a group of a loaded relationship's
// model.
func UndeferGroup(group string) Option {
	return Option{strategy: columns, cols: colOps(undeferGroup, []string{group})}
}

// LoadOnly is the package function LoadOnly for the objects o loads.
func (o Option) LoadOnly(fields ...string) Option { return o.withCols(colOps(loadOnly, fields)) }

// Defer is the package function Defer for the objects o loads.
func (o Option) Defer(fields ...string) Option { return o.withCols(colOps(deferCols, fields)) }

// Undefer is the package function Undefer for the objects o loads.
func (o Option) Undefer(fields ...string) Option { return o.withCols(colOps(undeferCols, fields)) }

// UndeferGroup is the package function UndeferGroup for the objects o
// loads.
func (o Option) UndeferGroup(group string) Option {
	return o.withCols(colOps(undeferGroup, []string{group}))
}

func (o Option) withCols(ops []colOp) Option {
	o.cols = append(o.cols[:len(o.cols):len(o.cols)], ops...)
	return o
}

// Fields returns the fields the plan loads of its model's objects, in
// the order of the select list Select builds: the model's LoadFields
// unless column options change them.
func (p *Plan) Fields() []*mapper.Field {
	if p == nil || p.fields == nil {
		return nil
	}
	return p.fields
}

// compileColumns resolves the column options: the pending ones to their
// nodes, then every node's and the roots' field lists.
func (p *Plan) compileColumns() error {
	var rootOps []colOp
	for _, pc := range p.pending {
		for _, op := range pc.ops {
			if op.path == "" && pc.at == nil {
				rootOps = append(rootOps, op)
				continue
			}
			n, err := p.pathNode(pc.at, op.path)
			if err != nil {
				return fmt.Errorf("loader: %s(%s.%s): %w", op.kind, op.path, strings.Join(op.names, ", "), err)
			}
			op.path = ""
			n.colOps = append(n.colOps, op)
		}
	}
	p.pending, p.cur = nil, nil
	var err error
	if p.fields, err = fieldSet(p.m, rootOps); err != nil {
		return err
	}
	var walk func([]*node) error
	walk = func(ns []*node) error {
		for _, n := range ns {
			var err error
			if n.fields, err = fieldSet(n.rel.Target, n.colOps); err != nil {
				return fmt.Errorf("loader: %s.%s: %w", n.rel.Owner.Name, n.rel.Name, err)
			}
			if err := walk(n.children); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(p.nodes)
}

// pathNode finds the node of path under at (nil: the roots).
func (p *Plan) pathNode(at *node, path string) (*node, error) {
	level, m := p.nodes, p.m
	if at != nil {
		level, m = at.children, at.rel.Target
	}
	n := at
	for _, step := range strings.Split(path, ".") {
		r, ok := m.Relation(strings.TrimSpace(step))
		if !ok {
			return nil, fmt.Errorf("%s.%s: %w", m.Name, step, ErrNoRelation)
		}
		if n = find(level, r); n == nil {
			return nil, fmt.Errorf("%s.%s: %w", m.Name, step, ErrNotLoadedPath)
		}
		level, m = n.children, r.Target
	}
	return n, nil
}

// fieldSet applies ops to m's default load; nil when there are none.
func fieldSet(m *mapper.Model, ops []colOp) ([]*mapper.Field, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	all := m.Loadable()
	on := make([]bool, len(all))
	for _, f := range m.LoadFields() {
		on[f.LoadIndex()] = true
	}
	keys := keyFields(m)
	lookup := func(op colOp, name string) (*mapper.Field, error) {
		f, ok := m.Attr(name)
		if !ok {
			return nil, fmt.Errorf("%s %s.%s: %w", op.kind, m.Name, name, mapper.ErrUnknownColumn)
		}
		return f, nil
	}
	for _, op := range ops {
		switch op.kind {
		case loadOnly:
			clear(on)
			for f := range keys {
				on[f.LoadIndex()] = true
			}
			fallthrough
		case undeferCols:
			for _, name := range op.names {
				f, err := lookup(op, name)
				if err != nil {
					return nil, err
				}
				on[f.LoadIndex()] = true
			}
		case deferCols:
			for _, name := range op.names {
				f, err := lookup(op, name)
				if err != nil {
					return nil, err
				}
				if keys[f] {
					return nil, fmt.Errorf("%s %s.%s: %w", op.kind, m.Name, name, ErrKeyColumn)
				}
				on[f.LoadIndex()] = false
			}
		case undeferGroup:
			fs, err := m.Group(op.names[0])
			if err != nil {
				return nil, err
			}
			for _, f := range fs {
				on[f.LoadIndex()] = true
			}
		}
	}
	out := make([]*mapper.Field, 0, len(all))
	for i, f := range all {
		if on[i] {
			out = append(out, f)
		}
	}
	return out, nil
}

// keyFields is the set of m's fields loads need: its primary key, the
// keys of its many-to-one relationships and the keys other models'
// one-to-many and one-to-one relationships (the inverses of m's) keep on
// it.
func keyFields(m *mapper.Model) map[*mapper.Field]bool {
	out := map[*mapper.Field]bool{}
	for _, f := range m.PrimaryKey() {
		out[f] = true
	}
	for _, r := range m.Relations() {
		if r.Kind == mapper.ManyToOne {
			for _, f := range r.FK {
				out[f] = true
			}
		}
		for _, ir := range r.Target.Relations() {
			if ir.Target == m && (ir.Kind == mapper.OneToMany || ir.Kind == mapper.OneToOne) {
				for _, f := range ir.FK {
					out[f] = true
				}
			}
		}
	}
	return out
}
