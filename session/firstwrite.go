package session

// This file holds the block of a session's first added object: its
// entry, the slab of the entries of the objects added after it, the
// context of the session's first flush and the snapshot that flush's
// INSERT takes of the object, in one allocation instead of three. A
// session that adds and commits one object (a request's write) allocates
// them together, and a session that adds none carries none of them.
// (The block, like any entry, lives as long as the session: so does the
// first flush's context, which it holds.)

import (
	"reflect"
	"unsafe"

	"github.com/athanor-orm/athanor/internal/objaccess"
	"github.com/athanor-orm/athanor/mapper"
)

// firstHead is the head of every first-object block: the entry, first
// so that the entry's address is the block's, and the slab of the
// entries added after it (guarded, like Session.first, by the object
// set's lock).
type firstHead struct {
	e    entry
	slab objaccess.Slab
}

// addSlab returns the slab of the entries added after first, the
// session's first added entry.
func addSlab(first *entry) *objaccess.Slab {
	return &(*firstHead)(unsafe.Pointer(first)).slab
}

// firstLayout is the layout of a model's first-object block: a struct of
// a firstHead, a flushCtx and the model's snapshot type (see
// mapper.SnapshotType).
type firstLayout struct {
	t       reflect.Type
	ctxAt   uintptr // offset of the flushCtx
	snapAt  uintptr // offset of the snapshot block
	snapPtr unsafe.Pointer
}

var firstLayouts = mapper.NewSlot(func(m *mapper.Model) *firstLayout {
	t := reflect.StructOf([]reflect.StructField{
		{Name: "H", Type: reflect.TypeFor[firstHead]()},
		{Name: "C", Type: reflect.TypeFor[flushCtx]()},
		{Name: "S", Type: m.SnapshotType()},
	})
	// The interface type word of *S, for SnapshotIn's argument (a nil
	// *S: no allocation).
	ptr := reflect.Zero(reflect.PointerTo(m.SnapshotType())).Interface()
	return &firstLayout{
		t:       t,
		ctxAt:   t.Field(1).Offset,
		snapAt:  t.Field(2).Offset,
		snapPtr: (*eface)(unsafe.Pointer(&ptr)).typ,
	}
})

// newFirstBlock returns the entry of a new first-object block for an
// object of m.
func newFirstBlock(m *mapper.Model) *entry {
	return (*entry)(reflect.New(firstLayouts.Get(m).t).UnsafePointer())
}

// firstCtx returns the flushCtx of the first added entry's block, once
// (a flush's context is never reused: see lockFlush), or nil. The
// caller holds flushMu.
func (s *Session) firstCtx() *flushCtx {
	e := s.first.Load()
	if e == nil || s.firstCtxUsed {
		return nil
	}
	s.firstCtxUsed = true
	return (*flushCtx)(unsafe.Add(unsafe.Pointer(e), firstLayouts.Get(e.m).ctxAt))
}

// snapshotFor is m.Snapshot of e's object, taken in the snapshot block
// of e's first-object block when e is the first added entry and the
// block is unused, so that it costs no allocation. The caller holds
// flushMu.
func (s *Session) snapshotFor(m *mapper.Model, e *entry) mapper.Snapshot {
	if e != s.first.Load() || e.m != m || s.firstSnapUsed {
		return m.Snapshot(e.p)
	}
	s.firstSnapUsed = true
	l := firstLayouts.Get(m)
	var blk any
	*(*eface)(unsafe.Pointer(&blk)) = eface{typ: l.snapPtr, data: unsafe.Add(unsafe.Pointer(e), l.snapAt)}
	return m.SnapshotIn(e.p, blk)
}
