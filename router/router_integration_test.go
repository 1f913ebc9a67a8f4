package router_test

// Routing against real primaries and real replicas, made to lag and fail
// on purpose. Where a test needs to know which server served a statement,
// it asks the server (pg_is_in_recovery(), @@server_id) rather than trust
// the router's own decision.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

type family struct {
	name        string
	kind        testdb.Kind
	cluster     func(testing.TB) testdb.Cluster
	minReplicas int
	// onReplica is a read-only statement whose single bool result is true
	// when the server answering it is a replica.
	onReplica string
}

var families = []family{
	{"postgres", testdb.KindPostgres, testdb.PG, 2, "SELECT pg_is_in_recovery()"},
	{"mariadb", testdb.KindMySQL, testdb.MySQL, 1, "SELECT @@read_only = 1"},
}

func eachFamily(t *testing.T, body func(t *testing.T, f family)) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			testdb.RequireReplicas(t, f.kind, f.minReplicas)
			body(t, f)
		})
	}
}

func openEngine(t testing.TB, e testdb.Endpoint) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), e.URL())
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	return db
}

// newRouter opens engines on the cluster and a router over them, closed at
// cleanup. cfg's Groups are filled in.
func newRouter(t testing.TB, c testdb.Cluster, cfg router.Config) *router.Router {
	t.Helper()
	gc := router.GroupConfig{Name: router.DefaultGroup, Primary: openEngine(t, c.Primary)}
	for _, r := range c.Replicas {
		gc.Replicas = append(gc.Replicas, openEngine(t, r))
		gc.ReplicaNames = append(gc.ReplicaNames, r.Addr())
	}
	cfg.Groups = append([]router.GroupConfig{gc}, cfg.Groups...)
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close router: %v", err)
		}
	})
	return r
}

var items = core.MustTable(core.TableDef{Name: "items", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "note", Type: core.String(64)},
}})

func createItems(t testing.TB, r *router.Router, c testdb.Cluster) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.Exec(ctx, core.CreateTable(items)); err != nil {
		t.Fatal(err)
	}
	testdb.CaughtUp(t, c)
}

func onReplica(t testing.TB, r *router.Router, f family, ctx context.Context) (bool, router.Decision) {
	t.Helper()
	var d router.Decision
	var b bool
	if err := r.QueryRow(router.WithDecision(ctx, &d), core.Raw(f.onReplica).ReadOnly()).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b, d
}

func TestReadsGoToReplicasWritesToPrimary(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		r := newRouter(t, c, router.Config{})
		createItems(t, r, c)
		ctx := context.Background()

		served := map[string]int{}
		for range 20 {
			rep, d := onReplica(t, r, f, ctx)
			if !rep || d.Role != router.RoleReplica || d.Reason != router.ReasonReplica {
				t.Fatalf("plain read: server says replica=%v, decision %+v", rep, d)
			}
			served[d.Node]++
		}
		if len(served) != len(c.Replicas) {
			t.Errorf("round robin used %v, want all %d replicas", served, len(c.Replicas))
		}

		// Raw SQL not marked read-only is a write: the primary answers.
		var b bool
		var d router.Decision
		if err := r.QueryRow(router.WithDecision(ctx, &d), core.Raw(f.onReplica)).Scan(&b); err != nil || b || d.Role != router.RolePrimary {
			t.Fatalf("unmarked Raw: replica=%v err=%v decision %+v; want the primary", b, err, d)
		}

		// Writes that return rows or lock: a replica would refuse each of
		// these with a read-only error, so success proves the primary.
		writes := []struct {
			name string
			stmt core.Statement
		}{
			{"insert returning", core.Insert(items).Columns(items.Columns()...).Values(int64(1), "a").Returning(items.C("id"))},
			{"select for update", core.Select(items.C("id")).From(items).ForUpdate()},
		}
		if f.kind == testdb.KindPostgres {
			cte := core.NewCTE("moved").As(core.Insert(items).Columns(items.Columns()...).Values(int64(2), "b").Returning(items.C("id")))
			writes = append(writes, struct {
				name string
				stmt core.Statement
			}{"data-modifying cte", core.Select(core.Count(core.Star())).With(cte).From(cte)})
		}
		for _, w := range writes {
			var d router.Decision
			rows, err := r.Query(router.WithDecision(ctx, &d), w.stmt)
			if err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			for rows.Next() {
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			rows.Close()
			if d.Role != router.RolePrimary || d.Reason != router.ReasonWrite {
				t.Errorf("%s: decision %+v, want primary/write", w.name, d)
			}
		}
	})
}

// readNote reads item id's note through ctx; "" when the row is missing.
func readNote(ctx context.Context, r *router.Router, id int64) (string, error) {
	var note string
	err := r.QueryRow(ctx, core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), id))).Scan(&note)
	if errors.Is(err, engine.ErrNoRows) {
		return "", nil
	}
	return note, err
}

func TestReadYourWritesWithAllReplicasPaused(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		// A short causal wait keeps the fallbacks fast; correctness does
		// not depend on it.
		r := newRouter(t, c, router.Config{CausalWait: 2 * time.Millisecond, MaxLag: -1})
		createItems(t, r, c)
		testdb.LockReplication(t)
		for _, rep := range c.Replicas {
			testdb.PauseReplay(t, rep)
		}

		modes := []struct {
			name string
			// write inserts id and returns the context to read it through.
			write func(t *testing.T, id int64) context.Context
		}{
			{"in session", func(t *testing.T, id int64) context.Context {
				ctx, _ := router.Track(context.Background())
				insert(t, r, ctx, id)
				return ctx
			}},
			{"via context", func(t *testing.T, id int64) context.Context {
				ctx, tr := router.Track(context.Background())
				insert(t, r, ctx, id)
				tok, err := tr.Resolve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return router.WithToken(context.Background(), tok)
			}},
			{"via string", func(t *testing.T, id int64) context.Context {
				ctx, tr := router.Track(context.Background())
				insert(t, r, ctx, id)
				tok, err := tr.Resolve(ctx)
				if err != nil {
					t.Fatal(err)
				}
				back, err := router.ParseToken(tok.String())
				if err != nil {
					t.Fatal(err)
				}
				return router.WithToken(context.Background(), back)
			}},
		}
		// 300 writes and reads per mode: every one must fall back, and the
		// test holds the replication lock, which stops every other test
		// binary's replicated tests meanwhile, for all of them.
		const trials = 300
		id := int64(0)
		for _, m := range modes {
			t.Run(m.name, func(t *testing.T) {
				fallbacks := 0
				for range trials {
					id++
					ctx := m.write(t, id)
					var d router.Decision
					note, err := readNote(router.WithDecision(ctx, &d), r, id)
					if err != nil {
						t.Fatal(err)
					}
					if note != fmt.Sprint("n", id) {
						t.Fatalf("trial %d: read %q after writing it (decision %+v)", id, note, d)
					}
					// Fallback, or no_replica when a probe timed out on a
					// loaded machine and took the replicas out of service:
					// either way the primary served it.
					if d.Role == router.RolePrimary && (d.Reason == router.ReasonFallback || d.Reason == router.ReasonNoReplica) {
						fallbacks++
					}
				}
				if fallbacks != trials {
					t.Errorf("%d of %d reads fell back to the primary, want all (every replica is paused)", fallbacks, trials)
				}
			})
		}

		// Without a token the same reads still go to the (stale) replicas:
		// once they are in service, for a probe that timed out on a
		// loaded machine takes them out (no_replica) until the next one.
		deadline := time.Now().Add(15 * time.Second)
		for {
			var d router.Decision
			note, err := readNote(router.WithDecision(context.Background(), &d), r, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Reason == router.ReasonNoReplica && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if d.Role != router.RoleReplica || note != "" {
				t.Fatalf("tokenless read: note %q decision %+v; want the paused replica's stale answer", note, d)
			}
			break
		}
	})
}

func insert(t *testing.T, r *router.Router, ctx context.Context, id int64) {
	t.Helper()
	if _, err := r.Exec(ctx, core.Insert(items).Columns(items.Columns()...).Values(id, fmt.Sprint("n", id))); err != nil {
		t.Fatal(err)
	}
}

func TestTokenReadsAvoidTheOnePausedReplica(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	r := newRouter(t, c, router.Config{CausalWait: 2 * time.Second, MaxLag: -1})
	createItems(t, r, c)
	testdb.LockReplication(t)
	paused := c.Replicas[0]
	testdb.PauseReplay(t, paused)
	for id := int64(1); id <= 50; id++ {
		ctx, _ := router.Track(context.Background())
		insert(t, r, ctx, id)
		var d router.Decision
		note, err := readNote(router.WithDecision(ctx, &d), r, id)
		if err != nil {
			t.Fatal(err)
		}
		if note == "" {
			t.Fatalf("trial %d: write not seen (decision %+v)", id, d)
		}
		if d.Role != router.RoleReplica || d.Node != c.Replicas[1].Addr() {
			t.Fatalf("trial %d: decision %+v; want the unpaused replica %s", id, d, c.Replicas[1].Addr())
		}
		if d.Reason != router.ReasonCaughtUp && d.Reason != router.ReasonCausalWait {
			t.Fatalf("trial %d: reason %q", id, d.Reason)
		}
	}
}

func TestLaggingReplicaGetsNoReads(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		const maxLag = 300 * time.Millisecond
		r := newRouter(t, c, router.Config{MaxLag: maxLag, HealthInterval: 50 * time.Millisecond})
		createItems(t, r, c)
		testdb.LockReplication(t)
		lagging := c.Replicas[0]
		testdb.PauseReplay(t, lagging)
		ctx := context.Background()
		// Keep the primary moving so the paused replica falls behind.
		deadline := time.Now().Add(10 * time.Second)
		id := int64(0)
		var st router.ReplicaStatus
		for {
			id++
			insert(t, r, ctx, id)
			st = status(r, lagging.Addr())
			if st.Lag > maxLag {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica lag never passed MaxLag: %+v", st)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// One more probe: the lag it measures only grows while replay is
		// paused.
		waitFor(t, 10*time.Second, "a later probe of the lagging replica", func() bool {
			return status(r, lagging.Addr()).Lag > st.Lag
		})
		for range 30 {
			_, d := onReplica(t, r, f, ctx)
			if d.Node == lagging.Addr() {
				// Lag only grows while replay is paused (see lagOf): say
				// whether something resumed it under the test.
				t.Fatalf("lagging replica served a read: %+v (status %+v; replay on the replica: %s)",
					d, status(r, lagging.Addr()), replayState(lagging))
			}
		}
		if err := testdb.Resume(ctx, lagging); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "lagging replica readmitted", func() bool {
			st := status(r, lagging.Addr())
			return st.Up && st.Lag <= maxLag
		})
		seen := false
		for range 20 {
			if _, d := onReplica(t, r, f, ctx); d.Node == lagging.Addr() {
				seen = true
			}
		}
		if !seen {
			t.Fatal("caught-up replica got no reads")
		}
	})
}

func status(r *router.Router, name string) router.ReplicaStatus {
	for _, s := range r.Group(router.DefaultGroup).Replicas() {
		if s.Name == name {
			return s
		}
	}
	return router.ReplicaStatus{}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplicaStoppedMidLoad(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	const interval = 100 * time.Millisecond
	r := newRouter(t, c, router.Config{HealthInterval: interval})
	createItems(t, r, c)
	if _, err := r.Exec(context.Background(), core.Insert(items).Columns(items.Columns()...).Values(int64(1), "x")); err != nil {
		t.Fatal(err)
	}
	testdb.CaughtUp(t, c)
	testdb.LockReplication(t)
	victim := c.Replicas[1]

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var reads, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, err := readNote(context.Background(), r, 1)
				reads.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	restart := testdb.StopReplica(t, victim)
	stopped := time.Now()
	waitFor(t, 5*interval+time.Second, "ejection of the stopped replica", func() bool { return !status(r, victim.Addr()).Up })
	t.Logf("ejected %v after the stop", time.Since(stopped).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	restart()
	waitFor(t, 20*time.Second, "readmission of the restarted replica", func() bool { return status(r, victim.Addr()).Up })
	t.Logf("readmitted %v after the stop", time.Since(stopped).Round(time.Millisecond))
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d reads failed, first: %v", n, reads.Load(), firstErr.Load())
	}
	t.Logf("%d reads, none failed", reads.Load())
}

func TestConcurrentRouting(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		r := newRouter(t, c, router.Config{CausalWait: 500 * time.Millisecond})
		createItems(t, r, c)
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, _ := router.Track(context.Background())
				for i := range 5 {
					id := int64(g*100 + i)
					if _, err := r.Exec(ctx, core.Insert(items).Columns(items.Columns()...).Values(id, fmt.Sprint("n", id))); err != nil {
						errs <- err
						return
					}
					note, err := readNote(ctx, r, id)
					if err != nil || note != fmt.Sprint("n", id) {
						errs <- fmt.Errorf("goroutine %d read %q, %v", g, note, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestTransactions(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		r := newRouter(t, c, router.Config{CausalWait: 5 * time.Second})
		createItems(t, r, c)
		ctx := context.Background()

		// A read-write transaction keeps even its reads on the primary.
		tx, err := r.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var rep bool
		if err := tx.QueryRow(ctx, core.Raw(f.onReplica).ReadOnly()).Scan(&rep); err != nil || rep {
			t.Fatalf("read in a read-write transaction: replica=%v err=%v", rep, err)
		}
		if _, err := tx.Exec(ctx, core.Insert(items).Columns(items.Columns()...).Values(int64(7), "tx")); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		tok := tx.Token()
		if tok.IsZero() {
			t.Fatal("commit returned no causal token")
		}

		// A read-only transaction with that token runs on a replica that
		// has the commit.
		ro, err := r.Begin(router.WithToken(ctx, tok), engine.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer ro.Rollback(ctx)
		if err := ro.QueryRow(ctx, core.Raw(f.onReplica).ReadOnly()).Scan(&rep); err != nil || !rep {
			t.Fatalf("read-only transaction: replica=%v err=%v", rep, err)
		}
		var note string
		if err := ro.QueryRow(ctx, core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), int64(7)))).Scan(&note); err != nil || note != "tx" {
			t.Fatalf("read-only transaction did not see the committed row: %q, %v", note, err)
		}
	})
}

func TestTwoBindGroups(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	testdb.RequireReplicas(t, testdb.KindMySQL, 1)
	main, analytics := testdb.PG(t), testdb.MySQL(t)
	events := core.MustTable(core.TableDef{Name: "events", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "kind", Type: core.String(32)},
	}})
	second := router.GroupConfig{Name: "analytics", Primary: openEngine(t, analytics.Primary)}
	for _, rep := range analytics.Replicas {
		second.Replicas = append(second.Replicas, openEngine(t, rep))
	}
	// The second database joins a running router.
	r := newRouter(t, main, router.Config{})
	if err := r.AddGroup(second); err != nil {
		t.Fatal(err)
	}
	if err := r.Bind("events", "analytics"); err != nil {
		t.Fatal(err)
	}
	ctx, _ := router.Track(context.Background())
	for _, s := range []core.Statement{core.CreateTable(items), core.CreateTable(events)} {
		if _, err := r.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Exec(ctx, core.Insert(events).Columns(events.Columns()...).Values(int64(1), "click")); err != nil {
		t.Fatal(err)
	}
	// The row is on the MariaDB side, read back there (through the token).
	var d router.Decision
	var kind string
	if err := r.QueryRow(router.WithDecision(ctx, &d), core.Select(events.C("kind")).From(events)).Scan(&kind); err != nil || kind != "click" {
		t.Fatalf("read in group analytics: %q, %v", kind, err)
	}
	if d.Group != "analytics" {
		t.Fatalf("events read routed to %+v", d)
	}
	var version string
	if err := r.Group("analytics").Primary().QueryRow(ctx, core.Raw("SELECT version()").ReadOnly()).Scan(&version); err != nil {
		t.Fatal(err)
	}
	// A statement over both groups' tables, and a transaction reaching
	// into the other group, are refused.
	both := core.Select(items.C("id")).From(items).Join(events, core.Eq(items.C("id"), events.C("id")))
	if _, err := r.Query(ctx, both); !errors.Is(err, router.ErrCrossGroup) {
		t.Fatalf("cross-group select: err = %v, want ErrCrossGroup", err)
	}
	tx, err := r.Begin(ctx, engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, core.Insert(events).Columns(events.Columns()...).Values(int64(2), "x")); !errors.Is(err, router.ErrCrossGroup) {
		t.Fatalf("transaction in default group wrote to analytics: err = %v", err)
	}
}

// replayState describes a replica's replay as the server sees it, for
// failure messages.
func replayState(e testdb.Endpoint) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st string
	var err error
	if e.Kind == testdb.KindPostgres {
		c, cerr := testdb.ConnectPG(ctx, e)
		if cerr != nil {
			return cerr.Error()
		}
		defer c.Close(context.Background())
		err = c.QueryRow(ctx, "SELECT pg_get_wal_replay_pause_state() || ' at ' || coalesce(pg_last_wal_replay_lsn()::text, '')").Scan(&st)
	} else {
		db, oerr := testdb.OpenMySQL(e)
		if oerr != nil {
			return oerr.Error()
		}
		defer db.Close()
		err = db.QueryRowContext(ctx, "SELECT CONCAT('gtid_slave_pos ', @@gtid_slave_pos, ', Slave_running ', "+
			"(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'SLAVE_RUNNING'))").Scan(&st)
	}
	if err != nil {
		return err.Error()
	}
	return st
}
