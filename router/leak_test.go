package router_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// probeCounter counts the replay-position queries a replica receives: the
// monitor's probes (reads carrying no token send none).
type probeCounter struct{ n atomic.Int64 }

func (p *probeCounter) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	if strings.Contains(d.SQL, "pg_last_wal_replay_lsn") {
		p.n.Add(1)
	}
	return ctx
}

func (p *probeCounter) QueryEnd(context.Context, engine.QueryEndData) {}

// The monitor and everything the router starts stop with Close.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	gc := router.GroupConfig{Primary: openEngine(t, c.Primary)}
	var probes []*probeCounter
	for _, rep := range c.Replicas {
		cfg, err := engine.ParseConfig(rep.URL())
		if err != nil {
			t.Fatal(err)
		}
		pc := &probeCounter{}
		cfg.Hook = pc
		db, err := engine.OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		gc.Replicas = append(gc.Replicas, db)
		probes = append(probes, pc)
	}
	r, err := router.New(router.Config{Groups: []router.GroupConfig{gc}, HealthInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rctx, _ := router.Track(ctx)
	for range 20 {
		var one int
		if err := r.QueryRow(rctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil {
			t.Fatal(err)
		}
	}
	// Close after several probes of every replica, so that the monitor's
	// goroutines have all been started at least once.
	deadline := time.Now().Add(30 * time.Second)
	for i, pc := range probes {
		for pc.n.Load() < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("replica %s: %d probes in 30s", c.Replicas[i], pc.n.Load())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
