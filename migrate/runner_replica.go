package migrate

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// ReplicaError is a replica that had not replayed the migrations within
// Config.ReplicaTimeout. It matches ErrReplicaTimeout.
type ReplicaError struct {
	Node   string          // the replica's name in the router
	Target router.Position // the primary's position after the run
	At     router.Position // the replica's position as last seen
	Up     bool            // whether it passed its last health probe
	Cause  error           // why it is down, if it is
	After  time.Duration
}

func (e *ReplicaError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "migrate: replica %s has not replayed the migrations (primary at %s) after %s: it is at %s", e.Node, e.Target, e.After.Round(time.Millisecond), posString(e.At))
	if !e.Up {
		b.WriteString(", down")
		if e.Cause != nil {
			fmt.Fprintf(&b, " (%v)", e.Cause)
		}
	}
	return b.String()
}

func (e *ReplicaError) Is(target error) bool { return target == ErrReplicaTimeout }

func posString(p router.Position) string {
	if p.IsZero() {
		return "an unknown position"
	}
	return p.String()
}

// PrimaryPosition asks db (a primary) for its replication position, with
// the queries its dialect's core.Replication names (the PostgreSQL WAL
// LSN, MariaDB's @@gtid_binlog_pos, MySQL's executed GTID set). It covers
// every commit acknowledged before the call. A dialect without
// replication positions (SQLite) gives the zero Position.
func PrimaryPosition(ctx context.Context, db *engine.DB) (router.Position, error) {
	r, ok := db.Dialect().(core.Replication)
	if !ok {
		return router.Position{}, nil
	}
	var s string
	if err := db.QueryRow(ctx, core.Raw(r.PrimaryPositionQuery()).ReadOnly()).Scan(&s); err != nil {
		return router.Position{}, fmt.Errorf("migrate: position of the primary: %w", err)
	}
	p, err := r.ParsePrimaryPosition(s)
	if err != nil {
		return router.Position{}, fmt.Errorf("migrate: position of the primary: %w", err)
	}
	return router.NewPosition(r, p), nil
}

// waitReplicas waits until every replica of the router's default group
// reports (through the router's health monitor) a replay position that
// covers the primary's position after the run.
func (m *Migrator) waitReplicas(ctx context.Context) ([]ReplicaWait, error) {
	g := defaultGroup(m.cfg.Router)
	if g == nil || len(g.Replicas()) == 0 {
		return nil, nil
	}
	target, err := PrimaryPosition(ctx, g.Primary())
	if err != nil || target.IsZero() {
		return nil, err
	}
	return WaitReplicas(ctx, g, target, m.cfg.ReplicaTimeout, m.cfg.Log)
}

// WaitReplicas waits up to timeout until every replica of g reports a
// replay position covering target, as the router's monitor samples them
// (each Config.HealthInterval). A replica still behind at the timeout is
// a *ReplicaError naming it. log, if not nil, gets a line per replica.
func WaitReplicas(ctx context.Context, g *router.Group, target router.Position, timeout time.Duration, log io.Writer) ([]ReplicaWait, error) {
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	n := len(g.Replicas())
	done := make([]bool, n)
	out := make([]ReplicaWait, 0, n)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for i, s := range g.Replicas() {
			if !done[i] && s.Up && s.Position.Covers(target) {
				done[i] = true
				w := ReplicaWait{Name: s.Name, Position: s.Position.String(), Waited: time.Since(start)}
				out = append(out, w)
				if log != nil {
					fmt.Fprintf(log, "replica %s replayed %s after %s\n", w.Name, target, w.Waited.Round(time.Millisecond))
				}
			}
		}
		if len(out) == n {
			return out, nil
		}
		select {
		case <-tick.C:
			continue
		case <-wctx.Done():
		}
		if ctx.Err() != nil {
			return out, fmt.Errorf("migrate: waiting for replicas: %w", ctx.Err())
		}
		for i, s := range g.Replicas() {
			if !done[i] {
				return out, &ReplicaError{Node: s.Name, Target: target, At: s.Position, Up: s.Up, Cause: s.Err, After: time.Since(start)}
			}
		}
	}
}
