// Package loadhost is the pointer-level contract between package loader
// and package session: the session owns the objects and their identity
// map, the loader scans rows into them, and both speak of objects by
// address (unsafe.Pointer) so a load allocates nothing per row beyond the
// objects. It is internal so that neither package exports an
// unsafe.Pointer.
package loadhost

import (
	"context"
	"unsafe"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// Host is what package loader needs from the session it loads into.
// Package session implements it; the loader never holds objects of its
// own: every row's key goes through Lookup first, so a row already in the
// identity map yields the object there, untouched (and costs no object),
// and only new objects are scanned in full and published with Adopt.
type Host interface {
	// Dialect is the dialect statements are compiled for.
	Dialect() core.Dialect
	// Query runs one read and hands its rows to fn.
	Query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error
	// Batch runs independent reads together (pipelined, fanned out over
	// pooled connections or replicas — the backend decides) and hands each
	// statement's rows to fn, one statement at a time.
	Batch(ctx context.Context, stmts []core.Statement, fn func(i int, rows *engine.Rows) error) error
	// Lookup returns the object of m the identity map holds for the
	// primary key of the object at p (only its key fields are read), or
	// nil.
	Lookup(m *mapper.Model, p unsafe.Pointer) unsafe.Pointer
	// Adopt publishes a freshly scanned object of m (obj, the *T at p)
	// and returns p, or returns the object the identity map holds for its
	// key by now.
	Adopt(m *mapper.Model, obj any, p unsafe.Pointer) unsafe.Pointer
	// Unloaded returns the owners whose relationship r has not been
	// loaded (or set by a flush): owners itself when that is all of them.
	Unloaded(r *mapper.Relation, owners []unsafe.Pointer) []unsafe.Pointer
	// Populate sets r of each owner (owners[i]) to its targets
	// (targets(i), which the host may keep and must not modify) and
	// records them as loaded, skipping owners whose r is loaded by now. It
	// returns the number of owners it set.
	Populate(r *mapper.Relation, owners []unsafe.Pointer, targets func(i int) []unsafe.Pointer) int
	// Members returns the distinct objects the owners' relationship r
	// holds now, read under the lock Populate writes under.
	Members(r *mapper.Relation, owners []unsafe.Pointer) []unsafe.Pointer
	// MarkRaise puts objects in raise mode (see Raise).
	MarkRaise(objs []unsafe.Pointer)
}

// Run and Load are the entry points of a *loader.Plan (plan), set by
// package loader when it initialises (this package cannot name loader's
// types without an import cycle).
//
// Run runs stmt (built by Plan.Select) and then the plan's SelectIn loads,
// depth by depth, and returns the root objects in row order (a root joined
// to several rows appears once per row).
//
// Load runs the plan's loads for owners, objects of the plan's model
// already in the session (Joined relationships are loaded by SelectIn
// there, as there is no owner statement to join to).
var (
	Run  func(plan any, ctx context.Context, h Host, stmt core.Statement) ([]unsafe.Pointer, error)
	Load func(plan any, ctx context.Context, h Host, owners []unsafe.Pointer) error
)
