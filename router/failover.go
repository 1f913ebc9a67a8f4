package router

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor"
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
	g.primary.markDown(err)
	g.primary.db.ResetPool()
	if errors.Is(err, athanor.ErrOutcomeUnknown) {
		return err
	}
	return fmt.Errorf("%w: group %q, node %s: %w", ErrNoPrimary, g.name, g.primary.name, err)
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
		g.primary.db.ResetPool()
	}
}
