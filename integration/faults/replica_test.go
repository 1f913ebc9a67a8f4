package faults

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

const (
	seedRows = 20
	// readDeadline is each read's own deadline: a read the router holds
	// that long on a dead replica has failed its caller.
	readDeadline = 2 * time.Second
	// attemptTimeout is the per-attempt read timeout the router is given,
	// where it has one (issue 15, bug 5).
	attemptTimeout = 300 * time.Millisecond
)

// attemptTimeoutFields are the names a per-attempt read timeout of
// router.Config may have. Set by reflection so that this suite compiles
// before the option exists; the scenario then fails until it does.
var attemptTimeoutFields = []string{"ReadTimeout", "ReadAttemptTimeout", "AttemptTimeout", "ReplicaTimeout", "ReplicaReadTimeout"}

// setAttemptTimeout sets the router's per-attempt read timeout and
// returns the field's name, or "" if the router has none.
func setAttemptTimeout(cfg *router.Config, d time.Duration) string {
	v := reflect.ValueOf(cfg).Elem()
	for _, name := range attemptTimeoutFields {
		f := v.FieldByName(name)
		if f.IsValid() && f.CanSet() && f.Type() == reflect.TypeFor[time.Duration]() {
			f.SetInt(int64(d))
			return name
		}
	}
	return ""
}

// TestReplicaFaultsUnderReaders runs 8 readers through a router while one
// replica is frozen (its traffic stops, connections stay open: SIGSTOP)
// or stopped (every connection reset, new ones refused). Every read must
// succeed within its deadline and see every row: the router retries
// failed reads elsewhere and stops waiting for a frozen replica after
// its per-attempt timeout.
func TestReplicaFaultsUnderReaders(t *testing.T) {
	faults := []struct {
		name   string
		inject func(p *faultproxy.Proxy)
		heal   func(p *faultproxy.Proxy)
	}{
		{"frozen", (*faultproxy.Proxy).Freeze, (*faultproxy.Proxy).Thaw},
		{"stopped", func(p *faultproxy.Proxy) { p.Refuse(true); p.ResetAll() }, func(p *faultproxy.Proxy) { p.Refuse(false) }},
	}
	for _, s := range networked {
		t.Run(s.name, func(t *testing.T) {
			testdb.RequireReplicas(t, kindOf(s), 1)
			e := newEnv(t, s)
			seed(t, e)
			for _, f := range faults {
				t.Run(f.name, func(t *testing.T) {
					readersUnderFault(t, e, f.name, f.inject, f.heal)
				})
			}
		})
	}
}

func kindOf(s server) testdb.Kind {
	if s.name == "postgres" {
		return testdb.KindPostgres
	}
	return testdb.KindMySQL
}

// seed inserts seedRows rows and waits until every replica has them.
func seed(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	for i := range seedRows {
		if _, err := e.direct.Exec(ctx, e.insertRow(fmt.Sprintf("seed-%02d", i), i)); err != nil {
			t.Fatal(err)
		}
	}
	testdb.CaughtUp(t, e.c)
}

// readStats are the readers' figures.
type readStats struct {
	reads, failed, wrong atomic.Int64
	mu                   sync.Mutex
	latencies            []time.Duration
	errs                 errSample
}

func (s *readStats) record(op string, d time.Duration, err error, rows int) {
	s.reads.Add(1)
	if err != nil {
		s.failed.Add(1)
		s.errs.add(op, err)
	} else if rows != seedRows {
		s.wrong.Add(1)
		s.errs.add(op, fmt.Errorf("read %d rows, want %d", rows, seedRows))
	}
	s.mu.Lock()
	s.latencies = append(s.latencies, d)
	s.mu.Unlock()
}

func (s *readStats) percentile(p float64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.latencies) == 0 {
		return 0
	}
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return l[int(float64(len(l)-1)*p)]
}

func readersUnderFault(t *testing.T, e *env, fault string, inject, heal func(*faultproxy.Proxy)) {
	const (
		readers = 8
		before  = 300 * time.Millisecond
		during  = 2 * time.Second
		after   = 300 * time.Millisecond
	)
	ctx := context.Background()
	primary := openEngine(t, e.proxy.Endpoint(e.c.Primary).URL(), 0)
	var replicas []*engine.DB
	var proxies []*faultproxy.Proxy
	for _, r := range e.c.Replicas {
		p := faultproxy.Start(t, r.Addr())
		proxies = append(proxies, p)
		replicas = append(replicas, openEngine(t, p.Endpoint(r).URL(), 0))
	}
	cfg := router.Config{
		Groups:         []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
		HealthInterval: 200 * time.Millisecond,
	}
	field := setAttemptTimeout(&cfg, attemptTimeout)
	rt, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	victim := proxies[0]
	t.Cleanup(func() { heal(victim) }) // before the router closes

	var st readStats
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := session.New(session.Router(rt), session.Options{Registry: e.reg})
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rctx, cancel := context.WithTimeout(ctx, readDeadline)
				start := time.Now()
				op, n, err := read(rctx, e, rt, s, w+i)
				cancel()
				st.record(op, time.Since(start), err, n)
			}
		}()
	}
	time.Sleep(before)
	inject(victim)
	time.Sleep(during)
	heal(victim)
	time.Sleep(after)
	close(stop)
	wg.Wait()

	failed, wrong := st.failed.Load(), st.wrong.Load()
	if failed > 0 || wrong > 0 {
		t.Errorf("%s replica on %s: %d of %d reads failed, %d read wrong rows; want 0 (per-attempt timeout field: %q):%s",
			fault, e.name, failed, st.reads.Load(), wrong, field, &st.errs)
	}
	timeout := "no per-attempt read timeout in router.Config"
	if field != "" {
		timeout = fmt.Sprintf("router.Config.%s=%v", field, attemptTimeout)
	}
	report(t, "faults: %s replica %s: %d readers %v, %d reads, %d failed, %d wrong; latency p50 %v p99 %v max %v; %s; victim proxy %s",
		fault, e.name, readers, before+during+after, st.reads.Load(), failed, wrong,
		st.percentile(0.5).Round(time.Microsecond), st.percentile(0.99).Round(time.Millisecond), st.percentile(1).Round(time.Millisecond),
		timeout, victim.Stats())
}

// read runs one read of every seeded row through the router, by one of
// its read paths in turn, and returns the path, the rows read and the
// error.
func read(ctx context.Context, e *env, rt *router.Router, s *session.Session, i int) (string, int, error) {
	seeded := core.StartsWith(e.rows.C("k"), "seed-")
	switch i % 4 {
	case 0:
		var n int64
		err := rt.QueryRow(ctx, core.Select(core.Count(core.Star())).From(e.rows).Where(seeded)).Scan(&n)
		return "router QueryRow", int(n), err
	case 1:
		n := 0
		err := rt.QueryFunc(ctx, core.Select(e.rows.C("k")).From(e.rows).Where(seeded), func(r *engine.Rows) error {
			for r.Next() {
				n++
			}
			return r.Err()
		})
		return "router QueryFunc", n, err
	case 2:
		rows, err := rt.Query(ctx, core.Select(e.rows.C("k")).From(e.rows).Where(seeded))
		if err != nil {
			return "router Query", 0, err
		}
		n := 0
		for rows.Next() {
			n++
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		return "router Query", n, err
	default:
		objs, err := session.Query[faultRow](s).Where(seeded).All(ctx)
		return "session Query.All", len(objs), err
	}
}
