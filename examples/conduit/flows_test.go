package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// flowKey marks the requests whose routing decisions the flow test counts.
type flowKey struct{}

// TestFollowYourWrites runs 1,000 flows of "create an article, then list
// my articles in the next request" from concurrent clients, each with
// its own cookie jar, while replay on the replicas is paused and resumed
// at random: the list must always hold the article just created (the
// causal token cookie sends the read to a replica that has it, or to the
// primary). It reports the share of those reads served by replicas.
//
// Pausing replicas needs testdb.LockReplication, which waits until no
// other test on the servers holds a database: with other packages'
// tests running that can be minutes, so the test runs only when
// CONDUIT_FLOWS=1.
func TestFollowYourWrites(t *testing.T) {
	if os.Getenv("CONDUIT_FLOWS") != "1" {
		t.Skip("set CONDUIT_FLOWS=1 to run the 1,000 follow-your-writes flows (they pause replicas)")
	}
	for _, b := range backends[1:] {
		t.Run(b.name, func(t *testing.T) {
			kind := map[string]testdb.Kind{"postgres": testdb.KindPostgres, "mariadb": testdb.KindMySQL}[b.name]
			testdb.Require(t, kind)
			testdb.LockReplication(t) // we pause replicas: nobody else may rely on them meanwhile
			var replicaReads, primaryReads atomic.Int64
			e := newEnv(t, b, func(cfg *Config) {
				cfg.RouterConfig = func(rc *router.Config) {
					rc.CausalWait = 20 * time.Millisecond
					rc.Observer = router.ObserverFunc(func(ctx context.Context, d router.Decision) {
						if ctx.Value(flowKey{}) == nil {
							return
						}
						if d.Role == router.RoleReplica {
							replicaReads.Add(1)
						} else {
							primaryReads.Add(1)
						}
					})
				}
				inner := cfg.Middleware
				cfg.Middleware = append([]func(http.Handler) http.Handler{func(h http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.Method == http.MethodGet && r.Header.Get("X-Flow-Read") != "" {
							r = r.WithContext(context.WithValue(r.Context(), flowKey{}, true))
						}
						h.ServeHTTP(w, r)
					})
				}}, inner...)
			})

			// Pause and resume replay at random until the flows end.
			stop := make(chan struct{})
			var toggles sync.WaitGroup
			toggles.Add(1)
			go func() {
				defer toggles.Done()
				rng := rand.New(rand.NewPCG(1, 2))
				paused := make([]bool, len(e.cluster.Replicas))
				defer func() {
					for i, p := range paused {
						if p {
							if err := testdb.Resume(context.Background(), e.cluster.Replicas[i]); err != nil {
								t.Errorf("resume %s: %v", e.cluster.Replicas[i], err)
							}
						}
					}
				}()
				tick := time.NewTicker(15 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					i := rng.IntN(len(paused))
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					var err error
					if paused[i] {
						err = testdb.Resume(ctx, e.cluster.Replicas[i])
					} else {
						err = testdb.Pause(ctx, e.cluster.Replicas[i])
					}
					cancel()
					if err != nil {
						t.Errorf("toggle replay on %s: %v", e.cluster.Replicas[i], err)
						return
					}
					paused[i] = !paused[i]
				}
			}()

			const clients, flows = 8, 1000
			var stale atomic.Int64
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					jar, _ := cookiejar.New(nil)
					ce := &env{t: t, srv: e.srv, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
					name := fmt.Sprintf("writer%d", c)
					tok := ce.register(name)
					for i := range flows / clients {
						slug := ce.article(tok, fmt.Sprintf("%s post %d", name, i))
						r := ce.doHeader("GET", "/api/articles?author="+name+"&limit=1", tok, "X-Flow-Read")
						list, _ := r.body["articles"].([]any)
						n, _ := r.body["articlesCount"].(float64)
						if r.status != 200 || len(list) != 1 || obj(list[0])["slug"] != slug || int(n) != i+1 {
							stale.Add(1)
							t.Errorf("stale read after creating %s (%d articles): %d %s", slug, i+1, r.status, r.raw)
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			toggles.Wait()
			rep, pri := replicaReads.Load(), primaryReads.Load()
			t.Logf("%s: %d flows, %d stale; list reads' statements served by replicas: %d of %d (%.1f%%)",
				b.name, flows, stale.Load(), rep, rep+pri, 100*float64(rep)/float64(max(rep+pri, 1)))
			if stale.Load() != 0 {
				t.Fatalf("%d stale reads", stale.Load())
			}
		})
	}
}

// doHeader is do with one more request header set.
func (e *env) doHeader(method, path, token, header string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set(header, "1")
	return e.send(req, token)
}
