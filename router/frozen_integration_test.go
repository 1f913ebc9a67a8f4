package router_test

// Issue 15, bug 5: a frozen replica (SIGSTOP, a proxy that stops
// forwarding) must not hold reads until their callers' deadlines. Each
// attempt on a replica is bounded by Config.ReadTimeout; past it the
// attempt is cancelled, the replica is out of service and the read goes
// elsewhere.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

func TestFrozenReplicaReadsGoElsewhere(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		setup := newRouter(t, c, router.Config{})
		createItems(t, setup, c)
		for id := int64(1); id <= 3; id++ {
			insert(t, setup, context.Background(), id)
		}
		testdb.CaughtUp(t, c)
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

		const (
			readTimeout = 400 * time.Millisecond
			// margin covers the retry's own read on a loaded machine.
			margin  = 2 * time.Second
			readers = 8
		)
		p := faultproxy.Start(t, c.Replicas[0].Addr())
		defer p.Close()
		gc := router.GroupConfig{Primary: openEngine(t, c.Primary), ReplicaNames: []string{"frozen"}}
		frozen := openEngine(t, p.Endpoint(c.Replicas[0]))
		gc.Replicas = append(gc.Replicas, frozen)
		for _, rep := range c.Replicas[1:] {
			gc.Replicas = append(gc.Replicas, openEngine(t, rep))
			gc.ReplicaNames = append(gc.ReplicaNames, rep.Addr())
		}
		var retries atomic.Int64
		r, err := router.New(router.Config{
			Groups:      []router.GroupConfig{gc},
			ReadTimeout: readTimeout,
			// Probes are slower to give up than the reads, so it is the
			// reads' bound that is tested.
			HealthInterval: 3 * time.Second,
			Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
				if d.Reason == router.ReasonRetry {
					retries.Add(1)
				}
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		sel := core.Select(items.C("note")).From(items).OrderBy(items.C("id"))
		// Every path in turn; each read returns the three notes.
		readVia := func(ctx context.Context, i int) error {
			var n int
			var err error
			switch i % 4 {
			case 0:
				var notes []string
				notes, err = engine.All[string](ctx, r, sel)
				n = len(notes)
			case 1:
				err = r.QueryFunc(ctx, sel, func(rows *engine.Rows) error {
					for rows.Next() {
						n++
					}
					return rows.Err()
				})
			case 2:
				var res []engine.BatchResult
				if res, err = r.Batch(ctx, sel); err == nil {
					err = res[0].Err
					n = int(res[0].RowsAffected)
				}
			default:
				var note string
				err = r.QueryRow(ctx, sel).Scan(&note)
				n = 3
			}
			if err == nil && n != 3 {
				err = fmt.Errorf("read %d rows, want 3", n)
			}
			return err
		}
		for i := range 8 { // the frozen replica's pool holds connections
			if err := readVia(context.Background(), i); err != nil {
				t.Fatal(err)
			}
		}

		p.Freeze()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, readers)
		took := make([]time.Duration, readers)
		for w := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				s := time.Now()
				errs[w] = readVia(ctx, w)
				took[w] = time.Since(s)
			}()
		}
		wg.Wait()
		for w := range readers {
			if errs[w] != nil {
				t.Errorf("reader %d: %v", w, errs[w])
			} else if took[w] > readTimeout+margin {
				t.Errorf("reader %d took %v with a frozen replica; want at most ReadTimeout %v + %v", w, took[w], readTimeout, margin)
			}
		}
		t.Logf("%d readers done %v after the freeze; %d retries", readers, time.Since(start).Round(time.Millisecond), retries.Load())
		if retries.Load() == 0 {
			t.Error("no read was retried away from the frozen replica")
		}
		if st := status(r, "frozen"); st.Up {
			t.Errorf("frozen replica still in service: %+v", st)
		}
		// Reads after the freeze was noticed go straight elsewhere.
		for i := range 4 {
			var d router.Decision
			s := time.Now()
			if err := readVia(router.WithDecision(context.Background(), &d), i); err != nil || d.Node == "frozen" {
				t.Fatalf("read after the freeze: decision %+v, %v", d, err)
			}
			if el := time.Since(s); el > readTimeout {
				t.Errorf("read after the freeze took %v", el)
			}
		}

		p.Thaw()
		waitFor(t, 15*time.Second, "readmission of the thawed replica", func() bool { return status(r, "frozen").Up })
		// The cancelled attempts left no broken connection behind: every
		// read on the thawed replica works.
		served := 0
		for i := range 16 {
			var d router.Decision
			if err := readVia(router.WithDecision(context.Background(), &d), i); err != nil {
				t.Fatalf("read %d after the thaw: %v (decision %+v)", i, err, d)
			}
			if d.Node == "frozen" {
				served++
			}
		}
		if served == 0 {
			t.Error("thawed replica got no reads")
		}
		waitFor(t, 10*time.Second, "the thawed replica's connections back in the pool", func() bool {
			return frozen.Stats().InUseConns == 0
		})
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		p.Close()
	})
}

// A read-only transaction on a frozen replica is bounded as a read is: its
// BEGIN and its statements wait at most ReadTimeout for an answer. While
// nothing has run in it, it moves to another node; afterwards the error
// is the caller's, and ending the transaction does not hang either.
func TestFrozenReplicaReadOnlyTx(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		setup := newRouter(t, c, router.Config{})
		createItems(t, setup, c)
		for id := int64(1); id <= 3; id++ {
			insert(t, setup, context.Background(), id)
		}
		testdb.CaughtUp(t, c)

		const (
			readTimeout = 400 * time.Millisecond
			margin      = 2 * time.Second
		)
		p := faultproxy.Start(t, c.Replicas[0].Addr())
		defer p.Close()
		primary := openEngine(t, c.Primary)
		r, err := router.New(router.Config{
			Groups: []router.GroupConfig{{
				Primary:      primary,
				Replicas:     []*engine.DB{openEngine(t, p.Endpoint(c.Replicas[0]))},
				ReplicaNames: []string{"frozen"},
			}},
			ReadTimeout: readTimeout,
			// Probes are slower to give up than the bound under test.
			HealthInterval: 3 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		sel := core.Select(core.Count(core.Star())).From(items)
		ro := engine.TxOptions{ReadOnly: true}
		count := func(ctx context.Context, tx *router.Tx) (int, error) {
			var n int
			err := tx.QueryRow(ctx, sel).Scan(&n)
			return n, err
		}
		// The replica's pool holds idle connections.
		for range 4 {
			tx, err := r.Begin(context.Background(), ro)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := count(context.Background(), tx); err != nil || n != 3 || tx.Node() != "frozen" {
				t.Fatalf("warm-up on %s: %d, %v", tx.Node(), n, err)
			}
			if err := tx.Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
		}

		// Nothing ran yet: the transaction moves to the primary.
		p.Freeze()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		start := time.Now()
		tx, err := r.Begin(ctx, ro)
		if err != nil {
			t.Fatalf("read-only Begin with the replica frozen: %v", err)
		}
		n, err := count(ctx, tx)
		took := time.Since(start)
		if err != nil || n != 3 {
			t.Fatalf("first statement with the replica frozen: %d, %v (on %s)", n, err, tx.Node())
		}
		if tx.Node() == "frozen" {
			t.Error("the transaction stayed on the frozen replica")
		}
		if took > 2*readTimeout+margin {
			t.Errorf("Begin and first statement took %v with a frozen replica; want at most %v", took, 2*readTimeout+margin)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if st := status(r, "frozen"); st.Up {
			t.Errorf("frozen replica still in service: %+v", st)
		}
		t.Logf("moved to %s in %v", tx.Node(), took.Round(time.Millisecond))

		// A statement after the first: bounded, the caller's error.
		p.Thaw()
		waitFor(t, 15*time.Second, "readmission of the thawed replica", func() bool { return status(r, "frozen").Up })
		tx, err = r.Begin(ctx, ro)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := count(ctx, tx); err != nil || n != 3 || tx.Node() != "frozen" {
			t.Fatalf("first statement on %s: %d, %v", tx.Node(), n, err)
		}
		p.Freeze()
		start = time.Now()
		_, err = count(ctx, tx)
		if !errors.Is(err, engine.ErrFirstRowTimeout) {
			t.Errorf("second statement on the frozen replica: %v, want ErrFirstRowTimeout", err)
		}
		rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer rcancel()
		_ = tx.Rollback(rctx)
		if took := time.Since(start); took > readTimeout+margin {
			t.Errorf("statement and rollback took %v with a frozen replica; want at most %v", took, readTimeout+margin)
		}
		if st := status(r, "frozen"); st.Up {
			t.Errorf("frozen replica still in service after a timed-out statement: %+v", st)
		}
		p.Thaw()
	})
}
