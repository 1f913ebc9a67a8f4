package loader

import "sync"

// scratch holds the buffers a run needs only for a while: the owner key
// numbers and key table of a load and the bucket ends of its groups
// (dead once its owners are populated), the rows of a load (dead once
// grouped), and the targets' Handles
// (carried to the next depth's loads, dead when the run ends). The keys
// bound to a statement are not among them: a query hook may keep the
// statement. A buffer one load is done with serves
// the run's next loads, and the run's buffers, through scratchPool,
// later runs: what a load keeps (the grouped targets) never comes from
// here. A nil *scratch allocates every buffer.
type scratch struct {
	i32, i32Busy   [][]int32
	hnds, hndsBusy [][]Handle
	rows           []*rowBuf // free row buffers
}

// maxPooledRows bounds the buffers kept for reuse.
const maxPooledRows = 1 << 16

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// int32s returns a zeroed buffer of n, the caller's until done.
func (sc *scratch) int32s(n int) []int32 {
	if sc == nil {
		return make([]int32, n)
	}
	b := take(&sc.i32, n)
	sc.i32Busy = append(sc.i32Busy, b)
	return b
}

// handles returns a buffer of n, the caller's until the run ends.
func (sc *scratch) handles(n int) []Handle {
	if sc == nil {
		return make([]Handle, n)
	}
	b := take(&sc.hnds, n)
	sc.hndsBusy = append(sc.hndsBusy, b)
	return b
}

// rowBuf returns an empty row buffer, the caller's until putRows.
func (sc *scratch) rowBuf() *rowBuf {
	if sc == nil || len(sc.rows) == 0 {
		return new(rowBuf)
	}
	rb := sc.rows[len(sc.rows)-1]
	sc.rows[len(sc.rows)-1] = nil
	sc.rows = sc.rows[:len(sc.rows)-1]
	return rb
}

// putRows frees rb, holding no objects; a buffer grown very large is
// dropped (see maxPooledRows).
func (sc *scratch) putRows(rb *rowBuf) {
	if sc == nil || cap(rb.key) > maxPooledRows {
		return
	}
	clear(rb.target)
	clear(rb.hnd)
	rb.key, rb.target, rb.hnd = rb.key[:0], rb.target[:0], rb.hnd[:0]
	sc.rows = append(sc.rows, rb)
}

// done makes the key and bucket buffers handed out so far free again:
// the loads they served are populated.
func (sc *scratch) done() {
	if sc == nil {
		return
	}
	sc.i32, sc.i32Busy = free(sc.i32, sc.i32Busy)
}

// release ends the run: every buffer goes back to scratchPool, holding
// no objects.
func (sc *scratch) release() {
	if sc == nil {
		return
	}
	sc.done()
	for _, b := range sc.hndsBusy {
		clear(b)
	}
	sc.hnds, sc.hndsBusy = free(sc.hnds, sc.hndsBusy)
	scratchPool.Put(sc)
}

// take removes from *list the smallest buffer of capacity n or more
// (allocating one when none is) and returns it zeroed, of length n.
func take[T any](list *[][]T, n int) []T {
	l, best := *list, -1
	for i, b := range l {
		if cap(b) >= n && (best < 0 || cap(b) < cap(l[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]T, n)
	}
	b := l[best][:n]
	l[best] = l[len(l)-1]
	l[len(l)-1] = nil
	*list = l[:len(l)-1]
	clear(b)
	return b
}

// free moves the busy buffers to the free list, dropping the large ones
// (see maxPooledRows), and returns both lists.
func free[T any](list, busy [][]T) ([][]T, [][]T) {
	for i, b := range busy {
		if cap(b) <= maxPooledRows {
			list = append(list, b[:0])
		}
		busy[i] = nil
	}
	return list, busy[:0]
}
