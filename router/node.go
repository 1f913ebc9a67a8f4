package router

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// node is one engine in a group, with what the router knows of it.
type node struct {
	db       *engine.DB
	name     string // as configured (or the engine's first address)
	role     Role
	poolSize int // the engine's MaxConns, for Load

	// served is the address the primary's server reported it serves on
	// (nil until asked, or for a dialect that cannot tell): with a
	// multi-host DSN, the host that is the primary now, not the first
	// one listed. naming says when to ask it (see failover.go).
	served atomic.Pointer[string]
	naming atomic.Int32

	inFlight atomic.Int64
	lag      atomic.Int64 // nanoseconds, as last measured
	down     atomic.Bool  // failed its last probe or a read

	mu      sync.Mutex
	pos     Position // last known replay position; guarded by mu
	lastErr error    // why it is down; guarded by mu
	since   time.Time
}

func (n *node) Name() string {
	if p := n.served.Load(); p != nil {
		return *p
	}
	return n.name
}
func (n *node) Lag() time.Duration { return time.Duration(n.lag.Load()) }
func (n *node) InFlight() int64    { return n.inFlight.Load() }
func (n *node) Primary() bool      { return n.role == RolePrimary }
func (n *node) PoolSize() int      { return n.poolSize }

func newNode(db *engine.DB, name string, role Role) *node {
	return &node{db: db, name: name, role: role, poolSize: int(db.Stats().MaxConns)}
}

func (n *node) inService(maxLag time.Duration) bool {
	if n.down.Load() {
		return false
	}
	return maxLag < 0 || n.Lag() <= maxLag
}

func (n *node) position() Position {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pos
}

// advance records a replay position observed on the node; positions only
// move forward.
func (n *node) advance(p Position) {
	n.mu.Lock()
	n.pos = n.pos.Merge(p)
	n.mu.Unlock()
}

func (n *node) markDown(err error) {
	n.mu.Lock()
	if !n.down.Load() {
		n.since = time.Now()
	}
	n.lastErr = err
	n.mu.Unlock()
	n.down.Store(true)
}

func (n *node) markUp() {
	n.mu.Lock()
	if n.down.Load() {
		n.since = time.Now()
	}
	n.lastErr = nil
	n.mu.Unlock()
	n.down.Store(false)
}

// ReplicaStatus is a snapshot of what the router knows of a replica.
type ReplicaStatus struct {
	Name     string
	Up       bool          // passed its last probe
	Lag      time.Duration // as last measured
	Position Position      // replay position as last seen
	InFlight int64
	Err      error     // why it is down
	Since    time.Time // when Up last changed
}

func (n *node) status() ReplicaStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	return ReplicaStatus{Name: n.Name(), Up: !n.down.Load(), Lag: n.Lag(), Position: n.pos,
		InFlight: n.inFlight.Load(), Err: n.lastErr, Since: n.since}
}

// nodeName is db's default name: host:port for a server (as tracing
// names its endpoint), the file for SQLite, which has no server.
func nodeName(db *engine.DB) string {
	ep := db.Endpoint()
	switch {
	case ep.Host != "" && ep.Port != 0:
		return net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	case ep.Host != "":
		return ep.Host
	case ep.Database != "":
		return ep.Database
	}
	return db.String()
}

// replicationOf returns the replication positions of db's dialect, nil
// for a dialect without them (SQLite): its group waits for nothing.
func replicationOf(db *engine.DB) core.Replication {
	r, _ := db.Dialect().(core.Replication)
	return r
}

// parse reads a position the group's dialect made; how is one of its
// Parse methods.
func (g *Group) parse(s string, how func(string) (core.ReplicaPosition, error)) (Position, error) {
	rp, err := how(s)
	if err != nil {
		return Position{}, err
	}
	return NewPosition(g.repl, rp), nil
}

// primaryPosition asks the primary for its current position: it covers
// every commit acknowledged before the call. It is zero in a group
// without replication positions.
func (g *Group) primaryPosition(ctx context.Context) (Position, error) {
	if g.repl == nil {
		return Position{}, nil
	}
	var s string
	if err := g.primary.db.QueryRow(ctx, g.primaryPos).Scan(&s); err != nil {
		return Position{}, fmt.Errorf("router: position of primary %s: %w", g.primary.Name(), err)
	}
	p, err := g.parse(s, g.repl.ParsePrimaryPosition)
	if err != nil {
		return Position{}, fmt.Errorf("router: position of primary %s: %w", g.primary.Name(), err)
	}
	return p, nil
}

// replicaPosition asks a replica how far it has replayed.
func (g *Group) replicaPosition(ctx context.Context, n *node) (Position, error) {
	if g.repl == nil {
		return Position{}, nil
	}
	var s string
	if err := n.db.QueryRow(ctx, g.replicaPos).Scan(&s); err != nil {
		return Position{}, err
	}
	p, err := g.parse(s, g.repl.ParseReplicaPosition)
	if err != nil {
		return Position{}, fmt.Errorf("router: position of replica %s: %w", n.name, err)
	}
	n.advance(p)
	return p, nil
}
