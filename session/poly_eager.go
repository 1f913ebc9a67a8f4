package session

// This file runs query options that load interface-typed relationships
// (loader.SplitPoly): the loader plans ordinary relationships; these the
// session loads itself, as LoadPoly does, after the query's own loads.

import (
	"context"
	"fmt"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// polyPlan is plan with the options naming interface-typed relationships
// of T taken out, for eagerPoly.
func (q *QueryOf[T]) polyPlan() (*loader.Plan, []loader.PolyLoad, error) {
	rest, polys, err := loader.SplitPoly(q.m, q.loads)
	if err != nil {
		return nil, nil, fmt.Errorf("session: query %s: %w", q.m.Name, err)
	}
	if len(polys) == 0 {
		p, err := q.plan()
		return p, nil, err
	}
	n := q.clone()
	n.loads = rest
	p, err := n.plan()
	return p, polys, err
}

// eagerPoly loads each of loads for owners (objects of m) that lack it
// (a nil field; a loaded field is kept, as for other relationships),
// then the loads' children on the targets of each kind; under raise the
// targets refuse unplanned loads too.
func (s *Session) eagerPoly(ctx context.Context, m *mapper.Model, owners []mapper.Ref, loads []loader.PolyLoad, raise bool) error {
	for _, l := range loads {
		r := l.Rel
		var need []mapper.Ref
		s.flushMu.Lock()
		for _, o := range owners {
			if r.Field(o).IsNil() {
				need = append(need, o)
			}
		}
		s.flushMu.Unlock()
		if len(need) > 0 {
			if err := s.loadPoly(ctx, r, need); err != nil {
				return fmt.Errorf("load %s.%s: %w", m.Name, r.Name, err)
			}
		}
		if len(l.Children) == 0 && !raise {
			continue
		}
		base, err := s.opts.Registry.PolyBase(r.Interface)
		if err != nil {
			return fmt.Errorf("load %s.%s: %w", m.Name, r.Name, err)
		}
		kinds := append([]*mapper.Model{base}, base.Inheritance().Subtypes()...)
		byKind := map[*mapper.Model][]mapper.Ref{}
		var order []*mapper.Model
		seen := map[mapper.Ref]bool{}
		s.flushMu.Lock()
		for _, o := range owners {
			for _, v := range polyValues(r, o) {
				tm, tp, err := s.model(v)
				if err != nil {
					s.flushMu.Unlock()
					return fmt.Errorf("load %s.%s: %w", m.Name, r.Name, err)
				}
				if seen[tp] {
					continue
				}
				seen[tp] = true
				if _, ok := byKind[tm]; !ok {
					order = append(order, tm)
				}
				byKind[tm] = append(byKind[tm], tp)
			}
		}
		s.flushMu.Unlock()
		for _, k := range order {
			refs := byKind[k]
			if raise {
				host{s}.MarkRaise(refs)
			}
			opts, err := l.For(k, kinds)
			if err != nil {
				return err
			}
			if err := s.loadNested(ctx, k, refs, opts, raise); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadNested runs opts, the children of an interface-typed relationship's
// load, for its targets of model m.
func (s *Session) loadNested(ctx context.Context, m *mapper.Model, owners []mapper.Ref, opts []loader.Option, raise bool) error {
	if len(opts) == 0 {
		return nil
	}
	rest, polys, err := loader.SplitPoly(m, opts)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		if raise {
			rest = append(rest, loader.Raise())
		}
		p, err := loader.Compile(m, rest...)
		if err != nil {
			return err
		}
		if err := p.Load(ctx, host{s}, owners); err != nil {
			return err
		}
	}
	return s.eagerPoly(ctx, m, owners, polys, raise)
}

// polyValues returns the targets an interface-typed relationship field
// of owner holds (none for a nil field or element).
func polyValues(r *mapper.PolyRelation, owner mapper.Ref) []any {
	f := r.Field(owner)
	if !r.Many {
		if f.IsNil() {
			return nil
		}
		return []any{f.Interface()}
	}
	out := make([]any, 0, f.Len())
	for i := range f.Len() {
		if e := f.Index(i); !e.IsNil() {
			out = append(out, e.Interface())
		}
	}
	return out
}
