package testdb

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// PGShard2 gives the test a fresh database on the second PostgreSQL
// cluster (scripts/dbup-shard: ATHANOR_PG_SHARD2_PRIMARY and
// ATHANOR_PG_SHARD2_REPLICAS), visible on its replicas, dropped when the
// test ends: shard 2 of the router's sharding tests, shard 1 being PG.
// Without those variables the test is skipped, or failed under CI.
// Pausing its replicas needs LockReplication, as for PG's.
func PGShard2(t testing.TB) Cluster {
	t.Helper()
	raw := os.Getenv("ATHANOR_PG_SHARD2_PRIMARY")
	if raw == "" {
		skipOrFail(t, "ATHANOR_PG_SHARD2_PRIMARY is unset; run `eval \"$(scripts/dbup-shard)\"` (scripts/dbup runs it)")
	}
	p, err := ParseEndpoint(raw)
	if err != nil {
		t.Fatalf("testdb: ATHANOR_PG_SHARD2_PRIMARY: %v", err)
	}
	var reps []Endpoint
	for _, r := range strings.Split(os.Getenv("ATHANOR_PG_SHARD2_REPLICAS"), ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		e, err := ParseEndpoint(r)
		if err != nil {
			t.Fatalf("testdb: ATHANOR_PG_SHARD2_REPLICAS: %v", err)
		}
		reps = append(reps, e)
	}
	if len(reps) > 0 {
		holdShared(t)
	}
	name := DBName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := createDatabase(ctx, p, name); err != nil {
		skipOrFail(t, fmt.Sprintf("shard-2 primary %s: create database %s: %v", p, name, err))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, p, name); err != nil {
			t.Errorf("testdb: drop database %s on shard 2: %v", name, err)
		}
	})
	c := Cluster{Primary: p.WithDatabase(name)}
	for _, r := range reps {
		c.Replicas = append(c.Replicas, r.WithDatabase(name))
		if err := waitDatabase(ctx, c.Replicas[len(c.Replicas)-1]); err != nil {
			t.Fatalf("testdb: database %s did not reach shard-2 replica %s: %v", name, r, err)
		}
	}
	return c
}
