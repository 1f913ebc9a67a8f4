package tracing

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/router"
)

type ctxKey int

// TestPendingBounded: decisions no engine hook takes (an engine without
// the tracer's hook, a statement that failed before it ran) stay bounded.
func TestPendingBounded(t *testing.T) {
	var p pendingDecisions
	d := router.Decision{Node: "n"}
	for i := range 10 * pendingMax {
		p.put(context.WithValue(context.Background(), ctxKey(0), i), d)
	}
	if n := p.size(); n > 4*pendingMax {
		t.Errorf("%d contexts parked, want at most %d", n, 4*pendingMax)
	}
}

// TestPendingPerNode: on one context, each node takes its own decision,
// oldest first; a hook that knows no node takes any.
func TestPendingPerNode(t *testing.T) {
	var p pendingDecisions
	ctx := context.Background()
	p.put(ctx, router.Decision{Node: "a", Reason: router.ReasonReplica})
	p.put(ctx, router.Decision{Node: "b", Reason: router.ReasonCaughtUp})
	p.put(ctx, router.Decision{Node: "a", Reason: router.ReasonRetry})
	for _, want := range []struct {
		node   string
		reason router.Reason
		ok     bool
	}{{"b", router.ReasonCaughtUp, true}, {"a", router.ReasonReplica, true}, {"b", "", false}, {"", router.ReasonRetry, true}, {"", "", false}} {
		d, ok := p.take(ctx, want.node)
		if ok != want.ok || d.Reason != want.reason {
			t.Errorf("take(%q) = %q, %v; want %q, %v", want.node, d.Reason, ok, want.reason, want.ok)
		}
	}
	if p.size() != 0 {
		t.Errorf("%d contexts left parked", p.size())
	}
}
