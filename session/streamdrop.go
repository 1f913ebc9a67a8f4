package session

import "github.com/athanor-orm/athanor/mapper"

// This file is how a stream lets go of a batch (see Stream): the batch's
// objects, and those its loads brought in, leave the identity map unless
// something the session keeps needs them.

// dropBatch expunges, after a batch of m's objects (roots) was yielded,
// the objects the batch put in the session (entries numbered in
// (first, end]: published by its scan and its loads, not by the loop
// body) that are persistent, unchanged (columns against the snapshot the
// flush diffs, relationships against the members last loaded) and not
// reachable through relationships from an object that stays: a flush
// would otherwise meet a detached object in a staying object's
// relationship.
func (s *Session) dropBatch(m *mapper.Model, roots []mapper.Ref, first, end int64) {
	s.flushMu.Lock() // snapshots and recorded members are written under it
	defer s.flushMu.Unlock()
	type item struct {
		m *mapper.Model
		p mapper.Ref
	}
	// The batch's graph: every object reachable from the roots.
	seen := make(map[mapper.Ref]*entry, len(roots))
	var graph []*entry
	stack := make([]item, 0, len(roots))
	for _, p := range roots {
		stack = append(stack, item{m, p})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := seen[it.p]; ok {
			continue
		}
		e := s.loadedEntry(it.m, it.p)
		seen[it.p] = e
		if e == nil {
			continue
		}
		graph = append(graph, e)
		for _, r := range e.m.Relations() {
			for _, t := range r.Targets(e.p) {
				if !t.IsNil() {
					if _, ok := seen[t]; !ok {
						stack = append(stack, item{r.Target, t})
					}
				}
			}
		}
	}
	// Droppable: the batch's own, persistent and unchanged.
	drop := make(map[*entry]bool, len(graph))
	var keep []*entry
	for _, e := range graph {
		if e.seq > first && e.seq <= end && e.State() == Persistent && !streamChanged(e) {
			drop[e] = true
		} else {
			keep = append(keep, e)
		}
	}
	// What a staying object refers to stays too.
	for len(keep) > 0 {
		e := keep[len(keep)-1]
		keep = keep[:len(keep)-1]
		for _, r := range e.m.Relations() {
			for _, t := range r.Targets(e.p) {
				if te := seen[t]; te != nil && drop[te] {
					delete(drop, te)
					keep = append(keep, te)
				}
			}
		}
	}
	for _, e := range graph {
		if drop[e] {
			s.objs.remove(e.p)
			s.ids.remove(e.key, e)
			e.setState(Detached)
		}
	}
}

// streamChanged reports whether the caller changed e, a persistent
// entry: a column against its snapshot, or a relationship against the
// members last loaded (an unloaded one that now holds objects).
func streamChanged(e *entry) bool {
	if len(appendChanged(nil, e)) > 0 {
		return true
	}
	for _, r := range e.m.Relations() {
		cur := r.Targets(e.p)
		prev, loaded := e.coll.get(r)
		if !loaded {
			for _, t := range cur {
				if !t.IsNil() {
					return true
				}
			}
			continue
		}
		if len(cur) != len(prev) {
			return true
		}
		for i := range cur {
			if cur[i] != prev[i] {
				return true
			}
		}
	}
	return false
}
