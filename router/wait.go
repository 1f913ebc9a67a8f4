package router

import (
	"context"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// waitFor waits up to CausalWait for one of cands to reach tok and returns
// it, or nil. PostgreSQL has no server-side wait for replay, so the router
// polls the replicas' replay LSN; MariaDB waits in the server with
// MASTER_GTID_WAIT, MySQL with WAIT_FOR_EXECUTED_GTID_SET, on the replica
// the policy picks.
func (g *Group) waitFor(ctx context.Context, tok Position, cands []*node) *node {
	if tok.kind == PositionPrimary {
		return nil // no replica can show it has the commit: no wait
	}
	bound := g.r.cfg.CausalWait
	wctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	switch g.kind {
	case PositionMariaDB, PositionMySQL:
		n := g.pick(cands)
		secs := bound.Seconds()
		var stmt core.Statement
		if g.kind == PositionMariaDB {
			stmt = core.Raw("SELECT MASTER_GTID_WAIT(?, ?)", tok.pos.String(), secs).ReadOnly()
		} else {
			stmt = core.Raw("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)", tok.set.String(), secs).ReadOnly()
		}
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
