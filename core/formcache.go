package core

import "sync"

// formCache holds the compiled forms of one kind of simple statement
// (INSERT, SELECT, UPDATE; see the *_fast.go files) by hash key. Forms
// whose keys collide are chained, and a hit is confirmed by the form's
// own comparison with the statement, so a collision can only miss. The
// cache is bounded: when full it is cleared.
type formCache[S any, F form[S]] struct {
	mu sync.RWMutex
	m  map[updateKey]*formLink[F] // guarded by mu
	n  int                        // forms in m; guarded by mu
}

// form is a compiled form that can tell whether a statement has it.
type form[S any] interface {
	matches(S) bool
}

// formLink chains forms under one key. Links are never changed once in
// the map (new ones go in front), so a chain is read without the lock.
type formLink[F any] struct {
	f    F
	next *formLink[F]
}

// formLimit bounds each cache.
const formLimit = 1024

// find returns the form under k that s has.
func (c *formCache[S, F]) find(k updateKey, s S) (F, bool) {
	c.mu.RLock()
	l := c.m[k]
	c.mu.RUnlock()
	for ; l != nil; l = l.next {
		if l.f.matches(s) {
			return l.f, true
		}
	}
	var none F
	return none, false
}

// add records f, s's form, under k unless a form s has is there.
func (c *formCache[S, F]) add(k updateKey, s S, f F) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= formLimit {
		c.m, c.n = make(map[updateKey]*formLink[F]), 0
	}
	for l := c.m[k]; l != nil; l = l.next {
		if l.f.matches(s) {
			return
		}
	}
	c.m[k] = &formLink[F]{f: f, next: c.m[k]}
	c.n++
}
