package objaccess

import "unsafe"

// SnapshotInto and Resnap are mapper's snapshot helpers for session, set
// by package mapper when it initialises (m is a *mapper.Model; this
// package cannot name mapper's types without an import cycle).
//
// SnapshotInto is m.Snapshot of the object at obj in a block the caller
// allocated: blk points to a zero value of m.SnapshotType(), which must
// not be used otherwise.
//
// Resnap takes field i (in m.Fields() order) of the object at obj into
// snap (a snapshot of the same object) again, in place: for when a flush
// has set the field (a generated key) after the snapshot was taken.
var (
	SnapshotInto func(m any, obj, blk unsafe.Pointer) []any
	Resnap       func(m any, obj unsafe.Pointer, snap []any, i int)
)
