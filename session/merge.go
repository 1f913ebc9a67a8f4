package session

// This file holds Attach: detached objects back into a session as
// persistent, without loading them (Merge, which loads, is in get.go).

import (
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/mapper"
)

// Errors of Attach; match with errors.Is.
var (
	// ErrNoKey: Attach was given an object whose primary key is not set
	// (a new object: Add it).
	ErrNoKey = errors.New("session: object has no primary key")
	// ErrIdentityConflict: the session holds another object with the
	// same primary key (Merge the object instead).
	ErrIdentityConflict = errors.New("session: another object with this primary key is in the session")
)

// Attach puts detached objects — loaded by a session since closed, or
// built by hand with the key of an existing row — in the session as
// persistent, without reading them: the next flush writes every column
// of each (except the key and the version column) in an UPDATE by its
// key, which with a version column also requires the row's version to
// be the object's. An UPDATE that matches no row (the row is gone, or
// its version moved on) fails the flush with an error matching
// athanor.ErrStaleObject that names the model and key. Objects reached
// through save-update cascades that the session does not hold are
// attached too when their primary key is set; those without one are
// inserted at the flush, as Add's would be.
//
// An object without its primary key fails with ErrNoKey; one whose key
// the session already holds for another object fails with
// ErrIdentityConflict (use Merge). An object in the session stays as it
// is, except that a deleted one becomes persistent again and a pending
// one persistent (updated instead of inserted). On error, the objects
// before the failing one are attached.
func (s *Session) Attach(objs ...any) error {
	for _, obj := range objs {
		m, p, err := s.model(obj)
		if err != nil {
			return err
		}
		if err := s.attachTree(m, p, nil); err != nil {
			return err
		}
	}
	return nil
}

// attachTree attaches the object at p and, along save-update cascades,
// the related objects with keys that the session does not hold.
func (s *Session) attachTree(m *mapper.Model, p mapper.Ref, seen map[mapper.Ref]bool) error {
	for _, f := range m.PrimaryKey() {
		if f.IsZero(p) {
			return fmt.Errorf("session: attach %s: %s is zero: %w", m.Name, f.Name, ErrNoKey)
		}
	}
	key := identOf(m, p)
	if cur := s.ids.get(key); cur != nil && cur.p != p {
		return fmt.Errorf("session: attach %s %s: %w", m.Name, key, ErrIdentityConflict)
	}
	e := s.objs.get(p)
	switch {
	case e == nil:
		e, _ = s.addEntry(m, p)
		fallthrough
	case e.State() == Pending:
		e.key, e.snap = key, mapper.Snapshot{}
		if cur, ok := s.ids.putIfAbsent(key, e); !ok && cur != e {
			s.objs.remove(p)
			return fmt.Errorf("session: attach %s %s: %w", m.Name, key, ErrIdentityConflict)
		}
		e.setState(Persistent)
	case e.State() == Deleted:
		e.setState(Persistent)
		return nil
	default:
		return nil // persistent: in the session already
	}
	for _, r := range m.Relations() {
		if !r.Cascade.Has(mapper.CascadeSaveUpdate) {
			continue
		}
		for _, t := range r.Targets(p) {
			if t.IsNil() || s.objs.get(t) != nil || seen[t] {
				continue
			}
			keyed := true
			for _, f := range r.Target.PrimaryKey() {
				keyed = keyed && !f.IsZero(t)
			}
			if !keyed {
				continue // new: the flush's cascade inserts it
			}
			if seen == nil {
				seen = map[mapper.Ref]bool{}
			}
			seen[t] = true
			if err := s.attachTree(r.Target, t, seen); err != nil {
				return err
			}
		}
	}
	return nil
}
