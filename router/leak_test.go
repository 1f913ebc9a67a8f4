package router_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// The monitor and everything the router starts stop with Close.
func TestCloseLeavesNoGoroutine(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	gc := router.GroupConfig{Primary: openEngine(t, c.Primary)}
	for _, rep := range c.Replicas {
		gc.Replicas = append(gc.Replicas, openEngine(t, rep))
	}
	r, err := router.New(router.Config{Groups: []router.GroupConfig{gc}, HealthInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, _ := router.Track(context.Background())
	for range 20 {
		var one int
		if err := r.QueryRow(ctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond) // several probes
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
