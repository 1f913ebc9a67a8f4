package router

import (
	"sync/atomic"
	"time"
)

// Candidate is what a Policy sees of a node that may serve a read: a
// replica in service, or, with Config.PrimaryReads, the group's primary.
// The router's candidates also tell whether they are the primary and the
// size of their connection pool; IsPrimary and Load read those, so that
// Candidate implementations of your own (a policy's test fakes) need not.
type Candidate interface {
	// Name identifies the node (host:port unless configured).
	Name() string
	// Lag is the replication lag measured by the last health probe; zero
	// for the primary.
	Lag() time.Duration
	// InFlight is the number of statements the router is running on it,
	// those waiting for one of its connections included (on the primary:
	// reads, writes and read-write transactions).
	InFlight() int64
}

// IsPrimary reports whether c is its group's primary, which the router
// offers a Policy only with Config.PrimaryReads. A Candidate says so with
// a method Primary() bool, as the router's do; one without it is a
// replica.
func IsPrimary(c Candidate) bool {
	p, ok := c.(interface{ Primary() bool })
	return ok && p.Primary()
}

// Load is c's InFlight per connection of its pool: 1 when every
// connection is busy, above 1 when statements wait for one. A Candidate
// gives its pool size with a method PoolSize() int, as the router's do
// (the engine's MaxConns); without it, or with a size below 1, Load is
// InFlight.
func Load(c Candidate) float64 {
	n := float64(c.InFlight())
	if p, ok := c.(interface{ PoolSize() int }); ok && p.PoolSize() > 0 {
		return n / float64(p.PoolSize())
	}
	return n
}

// Policy chooses among the nodes that may serve a read: all are healthy,
// within MaxLag, and (for a read with a causal token) known to have reached
// it; the primary is among them only with Config.PrimaryReads. Pick
// returns an index into cands, which is never empty. Policies must be
// safe for concurrent use.
type Policy interface {
	Pick(cands []Candidate) int
}

// PolicyFunc adapts a function to Policy.
type PolicyFunc func(cands []Candidate) int

// Pick calls f.
func (f PolicyFunc) Pick(cands []Candidate) int { return f(cands) }

// RoundRobin spreads reads evenly over the candidates.
func RoundRobin() Policy { return &roundRobin{} }

type roundRobin struct{ n atomic.Uint64 }

func (r *roundRobin) Pick(cands []Candidate) int {
	return int(r.n.Add(1) % uint64(len(cands)))
}

// LeastLag picks the replica with the smallest measured lag; ties go round
// robin so equal replicas share the load.
func LeastLag() Policy { return &leastBy{key: func(c Candidate) int64 { return int64(c.Lag()) }} }

// LeastInFlight picks the replica running the fewest statements; ties go
// round robin.
func LeastInFlight() Policy { return &leastBy{key: Candidate.InFlight} }

type leastBy struct {
	key func(Candidate) int64
	n   atomic.Uint64
}

func (l *leastBy) Pick(cands []Candidate) int {
	start := int(l.n.Add(1) % uint64(len(cands)))
	best, bestKey := start, l.key(cands[start])
	for i := 1; i < len(cands); i++ {
		j := (start + i) % len(cands)
		if k := l.key(cands[j]); k < bestKey {
			best, bestKey = j, k
		}
	}
	return best
}
