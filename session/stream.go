package session

// This file streams a query's objects batch by batch (Stream): one
// statement read as the loop consumes it outside a transaction, keyset
// pages inside one; per batch the query's relationship loads, then the
// objects, then the batch's objects leave the identity map (dropBatch,
// in streamdrop.go).

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// StreamOption changes how Stream treats the objects it yields.
type StreamOption int

// KeepObjects keeps every object a stream loads in the session (and its
// identity map) after the loop moves past its batch: memory then grows
// with the rows read, as with All.
const KeepObjects StreamOption = 1

var (
	// ErrStreamTxEnded: a stream reading in the session's transaction
	// (see Stream) found that transaction ended (committed or rolled back,
	// by the loop body or another goroutine) before its next page.
	ErrStreamTxEnded = errors.New("session: stream: the transaction it reads in ended")
	// ErrStreamOrder: inside a transaction Stream reads keyset pages, which
	// need every OrderBy term to be a column of the queried model.
	ErrStreamOrder = errors.New("session: stream: inside a transaction, order terms must be columns of the model")
	// ErrStreamLock: Stream of a query with ForUpdate or ForShare.
	ErrStreamLock = errors.New("session: stream does not lock rows; use All in a transaction")
)

// Stream returns an iterator over the matching objects, read batch rows
// at a time (SQLAlchemy's yield_per): memory is bounded by one batch, not
// by the result. Each batch's relationship loads (Options) run before
// its objects are yielded, one statement per relationship and batch (and
// IN-list chunk). An error is yielded once, as (nil, err), and ends the
// iteration. Ranging over the iterator again runs the query again.
//
//	for b, err := range session.Query[Book](s).OrderBy("ID").Stream(ctx, 1000) {
//		if err != nil {
//			return err
//		}
//		…
//	}
//
// After the loop moves past a batch, the batch's objects (and the
// objects its loads brought in) that the session did not hold before,
// that are unchanged and that no object staying in the session refers
// to leave the session (as Expunge); changed, added or deleted ones stay,
// so a change made in the loop body is flushed as usual. Objects the
// session held before the stream are yielded as held, and stay. With
// KeepObjects every object stays. A loop that breaks, or an error, leaves
// its current batch in the session. See "Streaming" in the package doc
// for transactions, connections and locks.
func (q *QueryOf[T]) Stream(ctx context.Context, batch int, opts ...StreamOption) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		st := &stream[T]{q: q, n: batch}
		for _, o := range opts {
			if o == KeepObjects {
				st.keep = true
			}
		}
		err := st.run(ctx, yield)
		if err != nil && !st.stopped {
			yield(nil, err)
		}
	}
}

// stream is the state of one iteration of Stream.
type stream[T any] struct {
	q     *QueryOf[T]
	n     int
	keep  bool
	yield func(*T, error) bool
	plan  *loader.Plan
	// stopped: the loop body broke out (yield returned false); nothing
	// more may be yielded.
	stopped bool
	// scanned are the current batch's freshly scanned objects, not yet in
	// the session; dest the scan destinations.
	scanned []mapper.Ref
	dest    []any
	// last is the keyset position: the order values of the last row read.
	last []any
}

// errStop ends the row loop of a statement when the body broke out.
var errStop = errors.New("session: stream stopped")

func (st *stream[T]) fail(err error) error {
	return fmt.Errorf("session: query %s: stream: %w", st.q.m.Name, err)
}

func (st *stream[T]) run(ctx context.Context, yield func(*T, error) bool) error {
	st.yield = yield
	if err := st.q.ready(); err != nil {
		return err
	}
	q, err := st.q.scoped(ctx) // the session's global filters
	if err != nil {
		return err
	}
	st.q = q
	ctx = q.loadCtx(ctx) // Unfiltered reaches the batches' loads
	if st.n <= 0 {
		return st.fail(fmt.Errorf("batch size %d, want > 0", st.n))
	}
	if q.lock.mode != lockNone {
		return fmt.Errorf("session: query %s: %w", q.m.Name, ErrStreamLock)
	}
	plan, err := q.plan()
	if err != nil {
		return err
	}
	st.plan = plan
	stmt := q.base(q.selectAll(plan), true)
	if err := q.prepare(ctx, stmt); err != nil { // compiles, autoflushes once
		return err
	}
	s := q.s
	locked := s.readLock(ctx)
	root, open := s.rootTx(), s.stmtTx(locked) != nil
	s.readUnlock(locked)
	if _, ok := s.b.(txBackend); ok {
		open = true // the backend is the caller's transaction: one connection
	}
	if set := s.multiShard(ctx, stmt); set != nil {
		return st.shardPages(ctx, set, open) // see shard_read_stream.go
	}
	if open {
		return st.pages(ctx, root)
	}
	return st.single(ctx, stmt)
}

// single reads stmt as one statement on a connection of its own (a
// replica's through a router, with the session's causal token). No
// session lock is held while the rows are read: the loop body runs inside
// the row loop and may use the session, whose other statements take
// other connections.
func (st *stream[T]) single(ctx context.Context, stmt *core.SelectStmt) error {
	s := st.q.s
	err := s.b.QueryFunc(s.readCtx(ctx), stmt, func(rows *engine.Rows) error {
		for rows.Next() {
			if err := st.scan(rows); err != nil {
				return err
			}
			if len(st.scanned) == st.n {
				if err := st.emit(ctx); err != nil {
					return err
				}
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return st.emit(ctx)
	})
	if st.stopped {
		return nil
	}
	if err != nil {
		return st.fail(err)
	}
	return nil
}

// scan reads one row into a new object.
func (st *stream[T]) scan(rows *engine.Rows) error {
	m := st.q.m
	fields := st.plan.Fields()
	if fields == nil {
		fields = m.LoadFields()
	}
	if st.dest == nil {
		st.dest = make([]any, len(fields))
	}
	_, p := m.New()
	for i, f := range fields {
		st.dest[i] = f.Addr(p)
	}
	if err := rows.Scan(st.dest...); err != nil {
		return err
	}
	st.scanned = append(st.scanned, p)
	return nil
}

// emit publishes the scanned batch, runs its loads, yields its objects
// and, unless they are kept, drops those the session need not hold. It
// returns errStop when the body broke out.
func (st *stream[T]) emit(ctx context.Context) error {
	if len(st.scanned) == 0 {
		return nil
	}
	s, m := st.q.s, st.q.m
	first := s.seq.Load() // entries after it are this batch's
	roots := make([]mapper.Ref, len(st.scanned))
	var fresh []mapper.Ref
	hooks := s.opts.Events != nil && s.opts.Events.anyLoad
	locked := s.readLock(ctx) // a running flush publishes what it wrote first
	for i, p := range st.scanned {
		roots[i] = s.adoptLoaded(m, p)
		if hooks && roots[i] == p {
			fresh = append(fresh, p)
		}
	}
	s.readUnlock(locked)
	clear(st.scanned)
	st.scanned = st.scanned[:0]
	if len(fresh) > 0 {
		s.loadHooks(ctx, m, fresh)
	}
	if st.plan != nil {
		if err := st.plan.Load(ctx, host{s}, roots); err != nil {
			return err
		}
	}
	if s.opts.Raise || s.opts.Strict {
		host{s}.MarkRaise(roots)
	}
	end := s.seq.Load()
	for _, p := range roots {
		if !st.yield(m.Object(p).(*T), nil) {
			st.stopped = true
			return errStop
		}
	}
	if !st.keep {
		s.dropBatch(m, roots, first, end)
	}
	return nil
}

// pages reads keyset pages of the query, each one statement in the
// session's transaction (root, nil for the caller's transaction under
// the session), taking the session's read lock for the page only.
func (st *stream[T]) pages(ctx context.Context, root Tx) error {
	q := st.q
	keys, err := st.keyset()
	if err != nil {
		return err
	}
	order := make([]any, len(keys))
	for i, k := range keys {
		order[i] = k.item()
	}
	remaining := int64(-1) // the query's Limit, counted down
	if q.hasLimit {
		remaining = q.limit
	}
	firstPage := true
	for remaining != 0 {
		size := int64(st.n)
		if remaining > 0 {
			size = min(size, remaining)
		}
		sel := q.base(q.selectAll(st.plan), false)
		if st.last != nil {
			sel = sel.Where(keysetAfter(keys, st.last))
		}
		sel = sel.OrderBy(order...).Limit(size)
		if firstPage && q.hasOffset {
			sel = sel.Offset(q.offset)
		}
		firstPage = false
		got, err := st.page(ctx, root, sel, keys)
		if err != nil {
			return st.fail(err)
		}
		if remaining > 0 {
			remaining -= int64(got)
		}
		if err := st.emit(ctx); err != nil {
			if st.stopped {
				return nil
			}
			return st.fail(err)
		}
		if int64(got) < size {
			return nil
		}
	}
	return nil
}

// page runs one page under the session's read lock, in its transaction
// as long as that is root, and scans its rows; it returns their number.
func (st *stream[T]) page(ctx context.Context, root Tx, sel *core.SelectStmt, keys []keysetKey) (int, error) {
	s := st.q.s
	if d := s.dialectFor(sel); d != nil {
		if _, err := core.Compile(d, sel); err != nil {
			return 0, err
		}
	}
	locked := s.readLock(ctx)
	defer s.readUnlock(locked)
	if root != nil && s.rootTx() != root {
		return 0, ErrStreamTxEnded
	}
	n := 0
	fn := func(rows *engine.Rows) error {
		for rows.Next() {
			if err := st.scan(rows); err != nil {
				return err
			}
			n++
		}
		return rows.Err()
	}
	var err error
	if tx := s.stmtTx(locked); tx != nil {
		s.txMu.Lock()
		err = tx.QueryFunc(ctx, sel, fn)
		s.txMu.Unlock()
	} else {
		err = s.b.QueryFunc(s.readCtx(ctx), sel, fn)
	}
	if err != nil {
		return 0, err
	}
	if n > 0 {
		p := st.scanned[len(st.scanned)-1]
		if st.last == nil {
			st.last = make([]any, len(keys))
		}
		for i, k := range keys {
			st.last[i] = k.field.Value(p) // the row's, not a held object's
		}
	}
	return n, nil
}

// keyset returns the query's order as keyset keys (see keysetKeys), made
// total by the primary key: each must be a column of T, whose value the
// scanned row holds.
func (st *stream[T]) keyset() ([]keysetKey, error) {
	q := st.q
	keys, err := q.keysetKeys()
	if err != nil {
		return nil, fmt.Errorf("session: query %s: %w: %w", q.m.Name, ErrStreamOrder, err)
	}
	for _, k := range keys {
		if k.join != nil {
			return nil, fmt.Errorf("session: query %s: order by %s: column of a joined relationship: %w", q.m.Name, k.name, ErrStreamOrder)
		}
	}
	return keys, nil
}
