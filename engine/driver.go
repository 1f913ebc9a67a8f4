package engine

import (
	"context"
	"sync/atomic"
	"time"
)

// driverConn is one physical connection of any driver. It is used by one
// goroutine at a time (the holder of the pool resource).
type driverConn interface {
	// exec runs a statement that returns no rows.
	exec(ctx context.Context, sql string, args []any) (Result, error)
	// query runs a statement and fills r with its row source.
	query(ctx context.Context, sql string, args []any, r *Rows) error
	// batch runs independent statements; PostgreSQL pipelines them.
	// prefix, if not empty, is a statement (BEGIN) sent first in the same
	// round trip; its error is returned as prefixErr.
	batch(ctx context.Context, prefix string, items []batchItem, out []BatchResult) (prefixErr error)
	// ping checks the connection with a round trip.
	ping(ctx context.Context) error
	// alive checks the connection without blocking I/O where the driver
	// allows it.
	alive() bool
	// reusable reports whether the connection is idle, outside any
	// transaction and not broken, so it may go back to the pool.
	reusable() bool
	// serverError reports whether err was answered by the server, i.e. the
	// connection is still in a known state.
	serverError(err error) bool
	// close closes the connection.
	close(ctx context.Context) error
}

// conn is one pooled connection: the driver connection plus what the pool
// needs to know about it.
type conn struct {
	dc driverConn
	// expires is when the connection's lifetime (with jitter) ends; zero
	// means never.
	expires time.Time
	// tainted is set when the connection was left in an unknown state: a
	// context cancelled while it was in use, a transport error, an
	// unfinished transaction. A tainted connection is destroyed on release.
	tainted atomic.Bool
	// cancelled is set once the server-side cancel of the connection's
	// statement has been started.
	cancelled atomic.Bool
	// boundUntil is when the server stops the statement in flight by
	// itself (MySQL reads with a deadline); zero when it has no bound.
	boundUntil time.Time
	// killed is closed when the MySQL KILL of a cancelled statement has
	// been answered (nil: no KILL sent). Until then the connection keeps
	// its pool slot, so that a storm of cancels cannot leave more server
	// threads behind than MaxConns.
	killed chan struct{}
	// acquiredAt is when the connection was last acquired (kept only when
	// a PoolHook is set).
	acquiredAt time.Time
	// id is a server-side connection id where one is needed (MySQL
	// KILL QUERY).
	id int64
}

func (c *conn) taint() { c.tainted.Store(true) }
