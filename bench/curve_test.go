package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The throughput curve: ReadByPK (row 1) and EagerLoad (100×10×3) run by
// exactly G goroutines sharing one pool of P connections per library, for
// G in curveGoroutines and P in curvePools, so that the curve shows where
// each library saturates (the pool, the client's CPU, or the server).
// Sub-benchmarks are named pool=<P>/goroutines=<G>/<impl>, which cmd/report
// parses to draw one chart per pool size; metric ops/s (b.N operations over
// the wall time from the first to the last, all goroutines together).

var (
	curveGoroutines = []int{1, 2, 4, 8, 16, 32}
	curvePools      = []int32{4, 16}
)

// curveEnvs opens one env per pool size on one fresh database.
func curveEnvs(b *testing.B) []*env {
	first := setupPG(b)
	envs := []*env{first}
	for _, p := range curvePools[1:] {
		envs = append(envs, openEnvConns(b, first.cluster, true, p))
	}
	if first.conns != curvePools[0] {
		b.Fatalf("curve: the first env has %d connections, want %d", first.conns, curvePools[0])
	}
	return envs
}

func BenchmarkCurveReadByPK(b *testing.B) {
	envs := curveEnvs(b)
	envs[0].seed(b, 1)
	benchCurve(b, envs, func(e *env) []namedOp {
		var out []namedOp
		for _, im := range []impl{e.ormImpl(), e.pgxImpl(), e.bunImpl(), e.gormImpl()} {
			out = append(out, namedOp{im.name, func(ctx context.Context) error { return im.readByPK(ctx, 1) }})
		}
		return out
	})
}

func BenchmarkCurveEagerLoad(b *testing.B) {
	envs := curveEnvs(b)
	envs[0].seedEager(b)
	benchCurve(b, envs, func(e *env) []namedOp {
		e.bun.RegisterModel((*bBookTag)(nil))
		return []namedOp{{"athanor", e.eagerAthanor}, {"pgx", e.eagerPgx}, {"bun", e.eagerBun}, {"gorm", e.eagerGorm}}
	})
}

func benchCurve(b *testing.B, envs []*env, ops func(*env) []namedOp) {
	for _, e := range envs {
		ims := ops(e)
		for _, im := range ims { // once per pool: connections open, statements prepared
			warmConcurrent(b, int(e.conns), func() error { return im.fn(context.Background()) })
		}
		b.Run(fmt.Sprintf("pool=%d", e.conns), func(b *testing.B) {
			for _, g := range curveGoroutines {
				b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
					for _, im := range ims {
						b.Run(im.name, func(b *testing.B) { runConcurrent(b, g, im.fn) })
					}
				})
			}
		})
	}
}

// runConcurrent runs b.N operations of op on g goroutines taking them from
// one counter, and reports ops/s over the wall time. The pool is warm
// (benchCurve).
func runConcurrent(b *testing.B, g int, op func(context.Context) error) {
	ctx := context.Background()
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range g {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := op(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
}

// warmConcurrent runs fn warmups times on each of n goroutines at once,
// so that every connection of the pool is open and has its statements.
func warmConcurrent(b *testing.B, n int, fn func() error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			for range warmups {
				if err := fn(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
