package loader

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// Select adds to sel (a SELECT of nothing yet, FROM the plan model's
// table) the model's columns and the LEFT OUTER JOINs of the plan's Joined
// relationships. With a joined collection it orders the rows by owner
// (after sel's own order) and, when sel has a LIMIT or OFFSET, returns sel
// wrapped in a derived table the collections join (see Joined). Run the
// result with Run.
func (p *Plan) Select(sel *core.SelectStmt) *core.SelectStmt {
	s := newSelection(p.m, p.m.Table(), nil, p.fields, p.nodes)
	if s.many {
		return s.applyMany(sel)
	}
	return s.apply(sel)
}

// SelectContext is Select with the criteria of h, when it is a
// FilteredHost, in the ON clauses of the Joined relationships (the
// criteria of the plan's own model are the caller's to add to sel).
func (p *Plan) SelectContext(ctx context.Context, h Host, sel *core.SelectStmt) (*core.SelectStmt, error) {
	s := newSelection(p.m, p.m.Table(), nil, p.fields, p.nodes)
	if err := s.filter(ctx, h, false); err != nil {
		return nil, err
	}
	if s.many {
		return s.applyMany(sel), nil
	}
	return s.apply(sel), nil
}

// Run runs stmt (built by Select or SelectContext) on h and then the plan's SelectIn
// loads, depth by depth, and returns the root objects in row order (a root
// joined to several rows appears once per row).
func (p *Plan) Run(ctx context.Context, h Host, stmt core.Statement) ([]mapper.Ref, error) {
	h, end := startRun(h)
	if end != nil {
		defer end(ctx)
	}
	s := newSelection(p.m, p.m.Table(), nil, p.fields, p.nodes)
	r := &run{h: h, obs: observerOf(h), raise: p.raise, sc: scratchPool.Get().(*scratch)}
	defer r.sc.release()
	var roots []mapper.Ref
	// Objects published by their row are distinct. A row repeating the
	// previous row's object (the rows of a joined collection come
	// together) needs only compacting; an object found in the session
	// otherwise may repeat anywhere.
	again, dup := false, false
	res := s.newResult()
	err := h.Query(ctx, stmt, func(rows *engine.Rows) error {
		return s.scan(h, rows, res, nil, func(_ int32, base mapper.Ref, _ Handle, published bool) {
			if !published {
				res.held = true
				if len(roots) > 0 && roots[len(roots)-1] == base {
					again = true
				} else {
					dup = true
				}
			}
			roots = append(roots, base)
		})
	})
	if err != nil {
		return nil, err
	}
	owners := roots
	switch {
	case dup:
		owners = distinct(roots)
	case again:
		owners = slices.Compact(slices.Clone(roots))
	}
	next := r.afterScan(s, res, owners, nil, !res.held, nil, p.nodes)
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
// already in h (Joined relationships are loaded by SelectIn here, as there
// is no owner statement to join to).
func (p *Plan) Load(ctx context.Context, h Host, owners []mapper.Ref) error {
	h, end := startRun(h)
	if end != nil {
		defer end(ctx)
	}
	r := &run{h: h, obs: observerOf(h), raise: p.raise, sc: scratchPool.Get().(*scratch)}
	defer r.sc.release()
	// The loader's own copy: a one-to-many's back-references are set to
	// one-element slices of its owners (see backref), which must not
	// change under the objects.
	owners = slices.Clone(owners)
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
	obs     Observer // nil: loads are not reported
	raise   bool
	touched []mapper.Ref
	sc      *scratch // the run's buffers
}

// task loads one relationship for a set of owners.
type task struct {
	n       *node
	owners  []mapper.Ref
	handles []Handle     // per owner its Handle, or nil; only with fresh
	need    []mapper.Ref // owners lacking the relationship
	fresh   bool         // every owner was published by this run
	sel     *selection
	res     *result
	keys    *keyIndex // numbers the need owners' distinct keys
	nkeys   int
	idx     []int32 // per need owner: its key's number, -1 for none
	first   int     // index of the task's first statement in the level
	nstmt   int
	seen    map[keyedRef]bool // targets collected, with joined collections
}

// levels runs tasks depth by depth: every statement of one depth (sibling
// relationships, their IN-list chunks, cousins) goes to the host as one
// batch.
func (r *run) levels(ctx context.Context, tasks []*task) error {
	for len(tasks) > 0 {
		var stmts []core.Statement
		var live []*task
		for _, t := range tasks {
			ss, err := r.prepare(ctx, t)
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
			if err := t.sel.scan(r.h, rows, t.res, t.keys, t.collect); err != nil {
				return &relError{r: t.n.rel, err: err}
			}
			return nil
		}
		// Each relationship loaded at this depth is reported; when there
		// is one, its statements run under the Observer's context.
		qctx := ctx
		var lctxs []context.Context
		if r.obs != nil {
			lctxs = make([]context.Context, len(live))
			loading := 0
			for i, t := range live {
				if t.nstmt > 0 {
					lctxs[i] = r.obs.LoadStart(ctx, LoadStartData{Model: t.n.rel.Owner.Name, Relationship: t.n.rel.Name})
					loading++
					if loading == 1 {
						qctx = lctxs[i]
					} else {
						qctx = ctx
					}
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
		if r.obs != nil {
			for i, t := range live {
				if t.nstmt > 0 {
					r.obs.LoadEnd(lctxs[i], LoadEndData{Model: t.n.rel.Owner.Name, Relationship: t.n.rel.Name, Rows: t.res.loaded(), Err: err})
				}
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
		r.sc.done() // the level's owners are populated
		tasks = next
	}
	return nil
}

// prepare finds the owners lacking the relationship and builds the
// statements loading it.
func (r *run) prepare(ctx context.Context, t *task) ([]core.Statement, error) {
	rel := t.n.rel
	if t.fresh {
		// Objects this run published lack the relationship: should
		// another goroutine load it meanwhile, Populate skips them.
		t.need = t.owners
	} else {
		t.need, t.handles = r.h.Unloaded(rel, t.owners), nil
	}
	var joinedKids []*node
	for _, c := range t.n.children {
		if c.strategy == joined {
			joinedKids = append(joinedKids, c)
		}
	}
	t.sel = newSelection(rel.Target, rel.Target.Table(), rel, t.n.fields, joinedKids)
	t.res = t.sel.newResult()
	// The targets' Handles go with them where Populate is given them: as
	// the owners of the back-reference, or of the next depth's loads.
	t.res.groups.keepHnds = rel.Kind == mapper.OneToMany && slices.ContainsFunc(t.n.children, func(c *node) bool { return c.strategy == selectIn }) ||
		backrefOf(rel) != nil
	if len(t.need) == 0 {
		return nil, nil
	}
	t.res.groups.rows = r.sc.rowBuf()
	if err := t.sel.filter(ctx, r.h, true); err != nil {
		return nil, &relError{r: rel, err: err}
	}
	kf := ownerKeyFields(rel)
	var ks keySet
	t.keys, ks, t.idx = ownerKeys(kf, t.sel.keyT, t.need, r.sc)
	t.nkeys = ks.n
	if ks.n == 0 {
		return nil, nil
	}
	d := r.h.Dialect()
	array := d != nil && d.Features().AnyArray && len(kf) == 1
	size := ks.n
	if !array {
		size = max(1, ChunkSize/len(kf))
	}
	var out []core.Statement
	for lo := 0; lo < ks.n; lo += size {
		hi := min(ks.n, lo+size)
		out = append(out, t.sel.statement(t.n, ks.slice(lo, hi)))
	}
	return out, nil
}

// collect groups a scanned target under its owner key (once: with joined
// collections a target comes once per joined row).
func (t *task) collect(k int32, target mapper.Ref, hnd Handle, published bool) {
	if k < 0 {
		return
	}
	t.res.held = t.res.held || !published
	if t.sel.many {
		if t.seen == nil {
			t.seen = map[keyedRef]bool{}
		}
		kr := keyedRef{k, target}
		if t.seen[kr] {
			return
		}
		t.seen[kr] = true
	}
	t.res.groups.add(k, target, hnd)
}

type keyedRef struct {
	k int32
	p mapper.Ref
}

// finish populates the owners, then returns the next depth's tasks.
func (r *run) finish(t *task) []*task {
	rel := t.n.rel
	g := &t.res.groups
	g.build(t.nkeys, r.sc)
	targets := func(i int) []mapper.Ref {
		ts := g.of(t.idx[i])
		if !rel.Many() && len(ts) > 1 {
			ts = ts[:1:1]
		}
		return ts
	}
	set := r.h.Populate(rel, t.need, t.handles, targets)
	// A one-to-many's children know their owner: fill the many-to-one
	// back-reference where it is not loaded.
	var back *mapper.Relation
	if b := backrefOf(rel); b != nil && g.count() > 0 {
		r.backref(t, b, targets)
		back = b
	}
	// The members now held by every owner (loaded here or before) are
	// the next depth's owners. When this load set every owner's
	// one-to-many, they are the rows loaded: each row is one target,
	// under the one owner key it carries.
	var members []mapper.Ref
	var handles []Handle
	fresh := false
	switch {
	case len(t.n.children) == 0 && !r.raise:
		// Nobody needs them.
	case set == len(t.owners) && rel.Kind == mapper.OneToMany:
		members, fresh = g.flat, !t.res.held
		if fresh {
			handles = g.hnds
		}
	default:
		members = r.h.Members(rel, t.owners)
	}
	if r.raise {
		r.touched = append(r.touched, members...)
	}
	return r.afterScan(t.sel, t.res, members, handles, fresh, back, t.n.children)
}

// backrefOf returns the many-to-one back-reference of rel, a one-to-many
// or one-to-one, that a load of rel fills; nil for none.
func backrefOf(rel *mapper.Relation) *mapper.Relation {
	if b := rel.Backref; b != nil && b.Kind == mapper.ManyToOne && (rel.Kind == mapper.OneToMany || rel.Kind == mapper.OneToOne) {
		return b
	}
	return nil
}

// backref sets the many-to-one b of the targets of t's one-to-many (or
// one-to-one) to their owner.
func (r *run) backref(t *task, b *mapper.Relation, targets func(i int) []mapper.Ref) {
	g := &t.res.groups
	if t.nkeys == len(t.need) && t.n.rel.Many() {
		// Every owner has a key of its own, numbered in owner order: the
		// kids are the grouped rows as they are, kid i under the key
		// whose bucket holds it, and its owner's slot in need backs its
		// one-element slice.
		r.h.Populate(b, g.flat, g.hnds, func(i int) []mapper.Ref {
			k, _ := slices.BinarySearch(g.end, int32(i)+1) // the first bucket ending past i
			return t.need[k : k+1 : k+1]
		})
		return
	}
	owner := make([]mapper.Ref, 0, g.count()) // per kid its owner, backing each one's slice
	kids := make([]mapper.Ref, 0, g.count())
	for i, o := range t.need {
		for _, c := range targets(i) {
			kids = append(kids, c)
			owner = append(owner, o)
		}
	}
	r.h.Populate(b, kids, nil, func(i int) []mapper.Ref { return owner[i : i+1 : i+1] })
}

// afterScan populates the joined relationships a selection scanned and
// returns the SelectIn tasks under base objects and joined ones. fresh:
// every base object was published by this run, so lacks every
// relationship but back (set by the run, or nil) and the joined ones.
// handles is nil or holds the Handle of each base object.
func (r *run) afterScan(s *selection, res *result, base []mapper.Ref, handles []Handle, fresh bool, back *mapper.Relation, nodes []*node) []*task {
	var next []*task
	for _, n := range nodes {
		if n.strategy == selectIn && len(base) > 0 {
			f := fresh && n.rel != back && !slices.ContainsFunc(s.joins, func(j *joinSel) bool { return j.parent < 0 && j.n.rel == n.rel })
			t := &task{n: n, owners: base, fresh: f}
			if f && len(handles) == len(base) {
				t.handles = handles
			}
			next = append(next, t)
		}
	}
	for i, j := range s.joins {
		jr := &res.joins[i]
		if j.n.rel.Many() {
			r.populateMany(j.n.rel, jr)
		} else if len(jr.owners) > 0 {
			r.h.Populate(j.n.rel, jr.owners, nil, func(k int) []mapper.Ref {
				if jr.targets[k].IsNil() {
					return nil
				}
				return jr.targets[k : k+1 : k+1]
			})
		}
		if !r.raise && !slices.ContainsFunc(j.n.children, func(c *node) bool { return c.strategy == selectIn }) {
			continue // nobody needs the members
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

func distinct(ps []mapper.Ref) []mapper.Ref {
	seen := make(map[mapper.Ref]bool, len(ps))
	out := make([]mapper.Ref, 0, len(ps))
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
