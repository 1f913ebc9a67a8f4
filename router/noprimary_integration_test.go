package router_test

// A group whose "primary" is a read-only server — what a demoted primary
// looks like from a connection that still reaches it — on real replicas:
// every write path fails with router.ErrNoPrimary (the server refused, so
// nothing was applied), the primary's pooled connections are dropped so
// that the next ones connect afresh, and the group reports its primary
// down until a write succeeds.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

func TestWriteOnReadOnlyPrimaryIsNoPrimary(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		setup := newRouter(t, c, router.Config{})
		createItems(t, setup, c)
		ctx := context.Background()

		// The first replica stands in for the primary; its pool is
		// warmed with several connections, all to the read-only server.
		demoted := openEngine(t, c.Replicas[0])
		r, err := router.New(router.Config{HealthInterval: time.Hour, Groups: []router.GroupConfig{
			{Primary: demoted, Replicas: []*engine.DB{openEngine(t, c.Replicas[len(c.Replicas)-1])}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		g := r.Group(router.DefaultGroup)

		ins := func(id int64) *core.InsertStmt { return core.Insert(items).Columns(items.C("id")).Values(id) }
		paths := []struct {
			name  string
			write func(ctx context.Context) error
		}{
			{"Exec", func(ctx context.Context) error { _, err := r.Exec(ctx, ins(1)); return err }},
			{"QueryRow RETURNING", func(ctx context.Context) error {
				var id int64
				return r.QueryRow(ctx, ins(2).Returning(items.C("id"))).Scan(&id)
			}},
			{"Batch", func(ctx context.Context) error {
				res, err := r.Batch(ctx, ins(3))
				if err != nil {
					return err
				}
				return res[0].Err
			}},
			{"Tx", func(ctx context.Context) error {
				tx, err := r.Begin(ctx, engine.TxOptions{})
				if err != nil {
					return err
				}
				defer tx.Rollback(ctx)
				if _, err := tx.Exec(ctx, ins(4)); err != nil {
					return err
				}
				return tx.Commit(ctx)
			}},
			{"RunInTx", func(ctx context.Context) error {
				_, err := r.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *router.Tx) error {
					_, err := tx.Exec(ctx, ins(5))
					return err
				})
				return err
			}},
		}
		for _, p := range paths {
			t.Run(p.name, func(t *testing.T) {
				warm(t, demoted, 4)
				before := demoted.Stats().DestroyedConns
				err := p.write(ctx)
				if !errors.Is(err, router.ErrNoPrimary) || !errors.Is(err, athanor.ErrReadOnly) {
					t.Fatalf("write on a read-only primary: %v, want router.ErrNoPrimary wrapping athanor.ErrReadOnly", err)
				}
				if errors.Is(err, athanor.ErrOutcomeUnknown) {
					t.Errorf("a refused write reports an unknown outcome: %v", err)
				}
				// Idle connections leave the pool at once, the one in use
				// on release; they are closed in the background.
				if st := demoted.Stats(); st.TotalConns != 0 {
					t.Errorf("pool after the refusal: %d connections, want none", st.TotalConns)
				}
				for end := time.Now().Add(5 * time.Second); demoted.Stats().DestroyedConns-before < 4; {
					if time.Now().After(end) {
						t.Fatalf("%d connections closed after the refusal, want the 4 of the pool",
							demoted.Stats().DestroyedConns-before)
					}
					time.Sleep(10 * time.Millisecond)
				}
				if st := g.PrimaryStatus(); st.Up || !errors.Is(st.Err, athanor.ErrReadOnly) {
					t.Errorf("primary status %+v, want down for the read-only refusal", st)
				}
			})
		}
		// Reads are unaffected.
		var n int
		if err := r.QueryRow(ctx, core.Select(core.Count(core.Star())).From(items)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("read after the refusals: %d rows, %v", n, err)
		}
	})
}

// warm makes db hold n idle connections.
func warm(t *testing.T, db *engine.DB, n int) {
	t.Helper()
	openConns(t, db, n)
	if st := db.Stats(); int(st.IdleConns) < n {
		t.Fatalf("warm: %d idle connections, want %d", st.IdleConns, n)
	}
}

// openConns opens n connections of db at once and returns them to the pool.
func openConns(t *testing.T, db *engine.DB, n int) {
	t.Helper()
	ctx := context.Background()
	txs := make([]*engine.Tx, n)
	for i := range txs {
		tx, err := db.Begin(ctx, engine.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var one int
		if err := tx.QueryRow(ctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil {
			t.Fatal(err)
		}
		txs[i] = tx
	}
	for _, tx := range txs {
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// The monitor notices a primary that can no longer give a primary
// position (a standby: "recovery is in progress") and reports it down;
// one that answers again is reported up.
func TestMonitorReportsPrimaryThatIsAStandby(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 2)
	c := testdb.PG(t)
	standby := openEngine(t, c.Replicas[0])
	r, err := router.New(router.Config{HealthInterval: 50 * time.Millisecond, Groups: []router.GroupConfig{
		{Primary: standby, Replicas: []*engine.DB{openEngine(t, c.Replicas[1])}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if st := r.Group(router.DefaultGroup).PrimaryStatus(); st.Up || st.Err == nil {
		t.Fatalf("primary status of a standby after the first probe: %+v, want down", st)
	}
	// Each failed probe drops the pooled connections to it.
	before := standby.Stats().DestroyedConns
	openConns(t, standby, 4)
	for end := time.Now().Add(5 * time.Second); standby.Stats().DestroyedConns-before < 4; {
		if time.Now().After(end) {
			t.Fatalf("%d of 4 idle connections to the standby dropped by the monitor", standby.Stats().DestroyedConns-before)
		}
		time.Sleep(10 * time.Millisecond)
	}

	good := newRouter(t, c, router.Config{HealthInterval: 50 * time.Millisecond})
	deadline := time.Now().Add(5 * time.Second)
	for !good.Group(router.DefaultGroup).PrimaryStatus().Up {
		if time.Now().After(deadline) {
			t.Fatalf("primary status of a real primary: %+v, want up", good.Group(router.DefaultGroup).PrimaryStatus())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
