package engine_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestPoolLifetimeAndStats runs in a synctest bubble: the pool's health
// check ticker and connection lifetimes run on the bubble's fake clock, so
// the 150 ms wait passes every lifetime and several checks exactly, not
// "probably" on a loaded machine.
func TestPoolLifetimeAndStats(t *testing.T) {
	dsn := "sqlite://" + testdb.SQLite(t) + "?pool_max_conns=3&pool_max_conn_lifetime=50ms&pool_max_conn_lifetime_jitter=10ms&pool_health_check_period=20ms"
	synctest.Test(t, func(t *testing.T) {
		cfg, err := engine.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.MaxConns != 3 || cfg.MaxConnLifetime != 50*time.Millisecond {
			t.Fatalf("pool params not parsed: %+v", cfg)
		}
		ctx := context.Background()
		db, err := engine.OpenConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() { _, _ = db.Exec(ctx, core.Raw("SELECT 1").ReadOnly()) })
		}
		wg.Wait()
		// Past every connection's lifetime (at most 60 ms) and the next
		// health check after it.
		time.Sleep(150 * time.Millisecond)
		synctest.Wait()
		_ = db.Ping(ctx)
		s := db.Stats()
		if s.MaxConns != 3 || s.AcquireCount < 6 || s.DestroyedExpired == 0 || s.TotalConns > 3 || s.InUseConns != 0 {
			t.Fatalf("stats: %+v", s)
		}
	})
}
