package router

import "github.com/athanor-orm/athanor/engine"

// ReplicaEngines returns the group's replica engines in configuration
// order, the order of Replicas: ReplicaEngines()[i] is the node that
// Replicas()[i] reports on. It is for what watches each node on its own,
// such as pool metrics (engine.DB.Stats) and health checks; statements go
// through the router.
func (g *Group) ReplicaEngines() []*engine.DB {
	out := make([]*engine.DB, len(g.replicas))
	for i, n := range g.replicas {
		out[i] = n.db
	}
	return out
}
