package engine

import (
	"context"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// Config.Hook is a QueryHook; it may also implement TxHook, BatchHook,
// PoolHook and OpenHook. Each event carries a …Data struct, so new fields never break
// an implementation. The engine type-asserts the optional interfaces
// once, at Open; a DB without a hook does no hook work at all on its hot
// paths. MultiHook combines several hooks into one.
//
// A Start method may return a derived context (to carry a span, or what
// the End event needs); the matching End receives it. Hooks must be safe
// for concurrent use and should not block.

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
	// AcquireStart is called before the DB waits for a connection;
	// AcquireEnd gets the context it returned once one was acquired or
	// the wait failed.
	AcquireStart(ctx context.Context, data AcquireStartData) context.Context
	AcquireEnd(ctx context.Context, data AcquireEndData)
	// Released is called when a connection goes back to the pool (or is
	// closed instead).
	Released(data ReleaseData)
}

// AcquireStartData describes an acquire about to wait. It has no field
// yet; fields may be added.
type AcquireStartData struct{}

// AcquireEndData describes one acquire.
type AcquireEndData struct {
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

// OpenHook learns which dialect a DB runs with. When Config.Dialect is nil
// the dialect is chosen by OpenConfig from the server's version (MariaDB or
// MySQL behind a mysql:// DSN), so a hook configured before Open cannot
// know it from the Config.
type OpenHook interface {
	// Opened is called once by OpenConfig, after the dialect is known and
	// before the DB is returned, so before any other event of this DB.
	Opened(data OpenedData)
}

// OpenedData describes a DB that OpenConfig is about to return.
type OpenedData struct {
	// Dialect is the dialect statements are compiled with (DB.Dialect).
	Dialect core.Dialect
	// Endpoint is the server (or SQLite file) the DB connects to.
	Endpoint Endpoint
}

// BatchEndData describes a finished batch.
type BatchEndData struct {
	// Failed counts statements that returned an error.
	Failed   int
	Err      error
	Duration time.Duration
}

// MultiHook returns a hook that passes every event to each of hs, in
// order for start events (each given the context the one before
// returned) and in reverse order for end events. Each event goes only to
// the hooks that implement its interface, asserted once here. Nil entries
// are skipped; with none left MultiHook returns nil, and with one, that
// hook.
func MultiHook(hs ...QueryHook) QueryHook {
	var m multiHook
	for _, h := range hs {
		switch h := h.(type) {
		case nil:
		case *multiHook:
			m.add(h.all...)
		default:
			m.add(h)
		}
	}
	switch len(m.all) {
	case 0:
		return nil
	case 1:
		return m.all[0]
	}
	return &m
}

// multiHook is a MultiHook: the hooks and the subsets that implement each
// optional interface. Open unpacks it into its hookSet.
type multiHook struct {
	all []QueryHook
	hookSet
}

func (m *multiHook) add(hs ...QueryHook) {
	for _, h := range hs {
		m.all = append(m.all, h)
		m.hookSet.add(h)
	}
}

func (m *multiHook) QueryStart(ctx context.Context, d QueryStartData) context.Context {
	for _, h := range m.query {
		ctx = h.QueryStart(ctx, d)
	}
	return ctx
}

func (m *multiHook) QueryEnd(ctx context.Context, d QueryEndData) { m.queryEnd(ctx, d) }

func (m *multiHook) TxBegin(ctx context.Context, d TxBeginData) context.Context {
	return m.txBegin(ctx, d)
}

func (m *multiHook) TxEnd(ctx context.Context, d TxEndData) { m.txEnd(ctx, d) }

func (m *multiHook) BatchStart(ctx context.Context, d BatchStartData) context.Context {
	return m.batchStart(ctx, d)
}

func (m *multiHook) BatchEnd(ctx context.Context, d BatchEndData) { m.batchEnd(ctx, d) }

func (m *multiHook) AcquireStart(ctx context.Context, d AcquireStartData) context.Context {
	return m.acquireStart(ctx, d)
}

func (m *multiHook) AcquireEnd(ctx context.Context, d AcquireEndData) { m.acquireEnd(ctx, d) }

func (m *multiHook) Released(d ReleaseData) { m.released(d) }

func (m *multiHook) Opened(d OpenedData) { m.opened(d) }

// hookSet is the hooks asserted once at Open. Each field is nil when no
// hook implements the interface; a slice of one is the common case.
type hookSet struct {
	query []QueryHook
	pool  []PoolHook
	tx    []TxHook
	batch []BatchHook
	open  []OpenHook
}

func newHookSet(h QueryHook) hookSet {
	if m, ok := h.(*multiHook); ok {
		return m.hookSet
	}
	var s hookSet
	if h != nil {
		s.add(h)
	}
	return s
}

func (s *hookSet) add(h QueryHook) {
	s.query = append(s.query, h)
	if p, ok := h.(PoolHook); ok {
		s.pool = append(s.pool, p)
	}
	if t, ok := h.(TxHook); ok {
		s.tx = append(s.tx, t)
	}
	if b, ok := h.(BatchHook); ok {
		s.batch = append(s.batch, b)
	}
	if o, ok := h.(OpenHook); ok {
		s.open = append(s.open, o)
	}
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

func (s *hookSet) acquireStart(ctx context.Context, d AcquireStartData) context.Context {
	for _, h := range s.pool {
		ctx = h.AcquireStart(ctx, d)
	}
	return ctx
}

func (s *hookSet) acquireEnd(ctx context.Context, d AcquireEndData) {
	for i := len(s.pool) - 1; i >= 0; i-- {
		s.pool[i].AcquireEnd(ctx, d)
	}
}

func (s *hookSet) released(d ReleaseData) {
	for _, h := range s.pool {
		h.Released(d)
	}
}

func (s *hookSet) opened(d OpenedData) {
	for _, h := range s.open {
		h.Opened(d)
	}
}
