package router

import (
	"context"
	"slices"
	"time"
)

// choose picks the node for a read that needs position tok (zero: none),
// never one of exclude. With PrimaryReads the primary, which has every
// commit, is a candidate beside the replicas in service.
func (g *Group) choose(ctx context.Context, tok Position, exclude []*node) (*node, Decision) {
	d := Decision{Group: g.name}
	var cands []*node
	for _, n := range g.replicas {
		if slices.Contains(exclude, n) {
			continue
		}
		if !n.inService(g.r.cfg.MaxLag) {
			d.Skipped++
			continue
		}
		cands = append(cands, n)
	}
	primary := func(reason Reason) (*node, Decision) {
		d.Node, d.Role, d.Reason = g.primary.Name(), RolePrimary, reason
		return g.primary, d
	}
	if len(cands) == 0 {
		if n := g.standIn(tok, exclude); n != nil {
			d.Node, d.Role, d.Reason, d.Lag = n.name, RoleReplica, ReasonPrimaryDown, n.Lag()
			return n, d
		}
		return primary(ReasonNoReplica)
	}
	withPrimary := g.r.cfg.PrimaryReads && !g.primary.down.Load() && !slices.Contains(exclude, g.primary)
	chosen := func(n *node, reason Reason) (*node, Decision) {
		if n == g.primary {
			return primary(ReasonPrimaryByPolicy)
		}
		d.Node, d.Role, d.Reason, d.Lag = n.name, RoleReplica, reason, n.Lag()
		return n, d
	}
	if tok.IsZero() {
		return chosen(g.pickRead(cands, withPrimary), ReasonReplica)
	}
	var ready []*node
	for _, n := range cands {
		if n.position().Covers(tok) {
			ready = append(ready, n)
		}
	}
	if len(ready) > 0 || withPrimary {
		d.Skipped += len(cands) - len(ready)
		return chosen(g.pickRead(ready, withPrimary), ReasonCaughtUp)
	}
	if g.r.cfg.CausalWait < 0 {
		return primary(ReasonFallback)
	}
	start := time.Now()
	n := g.waitFor(ctx, tok, cands)
	d.Wait = time.Since(start)
	if n == nil {
		d.Skipped += len(cands)
		return primary(ReasonFallback)
	}
	d.Skipped += len(cands) - 1
	d.Node, d.Role, d.Reason, d.Lag = n.name, RoleReplica, ReasonCausalWait, n.Lag()
	return n, d
}

// pickRead lets the Policy choose among replicas and, withPrimary, the
// primary (last).
func (g *Group) pickRead(replicas []*node, withPrimary bool) *node {
	if withPrimary {
		return g.pick(append(replicas, g.primary))
	}
	return g.pick(replicas)
}

// pick lets the Policy choose among cands, which is not empty.
func (g *Group) pick(cands []*node) *node {
	cs := make([]Candidate, len(cands))
	for i, n := range cands {
		cs[i] = n
	}
	i := g.r.cfg.Policy.Pick(cs)
	if i < 0 || i >= len(cands) {
		i = 0 // a broken policy must not break routing
	}
	return cands[i]
}

// standIn is a replica to read from when none is in service and the
// primary is down as well: a replica that failed its last probe may
// still answer (a probe can time out on a loaded machine, all the more
// while the primary's own probe, taken first, hangs), and the primary
// cannot. Only replicas within MaxLag qualify, and a read with a token
// takes only one known to have reached it.
func (g *Group) standIn(tok Position, exclude []*node) *node {
	if !g.primary.down.Load() {
		return nil
	}
	var cands []*node
	for _, n := range g.replicas {
		if slices.Contains(exclude, n) {
			continue
		}
		if g.r.cfg.MaxLag >= 0 && n.Lag() > g.r.cfg.MaxLag {
			continue
		}
		if !tok.IsZero() && !n.position().Covers(tok) {
			continue
		}
		cands = append(cands, n)
	}
	if len(cands) == 0 {
		return nil
	}
	return g.pick(cands)
}
