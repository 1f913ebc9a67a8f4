package core

import "sync/atomic"

// appendShared returns s with v appended, for a list of an immutable
// statement that a builder chain grows one call at a time (Set after Set):
// append's amortized growth, where appendClip copies the whole list on
// every call. It writes into the spare capacity of s's array only if no
// other statement built from that array has taken the slots after s (a
// compare-and-swap on claimed, the count of the array's elements some
// statement holds), so a builder call on an older statement never writes
// over, nor sees, what a newer one added; it copies instead. claimed is
// nil for an array that was not made here (it is never written to), and
// the result's claimed goes with the result's list.
func appendShared[T any](s []T, claimed *atomic.Int64, v ...T) ([]T, *atomic.Int64) {
	k, n := len(s), len(s)+len(v)
	if len(v) == 0 {
		return s, claimed
	}
	if claimed != nil && n <= cap(s) && claimed.CompareAndSwap(int64(k), int64(n)) {
		s = s[:n]
		copy(s[k:], v)
		return s, claimed
	}
	// A short list's array and counter are one allocation.
	var grown []T
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
	copy(grown[k:], v)
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
