package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// BenchmarkWriteRoundTrips counts the round trips of one-row writes under
// injected latency: InsertOne and UpdateOne for pgx, athanor-core and the
// athanor session (whose Commit runs a transaction); UpdateDetached for
// the session's Attach and Merge; Tx3 for pgx, athanor-core and the
// session. The rtt metric is an
// operation's time in measured round trips, so it shows where a write
// costs more than the one round trip raw pgx needs.
func BenchmarkWriteRoundTrips(b *testing.B) {
	e := setupPG(b)
	e.seed(b, 1)
	ctx := context.Background()
	ep := e.cluster.Primary
	p := startProxy(b, ep.Addr(), injectedDelay)
	ep.Host, ep.Port = "127.0.0.1", p.Port()
	pcfg, err := pgxpool.ParseConfig(ep.DriverDSN())
	if err != nil {
		b.Fatal(err)
	}
	pcfg.MaxConns = poolSize
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	db := throughProxy(b, e.cluster.Primary, poolSize)
	defer db.Close()
	slow := &env{pg: true, cluster: e.cluster, sql: pgSQL, pool: pool, db: db}

	var rtt time.Duration
	{
		var ts []time.Duration
		for range 31 {
			start := time.Now()
			if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
				b.Fatal(err)
			}
			ts = append(ts, time.Since(start))
		}
		slices.Sort(ts)
		rtt = ts[len(ts)/2]
	}
	run := func(b *testing.B, op func() error) {
		warm(b, op)
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(time.Since(start)/time.Duration(b.N))/float64(rtt), "rtt")
	}
	var counter int64 = 1 << 30
	for _, im := range []impl{slow.pgxImpl(), slow.coreImpl(), slow.ormImpl()} {
		b.Run("InsertOne/"+im.name, func(b *testing.B) {
			run(b, func() error { return im.insertOne(ctx) })
		})
		b.Run("InsertMulti100/"+im.name, func(b *testing.B) {
			run(b, func() error { return im.insertMulti100(ctx) })
		})
		b.Run("UpdateOne/"+im.name, func(b *testing.B) {
			run(b, func() error {
				counter++
				_, err := im.updateOne(ctx, 1, counter)
				return err
			})
		})
	}
	// UpdateDetached (one UPDATE, no SELECT; Merge loads first) and Tx3
	// (BEGIN, three statements, COMMIT).
	for _, im := range []struct {
		name string
		fn   func(context.Context, int, int64) (int64, error)
	}{{"athanor", slow.attachUpdate}, {"athanor-merge", slow.mergeUpdate}} {
		b.Run("UpdateDetached/"+im.name, func(b *testing.B) {
			run(b, func() error {
				counter++
				_, err := im.fn(ctx, 1, counter)
				return err
			})
		})
	}
	for _, im := range slow.tx3Impls()[:3] { // pgx, athanor-core, athanor
		b.Run("Tx3/"+im.name, func(b *testing.B) {
			run(b, func() error { counter++; return im.fn(ctx, counter) })
		})
	}
}
