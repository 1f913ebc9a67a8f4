package engine

import (
	"context"
	"sync/atomic"
	"time"
)

// conn is one pooled connection: the driver connection plus what the pool
// needs to know about it.
type conn struct {
	dc Conn
	// bounder and canceler are dc's optional capabilities (nil: none),
	// asserted once when the connection is opened.
	bounder  ReadBounder
	canceler ServerCanceler
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
	// stopped is closed when the server has stopped a cancelled statement
	// (ServerCanceler; nil: nothing to wait for). Until then the
	// connection keeps its pool slot, so that a storm of cancels cannot
	// leave more server threads behind than MaxConns.
	stopped <-chan struct{}
	// acquiredAt is when the connection was last acquired (kept only when
	// a PoolHook is set).
	acquiredAt time.Time
}

func (c *conn) taint() { c.tainted.Store(true) }

// lateRead is the error of a read bounded on the server (ReadBounder)
// that answered after the caller's deadline.
func (c *conn) lateRead(ctx context.Context) error {
	if c.bounder == nil {
		return nil
	}
	return c.bounder.LateRead(ctx)
}
