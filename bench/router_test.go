package bench

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// Workloads where round trips, not this 2-core machine, dominate: every
// connection goes through a latencyProxy adding injectedDelay each way.

const (
	injectedDelay = 2 * time.Millisecond
	injectedRTT   = 2 * injectedDelay
)

// throughProxy opens an engine on ep reached through a latency proxy.
func throughProxy(b *testing.B, ep testdb.Endpoint, maxConns int32) *engine.DB {
	b.Helper()
	p := startProxy(b, ep.Addr(), injectedDelay)
	ep.Host, ep.Port = "127.0.0.1", p.Port()
	cfg, err := engine.ParseConfig(ep.URL())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = maxConns
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return db // closed by the router, or by the caller
}

// BenchmarkRouterParallelRead: 32 goroutines reading one row by key
// (ten reads per operation),
// through the router, against the primary alone and against the primary
// plus two replicas; every engine has poolSize connections. The
// primary-12conns entry gives the primary alone as many connections as the
// three nodes have together, to separate "more servers" from "more
// connections" (with the servers idle, both help; with loaded servers only
// the first does).
func BenchmarkRouterParallelRead(b *testing.B) {
	e := setupPG(b)
	c := e.cluster
	if len(c.Replicas) < 2 {
		b.Skip("needs 2 PostgreSQL replicas (ATHANOR_PG_REPLICAS)")
	}
	e.seed(b, 1)
	testdb.CaughtUp(b, c)
	ctx := context.Background()
	stmt := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), 1))
	for _, tc := range []struct {
		name     string
		replicas int
		conns    int32
	}{
		{"primary", 0, poolSize},
		{"primary-12conns", 0, 3 * poolSize},
		{"primary+2replicas", 2, poolSize},
	} {
		b.Run(tc.name, func(b *testing.B) {
			gc := router.GroupConfig{Name: router.DefaultGroup, Primary: throughProxy(b, c.Primary, tc.conns)}
			for _, r := range c.Replicas[:tc.replicas] {
				gc.Replicas = append(gc.Replicas, throughProxy(b, r, tc.conns))
			}
			rt, err := router.New(router.Config{Groups: []router.GroupConfig{gc}})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			read := func() error {
				_, err := engine.One[Model](ctx, rt, stmt)
				return err
			}
			// One operation is readsPerOp reads, so that a modest
			// -benchtime=Nx still keeps every connection busy for a while.
			const readsPerOp = 10
			warmParallel(b, read)
			b.SetParallelism(16) // 32 goroutines on 2 CPUs
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					for range readsPerOp {
						if err := read(); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
			b.ReportMetric(float64(b.N*readsPerOp)/time.Since(start).Seconds(), "reads/s")
		})
	}
}

// BenchmarkPipeline8: eight independent reads by key, one after another
// vs handed to engine Batch (pgx pipeline mode: one round trip), with raw
// pgx (one by one, pgx.Batch) as the floor. The rtt metric is the time of
// one operation in measured round trips (see below).
func BenchmarkPipeline8(b *testing.B) {
	e := setupPG(b)
	e.seed(b, 8)
	ctx := context.Background()
	db := throughProxy(b, e.cluster.Primary, poolSize)
	defer db.Close()
	stmts := make([]core.Statement, 8)
	for i := range stmts {
		stmts[i] = core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), i+1))
	}
	var rtt time.Duration // measured below: one query through the proxy
	run := func(b *testing.B, op func() error) {
		warm(b, op)
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			if err := op(); err != nil {
				b.Fatal(err)
			}
		}
		per := time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(per)/float64(rtt), "rtt")
	}
	// The floor: raw pgx through the same proxy, one query after another
	// and as one pgx.Batch.
	pp := startProxy(b, e.cluster.Primary.Addr(), injectedDelay)
	pep := e.cluster.Primary
	pep.Host, pep.Port = "127.0.0.1", pp.Port()
	pcfg, err := pgxpool.ParseConfig(pep.DriverDSN())
	if err != nil {
		b.Fatal(err)
	}
	pcfg.MaxConns = poolSize
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	scanOne := func(row pgx.Row) error {
		var m Model
		return row.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
	}
	// One round trip, as this machine delivers it: the median of single
	// queries through the proxy (2×injectedDelay plus the proxy's and the
	// server's time). The rtt metric counts operations in these units.
	{
		var ts []time.Duration
		for range 51 {
			start := time.Now()
			if err := scanOne(pool.QueryRow(ctx, pgSQL.selectByPK, 1)); err != nil {
				b.Fatal(err)
			}
			ts = append(ts, time.Since(start))
		}
		slices.Sort(ts)
		rtt = ts[len(ts)/2]
		b.Logf("measured round trip through the proxy: %v (injected %v)", rtt, injectedRTT)
	}
	b.Run("pgx-sequential", func(b *testing.B) {
		run(b, func() error {
			for i := range 8 {
				if err := scanOne(pool.QueryRow(ctx, pgSQL.selectByPK, i+1)); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("pgx-batch", func(b *testing.B) {
		run(b, func() error {
			var batch pgx.Batch
			for i := range 8 {
				batch.Queue(pgSQL.selectByPK, i+1)
			}
			br := pool.SendBatch(ctx, &batch)
			for range 8 {
				if err := scanOne(br.QueryRow()); err != nil {
					br.Close()
					return err
				}
			}
			return br.Close()
		})
	})
	b.Run("sequential", func(b *testing.B) {
		run(b, func() error {
			for _, st := range stmts {
				if _, err := engine.One[Model](ctx, db, st); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("batch", func(b *testing.B) {
		run(b, func() error {
			res, err := db.Batch(ctx, stmts...)
			if err != nil {
				return err
			}
			for i := range res {
				if res[i].Err != nil {
					return res[i].Err
				}
				ms, err := engine.Collect[Model](res[i].Rows())
				if err != nil {
					return err
				}
				if err := check(len(ms), 1); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
