package engine

import (
	"context"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// Hooks are optional interfaces a value in Config.Hooks may implement.
// Each event carries a …Data struct, so new fields never break an
// implementation. The engine type-asserts the hooks once, at Open; a DB
// without hooks does no hook work at all on its hot paths.
//
// A Start method may return a derived context (to carry a span); the
// matching End receives it. Hooks must be safe for concurrent use and
// should not block.

// QueryHook observes every statement the engine runs: Exec, Query,
// QueryRow, and the statements of transactions (BEGIN, COMMIT, SAVEPOINT
// are reported through TxHook instead).
type QueryHook interface {
	QueryStart(ctx context.Context, data QueryStartData) context.Context
	QueryEnd(ctx context.Context, data QueryEndData)
}

// QueryStartData describes a statement about to run.
type QueryStartData struct {
	// Statement is the statement as given (nil when run from SQL text).
	Statement core.Statement
	// SQL is the compiled SQL text; it holds placeholders, never values.
	SQL string
	// Args is the number of bound arguments. The values are not given,
	// so a hook cannot leak them.
	Args int
	// Writes reports whether the statement may modify data.
	Writes bool
	// InTx reports whether the statement runs inside a transaction.
	InTx bool
}

// QueryEndData describes a finished statement.
type QueryEndData struct {
	SQL string
	// Rows is the number of rows returned (queries) or affected (Exec).
	Rows     int64
	Err      error
	Duration time.Duration
}

// PoolHook observes connections leaving and returning to the pool.
type PoolHook interface {
	Acquired(ctx context.Context, data AcquireData)
	Released(data ReleaseData)
}

// AcquireData describes one acquire.
type AcquireData struct {
	// Wait is how long the caller waited for the connection.
	Wait time.Duration
	Err  error
}

// ReleaseData describes one release.
type ReleaseData struct {
	// Held is how long the connection was held.
	Held time.Duration
	// Destroyed reports that the connection was closed instead of being
	// put back (broken, cancelled mid-query, expired).
	Destroyed bool
}

// TxHook observes transaction boundaries, savepoints included.
type TxHook interface {
	TxBegin(ctx context.Context, data TxBeginData) context.Context
	TxEnd(ctx context.Context, data TxEndData)
}

// TxBeginData describes a BEGIN or SAVEPOINT.
type TxBeginData struct {
	Options TxOptions
	// Savepoint is the savepoint name for a nested transaction, empty for
	// a top-level one.
	Savepoint string
}

// TxEndData describes a COMMIT/RELEASE or ROLLBACK.
type TxEndData struct {
	Savepoint string
	// Commit is true for COMMIT (or RELEASE SAVEPOINT), false for a
	// rollback.
	Commit bool
	Err    error
	// Duration is the time since the transaction began.
	Duration time.Duration
}

// BatchHook observes batches.
type BatchHook interface {
	BatchStart(ctx context.Context, data BatchStartData) context.Context
	BatchEnd(ctx context.Context, data BatchEndData)
}

// BatchStartData describes a batch about to run.
type BatchStartData struct {
	// Statements is the number of statements.
	Statements int
	// Pipelined reports one round trip (PostgreSQL pipeline mode).
	Pipelined bool
	InTx      bool
}

// BatchEndData describes a finished batch.
type BatchEndData struct {
	// Failed counts statements that returned an error.
	Failed   int
	Err      error
	Duration time.Duration
}

// hookSet is the hooks asserted once at Open. Each field is nil when no
// hook implements the interface; a slice of one is the common case.
type hookSet struct {
	query []QueryHook
	pool  []PoolHook
	tx    []TxHook
	batch []BatchHook
}

func newHookSet(hs []any) hookSet {
	var s hookSet
	for _, h := range hs {
		if q, ok := h.(QueryHook); ok {
			s.query = append(s.query, q)
		}
		if p, ok := h.(PoolHook); ok {
			s.pool = append(s.pool, p)
		}
		if t, ok := h.(TxHook); ok {
			s.tx = append(s.tx, t)
		}
		if b, ok := h.(BatchHook); ok {
			s.batch = append(s.batch, b)
		}
	}
	return s
}

func (s *hookSet) queryStart(ctx context.Context, d QueryStartData) context.Context {
	ctx = callerContext(ctx)
	for _, h := range s.query {
		ctx = h.QueryStart(ctx, d)
	}
	return ctx
}

func (s *hookSet) queryEnd(ctx context.Context, d QueryEndData) {
	for i := len(s.query) - 1; i >= 0; i-- {
		s.query[i].QueryEnd(ctx, d)
	}
}

func (s *hookSet) txBegin(ctx context.Context, d TxBeginData) context.Context {
	for _, h := range s.tx {
		ctx = h.TxBegin(ctx, d)
	}
	return ctx
}

func (s *hookSet) txEnd(ctx context.Context, d TxEndData) {
	for i := len(s.tx) - 1; i >= 0; i-- {
		s.tx[i].TxEnd(ctx, d)
	}
}

func (s *hookSet) batchStart(ctx context.Context, d BatchStartData) context.Context {
	for _, h := range s.batch {
		ctx = h.BatchStart(ctx, d)
	}
	return ctx
}

func (s *hookSet) batchEnd(ctx context.Context, d BatchEndData) {
	for i := len(s.batch) - 1; i >= 0; i-- {
		s.batch[i].BatchEnd(ctx, d)
	}
}
