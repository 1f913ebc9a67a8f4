package session

// This file ends a session transaction whose commit over several bind
// groups was partial (see PartialCommitError): the journal is split by
// the bind group of each record's table, the committed groups' part kept
// as committed, the rest undone.

import (
	"slices"

	"github.com/athanor-orm/athanor/core"
)

// endPartial ends the transaction after pe: objects of committed groups
// stay as committed (persistent, their snapshots the written values),
// those of rolled-back groups are restored as after a failed commit, and
// those of a group of unknown outcome as after an unknown outcome (see
// outcome.go). The committed groups' token joins the session's. The
// caller holds txLock for writing.
func (s *Session) endPartial(pe *PartialCommitError) {
	in := func(groups []string) func(*core.Table) bool {
		return func(t *core.Table) bool {
			if t == nil {
				return false
			}
			g := pe.r.GroupOf(t.FullName())
			return g != nil && slices.Contains(groups, g.Name())
		}
	}
	committed := in(pe.Committed)
	var inserted []*entry
	if s.txLog != nil {
		inserted = s.txLog.filter(in(pe.Unknown)).inserted()
		s.txLog = s.txLog.filter(func(t *core.Table) bool { return !committed(t) })
	}
	s.endTx(false)
	s.forgetIfUnknown(pe.Err, inserted)
	s.mergeToken(pe.Token)
}

// filter returns the part of j whose records are of objects of tables
// keep accepts, in the same order.
func (j *journal) filter(keep func(*core.Table) bool) *journal {
	out := &journal{}
	k := 0 // the next of j.rels
	for _, w := range j.writes {
		if w.f == nil {
			rw := j.rels[k]
			k++
			if keep(rw.rel.Owner.Table()) {
				out.writes = append(out.writes, w)
				out.rels = append(out.rels, rw)
			}
			continue
		}
		var t *core.Table
		if w.f.Col != nil {
			t = w.f.Col.Table()
		}
		if keep(t) {
			out.writes = append(out.writes, w)
		}
	}
	for _, e := range j.order {
		if keep(e.m.Table()) {
			if out.states == nil {
				out.states = map[*entry]saved{}
			}
			out.states[e] = j.states[e]
			out.order = append(out.order, e)
		}
	}
	return out
}
