package core

import "sync/atomic"

// appendShared returns s with v appended, for the assignments of an
// immutable UPDATE that a builder chain grows one call at a time (Set after Set):
// append's amortized growth, where appendClip copies the whole list on
// every call. It writes into the spare capacity of s's array only if no
// other statement built from that array has taken the slots after s (a
// compare-and-swap on claimed, the count of the array's elements some
// statement holds), so a builder call on an older statement never writes
// over, nor sees, what a newer one added; it copies instead. claimed is
// nil for an array that was not made here (it is never written to), and
// the result's claimed goes with the result's list.
//
// It is written for assignments alone: as a generic function it made its
// callers' variadic slices escape to the heap.
func appendShared(s []Assignment, claimed *atomic.Int64, v []Assignment) ([]Assignment, *atomic.Int64) {
	k, n := len(s), len(s)+len(v)
	if len(v) == 0 {
		return s, claimed
	}
	if claimed != nil && n <= cap(s) && claimed.CompareAndSwap(int64(k), int64(n)) {
		s = s[:n]
		copy(s[k:], v)
		return s, claimed
	}
	s, claimed = growShared(s, n)
	copy(s[k:], v)
	return s, claimed
}

// appendShared1 is appendShared of one element, which the caller need
// not put in a slice (a variadic one would escape to the heap).
func appendShared1(s []Assignment, claimed *atomic.Int64, x Assignment) ([]Assignment, *atomic.Int64) {
	k := len(s)
	if claimed != nil && k < cap(s) && claimed.CompareAndSwap(int64(k), int64(k+1)) {
		s = s[:k+1]
		s[k] = x
		return s, claimed
	}
	s, claimed = growShared(s, k+1)
	s[k] = x
	return s, claimed
}

// growShared returns a new array of n elements, claimed by the caller,
// holding s's first; a short list's array and counter are one allocation.
func growShared[T any](s []T, n int) ([]T, *atomic.Int64) {
	var grown []T
	var claimed *atomic.Int64
	switch {
	case n <= 4:
		b := new(sharedBlock4[T])
		grown, claimed = b.a[:n], &b.claimed
	case n <= 8:
		b := new(sharedBlock8[T])
		grown, claimed = b.a[:n], &b.claimed
	default:
		grown, claimed = make([]T, n, 2*n), new(atomic.Int64)
	}
	copy(grown, s)
	claimed.Store(int64(n))
	return grown, claimed
}

type sharedBlock4[T any] struct {
	claimed atomic.Int64
	a       [4]T
}

type sharedBlock8[T any] struct {
	claimed atomic.Int64
	a       [8]T
}
