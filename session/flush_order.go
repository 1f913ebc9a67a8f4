package session

// This file holds dependency ordering: models after the models their
// foreign keys reference, and within one model, rows after the rows of
// the same table they reference (self-referencing rows).

import (
	"fmt"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/mapper"
)

// waves splits the inserts of one model so that rows referencing other
// new rows of the same table (self-references) come after them.
func (pl *plan) waves(m *mapper.Model, es []*entry) [][]*entry {
	if len(es) == 0 {
		return nil
	}
	if len(pl.links) == 0 {
		return [][]*entry{es}
	}
	in := make(map[*entry]bool, len(es))
	for _, e := range es {
		in[e] = true
	}
	return byDepth(es, func(e *entry, parent func(*entry)) {
		for _, l := range pl.links[e] {
			if l.parent != nil && in[l.parent] {
				parent(l.parent)
			}
		}
	})
}

// deleteWaves orders deletes of one model: rows referencing other
// deleted rows of the same table (by their loaded key values) in later
// waves, which run first.
func (pl *plan) deleteWaves(m *mapper.Model, es []*entry) [][]*entry {
	if len(es) == 0 {
		return nil
	}
	var self []*mapper.Relation
	for _, r := range m.Relations() {
		if r.Kind == mapper.ManyToOne && r.Target == m {
			self = append(self, r)
		}
	}
	if len(self) == 0 {
		return [][]*entry{es}
	}
	byKey := make(map[idKey]*entry, len(es))
	for _, e := range es {
		byKey[rowKey(e)] = e
	}
	return byDepth(es, func(e *entry, parent func(*entry)) {
		for _, r := range self {
			vals := make([]any, len(r.FK))
			for i, f := range r.FK {
				vals[i] = snapValue(e, f)
			}
			if slices.Contains(vals, nil) {
				continue
			}
			if pe := byKey[makeKey(m, vals)]; pe != nil {
				parent(pe)
			}
		}
	})
}

// byDepth is the row-level foreign-key sort of one table: it groups es
// into waves, each entry one wave after the deepest of the entries of es
// it references (parents reports them), so wave 0 references none of the
// others. A cycle of rows stops the descent after len(es) steps; the
// database refuses such rows whatever the order.
func byDepth(es []*entry, parents func(e *entry, parent func(*entry))) [][]*entry {
	depth := make(map[*entry]int, len(es))
	var d func(e *entry, guard int) int
	d = func(e *entry, guard int) int {
		if v, ok := depth[e]; ok {
			return v
		}
		if guard > len(es) {
			return 0
		}
		v := 0
		parents(e, func(p *entry) {
			if p != e {
				v = max(v, d(p, guard+1)+1)
			}
		})
		depth[e] = v
		return v
	}
	maxd := 0
	for _, e := range es {
		maxd = max(maxd, d(e, 0))
	}
	out := make([][]*entry, maxd+1)
	for _, e := range es {
		out[depth[e]] = append(out[depth[e]], e)
	}
	return out
}

// onlyModel returns the model of every entry the flush writes when there
// is one, else nil.
func (pl *plan) onlyModel() *mapper.Model {
	var m *mapper.Model
	same := func(e *entry) bool {
		if m == nil {
			m = e.m
		}
		return e.m == m
	}
	for _, e := range pl.inserts {
		if !same(e) {
			return nil
		}
	}
	for _, e := range pl.persist {
		if !same(e) {
			return nil
		}
	}
	for e := range pl.deletes {
		if !same(e) {
			return nil
		}
	}
	return m
}

// modelOrder returns the models of the flush with every model after the
// models its table's foreign keys reference. (A flush of one model,
// see onlyModel, needs no order.)
func (s *Session) modelOrder(pl *plan) ([]*mapper.Model, error) {
	involved := map[*mapper.Model]bool{}
	for _, e := range pl.inserts {
		involved[e.m] = true
	}
	for _, e := range pl.persist {
		involved[e.m] = true
	}
	for e := range pl.deletes {
		involved[e.m] = true
	}
	if len(involved) == 1 {
		for m := range involved {
			return []*mapper.Model{m}, nil // a self-reference orders rows, not models
		}
	}
	byTable := map[string]*mapper.Model{}
	for _, m := range s.opts.Registry.Models() {
		if m.IdentityModel() == m { // a hierarchy's table is its base's
			byTable[m.Table().Name()] = m
		}
	}
	ms := make([]*mapper.Model, 0, len(involved))
	for m := range involved {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b *mapper.Model) int { return strings.Compare(a.Table().FullName(), b.Table().FullName()) })
	const (
		visiting = 1
		done     = 2
	)
	state := map[*mapper.Model]int{}
	var out []*mapper.Model
	var visit func(m *mapper.Model, path []string) error
	visit = func(m *mapper.Model, path []string) error {
		switch state[m] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("foreign-key cycle between models %s -> %s: not supported by the flush", strings.Join(path, " -> "), m.Name)
		}
		state[m] = visiting
		for _, fk := range inheritedFKs(m) {
			dep := byTable[fk.RefTable]
			if dep == nil || dep == m || dep == m.IdentityModel() {
				continue
			}
			if err := visit(dep, append(path, m.Name)); err != nil {
				return err
			}
			if h := dep.Inheritance(); h != nil { // rows of the table may be any model of its hierarchy
				for _, sub := range h.Subtypes() {
					if involved[sub] {
						if err := visit(sub, append(path, m.Name)); err != nil {
							return err
						}
					}
				}
			}
		}
		state[m] = done
		if involved[m] {
			out = append(out, m)
		}
		return nil
	}
	for _, m := range ms {
		if err := visit(m, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
