package router_test

// Issue 15, bug 5: a replica whose connections die before a read's first
// row is retried elsewhere on every read path, never once rows reached the
// caller. The connections are killed on the replica itself, with
// pg_terminate_backend, as an administrator or a standby restart does.

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// terminateBackends ends the client backends of the test database on the
// PostgreSQL server e (all but its own, or only those running a statement
// that contains running), waiting until each has exited, and returns how
// many it ended.
func terminateBackends(t testing.TB, e testdb.Endpoint, running string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := testdb.ConnectPG(ctx, e)
	if err != nil {
		t.Errorf("connect to %s: %v", e, err)
		return 0
	}
	defer c.Close(context.Background())
	var n int
	err = c.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
		AND ($1 = '' OR (state = 'active' AND strpos(query, $1) > 0))`, running).Scan(&n)
	if err != nil {
		t.Errorf("terminate backends on %s: %v", e, err)
	}
	return n
}

// warmReplicas makes every replica engine hold idle pooled connections,
// so that the next reads on them reuse connections that are about to be
// killed.
func warmReplicas(t testing.TB, r *router.Router, n int) {
	t.Helper()
	for range 4 * n {
		var one int
		if err := r.QueryRow(context.Background(), core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadsRetriedWhenReplicaBackendsAreTerminated(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	setup := newRouter(t, c, router.Config{})
	createItems(t, setup, c)
	for id := int64(1); id <= 3; id++ {
		insert(t, setup, context.Background(), id)
	}
	testdb.CaughtUp(t, c)
	// The read sleeps before its first row, so its backend can be killed
	// while it runs: the error then comes after the statement was sent,
	// with the result, not when sending it.
	sel := core.Raw("SELECT note FROM items, pg_sleep(0.4) AS s ORDER BY id").ReadOnly()

	paths := []struct {
		name string
		// read runs the read path and returns the notes it read.
		read func(ctx context.Context, r *router.Router) ([]string, error)
	}{
		{"Query", func(ctx context.Context, r *router.Router) ([]string, error) {
			rows, err := r.Query(ctx, sel)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return nil, err
				}
				out = append(out, s)
			}
			return out, rows.Err()
		}},
		{"QueryFunc", func(ctx context.Context, r *router.Router) ([]string, error) {
			var out []string
			err := r.QueryFunc(ctx, sel, func(rows *engine.Rows) error {
				var err error
				out, err = engine.Collect[string](rows)
				return err
			})
			return out, err
		}},
		{"QueryRow", func(ctx context.Context, r *router.Router) ([]string, error) {
			var s string
			err := r.QueryRow(ctx, sel).Scan(&s)
			return []string{s, "n2", "n3"}, err
		}},
		{"engine.All", func(ctx context.Context, r *router.Router) ([]string, error) {
			return engine.All[string](ctx, r, sel)
		}},
		{"Batch", func(ctx context.Context, r *router.Router) ([]string, error) {
			res, err := r.Batch(ctx, sel)
			if err != nil {
				return nil, err
			}
			if res[0].Err != nil {
				return nil, res[0].Err
			}
			return engine.Collect[string](res[0].Rows())
		}},
		{"Exec", func(ctx context.Context, r *router.Router) ([]string, error) {
			res, err := r.Exec(ctx, sel)
			if err == nil && res.RowsAffected != 3 {
				t.Errorf("read Exec: %d rows, want 3", res.RowsAffected)
			}
			return []string{"n1", "n2", "n3"}, err
		}},
		{"session.Scan", func(ctx context.Context, r *router.Router) ([]string, error) {
			s := session.New(session.Router(r), session.Options{})
			return session.Scan[string](ctx, s, sel)
		}},
	}
	// idle: the replicas' pooled connections are killed between reads;
	// running: the backend running the read is killed before its first row.
	for _, mode := range []string{"idle", "running"} {
		for _, p := range paths {
			t.Run(mode+"/"+p.name, func(t *testing.T) {
				// A router per case, whose monitor does not notice the
				// kills first: only the read does.
				r := newRouter(t, c, router.Config{HealthInterval: time.Hour})
				warmReplicas(t, r, len(c.Replicas))
				var killed atomic.Int64
				done := make(chan struct{})
				if mode == "idle" {
					for _, rep := range c.Replicas {
						killed.Add(int64(terminateBackends(t, rep, "")))
					}
					close(done)
				} else {
					go func() {
						defer close(done)
						for end := time.Now().Add(5 * time.Second); killed.Load() == 0 && time.Now().Before(end); {
							time.Sleep(20 * time.Millisecond)
							for _, rep := range c.Replicas {
								killed.Add(int64(terminateBackends(t, rep, "pg_sleep(0.4)")))
							}
						}
					}()
				}
				var d router.Decision
				got, err := p.read(router.WithDecision(context.Background(), &d), r)
				<-done
				if killed.Load() == 0 {
					t.Fatal("no router connection to terminate on the replicas")
				}
				if err != nil {
					t.Fatalf("read after the replica's backends were terminated: %v", err)
				}
				if len(got) != 3 || got[0] != "n1" || got[2] != "n3" {
					t.Fatalf("read %q, want n1 n2 n3", got)
				}
				if d.Reason != router.ReasonRetry {
					t.Errorf("decision %+v: want the read retried after the replica failed", d)
				}
				down := 0
				for _, st := range r.Group(router.DefaultGroup).Replicas() {
					if !st.Up {
						down++
						if !athanor.IsConnectionError(st.Err) {
							t.Errorf("replica %s is down for %v, want a connection error", st.Name, st.Err)
						}
					}
				}
				if down == 0 {
					t.Error("no replica was taken out of service by the failed read")
				}
			})
		}
	}
}

// Once rows reached the caller, a failure is the caller's: the read is not
// run again (fn would see rows twice).
func TestReadNotRetriedAfterRowsWereDelivered(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	r := newRouter(t, c, router.Config{HealthInterval: time.Hour})
	ctx := context.Background()
	// Large enough that the server is still sending when the backend dies.
	big := core.Raw("SELECT g, repeat('x', 200) FROM generate_series(1, 2000000) g").ReadOnly()

	var calls atomic.Int32
	var d router.Decision
	err := r.QueryFunc(router.WithDecision(ctx, &d), big, func(rows *engine.Rows) error {
		calls.Add(1)
		if !rows.Next() {
			return errors.New("no first row")
		}
		for _, rep := range c.Replicas {
			if rep.Addr() == d.Node {
				terminateBackends(t, rep, "")
			}
		}
		for rows.Next() {
		}
		return rows.Err()
	})
	if d.Role != router.RoleReplica {
		t.Fatalf("decision %+v: want a replica", d)
	}
	if err == nil || !athanor.IsConnectionError(err) {
		t.Fatalf("QueryFunc after its replica died mid-result: err = %v, want the connection error", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("fn called %d times, want once: a read that delivered rows was retried", n)
	}
}
