package session

// This file holds the flush's undo journal: what a flush changed in the
// session (field writes, entry states, snapshots), restored when the
// flush or its transaction fails.

import (
	"github.com/athanor-orm/athanor/mapper"
)

// journal records what a flush changed in the session, so a failed flush
// (or a rolled-back transaction) can put everything back.
type journal struct {
	writes []fieldWrite     // field values the flush overwrote, in order
	rels   []relWrite       // the relationship writes among writes, in order
	states map[*entry]saved // entry states before their first change
	order  []*entry         // keys of states, in order
}

// fieldWrite is one value a flush overwrote: a column field's (f), or,
// with f nil, a relationship field's, whose record is the next of
// journal.rels. Most writes are keys an INSERT set: they stay four
// words, without a relationship's.
type fieldWrite struct {
	p   mapper.Ref
	f   *mapper.Field
	old any
}

// relWrite is a relationship field's targets before a flush set them.
type relWrite struct {
	rel  *mapper.Relation
	olds []mapper.Ref
}

// relWrite records that p's relationship field r held old.
func (j *journal) relWrite(p mapper.Ref, r *mapper.Relation, old []mapper.Ref) {
	j.writes = append(j.writes, fieldWrite{p: p})
	j.rels = append(j.rels, relWrite{rel: r, olds: old})
}

type saved struct {
	state  State
	key    idKey
	snap   mapper.Snapshot
	coll   colls
	inObjs bool
}

func (j *journal) save(s *Session, e *entry) {
	if j.states == nil {
		j.states = map[*entry]saved{}
	}
	if _, ok := j.states[e]; ok {
		return
	}
	j.states[e] = saved{state: e.State(), key: e.key, snap: e.snap, coll: e.coll, inObjs: s.objs.get(e.p) == e}
	j.order = append(j.order, e)
}

// merge appends a later journal (whose first-touch states lose to j's).
func (j *journal) merge(s *Session, later *journal) {
	j.writes = append(j.writes, later.writes...)
	j.rels = append(j.rels, later.rels...)
	for _, e := range later.order {
		if _, ok := j.states[e]; !ok {
			if j.states == nil {
				j.states = map[*entry]saved{}
			}
			j.states[e] = later.states[e]
			j.order = append(j.order, e)
		}
	}
}

// restore undoes the journal: field writes in reverse, then states.
func (j *journal) restore(s *Session) {
	k := len(j.rels)
	for i := len(j.writes) - 1; i >= 0; i-- {
		w := j.writes[i]
		if w.f == nil {
			k--
			j.rels[k].rel.Set(w.p, j.rels[k].olds)
			continue
		}
		_ = w.f.Set(w.p, w.old)
	}
	for _, e := range j.order {
		st := j.states[e]
		s.ids.remove(e.key, e)
		e.key, e.snap, e.coll = st.key, st.snap, st.coll
		e.setState(st.state)
		if st.state == Persistent || st.state == Deleted {
			s.ids.putIfAbsent(e.key, e)
		}
		if st.inObjs {
			s.objs.put(e)
		} else {
			s.objs.remove(e.p)
		}
	}
}
