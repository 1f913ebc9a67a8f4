package tracing

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/athanor-orm/athanor/router"
)

// Routed implements router.Observer: it counts the decision, and keeps it
// for the span of the statement the router runs next with ctx.
//
// The router tells its Observer of a decision and then runs the statement
// on the chosen engine with the same context, on the same goroutine. The
// decision is parked under that context (and the node's name) until the
// engine hook of that node starts the statement's span (or its
// transaction's, or its batch's) and takes it. Parking happens only while
// spans are recorded.
func (t *Tracer) Routed(ctx context.Context, d router.Decision) {
	t.inst.routed(ctx, d)
	if t.tracer().on {
		t.pending.put(ctx, d)
	}
}

// pendingTTL bounds how long an untaken decision is kept (the statement
// failed before its engine hook ran, or the engine has no hook of t).
const pendingTTL = 30 * time.Second

// pendingMax is the number of contexts with parked decisions from which
// stale ones are swept on the next put.
const pendingMax = 1024

// pendingDecisions parks routing decisions between router.Observer.Routed
// and the engine hook that starts the statement's span.
type pendingDecisions struct {
	mu sync.Mutex
	m  map[context.Context][]parked // guarded by mu
}

type parked struct {
	d  router.Decision
	at time.Time
}

// keyable reports whether ctx can be a map key (every context of the
// standard library can; a context type that is not comparable is skipped).
func keyable(ctx context.Context) bool {
	return ctx != nil && reflect.TypeOf(ctx).Comparable()
}

func (p *pendingDecisions) put(ctx context.Context, d router.Decision) {
	if !keyable(ctx) {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[context.Context][]parked{}
	}
	if len(p.m) >= pendingMax {
		p.sweepLocked(now)
	}
	l := p.m[ctx]
	if len(l) >= 16 { // several goroutines routing on one context: keep the newest
		l = l[1:]
	}
	p.m[ctx] = append(l, parked{d: d, at: now})
}

// take removes and returns the oldest decision parked under ctx for node
// ("" when the hook does not know its node: any).
func (p *pendingDecisions) take(ctx context.Context, node string) (router.Decision, bool) {
	if !keyable(ctx) {
		return router.Decision{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.m[ctx]
	if !ok {
		return router.Decision{}, false
	}
	for i, pd := range l {
		if node != "" && pd.d.Node != node {
			continue
		}
		if len(l) == 1 {
			delete(p.m, ctx)
		} else {
			p.m[ctx] = append(l[:i:i], l[i+1:]...)
		}
		if time.Since(pd.at) > pendingTTL {
			return router.Decision{}, false
		}
		return pd.d, true
	}
	return router.Decision{}, false
}

func (p *pendingDecisions) sweepLocked(now time.Time) {
	for k, l := range p.m {
		if now.Sub(l[len(l)-1].at) > pendingTTL {
			delete(p.m, k)
		}
	}
	if len(p.m) >= pendingMax*4 {
		clear(p.m) // a leak of untaken decisions must stay bounded
	}
}

// size is the number of contexts with parked decisions (for tests).
func (p *pendingDecisions) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.m)
}
