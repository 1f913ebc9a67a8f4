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
	// ReasonRetry: the read failed on a replica with a connection error
	// and was retried on another node.
	ReasonRetry Reason = "retry"
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

// Observer is told of every routing decision. Tracing and metrics plug in
// here; an Observer must be fast and safe for concurrent use.
type Observer interface {
	Routed(ctx context.Context, d Decision)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, d Decision)

// Routed calls f.
func (f ObserverFunc) Routed(ctx context.Context, d Decision) { f(ctx, d) }

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
