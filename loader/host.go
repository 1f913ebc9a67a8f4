package loader

import (
	"context"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// Host is what a Plan needs from the session it loads into: package
// session implements it. The loader never holds objects of its own: a
// row's key goes through Lookup (or, while most rows are new, the row
// straight to Adopt), so a row already in the identity map yields the
// object there, untouched (and costs no object), and only new objects are
// scanned in full and published through an Adopter.
// Objects are passed as mapper.Refs, so a load allocates nothing per row
// beyond the objects.
type Host interface {
	// Dialect is the dialect statements are compiled for.
	Dialect() core.Dialect
	// Query runs one read and hands its rows to fn.
	Query(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error
	// Batch runs independent reads together (pipelined, fanned out over
	// pooled connections or replicas — the host decides) and hands each
	// statement's rows to fn, one statement at a time.
	Batch(ctx context.Context, stmts []core.Statement, fn func(i int, rows *engine.Rows) error) error
	// Lookup returns the object of m the identity map holds for the
	// primary key of obj (only its key fields are read), or the zero Ref.
	Lookup(m *mapper.Model, obj mapper.Ref) mapper.Ref
	// Adopter returns what publishes the new objects of m that one
	// statement's rows build.
	Adopter(m *mapper.Model) Adopter
	// Unloaded returns the owners whose relationship r has not been
	// loaded (or set by a flush): owners itself when that is all of them.
	Unloaded(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref
	// Populate sets r of each owner (owners[i]) to its targets
	// (targets(i), which the host may keep and must not modify) and
	// records them as loaded, skipping owners whose r is loaded by now. It
	// returns the number of owners it set. handles is nil, or holds per
	// owner the Handle its Adopter returned with it (nil for none).
	Populate(r *mapper.Relation, owners []mapper.Ref, handles []Handle, targets func(i int) []mapper.Ref) int
	// Members returns the distinct objects the owners' relationship r
	// holds now, read under the lock Populate writes under.
	Members(r *mapper.Relation, owners []mapper.Ref) []mapper.Ref
	// MarkRaise puts objects in raise mode (see Raise).
	MarkRaise(objs []mapper.Ref)
}

// Adopter publishes the objects of one model that one statement's rows
// build: one per statement and model lets the host allocate its records
// of them together, not one by one. The loader uses it from one
// goroutine, and not after those rows.
type Adopter interface {
	// Adopt publishes obj, a freshly scanned object, and returns it, or
	// returns the object the identity map holds for its key by now, with
	// the object's Handle (or nil).
	Adopt(obj mapper.Ref) (mapper.Ref, Handle)
}

// Handle is what an Adopter returns with an object: the host's record of
// it, which the loader only carries, and hands back with the object to
// Populate, so that the host finds the record of an object the run
// published where it is rather than by the object's key. A host without
// one returns nil.
type Handle any

// FilteredHost is implemented by a host whose models have global
// criteria (the session's filters): the loader ANDs Criteria's expression
// for the loaded model's table to each relationship load's WHERE (for a
// many-to-many, on the target table, not the association table), and
// Criteria's for each Joined relationship's alias to its LEFT OUTER
// JOIN's ON clause, so an owner whose related row is filtered out gets no
// related object rather than disappearing. A nil expression adds
// nothing; an error fails the load.
type FilteredHost interface {
	Criteria(ctx context.Context, m *mapper.Model, t *core.Table) (core.Expr, error)
}

// RunHost is implemented by a host that wants to know the span of each
// Plan.Run and Plan.Load: the loader calls StartRun as the run starts,
// loads through the host it returns, and calls end (unless nil) once the
// run has ended, failed or not, every object of it published (the
// session runs its load listeners there).
type RunHost interface {
	StartRun() (run Host, end func(ctx context.Context))
}

// startRun returns the host a run loads through and what ends it.
func startRun(h Host) (Host, func(context.Context)) {
	if rh, ok := h.(RunHost); ok {
		return rh.StartRun()
	}
	return h, nil
}
