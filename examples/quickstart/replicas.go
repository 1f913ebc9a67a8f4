package main

import (
	"context"
	"fmt"
	"io"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// replicated is the tour's database when replicas are given: the router
// sends writes to the primary and reads to a replica that has the
// session's last commit (the session carries its causal token).
type replicated struct {
	*router.Router
	backend session.Backend
	out     io.Writer
}

// withReplicas opens the replicas and puts primary and replicas behind a
// router, which owns them from then on.
func withReplicas(ctx context.Context, out io.Writer, primary *engine.DB, dsns []string) (*replicated, error) {
	g := router.GroupConfig{Name: router.DefaultGroup, Primary: primary}
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
	return &replicated{Router: rt, backend: session.Router(rt), out: out}, nil
}

// read returns a context that records the routing decision of the next
// read, and a function printing it.
func (r *replicated) read(ctx context.Context, what string) (context.Context, func()) {
	var d router.Decision
	return router.WithDecision(ctx, &d), func() {
		fmt.Fprintf(r.out, "  (%s served by %s %s: %s)\n", what, d.Role, d.Node, d.Reason)
	}
}
