package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/athanor-orm/athanor/examples/conduit/load"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// Read scaling of the whole service (issue 21's acceptance): the load
// generator's default mix against the API on PostgreSQL, every node
// reached through a proxy adding scalingDelay each way, every node's pool
// scalingPool connections, the same client concurrency for each setup:
//
//   - primary-only: no replicas;
//   - replicas: reads to the two replicas (the router's default);
//   - primary-reads: the primary a read candidate beside them
//     (router.Config.PrimaryReads), chosen by load.
//
// Each b.N iteration is one timed load run; reads/s is its OK reads per
// second. Figures go in README.md, not here.
//
//	cd examples/conduit && go test -run '^$' -bench ReadScaling -benchtime 1x -count 5
const (
	scalingDelay       = 2 * time.Millisecond
	scalingPool        = 4
	scalingConcurrency = 32
	scalingDuration    = 8 * time.Second
)

func BenchmarkReadScaling(b *testing.B) {
	testdb.RequireReplicas(b, testdb.KindPostgres, 2)
	through := func(e testdb.Endpoint) string {
		p := faultproxy.Start(b, e.Addr())
		p.SetLatency(scalingDelay)
		e = p.Endpoint(e)
		if e.Params == nil {
			e.Params = map[string][]string{}
		}
		e.Params.Set("pool_max_conns", fmt.Sprint(scalingPool))
		return e.URL()
	}
	setups := []struct {
		name         string
		replicas     bool
		primaryReads bool
	}{
		{"primary-only", false, false},
		{"replicas", true, false},
		{"primary-reads", true, true},
	}
	for _, su := range setups {
		b.Run(su.name, func(b *testing.B) {
			ctx := context.Background()
			c := testdb.PG(b) // a fresh database: the runs' seeds do not meet
			var replicas []string
			if su.replicas {
				replicas = []string{through(c.Replicas[0]), through(c.Replicas[1])}
			}
			app, err := newApp(ctx, Config{
				DB: through(c.Primary), Replicas: replicas, JWTSecret: []byte("bench"), BcryptCost: bcrypt.MinCost,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				RouterConfig: func(rc *router.Config) {
					rc.PrimaryReads = su.primaryReads
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			defer app.Close(ctx)
			srv := httptest.NewServer(app.Handler())
			defer srv.Close()
			var reads, writes, errs float64
			for i := 0; i < b.N; i++ {
				rep, err := load.Run(ctx, load.Config{
					BaseURL: srv.URL + "/api", Duration: scalingDuration,
					Concurrency: scalingConcurrency, Users: 32, Articles: 200, Seed: time.Now().UnixNano(),
				})
				if err != nil {
					b.Fatal(err)
				}
				reads += rep.Reads.Throughput
				writes += rep.Writes.Throughput
				errs += float64(rep.Total.Errors)
				b.Logf("%s run %d:\n%s", su.name, i, rep)
			}
			b.ReportMetric(reads/float64(b.N), "reads/s")
			b.ReportMetric(writes/float64(b.N), "writes/s")
			b.ReportMetric(errs/float64(b.N), "errors/run")
			b.ReportMetric(0, "ns/op")
		})
	}
}
