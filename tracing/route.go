package tracing

import (
	"context"
	"sync/atomic"

	"github.com/athanor-orm/athanor/router"
)

// routeKey finds the routed decision in a context Routed returned.
type routeKey struct{}

// routed is one routing decision on its way to the span of the statement
// (or transaction, or batch) the router runs with it.
type routed struct {
	d router.Decision
	// taken is set by the first span that carries d: a transaction's
	// statements run under the context of its BEGIN, and must not claim
	// the decision of the BEGIN as their own.
	taken atomic.Bool
}

// Routed implements router.Observer: it counts the decision and, while
// spans are recorded, returns a context that carries it to the engine
// hook of the chosen node, which adds it to the statement's span.
// Without a recording tracer it returns ctx itself.
func (t *Tracer) Routed(ctx context.Context, d router.Decision) context.Context {
	t.inst.routed(ctx, d)
	if !t.tracer().on {
		return ctx
	}
	return context.WithValue(ctx, routeKey{}, &routed{d: d})
}

// takeRoute returns the decision ctx carries for node ("" when the hook
// does not know its node: any), once.
func takeRoute(ctx context.Context, node string) (router.Decision, bool) {
	r, ok := ctx.Value(routeKey{}).(*routed)
	if !ok || (node != "" && r.d.Node != node) || !r.taken.CompareAndSwap(false, true) {
		return router.Decision{}, false
	}
	return r.d, true
}
