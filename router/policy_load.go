package router

import "sync/atomic"

// LeastLoaded picks the candidate with the least Load: statements in
// flight per pooled connection, so nodes with pools of different sizes
// fill alike. It is the default Policy with Config.PrimaryReads, where it
// lets the primary take a share of the reads when it has room: the
// primary wins only when its load is strictly below every replica's, so
// an idle primary serves reads while the replicas are busy, and a primary
// busy with writes (which count in its load) leaves the reads to them.
// Replicas of equal load take turns.
func LeastLoaded() Policy { return &leastLoaded{} }

type leastLoaded struct{ n atomic.Uint64 }

// loadKey orders candidates: less load first, a replica before the
// primary at equal load.
type loadKey struct {
	load    float64
	primary bool
}

func (a loadKey) less(b loadKey) bool {
	return a.load < b.load || (a.load == b.load && !a.primary && b.primary)
}

func (l *leastLoaded) Pick(cands []Candidate) int {
	// Each key is read once: InFlight moves under us.
	var buf [8]loadKey
	keys := buf[:0]
	for _, c := range cands {
		keys = append(keys, loadKey{Load(c), IsPrimary(c)})
	}
	best, ties := keys[0], 1
	for _, k := range keys[1:] {
		switch {
		case k.less(best):
			best, ties = k, 1
		case k == best:
			ties++
		}
	}
	// Equal candidates take turns.
	nth := int(l.n.Add(1) % uint64(ties))
	for i, k := range keys {
		if k == best {
			if nth == 0 {
				return i
			}
			nth--
		}
	}
	return 0 // unreachable: best is one of keys
}
