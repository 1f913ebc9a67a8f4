package session

import (
	"errors"

	"github.com/athanor-orm/athanor"
)

// An unknown outcome (athanor.ErrOutcomeUnknown: the connection broke
// after a write or a COMMIT was sent, before its answer) leaves the
// session unable to tell whether the rows were written. Restoring the
// objects as after a failure would leave the new ones pending, and the
// next Commit would insert them a second time; so the objects the commit
// was to insert leave the session instead (see the package doc). Updates
// and deletes are restored as after a failure: committing again sends the
// same statements (a versioned one then finds its row changed if the
// first attempt went through).

// inserted returns the entries the journal saw pending: the objects the
// journaled flushes inserted.
func (j *journal) inserted() []*entry {
	if j == nil {
		return nil
	}
	var out []*entry
	for _, e := range j.order {
		if j.states[e].state == Pending {
			out = append(out, e)
		}
	}
	return out
}

// forgetIfUnknown takes objects whose INSERT failed with err out of the
// session when err is an unknown outcome, after their journal was
// restored: each becomes Detached when its primary key is set (a row
// with that key may exist) and Transient when it is not (a generated key
// was never received), as StateOf reports for an object the session does
// not hold.
func (s *Session) forgetIfUnknown(err error, es []*entry) {
	if !errors.Is(err, athanor.ErrOutcomeUnknown) {
		return
	}
	for _, e := range es {
		s.ids.remove(e.key, e)
		s.objs.remove(e.p)
		st := Detached
		for _, f := range e.m.PrimaryKey() {
			if f.IsZero(e.p) {
				st = Transient
				break
			}
		}
		e.setState(st)
	}
}
