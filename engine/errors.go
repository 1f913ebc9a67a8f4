package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor"
)

var (
	// ErrNoRows is returned by QueryRow's Scan and One when the query
	// returned no row. It is athanor.ErrNoRows (which wraps sql.ErrNoRows).
	ErrNoRows = athanor.ErrNoRows
	// ErrClosed is returned by a DB after Close. It is athanor.ErrClosed,
	// the value the router and the session return once closed too.
	ErrClosed = athanor.ErrClosed
	// ErrTxDone is returned by a transaction after Commit or Rollback, or
	// by a nested transaction whose parent has ended.
	ErrTxDone = errors.New("engine: transaction has already been committed or rolled back")
	// ErrTxBusy is returned when a statement is sent on a transaction
	// while the rows of a previous query on it are still open.
	ErrTxBusy = errors.New("engine: transaction is busy: close the open rows first")
	// ErrNilContext is returned by every entry point given a nil context
	// (the engine's, the router's and the session's), instead of a panic.
	ErrNilContext = errors.New("engine: nil context")
)

// CheckContext returns ErrNilContext for a nil ctx. The router and the
// session call it at their entry points, before ctx is first used.
func CheckContext(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	return nil
}

// notSentError is an error raised before any byte of the statement was
// sent (an argument the driver cannot encode, too many parameters, a
// packet over MySQL's max_allowed_packet): the statement did not run, and
// the connection is in the state it was in before the call. It is the
// caller's error, neither a lost connection nor an unknown outcome.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// NotSent marks err as raised before any byte of the statement was sent
// (nil stays nil), for drivers: the engine then reports it as the
// caller's error and keeps the connection when it is reusable.
func NotSent(err error) error {
	if err == nil {
		return nil
	}
	return &notSentError{err: err}
}

// wasNotSent reports whether err is known to have happened before the
// statement was sent: marked by the engine, or by the driver (NotSent).
func (db *DB) wasNotSent(err error) bool {
	var ns *notSentError
	return errors.As(err, &ns) || db.rt.NotSent(err)
}

// answered reports whether err is the server's answer to the statement,
// so that the statement is known to have failed. A server error that ends
// the connection (PostgreSQL 57P01, MariaDB 1927: classified as connection
// lost) does not count: it can come after the statement was applied.
func (db *DB) answered(err error) bool {
	if _, ok := db.rt.ServerError(err); !ok {
		return false
	}
	return !athanor.IsConnectionError(db.classify(err))
}

// mayHaveRun reports whether a write that failed with err may still have
// been applied: the server did not answer, and the error did not happen
// before the statement was sent.
func (db *DB) mayHaveRun(err error) bool {
	return err != nil && !db.answered(err) && !db.wasNotSent(err)
}

// outcomeUnknown wraps the error of an autocommit write whose answer was
// lost with athanor.ErrOutcomeUnknown.
func outcomeUnknown(err error) error {
	return fmt.Errorf("engine: write outcome unknown: %w: %w", athanor.ErrOutcomeUnknown, err)
}
