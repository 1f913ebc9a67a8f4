package router

import (
	"context"
	"sync"
	"time"
)

// monitor probes a group's replicas every HealthInterval until Close.
func (r *Router) monitor(g *Group) {
	defer r.done.Done()
	t := time.NewTicker(r.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.HealthInterval)
		go func() { // Close must not wait a whole probe timeout.
			select {
			case <-r.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		g.probe(ctx)
		cancel()
	}
}

// probe samples the primary's position, then each replica's replay
// position, concurrently, and updates health and lag.
//
// Lag is measured by positions, not by the replica's replay timestamp
// (which grows on an idle primary): it is the age of the newest primary
// sample the replica has reached, zero if it has reached the latest.
func (g *Group) probe(ctx context.Context) {
	if len(g.replicas) == 0 {
		// No monitor: the primary's name is asked after a reset, by the
		// next write (namePrimary).
		return
	}
	now := time.Now()
	p, err := g.primaryPosition(ctx)
	g.probePrimary(err)
	if err == nil {
		g.histMu.Lock()
		g.hist = append(g.hist, sample{now, p})
		if len(g.hist) > historyLen {
			g.hist = append(g.hist[:0], g.hist[len(g.hist)-historyLen:]...)
		}
		g.histMu.Unlock()
	}
	var wg sync.WaitGroup
	for _, n := range g.replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := g.replicaPosition(ctx, n)
			if err != nil {
				n.markDown(err)
				return
			}
			n.lag.Store(int64(g.lagOf(p, time.Now())))
			n.markUp()
		}()
	}
	wg.Wait()
	// The server answered as a primary: which one is it? Asked after the
	// replicas, whose probes must not wait for it.
	if err == nil && g.primary.naming.Load() != nameKnown {
		_ = g.askPrimaryName(ctx)
	}
}

func (g *Group) lagOf(p Position, now time.Time) time.Duration {
	g.histMu.Lock()
	defer g.histMu.Unlock()
	if len(g.hist) == 0 {
		return 0
	}
	for i := len(g.hist) - 1; i >= 0; i-- {
		if p.Covers(g.hist[i].pos) {
			if i == len(g.hist)-1 {
				return 0
			}
			// Behind the sample after i: it has lagged at least since then.
			return now.Sub(g.hist[i+1].at)
		}
	}
	return now.Sub(g.hist[0].at)
}
