package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// withReplicas opens the replicas and puts primary and replicas behind a
// router, which owns them from then on. The router sends writes to the
// primary and reads to a replica that has the session's last commit (the
// session carries its causal token).
func withReplicas(ctx context.Context, out io.Writer, primary *engine.DB, dsns []string) (*router.Router, error) {
	g := router.GroupConfig{Primary: primary}
	for _, dsn := range dsns {
		r, err := engine.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		g.Replicas = append(g.Replicas, r)
	}
	rt, err := router.New(router.Config{Groups: []router.GroupConfig{g}})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "database: %s primary with %d replicas, through the router\n", primary.Driver(), len(dsns))
	return rt, nil
}

// routed is tour's read observer over a router: it returns a context that
// records the routing decision of the next read, and a function printing
// it. A read falls back to the primary when no replica has replayed the
// session's last commit within the router's CausalWait (100ms by
// default); the wait is printed then.
func routed(out io.Writer) func(context.Context, string) (context.Context, func()) {
	return func(ctx context.Context, what string) (context.Context, func()) {
		var d router.Decision
		return router.WithDecision(ctx, &d), func() {
			fmt.Fprintf(out, "  (%s served by %s %s: %s", what, d.Role, d.Node, d.Reason)
			if d.Reason == router.ReasonFallback {
				fmt.Fprintf(out, " after waiting %v for %d replicas", d.Wait.Round(time.Millisecond), d.Skipped)
			}
			fmt.Fprintln(out, ")")
		}
	}
}
