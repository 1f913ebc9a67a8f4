package session

// This file holds the locking reads of ORM queries (QueryOf.ForUpdate,
// ForShare): the lock clause itself is core's; the session checks that a
// transaction will hold the locks.

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// ErrLockOutsideTx: a query with ForUpdate or ForShare ran while the
// session had no transaction open. Outside a transaction each statement
// commits by itself (and, through a router, may run on a replica), so the
// row locks would be released as soon as the SELECT ended, protecting
// nothing; begin a transaction first (Session.Begin or RunInTx).
var ErrLockOutsideTx = errors.New("session: locking read outside a session transaction: its row locks would be released when the statement ends; use Session.Begin or RunInTx")

// ErrLockNotQuery: Count or Exists of a query with ForUpdate or ForShare.
// They read aggregates, which cannot lock rows.
var ErrLockNotQuery = errors.New("session: Count and Exists do not lock rows; use All, First or One")

type lockMode uint8

const (
	lockNone lockMode = iota
	lockUpdate
	lockShare
)

// queryLock is a query's locking clause.
type queryLock struct {
	mode lockMode
	opts []core.LockOption
}

// ForUpdate makes the query lock the rows it reads (SELECT … FOR UPDATE)
// until the session's transaction ends; opts may add core.SkipLocked
// (rows other transactions hold locked are left out: a job queue's
// workers each take different rows) or core.NoWait (such rows fail the
// query with athanor.ErrLockTimeout instead of waiting). The query must
// run inside the session's transaction (Session.Begin, RunInTx, or one a
// flush began): otherwise it fails with ErrLockOutsideTx without sending
// anything. A dialect without the option fails the query with the
// compiler's error (core.ErrUnsupported).
//
// SQLite has no row locks, and FOR UPDATE is not sent: it serialises
// writers, and the session's read-write transaction begins IMMEDIATE,
// taking the database's write lock at BEGIN, so every row the
// transaction reads stays as read until it ends (no other writer can
// lock any row, so SkipLocked skips nothing and NoWait has nothing to
// wait for). Options.Tx.ReadOnly, which begins a DEFERRED transaction,
// makes a locking query fail on every dialect.
//
// The clause is on the query's SELECT; the statements of eager loads
// (loader options) do not lock. A load keeps the objects the session
// already holds as they are, so a locking query reloads the columns of
// those it returns (one statement each) from the rows it has locked: the
// objects hold the values the lock protects. (After the query's
// autoflush they have no unflushed changes to lose; with
// Options.NoAutoflush they are returned as held.) Count and Exists of a
// locking query fail with ErrLockNotQuery.
func (q *QueryOf[T]) ForUpdate(opts ...core.LockOption) *QueryOf[T] {
	n := q.clone()
	n.lock = queryLock{mode: lockUpdate, opts: opts}
	return n
}

// ForShare is ForUpdate with a shared lock (FOR SHARE; LOCK IN SHARE
// MODE on MySQL): others may read and share-lock the rows, not change
// them, until the session's transaction ends.
func (q *QueryOf[T]) ForShare(opts ...core.LockOption) *QueryOf[T] {
	n := q.clone()
	n.lock = queryLock{mode: lockShare, opts: opts}
	return n
}

// applyLock adds the query's lock clause to sel.
func (q *QueryOf[T]) applyLock(sel *core.SelectStmt) *core.SelectStmt {
	switch q.lock.mode {
	case lockUpdate:
		return sel.ForUpdate(q.lock.opts...)
	case lockShare:
		return sel.ForShare(q.lock.opts...)
	}
	return sel
}

// checkLock reports why the session cannot hold the locks of a locking
// query now: no transaction, or a read-only one.
func (q *QueryOf[T]) checkLock() error {
	s := q.s
	if s.opts.Tx.ReadOnly {
		return fmt.Errorf("session: query %s: locking read in a read-only transaction (Options.Tx.ReadOnly)", q.m.Name)
	}
	if b, ok := s.b.(txBackend); ok {
		switch b.Executor.(type) {
		case *engine.Tx, *router.Tx:
			return nil // the caller's transaction holds the locks
		}
	}
	s.txLock.RLock()
	open := s.tx != nil
	s.txLock.RUnlock()
	if !open {
		return fmt.Errorf("session: query %s: %w", q.m.Name, ErrLockOutsideTx)
	}
	return nil
}

// refreshHeld reloads, under the query's lock, the columns of the objects
// a locking query returned that the session held before it ran (entries
// up to seq): a load keeps a held object as it is, and its values may
// predate the lock. After the autoflush they have no unflushed changes;
// with NoAutoflush they are left as held (their changes are the
// caller's).
func (q *QueryOf[T]) refreshHeld(ctx context.Context, ps []mapper.Ref, seq int64) error {
	s := q.s
	if s.opts.NoAutoflush {
		return nil
	}
	m := q.m
	for _, p := range ps {
		e := s.loadedEntry(m, p)
		if e == nil || e.seq > seq || e.State() != Persistent {
			continue
		}
		if err := s.refreshLocked(ctx, e, q.lock.mode); err != nil {
			return fmt.Errorf("session: query %s: reload of a held object: %w", m.Name, err)
		}
	}
	return nil
}

// refreshLocked re-reads e's row with a lock of mode (the locking query
// holds it already, so the read neither waits nor skips it).
func (s *Session) refreshLocked(ctx context.Context, e *entry, mode lockMode) error {
	s.flushMu.Lock() // e.snap is written under flushMu
	defer s.flushMu.Unlock()
	lock := (*core.SelectStmt).ForUpdate
	if mode == lockShare {
		lock = (*core.SelectStmt).ForShare
	}
	if err := s.reread(ctx, e, func(st *core.SelectStmt) *core.SelectStmt { return lock(st) }); err != nil {
		return err
	}
	e.coll = collections(e.m, e.p)
	return nil
}
