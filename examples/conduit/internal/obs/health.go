package obs

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// PingTimeout bounds the ping of each primary in a health check.
const PingTimeout = 2 * time.Second

// HealthReport is the body /healthz serves.
type HealthReport struct {
	// Status is "ok" when every primary answered a ping, "unavailable"
	// otherwise (served with 503).
	Status string       `json:"status"`
	Nodes  []NodeHealth `json:"nodes"`
}

// NodeHealth is one database node's state.
type NodeHealth struct {
	Group string `json:"group"`
	Node  string `json:"node"`
	Role  string `json:"role"` // "primary" or "replica"
	// Healthy: a primary answered a ping now; a replica is in service
	// for the router (its last probe or read succeeded).
	Healthy bool `json:"healthy"`
	// LagSeconds is a replica's replication lag as the router last
	// measured it (0 for a primary).
	LagSeconds float64 `json:"lag_seconds"`
	// Error says why the node is not healthy: the driver's or router's
	// error text, which names the host and database but never a password.
	Error string     `json:"error,omitempty"`
	Pool  PoolHealth `json:"pool"`
}

// PoolHealth is a node's connection pool at the time of the check.
type PoolHealth struct {
	Max   int32 `json:"max"`
	Total int32 `json:"total"`
	Idle  int32 `json:"idle"`
	InUse int32 `json:"in_use"`
}

// Health serves r's nodes' state as JSON (HealthReport): each group's
// primary, pinged now (within PingTimeout), and its replicas as the
// router's monitor last saw them. It answers 200 when every primary
// answered, 503 otherwise. A ping takes a pooled connection, so a pool
// exhausted for PingTimeout reports its primary unreachable.
func Health(r *router.Router) http.Handler {
	return healthHandler(func(ctx context.Context) HealthReport { return CheckRouter(ctx, r) })
}

// HealthDB is Health for one engine used without a router (an embedded
// SQLite database, say): a single primary node named name.
func HealthDB(name string, db *engine.DB) http.Handler {
	return healthHandler(func(ctx context.Context) HealthReport { return CheckDB(ctx, name, db) })
}

func healthHandler(check func(context.Context) HealthReport) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rep := check(req.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// CheckRouter is the report Health serves, for callers that want it as a
// value. The primaries are pinged concurrently.
func CheckRouter(ctx context.Context, r *router.Router) HealthReport {
	var nodes []NodeHealth
	var primaries []int // indexes in nodes
	var dbs []*engine.DB
	for _, g := range r.Groups() {
		primaries = append(primaries, len(nodes))
		dbs = append(dbs, g.Primary())
		nodes = append(nodes, NodeHealth{Group: g.Name(), Node: g.PrimaryStatus().Name,
			Role: router.RolePrimary.String(), Pool: poolOf(g.Primary())})
		engines := g.ReplicaEngines()
		for i, rs := range g.Replicas() {
			n := NodeHealth{Group: g.Name(), Node: rs.Name, Role: router.RoleReplica.String(),
				Healthy: rs.Up, LagSeconds: rs.Lag.Seconds(), Pool: poolOf(engines[i])}
			if rs.Err != nil {
				n.Error = rs.Err.Error()
			}
			nodes = append(nodes, n)
		}
	}
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { ping(ctx, &nodes[primaries[i]], db) })
	}
	wg.Wait()
	return report(nodes)
}

// CheckDB is the report HealthDB serves.
func CheckDB(ctx context.Context, name string, db *engine.DB) HealthReport {
	n := NodeHealth{Group: router.DefaultGroup, Node: name, Role: router.RolePrimary.String(), Pool: poolOf(db)}
	ping(ctx, &n, db)
	return report([]NodeHealth{n})
}

func ping(ctx context.Context, n *NodeHealth, db *engine.DB) {
	ctx, cancel := context.WithTimeout(ctx, PingTimeout)
	defer cancel()
	if err := db.Ping(ctx); err != nil {
		n.Error = err.Error()
		return
	}
	n.Healthy = true
	n.Pool = poolOf(db)
}

func report(nodes []NodeHealth) HealthReport {
	rep := HealthReport{Status: "ok", Nodes: nodes}
	for _, n := range nodes {
		if n.Role == router.RolePrimary.String() && !n.Healthy {
			rep.Status = "unavailable"
		}
	}
	return rep
}

func poolOf(db *engine.DB) PoolHealth {
	s := db.Stats()
	return PoolHealth{Max: s.MaxConns, Total: s.TotalConns, Idle: s.IdleConns, InUse: s.InUseConns}
}
