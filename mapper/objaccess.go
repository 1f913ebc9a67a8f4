package mapper

import (
	"unsafe"

	"github.com/athanor-orm/athanor/internal/objaccess"
)

// The snapshot helpers session needs to place snapshots in memory it
// allocates, reached through objaccess so that mapper exports no
// unsafe.Pointer.
func init() {
	objaccess.SnapshotInto = func(m any, obj, blk unsafe.Pointer) []any { return m.(*Model).snapshotInto(obj, blk) }
	objaccess.Resnap = func(m any, obj unsafe.Pointer, snap []any, i int) { m.(*Model).resnap(obj, snap, i) }
}
