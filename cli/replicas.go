package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/athanor-orm/athanor/migrate"
	"github.com/athanor-orm/athanor/router"
)

// replicas prints the primary's position and each replica's state as the
// router's monitor sees it after its first probes. It fails when a
// replica is down.
func (r *runner) cmdReplicas(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	if len(r.replicas) == 0 {
		return usageError{"no replica: give --replica DSN (repeatable) or set ATHANOR_REPLICAS"}
	}
	rt, err := r.router(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	g := rt.Group(router.DefaultGroup)
	pos, err := migrate.PrimaryPosition(ctx, g.Primary())
	if err != nil {
		return err
	}
	// Wait for the monitor to have probed every replica (a position, or
	// a failure), at most a few seconds.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var st []router.ReplicaStatus
	for {
		st = g.Replicas()
		probed := true
		for _, s := range st {
			if s.Up && s.Position.IsZero() {
				probed = false
			}
		}
		if probed {
			break
		}
		select {
		case <-tick.C:
			continue
		case <-wctx.Done():
		}
		break
	}
	tw := tabwriter.NewWriter(r.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tHEALTH\tLAG\tPOSITION")
	fmt.Fprintf(tw, "%s\tprimary\tup\t-\t%s\n", g.Primary().String(), pos)
	down := 0
	for _, s := range st {
		health, lag, p := "up", s.Lag.Round(time.Millisecond).String(), s.Position.String()
		switch {
		case !s.Up:
			down++
			health = "DOWN"
			if s.Err != nil {
				health += ": " + s.Err.Error()
			}
		case s.Position.IsZero():
			health = "unknown (not probed yet)"
		case s.Position.Covers(pos):
			lag += " (caught up)"
		}
		if p == "" {
			p = "-"
		}
		fmt.Fprintf(tw, "%s\treplica\t%s\t%s\t%s\n", s.Name, health, lag, p)
	}
	tw.Flush()
	if down > 0 {
		return fmt.Errorf("%d replica(s) down", down)
	}
	return nil
}
