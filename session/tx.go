package session

// This file holds the session's explicit transactions: Begin (a
// transaction, or a savepoint inside one), the handle that ends it, and
// RunInTx, which retries a whole function on serialization failures and
// deadlocks. The transaction state itself is guarded by txLock (see
// txlock.go); a savepoint's handle keeps the enclosing transaction and
// its journal (SessionTx.outer), the open savepoints being the chain of
// handles from s.txHandle.

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/engine"
)

// ErrTxOpen: RunInTx was called while the session's transaction is open
// (a retry must start a new transaction, which it cannot do inside one).
var ErrTxOpen = errors.New("session: a transaction is already open")

// ErrTxEnded: a SessionTx handle was used after its transaction or
// savepoint ended (committed, rolled back, or ended with an enclosing
// one).
var ErrTxEnded = errors.New("session: transaction already ended")

// txFrame is an enclosing transaction while a savepoint is open: its Tx
// and the journal that undoes it.
type txFrame struct {
	tx  Tx
	log *journal
	h   *SessionTx
}

// SessionTx is a transaction begun by Session.Begin: the session's
// transaction (Depth 0) or a savepoint inside it (Depth 1 and up). The
// session's flushes and queries run in the innermost one open.
type SessionTx struct {
	s     *Session
	depth int
	ended bool // guarded by s.txLock
	// outer is the enclosing transaction of a savepoint (Depth 1 and
	// up) while it is open. Guarded by s.txLock.
	outer txFrame
}

// Depth is 0 for the session's transaction, n for the n-th nested
// savepoint.
func (t *SessionTx) Depth() int { return t.depth }

// Begin starts an explicit transaction on the primary (through a router,
// one per bind group, begun on each group's primary as the transaction
// first uses it; see "Several bind groups" in the package doc): until it
// ends, the session's flushes and
// every read it runs (Get, queries, Load) run in it, so reads see the
// transaction's own writes and the row locks taken by ForUpdate/ForShare
// are held until it ends. Commit or Rollback (of the returned handle, or
// of the session) ends it.
//
// Called while a transaction is open (one begun by Begin, or by a
// flush), Begin flushes the pending changes, then starts a SAVEPOINT
// and returns its handle: its Rollback rolls the database back to the
// savepoint and restores the objects as they were when it began (see
// SessionTx.Rollback); its Commit releases it into the enclosing
// transaction.
func (s *Session) Begin(ctx context.Context) (*SessionTx, error) {
	return s.begin(ctx, s.opts.Tx)
}

func (s *Session) begin(ctx context.Context, opts engine.TxOptions) (*SessionTx, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.txLock.RLock()
	open := s.tx != nil
	s.txLock.RUnlock()
	if open {
		// The savepoint's journal starts empty: what is pending now is
		// written to the enclosing transaction first.
		if _, _, err := s.flushLocked(ctx, false); err != nil {
			return nil, fmt.Errorf("session: begin savepoint: %w", err)
		}
	}
	s.txLock.Lock()
	defer s.txLock.Unlock()
	if s.tx == nil {
		tx, err := s.b.Begin(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("session: begin: %w", err)
		}
		s.tx, s.txLog = tx, &journal{}
		h := &SessionTx{s: s}
		s.txHandle = h
		return h, nil
	}
	s.txMu.Lock()
	sp, err := s.tx.Savepoint(ctx)
	s.txMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("session: begin savepoint: %w", err)
	}
	outer := txFrame{tx: s.tx, log: s.txLog, h: s.txHandle}
	h := &SessionTx{s: s, depth: s.savepoints() + 1, outer: outer}
	s.tx, s.txLog, s.txHandle = sp, &journal{}, h
	return h, nil
}

// Commit commits the transaction: at Depth 0 it is Session.Commit (the
// pending changes are flushed, savepoints still open are released, and
// the transaction commits; Session.Token then holds the commit's causal
// token). A savepoint's Commit flushes the pending changes and releases
// it (and the savepoints nested in it still open) into the enclosing
// transaction, where its changes are kept until that one ends.
func (t *SessionTx) Commit(ctx context.Context) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	s := t.s
	if t.depth == 0 {
		if err := t.check(); err != nil {
			return err
		}
		return s.Commit(ctx)
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if err := t.check(); err != nil {
		return err
	}
	if _, _, err := s.flushLocked(ctx, false); err != nil {
		return fmt.Errorf("session: release savepoint: %w", err)
	}
	s.txLock.Lock()
	defer s.txLock.Unlock()
	if t.ended {
		return ErrTxEnded // the flush failed and ended the transaction
	}
	for s.savepoints() >= t.depth {
		if err := s.releaseTop(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Rollback rolls the transaction back. At Depth 0 it is
// Session.Rollback. A savepoint's Rollback rolls the database back to it
// (and ends the savepoints nested in it) and restores every object the
// session changed since it began: objects inserted since become pending
// again, deleted ones persistent, changed ones keep their values as
// pending changes against the values they had at the savepoint. The
// enclosing transaction stays open.
func (t *SessionTx) Rollback(ctx context.Context) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	s := t.s
	if t.depth == 0 {
		if err := t.check(); err != nil {
			return err
		}
		return s.Rollback(ctx)
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.txLock.Lock()
	defer s.txLock.Unlock()
	if t.ended {
		return ErrTxEnded
	}
	var first error
	for s.savepoints() >= t.depth {
		s.txMu.Lock()
		err := s.tx.Rollback(ctx)
		s.txMu.Unlock()
		s.txLog.restore(s)
		s.popFrame()
		if err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		// The enclosing transaction is in an unknown state: end it.
		_ = s.rootTx().Rollback(ctx)
		s.endTx(false)
		return fmt.Errorf("session: rollback to savepoint: %w", first)
	}
	return nil
}

func (t *SessionTx) check() error {
	t.s.txLock.RLock()
	defer t.s.txLock.RUnlock()
	if t.ended {
		return ErrTxEnded
	}
	return nil
}

// releaseTop releases the innermost savepoint into its enclosing
// transaction. The caller holds txLock.
func (s *Session) releaseTop(ctx context.Context) error {
	s.txMu.Lock()
	_, err := s.tx.Commit(ctx) // RELEASE SAVEPOINT
	s.txMu.Unlock()
	if err != nil {
		_ = s.rootTx().Rollback(ctx)
		s.endTx(false)
		return fmt.Errorf("session: release savepoint: %w", err)
	}
	log := s.txLog
	s.popFrame()
	s.txLog.merge(s, log)
	return nil
}

// popFrame makes the enclosing transaction current again. The caller
// holds txLock.
func (s *Session) popFrame() {
	h := s.txHandle
	f := h.outer
	h.ended, h.outer = true, txFrame{}
	s.tx, s.txLog, s.txHandle = f.tx, f.log, f.h
}

// savepoints is the number of savepoints open: the depth of the
// innermost handle (a savepoint's handle is current while it is open).
// The caller holds txLock.
func (s *Session) savepoints() int {
	if s.txHandle == nil {
		return 0
	}
	return s.txHandle.depth
}

// releaseSavepoints releases every open savepoint, so the transaction
// can commit. The caller holds txLock.
func (s *Session) releaseSavepoints(ctx context.Context) error {
	for s.savepoints() > 0 {
		if err := s.releaseTop(ctx); err != nil {
			return err
		}
	}
	return nil
}

// rootTx is the session's outermost transaction (nil for none). The
// caller holds txLock.
func (s *Session) rootTx() Tx {
	tx := s.tx
	for h := s.txHandle; h != nil && h.depth > 0; h = h.outer.h {
		tx = h.outer.tx
	}
	return tx
}

// endFrames marks every handle ended and, without commit, restores the
// journals of the enclosing transactions, innermost first (endTx has
// restored the current one). The caller holds txLock.
func (s *Session) endFrames(committed bool) {
	h := s.txHandle
	s.txHandle = nil
	for h != nil {
		h.ended = true
		f := h.outer
		h.outer = txFrame{}
		if !committed && f.log != nil {
			f.log.restore(s)
		}
		h = f.h
	}
}

// TxOptions configure RunInTx. The zero value runs the function with the
// session's Options.Tx and engine.DefaultRetryPolicy.
type TxOptions struct {
	// Tx are the transaction's isolation and access mode; the zero
	// value means the session's Options.Tx.
	Tx engine.TxOptions
	// Retry bounds the attempts and their backoff; zero fields take
	// engine.DefaultRetryPolicy's.
	Retry engine.RetryPolicy
}

// RunInTx runs fn in a new session transaction (as Begin) and commits
// it. When fn returns an error the transaction is rolled back and the
// error returned, the objects restored as by Rollback.
//
// When the transaction fails with a serialization failure, a deadlock or
// a lock timeout (athanor.IsRetryable), whether fn or the commit
// reported it, it is rolled back and fn runs again in a new transaction,
// after a jittered exponential backoff, up to opts.Retry.MaxAttempts
// attempts in all. Before a retry the session forgets what the failed
// attempt may have read stale, as SQLAlchemy expires every object on
// rollback: every persistent or deleted object leaves the session
// (Detached), and the objects added since RunInTx began leave it
// (Transient); objects pending before RunInTx stay pending. The next
// attempt's Get and queries therefore load the rows as committed by the
// transaction that won. fn must build its objects anew on each call
// (Get them, Add new ones) and have no effect outside the transaction
// that cannot be repeated; it may use Begin for savepoints but must not
// Commit or Rollback the session's transaction.
//
// RunInTx never retries after an unknown outcome
// (athanor.ErrOutcomeUnknown: the COMMIT was sent and its answer lost),
// nor after a *PartialCommitError (some bind groups committed), nor after
// any other error. A retryable error in any bind group before a commit
// retries the whole function. It returns ErrTxOpen when the session has a
// transaction open.
func (s *Session) RunInTx(ctx context.Context, fn func(ctx context.Context, s *Session) error, opts TxOptions) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	p := opts.Retry.WithDefaults()
	txo := opts.Tx
	if txo == (engine.TxOptions{}) {
		txo = s.opts.Tx
	}
	for attempt := 1; ; attempt++ {
		start := s.seq.Load()
		err := s.runOnce(ctx, txo, fn)
		if err == nil {
			return nil
		}
		var pe *PartialCommitError
		if errors.Is(err, ErrTxOpen) || errors.Is(err, athanor.ErrOutcomeUnknown) || errors.As(err, &pe) || !athanor.IsRetryable(err) {
			return err
		}
		s.expireAfter(start)
		if attempt >= p.MaxAttempts {
			return fmt.Errorf("session: transaction failed after %d attempts: %w", attempt, err)
		}
		if werr := p.Backoff(ctx, attempt); werr != nil {
			return fmt.Errorf("session: retrying transaction: %w (last error: %w)", werr, err)
		}
	}
}

// runOnce is one attempt of RunInTx.
func (s *Session) runOnce(ctx context.Context, opts engine.TxOptions, fn func(context.Context, *Session) error) (err error) {
	s.txLock.RLock()
	open := s.tx != nil
	s.txLock.RUnlock()
	if open {
		return ErrTxOpen
	}
	if _, err := s.begin(ctx, opts); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			_ = s.Rollback(context.WithoutCancel(ctx))
			panic(r)
		}
	}()
	if err := fn(ctx, s); err != nil {
		_ = s.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := s.Commit(ctx); err != nil {
		// A failed Commit has ended the transaction already.
		_ = s.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return nil
}

// expireAfter drops what a failed attempt may hold stale: every
// persistent and deleted object, and the pending objects added after
// seq. No transaction is open.
func (s *Session) expireAfter(seq int64) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.txLock.Lock()
	defer s.txLock.Unlock()
	s.objs.each(func(e *entry) {
		switch e.State() {
		case Pending:
			if e.seq <= seq {
				return
			}
			s.objs.remove(e.p)
			e.setState(Transient)
		case Persistent, Deleted:
			s.objs.remove(e.p)
			s.ids.remove(e.key, e)
			e.setState(Detached)
		}
	})
}
