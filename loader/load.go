package loader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/tracing"
)

// Host is what the loader needs from the session it loads into. The
// session package implements it; the loader never holds objects of its
// own: every row goes through Adopt, so a row already in the identity map
// yields the object there, untouched.
type Host interface {
	// Dialect is the dialect statements are compiled for.
	Dialect() core.Dialect
	// Query runs one read and hands its rows to fn.
	Query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error
	// Batch runs independent reads together (pipelined, fanned out over
	// pooled connections or replicas — the backend decides) and hands each
	// statement's rows to fn, one statement at a time.
	Batch(ctx context.Context, stmts []core.Statement, fn func(i int, rows *engine.Rows) error) error
	// Adopt publishes a freshly scanned object of m, or returns the object
	// the identity map already holds for its key.
	Adopt(m *mapper.Model, obj any, p unsafe.Pointer) unsafe.Pointer
	// Unloaded returns the owners whose relationship r has not been
	// loaded (or set by a flush).
	Unloaded(r *mapper.Relation, owners []unsafe.Pointer) []unsafe.Pointer
	// Populate sets r of each owner to its targets and records them as
	// loaded, skipping owners whose r is loaded by now.
	Populate(r *mapper.Relation, owners []unsafe.Pointer, targets [][]unsafe.Pointer)
	// Members returns the distinct objects the owners' relationship r
	// holds now, read under the lock Populate writes under.
	Members(r *mapper.Relation, owners []unsafe.Pointer) []unsafe.Pointer
	// MarkRaise puts objects in raise mode (see Raise).
	MarkRaise(objs []unsafe.Pointer)
}

// Select adds to sel (a SELECT of nothing yet, FROM the plan model's
// table) the model's columns and the LEFT OUTER JOINs of the plan's Joined
// relationships. Run the result with Run.
func (p *Plan) Select(sel *core.SelectStmt) *core.SelectStmt {
	s := newSelection(p.m, p.m.Table(), nil, p.nodes)
	return s.apply(sel)
}

// Run runs stmt (built by Select) and then the plan's SelectIn loads, depth
// by depth, and returns the root objects in row order (a root joined to
// several rows appears once per row).
func (p *Plan) Run(ctx context.Context, h Host, stmt core.Statement) ([]unsafe.Pointer, error) {
	s := newSelection(p.m, p.m.Table(), nil, p.nodes)
	r := &run{h: h, raise: p.raise}
	var roots []unsafe.Pointer
	res := s.newResult()
	err := h.Query(ctx, stmt, func(rows *engine.Rows) error {
		return s.scan(h, rows, res, func(_ any, base unsafe.Pointer) { roots = append(roots, base) })
	})
	if err != nil {
		return nil, err
	}
	next := r.afterScan(s, res, distinct(roots), p.nodes)
	if err := r.levels(ctx, next); err != nil {
		return roots, err
	}
	if p.raise {
		r.touched = append(r.touched, roots...)
		h.MarkRaise(r.touched)
	}
	return roots, nil
}

// Load runs the plan's loads for owners, objects of the plan's model
// already in the session (Joined relationships are loaded by SelectIn
// here, as there is no owner statement to join to).
func (p *Plan) Load(ctx context.Context, h Host, owners []unsafe.Pointer) error {
	r := &run{h: h, raise: p.raise}
	var tasks []*task
	for _, n := range p.nodes {
		tasks = append(tasks, &task{n: n, owners: owners})
	}
	if err := r.levels(ctx, tasks); err != nil {
		return err
	}
	if p.raise {
		h.MarkRaise(r.touched)
	}
	return nil
}

// relError is a failed load of one relationship.
type relError struct {
	r   *mapper.Relation
	err error
}

func (e *relError) Error() string {
	return "loader: load " + e.r.Owner.Name + "." + e.r.Name + ": " + e.err.Error()
}

func (e *relError) Unwrap() error { return e.err }

type run struct {
	h       Host
	raise   bool
	touched []unsafe.Pointer
}

// task loads one relationship for a set of owners.
type task struct {
	n      *node
	owners []unsafe.Pointer
	need   []unsafe.Pointer // owners lacking the relationship
	sel    *selection
	res    *result
	first  int // index of the task's first statement in the level
	nstmt  int
}

// levels runs tasks depth by depth: every statement of one depth (sibling
// relationships, their IN-list chunks, cousins) goes to the host as one
// batch.
func (r *run) levels(ctx context.Context, tasks []*task) error {
	for len(tasks) > 0 {
		var stmts []core.Statement
		var live []*task
		for _, t := range tasks {
			ss, err := r.prepare(t)
			if err != nil {
				return err
			}
			t.first, t.nstmt = len(stmts), len(ss)
			stmts = append(stmts, ss...)
			live = append(live, t)
		}
		owner := make([]*task, len(stmts))
		for _, t := range live {
			for i := t.first; i < t.first+t.nstmt; i++ {
				owner[i] = t
			}
		}
		scan := func(i int, rows *engine.Rows) error {
			t := owner[i]
			if err := t.sel.scan(r.h, rows, t.res, t.collect); err != nil {
				return &relError{r: t.n.rel, err: err}
			}
			return nil
		}
		// A span per relationship loaded at this depth; when there is one,
		// its statements nest under it.
		qctx := ctx
		spans := make([]tracing.Load, len(live))
		loading := 0
		for i, t := range live {
			if t.nstmt > 0 {
				var lctx context.Context
				lctx, spans[i] = tracing.StartLoad(ctx, t.n.rel.Owner.Name, t.n.rel.Name)
				loading++
				if loading == 1 {
					qctx = lctx
				} else {
					qctx = ctx
				}
			}
		}
		var err error
		switch len(stmts) {
		case 0:
		case 1:
			err = r.h.Query(qctx, stmts[0], func(rows *engine.Rows) error { return scan(0, rows) })
		default:
			err = r.h.Batch(qctx, stmts, scan)
		}
		for i, t := range live {
			if t.nstmt > 0 {
				spans[i].End(t.res.loaded(), err)
			}
		}
		if err != nil {
			if errors.As(err, new(*relError)) {
				return err
			}
			names := make([]string, 0, len(live))
			for _, t := range live {
				if t.nstmt > 0 {
					names = append(names, t.n.rel.Owner.Name+"."+t.n.rel.Name)
				}
			}
			return fmt.Errorf("loader: load %s: %w", strings.Join(names, ", "), err)
		}
		var next []*task
		for _, t := range live {
			next = append(next, r.finish(t)...)
		}
		tasks = next
	}
	return nil
}

// prepare finds the owners lacking the relationship and builds the
// statements loading it.
func (r *run) prepare(t *task) ([]core.Statement, error) {
	rel := t.n.rel
	t.need = r.h.Unloaded(rel, t.owners)
	var joinedKids []*node
	for _, c := range t.n.children {
		if c.strategy == joined {
			joinedKids = append(joinedKids, c)
		}
	}
	t.sel = newSelection(rel.Target, rel.Target.Table(), rel, joinedKids)
	t.res = t.sel.newResult()
	if len(t.need) == 0 {
		return nil, nil
	}
	// Distinct keys, in first-seen order.
	kf := ownerKeyFields(rel)
	seen := make(map[any]bool, len(t.need))
	keys := make([][]any, 0, len(t.need))
	flat := make([]any, len(t.need)*len(kf)) // backing store of keys
	for i, o := range t.need {
		vals := flat[i*len(kf) : (i+1)*len(kf) : (i+1)*len(kf)]
		null := false
		for i, f := range kf {
			vals[i] = f.Value(o)
			null = null || vals[i] == nil
		}
		if null {
			continue
		}
		k := keyOf(vals)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, vals)
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	t.res.groups = make(map[any][]unsafe.Pointer, len(keys))
	d := r.h.Dialect()
	array := d != nil && d.Features().AnyArray && len(kf) == 1
	size := len(keys)
	if !array {
		size = max(1, ChunkSize/len(kf))
	}
	var out []core.Statement
	for lo := 0; lo < len(keys); lo += size {
		hi := min(len(keys), lo+size)
		out = append(out, t.sel.statement(t.n, keys[lo:hi]))
	}
	return out, nil
}

// collect groups a scanned target under its owner key.
func (t *task) collect(k any, target unsafe.Pointer) {
	if t.res.groups == nil {
		t.res.groups = map[any][]unsafe.Pointer{}
	}
	t.res.groups[k] = append(t.res.groups[k], target)
}

// finish populates the owners, then returns the next depth's tasks.
func (r *run) finish(t *task) []*task {
	rel := t.n.rel
	kf := ownerKeyFields(rel)
	targets := make([][]unsafe.Pointer, len(t.need))
	vals := make([]any, len(kf))
	for i, o := range t.need {
		null := false
		for j, f := range kf {
			vals[j] = f.Value(o)
			null = null || vals[j] == nil
		}
		if null {
			continue
		}
		g := t.res.groups[keyOf(vals)]
		if !rel.Many() && len(g) > 1 {
			g = g[:1]
		}
		targets[i] = g
	}
	r.h.Populate(rel, t.need, targets)
	// A one-to-many's children know their owner: fill the many-to-one
	// back-reference where it is not loaded.
	if b := rel.Backref; b != nil && b.Kind == mapper.ManyToOne && (rel.Kind == mapper.OneToMany || rel.Kind == mapper.OneToOne) {
		var kids []unsafe.Pointer
		var parents [][]unsafe.Pointer
		for i, o := range t.need {
			for _, c := range targets[i] {
				kids = append(kids, c)
				parents = append(parents, []unsafe.Pointer{o})
			}
		}
		if len(kids) > 0 {
			r.h.Populate(b, kids, parents)
		}
	}
	// The members now held by every owner (loaded here or before) are
	// the next depth's owners.
	members := r.h.Members(rel, t.owners)
	if r.raise {
		r.touched = append(r.touched, members...)
	}
	return r.afterScan(t.sel, t.res, members, t.n.children)
}

// afterScan populates the joined relationships a selection scanned and
// returns the SelectIn tasks under base objects and joined ones.
func (r *run) afterScan(s *selection, res *result, base []unsafe.Pointer, nodes []*node) []*task {
	var next []*task
	for _, n := range nodes {
		if n.strategy == selectIn && len(base) > 0 {
			next = append(next, &task{n: n, owners: base})
		}
	}
	for i, j := range s.joins {
		jr := &res.joins[i]
		if len(jr.owners) > 0 {
			r.h.Populate(j.n.rel, jr.owners, jr.targets)
		}
		members := r.h.Members(j.n.rel, jr.owners)
		if r.raise {
			r.touched = append(r.touched, members...)
		}
		for _, c := range j.n.children {
			if c.strategy == selectIn && len(members) > 0 {
				next = append(next, &task{n: c, owners: members})
			}
		}
	}
	return next
}

// ownerKeyFields are the owner's fields whose values select the related
// rows: the foreign key of a many-to-one, else the owner's primary key.
func ownerKeyFields(r *mapper.Relation) []*mapper.Field {
	if r.Kind == mapper.ManyToOne {
		return r.FK
	}
	return r.Owner.PrimaryKey()
}

// keyOf turns key values into a map key: the value itself for one column
// (bytes as a string), a string for several.
func keyOf(vals []any) any {
	if len(vals) == 1 {
		if b, ok := vals[0].([]byte); ok {
			return string(b)
		}
		return vals[0]
	}
	var buf []byte
	for _, v := range vals {
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		s := fmt.Sprintf("%T:%v", v, v)
		buf = strconv.AppendInt(buf, int64(len(s)), 10)
		buf = append(buf, ':')
		buf = append(buf, s...)
	}
	return string(buf)
}

func distinct(ps []unsafe.Pointer) []unsafe.Pointer {
	seen := make(map[unsafe.Pointer]bool, len(ps))
	out := make([]unsafe.Pointer, 0, len(ps))
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func deref(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}
