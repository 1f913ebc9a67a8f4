package load

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations in nanoseconds in log-linear buckets, as HDR
// histograms do: values below 2^(subBits+1) are exact, larger ones keep their
// top subBits+1 bits, so a reported quantile is within 1/2^subBits (under
// 1%) of the true sample. Recording is lock-free so workers share one per
// operation.
type histogram struct {
	counts [numBuckets]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Uint64
	max    atomic.Uint64
}

const (
	subBits    = 7
	subCount   = 1 << subBits       // buckets per power of two above the exact range
	exactLimit = 1 << (subBits + 1) // values below this have a bucket each
	numBuckets = exactLimit + (64-subBits-1)*subCount
)

func bucketOf(v uint64) int {
	if v < exactLimit {
		return int(v)
	}
	shift := bits.Len64(v) - (subBits + 1)
	mant := int(v >> shift) // in [subCount, 2*subCount)
	return exactLimit + (shift-1)*subCount + mant - subCount
}

// bucketBounds returns the smallest and largest value bucket i holds.
func bucketBounds(i int) (lo, hi uint64) {
	if i < exactLimit {
		return uint64(i), uint64(i)
	}
	shift := (i-exactLimit)/subCount + 1
	mant := uint64((i-exactLimit)%subCount + subCount)
	lo = mant << shift
	return lo, lo + (1 << shift) - 1
}

func (h *histogram) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// quantile returns the q-quantile (0 < q <= 1) by the nearest-rank rule: the
// midpoint of the bucket holding the ceil(q*n)-th smallest sample, capped at
// the maximum seen. Zero when empty.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	rank = min(max(rank, 1), n)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			lo, hi := bucketBounds(i)
			return time.Duration(min(lo+(hi-lo)/2, h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

func (h *histogram) mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / n)
}

// merge adds o's samples into h (for the read/write/total rows).
func (h *histogram) merge(o *histogram) {
	for i := range o.counts {
		if c := o.counts[i].Load(); c > 0 {
			h.counts[i].Add(c)
		}
	}
	h.n.Add(o.n.Load())
	h.sum.Add(o.sum.Load())
	if m := o.max.Load(); m > h.max.Load() {
		h.max.Store(m)
	}
}
