package router

import (
	"context"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// waitFor waits up to CausalWait for one of cands to reach tok and returns
// it, or nil. Where the dialect's server can wait (MariaDB's
// MASTER_GTID_WAIT, MySQL's WAIT_FOR_EXECUTED_GTID_SET) the router waits
// there, on the replica the policy picks; elsewhere (PostgreSQL) it polls
// the replicas' replay positions.
func (g *Group) waitFor(ctx context.Context, tok Position, cands []*node) *node {
	if tok.kind != g.kind || g.repl == nil {
		return nil // PrimaryPosition: no replica can show it has the commit
	}
	bound := g.r.cfg.CausalWait
	wctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	if g.waitSQL != "" {
		n := g.pick(cands)
		stmt := core.Raw(g.waitSQL, tok.rp.String(), bound.Seconds()).ReadOnly()
		var res int
		// The server enforces the bound; the context adds a margin for the
		// round trip.
		sctx, scancel := context.WithTimeout(ctx, bound+time.Second)
		defer scancel()
		if err := n.db.QueryRow(sctx, stmt).Scan(&res); err != nil || res != 0 {
			return nil
		}
		n.advance(tok)
		return n
	}
	delay := 500 * time.Microsecond
	for {
		for _, n := range cands {
			p, err := g.replicaPosition(wctx, n)
			if err == nil && p.Covers(tok) {
				return n
			}
		}
		select {
		case <-wctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Millisecond)
	}
}
