package session

import "context"

// This file is the locking of the session's transaction state (see the
// txLock field): a flush, Commit or Rollback holds txLock exclusively,
// every read statement shares it.

// flushCtx is the context of a running flush. Statements the flush reads
// through itself (loads of the relationships a delete cascades to) run
// while it holds txLock, so they must not wait for it: they carry this
// context.
type flushCtx struct {
	context.Context
	// tx is the flush's transaction, or its savepoint inside the
	// session's: the flush's own reads run there (the engine refuses the
	// outer transaction while a savepoint is open). Set before the
	// flush's first statement, then only read.
	tx Tx
}

type flushKey struct{}

func (c *flushCtx) Value(k any) any {
	if k == (flushKey{}) {
		return c
	}
	return c.Context.Value(k)
}

// lockFlush takes txLock exclusively for a flush and returns the
// context its statements run under: a new flushCtx, never one of an
// earlier flush, since readLock knows the flush's statements by its
// address (a context an earlier flush handed out, kept by a caller,
// must not pass for the running flush's). It is not in the pooled plan:
// a transaction the flush begins keeps it. The first flush after an Add
// takes the one in the first added entry's block (see firstwrite.go),
// each other flush allocates its own. The caller holds flushMu.
func (s *Session) lockFlush(ctx context.Context) context.Context {
	s.txLock.Lock()
	fc := s.firstCtx()
	if fc == nil {
		fc = new(flushCtx)
	}
	fc.Context = ctx
	s.flush.Store(fc)
	return fc
}

// unlockFlush releases what lockFlush took.
func (s *Session) unlockFlush() {
	s.flush.Store(nil)
	s.txLock.Unlock()
}

// setFlushTx records where the running flush's statements run.
func (s *Session) setFlushTx(tx Tx) { s.flush.Load().tx = tx }

// readLock shares txLock for a read statement and reports whether it did:
// not when ctx is that of the running flush, which holds it already.
func (s *Session) readLock(ctx context.Context) bool {
	if fc, _ := ctx.Value(flushKey{}).(*flushCtx); fc != nil && fc == s.flush.Load() {
		return false
	}
	s.txLock.RLock()
	return true
}

// readUnlock releases what readLock took.
func (s *Session) readUnlock(locked bool) {
	if locked {
		s.txLock.RUnlock()
	}
}

// stmtTx is the transaction a read statement runs in, nil for none;
// locked is readLock's answer (false: the statement is the flush's).
func (s *Session) stmtTx(locked bool) Tx {
	if !locked {
		if tx := s.flush.Load().tx; tx != nil {
			return tx
		}
	}
	return s.tx
}
