package mapper

import (
	"fmt"
	"sync/atomic"
)

// maxSlots bounds the slots of a program: each model carries one cell per
// possible slot, so a slot's lookup is an index, without a lock or a map.
const maxSlots = 8

var slotCount atomic.Int32

// A Slot is a per-model cache of another package (session, loader…): a
// value of type *T built from a model on first use and kept on the model,
// so it lives and dies with the model instead of in a package-level map
// keyed by models. Create slots once, in package variables, with NewSlot.
type Slot[T any] struct {
	i     int
	build func(*Model) *T
}

// NewSlot registers a slot whose value for a model is build(model). It
// panics past a small fixed number of slots per program: slots belong in
// package variables, not in code that runs per call.
func NewSlot[T any](build func(*Model) *T) *Slot[T] {
	i := int(slotCount.Add(1)) - 1
	if i >= maxSlots {
		panic(fmt.Sprintf("mapper: more than %d model cache slots", maxSlots))
	}
	return &Slot[T]{i: i, build: build}
}

// Get returns the slot's value for m, building it on first use. Concurrent
// first uses may each build a value; all of them get the one stored first.
func (s *Slot[T]) Get(m *Model) *T {
	c := &m.slots[s.i]
	if v := c.Load(); v != nil {
		return v.(*T)
	}
	c.CompareAndSwap(nil, s.build(m))
	return c.Load().(*T)
}
