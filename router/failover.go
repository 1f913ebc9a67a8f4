package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// ErrNoPrimary: a write, or a statement of a read-write transaction, found
// no primary: the group's primary could not be reached (refused, reset,
// or no host of a multi-host DSN accepted a read-write session), or it
// refused the statement as read-only (a demoted primary, a standby).
// The statement was not applied: it may be sent again once a primary
// answers. A write whose answer was lost after it was sent matches
// athanor.ErrOutcomeUnknown instead, never ErrNoPrimary.
var ErrNoPrimary = errors.New("router: no primary")

// primaryError looks at the error of a statement that ran on g's primary
// as a write or in a read-write transaction. A lost connection or a
// read-only refusal means the node may no longer be the primary (a
// failover): every pooled connection to it is dropped (engine.DB.ResetPool)
// so that the next statements connect afresh, which with a multi-host DSN
// and target_session_attrs=read-write finds the new primary; and the
// primary is reported down (Group.PrimaryStatus) until a statement or a
// probe succeeds on it. The error then matches ErrNoPrimary, unless the
// outcome is unknown.
func (g *Group) primaryError(err error) error {
	if err == nil {
		if g.primary.down.Load() {
			g.primary.markUp()
		}
		return nil
	}
	if errors.Is(err, ErrNoPrimary) {
		return err // a savepoint's error, already handled
	}
	if !errors.Is(err, athanor.ErrReadOnly) && !connectionFailure(err) {
		return err
	}
	name := g.primary.Name() // the primary that failed
	g.primary.markDown(err)
	g.resetPrimary()
	if errors.Is(err, athanor.ErrOutcomeUnknown) {
		return err
	}
	return fmt.Errorf("%w: group %q, node %s: %w", ErrNoPrimary, g.name, name, err)
}

// PrimaryStatus reports what the router knows of the group's primary, as
// Replicas does for the replicas: Up is false from a write that found no
// primary (see ErrNoPrimary) or a failed probe of its position, until a
// statement or a probe succeeds on it. It does not hold writes back: each
// write tries the primary's engine, which connects afresh.
func (g *Group) PrimaryStatus() ReplicaStatus { return g.primary.status() }

// probePrimary records the outcome of the monitor's position query on the
// primary. A failure other than the probe's own timeout drops the pooled
// connections, as a failed write does: a server that answers but cannot
// give a primary position is a standby ("recovery is in progress"), and
// one that does not answer has taken its connections with it.
func (g *Group) probePrimary(err error) {
	if err == nil {
		if g.primary.down.Load() {
			g.primary.markUp()
		}
		return
	}
	g.primary.markDown(err)
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		g.resetPrimary()
	}
}

// The states of node.naming: whether the primary's server has told the
// address it serves on since the pool last connected afresh.
const (
	nameKnown   int32 = iota // asked, or a dialect that cannot tell
	nameUnknown              // not asked yet: the monitor asks
	nameLost                 // the pool was reset: the next write asks first
)

// servedQuery is the query that makes db's server say where it serves
// (core.ServedAddress), empty for a dialect without one.
func servedQuery(db *engine.DB) string {
	if sa, ok := db.Dialect().(core.ServedAddress); ok {
		return sa.ServedAddressQuery()
	}
	return ""
}

// resetPrimary drops every pooled connection of the primary, so the next
// statements connect afresh (and, with a multi-host DSN, reach whichever
// host is the primary then); the primary's name is asked again.
func (g *Group) resetPrimary() {
	g.primary.db.ResetPool()
	if servedQuery(g.primary.db) != "" {
		g.primary.naming.Store(nameLost)
	}
}

// askPrimaryName asks the primary's server the address it serves on and
// makes it the primary's name in decisions, errors and PrimaryStatus:
// with a multi-host DSN, the host that is the primary now. A server
// reached through a Unix socket tells no address and keeps the
// configured name; a standby (a DSN without target_session_attrs reaching
// one) names nothing.
func (g *Group) askPrimaryName(ctx context.Context) error {
	q := servedQuery(g.primary.db)
	state := g.primary.naming.Load()
	if q == "" || state == nameKnown {
		return nil
	}
	var host string
	var port int
	var standby bool
	if err := g.primary.db.QueryRow(ctx, core.Raw(q).ReadOnly()).Scan(&host, &port, &standby); err != nil {
		return err
	}
	if standby {
		return nil
	}
	if host != "" && port != 0 {
		name := net.JoinHostPort(host, strconv.Itoa(port))
		g.primary.served.Store(&name)
	}
	// A reset since the question was sent makes the answer stale.
	g.primary.naming.CompareAndSwap(state, nameKnown)
	return nil
}

// namePrimary runs before a write or a read-write transaction on the
// primary: after a reset (a failover suspected), it asks the primary's
// name first, so that the decision names the server the write goes to.
// A primary that cannot be reached, or refuses as read-only, fails the
// write there with ErrNoPrimary, before anything of it was sent; any
// other failure of the question leaves the name as it was.
func (g *Group) namePrimary(ctx context.Context) error {
	if g.primary.naming.Load() != nameLost {
		return nil
	}
	err := g.askPrimaryName(ctx)
	if err != nil && (errors.Is(err, athanor.ErrReadOnly) || connectionFailure(err)) {
		return g.primaryError(err)
	}
	return nil
}
