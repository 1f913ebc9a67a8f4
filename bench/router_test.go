package bench

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

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
// the first does). primary+2replicas reads from the replicas only (the
// default); primary+2replicas-weighted sets Config.PrimaryReads, so that
// the LeastLoaded policy gives the primary a share of the reads when it
// has room. Metrics: reads/s; primary-share, the fraction of reads the
// primary served. For ratios that resist the machine's noise see
// BenchmarkRouterReadMix.
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
		name         string
		replicas     int
		conns        int32
		primaryReads bool
	}{
		{"primary", 0, poolSize, false},
		{"primary-12conns", 0, 3 * poolSize, false},
		{"primary+2replicas", 2, poolSize, false},
		{"primary+2replicas-weighted", 2, poolSize, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			gc := router.GroupConfig{Name: router.DefaultGroup, Primary: throughProxy(b, c.Primary, tc.conns)}
			for _, r := range c.Replicas[:tc.replicas] {
				gc.Replicas = append(gc.Replicas, throughProxy(b, r, tc.conns))
			}
			var reads, onPrimary atomic.Int64
			rt, err := router.New(router.Config{
				Groups:       []router.GroupConfig{gc},
				PrimaryReads: tc.primaryReads,
				Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
					reads.Add(1)
					if d.Role == router.RolePrimary {
						onPrimary.Add(1)
					}
				}),
			})
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
			reads.Store(0)
			onPrimary.Store(0)
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
			if n := reads.Load(); n > 0 {
				b.ReportMetric(float64(onPrimary.Load())/float64(n), "primary-share")
			}
		})
	}
}

// BenchmarkRouterReadMix: the same 32 readers by key against three
// routers set up side by side, poolSize connections per node, every node
// behind its own latency proxy: the primary alone, the primary and two
// replicas reading from the replicas only (the default), and the same
// with Config.PrimaryReads (LeastLoaded, the primary takes reads when it
// has room). One operation is a round: each router in turn, in the order
// ABC then CBA, for mixBlock of wall time. Interleaving the three in
// blocks a fraction of a second long makes the ratios resist what else
// the shared machine does, which moves separate sub-benchmarks by ±40 %.
// Metrics: reads/s of each, each one's ratio to the primary alone
// (x-primary, over the whole run), and the weighted router's
// primary-share.
func BenchmarkRouterReadMix(b *testing.B) {
	e := setupPG(b)
	c := e.cluster
	if len(c.Replicas) < 2 {
		b.Skip("needs 2 PostgreSQL replicas (ATHANOR_PG_REPLICAS)")
	}
	e.seed(b, 1)
	testdb.CaughtUp(b, c)
	ctx := context.Background()
	stmt := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), 1))
	const (
		readers  = 32
		mixBlock = 150 * time.Millisecond
	)
	type mixRouter struct {
		name             string
		rt               *router.Router
		reads, onPrimary atomic.Int64 // decisions
		done             int64        // reads completed in the blocks
		took             time.Duration
	}
	open := func(name string, replicas int, primaryReads bool) *mixRouter {
		m := &mixRouter{name: name}
		gc := router.GroupConfig{Name: router.DefaultGroup, Primary: throughProxy(b, c.Primary, poolSize)}
		for _, r := range c.Replicas[:replicas] {
			gc.Replicas = append(gc.Replicas, throughProxy(b, r, poolSize))
		}
		rt, err := router.New(router.Config{
			Groups:       []router.GroupConfig{gc},
			PrimaryReads: primaryReads,
			Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
				m.reads.Add(1)
				if d.Role == router.RolePrimary {
					m.onPrimary.Add(1)
				}
			}),
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { rt.Close() })
		m.rt = rt
		return m
	}
	mix := []*mixRouter{open("primary", 0, false), open("replicas", 2, false), open("weighted", 2, true)}
	// block runs the readers on m until mixBlock has passed.
	block := func(m *mixRouter) error {
		var done atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		start := time.Now()
		end := start.Add(mixBlock)
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(end) {
					if _, err := engine.One[Model](ctx, m.rt, stmt); err != nil {
						errs <- err
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		m.took += time.Since(start)
		m.done += done.Load()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}
	for _, m := range mix { // warm every pool
		if err := block(m); err != nil {
			b.Fatal(err)
		}
		m.done, m.took = 0, 0
		m.reads.Store(0)
		m.onPrimary.Store(0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range mix {
			m := mix[j]
			if i%2 == 1 {
				m = mix[len(mix)-1-j]
			}
			if err := block(m); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	rate := func(m *mixRouter) float64 { return float64(m.done) / m.took.Seconds() }
	for _, m := range mix {
		b.ReportMetric(rate(m), m.name+"-reads/s")
		if m != mix[0] {
			b.ReportMetric(rate(m)/rate(mix[0]), m.name+"-x-primary")
		}
	}
	w := mix[2]
	b.ReportMetric(float64(w.onPrimary.Load())/float64(max(1, w.reads.Load())), "weighted-primary-share")
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
