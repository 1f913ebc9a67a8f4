package core

import (
	"sync"
	"unsafe"
)

// formCache holds the compiled forms of one kind of simple statement
// (INSERT, SELECT, UPDATE; see the *_fast.go files, and the templates of
// template.go) by hash key and dialect. The key is a plain integer, so a
// lookup hashes no interface; forms whose keys collide are chained, and a
// hit is confirmed by the dialect and the form's own comparison with the
// statement, so a collision can only miss. The cache is bounded: when
// full it is cleared.
type formCache[S any, F form[S]] struct {
	mu sync.RWMutex
	m  map[uint64]*formLink[F] // guarded by mu
	n  int                     // forms in m; guarded by mu
}

// form is a compiled form that can tell whether a statement has it.
type form[S any] interface {
	matches(S) bool
}

// formLink chains forms under one key. Links are never changed once in
// the map (new ones go in front), so a chain is read without the lock.
type formLink[F any] struct {
	d    Dialect
	f    F
	next *formLink[F]
}

// formLimit bounds each cache.
const formLimit = 1024

// find returns the form under k, for dialect d, that s has.
func (c *formCache[S, F]) find(k uint64, d Dialect, s S) (F, bool) {
	c.mu.RLock()
	l := c.m[k]
	c.mu.RUnlock()
	for ; l != nil; l = l.next {
		if l.d == d && l.f.matches(s) {
			return l.f, true
		}
	}
	var none F
	return none, false
}

// add records f, s's form for dialect d, under k unless a form s has
// for d is there.
func (c *formCache[S, F]) add(k uint64, d Dialect, s S, f F) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= formLimit {
		c.m, c.n = make(map[uint64]*formLink[F]), 0
	}
	for l := c.m[k]; l != nil; l = l.next {
		if l.d == d && l.f.matches(s) {
			return
		}
	}
	c.m[k] = &formLink[F]{d: d, f: f, next: c.m[k]}
	c.n++
}

// formSeed starts the key of a form for dialect d. The dialect is not
// hashed (an interface hashes through its type, on every lookup): a
// process rarely compiles one statement for two dialects, and when it
// does their forms share a chain, told apart when a hit is confirmed.
func formSeed(Dialect) uint64 { return 0x9e3779b97f4a7c15 }

// mix folds x into h (a multiply-xorshift step): a hash for the cache's
// key only, every hit is checked against the form.
func mix(h, x uint64) uint64 {
	h ^= x + 0x9e3779b97f4a7c15 + h<<6 + h>>2
	h *= 0xff51afd7ed558ccd
	return h ^ h>>33
}

// ptrWord is p as a key part.
func ptrWord[T any](p *T) uint64 { return uint64(uintptr(unsafe.Pointer(p))) }

// mixString folds s's bytes into h.
func mixString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = mix(h, uint64(s[i]))
	}
	return h
}
