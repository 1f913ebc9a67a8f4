package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// ErrRow returns a Row whose Scan returns err. Layers above the engine (the
// router) use it to defer their own errors to Scan, as QueryRow does.
func ErrRow(err error) *Row { return &Row{err: err} }

// ErrFirstRowTimeout is returned (wrapped) by the eager queries when the
// round trip up to the first row outlasted its bound: the statement was
// cancelled and its connection destroyed, and the caller's context is
// still live.
var ErrFirstRowTimeout = errors.New("engine: no first row within the bound")

// The eager queries read the first row before handing the result on, so
// that every failure of the round trip up to it (a connection lost while
// the result streams in, not only while sending) is reported while a
// caller can still retry the read elsewhere: nothing has been seen yet.
// The router runs replica reads through them.
//
// With firstRow > 0, that round trip must end (first row in, or the result
// known empty) within firstRow, or the statement is cancelled and the
// error matches ErrFirstRowTimeout. The bound then lifts: the rest of the
// result is read under ctx alone, however long the caller takes.

// QueryEager is Query that reads the first row ahead (see above); Next
// returns it first.
func (db *DB) QueryEager(ctx context.Context, stmt core.Statement, firstRow time.Duration) (*Rows, error) {
	r := &Rows{}
	if err := db.queryAhead(ctx, stmt, r, firstRow); err != nil {
		return nil, err
	}
	return r, nil
}

// QueryFuncEager is QueryFunc that reads the first row ahead (see above)
// before calling fn: an error returned without fn having been called is
// the round trip's, and fn's first Next returns the row read ahead.
func (db *DB) QueryFuncEager(ctx context.Context, stmt core.Statement, firstRow time.Duration, fn func(*Rows) error) error {
	r := getRows()
	defer recycleRows(r)
	if err := db.queryAhead(ctx, stmt, r, firstRow); err != nil {
		return err
	}
	return finishRows(r, fn(r))
}

// QueryRowEager is QueryRow that reads the first row before returning
// (see above), so every failure of the round trip is in Row.Err.
func (db *DB) QueryRowEager(ctx context.Context, stmt core.Statement, firstRow time.Duration) *Row {
	r := getRows()
	if err := db.queryAhead(ctx, stmt, r, firstRow); err != nil {
		putRows(r)
		return &Row{err: err}
	}
	if r.ahead {
		return &Row{rows: r} // Scan's Next returns the row read ahead
	}
	putRows(r) // an empty result, already closed
	return &Row{err: ErrNoRows}
}

// queryAhead runs stmt into r and reads its first row ahead, within
// firstRow when it is positive. On error r is closed.
func (db *DB) queryAhead(ctx context.Context, stmt core.Statement, r *Rows, firstRow time.Duration) error {
	if firstRow <= 0 {
		if err := db.queryInto(ctx, stmt, r); err != nil {
			return err
		}
		return r.readAhead()
	}
	// Not WithTimeout: the bound must lift at the first row, and the
	// rows keep this context until Close, which cancels it.
	actx, cancel := context.WithCancelCause(ctx)
	actx = context.WithValue(actx, callerKey{}, ctx)
	t := time.AfterFunc(firstRow, func() { cancel(ErrFirstRowTimeout) })
	err := db.queryInto(actx, stmt, r)
	if err == nil {
		err = r.readAhead()
	}
	if t.Stop() {
		if err != nil || r.closed { // failed, or an empty result: done
			cancel(nil)
			return err
		}
		r.cancelRead = cancel
		return nil
	}
	// The bound passed. Cancel here too (the timer's call may not have
	// run yet) so that closing the rows destroys their connection, whose
	// state is unknown.
	cancel(ErrFirstRowTimeout)
	if err == nil {
		r.Close()
	}
	if ctx.Err() != nil {
		if err == nil {
			err = ctx.Err()
		}
		return err // the caller's context ended: its error, not the bound's
	}
	return fmt.Errorf("%w (%v)", ErrFirstRowTimeout, firstRow)
}

// readAhead reads the first row; Next then returns it without advancing.
// An empty result is closed with a nil error.
func (r *Rows) readAhead() error {
	if r.Next() {
		r.ahead = true
		return nil
	}
	return r.Err()
}

// callerKey holds, in the context of a bounded read, the caller's context.
type callerKey struct{}

// callerContext is the context hooks see: the caller's, not the bounded
// read's own, so that a hook finds what the caller put under its context
// (a tracer pairs a router's decision with the statement it routed by
// the context both were given).
func callerContext(ctx context.Context) context.Context {
	if c, ok := ctx.Value(callerKey{}).(context.Context); ok {
		return c
	}
	return ctx
}
