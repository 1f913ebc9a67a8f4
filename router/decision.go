package router

import (
	"context"
	"time"
)

// Role is a node's place in its bind group.
type Role uint8

const (
	RolePrimary Role = iota + 1
	RoleReplica
)

func (r Role) String() string {
	switch r {
	case RolePrimary:
		return "primary"
	case RoleReplica:
		return "replica"
	}
	return "unknown"
}

// Reason says why a statement went where it went. The values are stable
// strings, used as trace attributes and metric labels.
type Reason string

const (
	// ReasonWrite: the statement writes or locks rows.
	ReasonWrite Reason = "write"
	// ReasonInTx: the statement runs inside a read-write transaction.
	ReasonInTx Reason = "in_transaction"
	// ReasonReadOnlyTx: a read-only transaction pinned to one replica.
	ReasonReadOnlyTx Reason = "read_only_transaction"
	// ReasonReplica: a plain read on a healthy replica, no token to honour.
	ReasonReplica Reason = "replica"
	// ReasonCaughtUp: a read with a causal token on a replica already past it.
	ReasonCaughtUp Reason = "caught_up"
	// ReasonCausalWait: a read with a causal token on a replica that caught
	// up while the router waited.
	ReasonCausalWait Reason = "causal_wait"
	// ReasonFallback: no replica reached the token within the wait bound,
	// so the primary served the read.
	ReasonFallback Reason = "fallback"
	// ReasonNoReplica: the group has no replica in service (none
	// configured, all down or lagging), so the primary served the read.
	ReasonNoReplica Reason = "no_replica"
	// ReasonRetry: the read (or a read-only transaction in which nothing
	// had run yet) failed on a replica with a connection error or past
	// ReadTimeout, and was retried on another node.
	ReasonRetry Reason = "retry"
	// ReasonPrimaryByPolicy: with Config.PrimaryReads, the Policy chose
	// the primary for a read (with or without a causal token) over the
	// replicas in service.
	ReasonPrimaryByPolicy Reason = "primary_by_policy"
	// ReasonPrimaryDown: no replica was in service and the primary was
	// down, so the read went to a replica that failed its last health
	// probe (within MaxLag, and past the read's token if it has one)
	// rather than to the primary.
	ReasonPrimaryDown Reason = "primary_down"
	// ReasonPrimaryRead: the caller asked for the primary.
	ReasonPrimaryRead Reason = "primary_requested"
)

// Decision records one routing choice.
type Decision struct {
	Group  string
	Node   string // the node's name (host:port unless configured)
	Role   Role
	Reason Reason
	// Lag is the chosen replica's replication lag as last measured.
	Lag time.Duration
	// Wait is the time spent waiting for a replica to reach the token.
	Wait time.Duration
	// Skipped counts replicas passed over (down, lagging, behind the token).
	Skipped int
}

// Observer is told of every routing decision, before the statement (or
// transaction, or batch) runs. The context Routed returns is the one the
// router runs the statement with on the chosen node, so an engine hook of
// that node finds in it whatever the Observer put there (tracing puts the
// decision, for the statement's span). An Observer that keeps nothing
// returns ctx. It must be fast and safe for concurrent use.
//
// Decision is the event's data: fields may be added, never removed.
type Observer interface {
	Routed(ctx context.Context, d Decision) context.Context
}

// ObserverFunc adapts a function that keeps nothing in the context to
// Observer.
type ObserverFunc func(ctx context.Context, d Decision)

// Routed calls f and returns ctx.
func (f ObserverFunc) Routed(ctx context.Context, d Decision) context.Context {
	f(ctx, d)
	return ctx
}

// MultiObserver returns an Observer that tells each of os, in order, each
// one given the context the one before returned. Nil entries are skipped;
// with none left it returns nil.
func MultiObserver(os ...Observer) Observer {
	var m multiObserver
	for _, o := range os {
		switch o := o.(type) {
		case nil:
		case multiObserver:
			m = append(m, o...)
		default:
			m = append(m, o)
		}
	}
	switch len(m) {
	case 0:
		return nil
	case 1:
		return m[0]
	}
	return m
}

type multiObserver []Observer

func (m multiObserver) Routed(ctx context.Context, d Decision) context.Context {
	for _, o := range m {
		ctx = o.Routed(ctx, d)
	}
	return ctx
}

type decisionKey struct{}

// decisionSlot lets a caller collect the decision made for its statement.
type decisionSlot struct{ d Decision }

// WithDecision returns a context in which the router records the decision
// it makes for the next statement run through that context into *d. It is
// for tests and debugging; use an Observer in production.
func WithDecision(ctx context.Context, d *Decision) context.Context {
	return context.WithValue(ctx, decisionKey{}, d)
}

func recordDecision(ctx context.Context, d Decision) {
	if p, ok := ctx.Value(decisionKey{}).(*Decision); ok && p != nil {
		*p = d
	}
}
