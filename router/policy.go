package router

import (
	"sync/atomic"
	"time"
)

// Candidate is what a Policy sees of a replica in service.
type Candidate interface {
	// Name identifies the replica (host:port unless configured).
	Name() string
	// Lag is the replication lag measured by the last health probe.
	Lag() time.Duration
	// InFlight is the number of statements the router is running on it.
	InFlight() int64
}

// Policy chooses among the replicas that may serve a read: all are healthy,
// within MaxLag, and (for a read with a causal token) known to have reached
// it. Pick returns an index into cands, which is never empty. Policies must
// be safe for concurrent use.
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
