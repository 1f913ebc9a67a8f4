package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/session"
)

// slowQuery is a read that takes a few milliseconds on each server, so
// that cancellations land while it runs.
func slowQuery(e *env) core.Statement {
	switch e.name {
	case "postgres":
		return core.Raw("SELECT 1 FROM pg_sleep(0.003)").ReadOnly()
	case "mariadb":
		return core.Raw("SELECT SLEEP(0.003)").ReadOnly()
	default:
		return core.Raw("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 5000) SELECT count(*) FROM c").ReadOnly()
	}
}

// TestCancelStorm has 16 goroutines issue reads, writes and transactions
// on one engine with contexts cancelled at random points (before the
// call, 0–15ms into it, or 100ms into it). Every call must either succeed
// or fail with an error matching context.Canceled; afterwards the pool
// must be healthy: nothing in use, every connection it holds works, and
// no goroutine is left once the engine is closed.
func TestCancelStorm(t *testing.T) {
	const (
		workers  = 16
		duration = time.Second
		maxConns = 8
	)
	each(t, everyServer, func(t *testing.T, e *env) {
		ignore := goleak.IgnoreCurrent()
		db := openEngine(t, e.dsn, maxConns)
		for i := range seedRows {
			if _, err := db.Exec(context.Background(), e.insertRow(fmt.Sprintf("seed-%02d", i), i)); err != nil {
				t.Fatal(err)
			}
		}
		slow := slowQuery(e)

		var calls, cancelled, succeeded, unexpected atomic.Int64
		var errs errSample
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := session.New(session.DB(db), session.Options{Registry: e.reg})
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					ctx, cancel := context.WithCancel(context.Background())
					switch rand.IntN(8) {
					case 0:
						cancel()
					case 1: // not cancelled during the call: on a loaded
						// machine even a late cancel can catch every call
						// and the storm needs successes too
					default:
						time.AfterFunc(time.Duration(rand.IntN(15000))*time.Microsecond, cancel)
					}
					op, err := stormOp(ctx, e, db, s, slow, fmt.Sprintf("c%d-%d", w, i), i)
					ended := ctx.Err() != nil
					cancel()
					calls.Add(1)
					switch {
					case err == nil:
						succeeded.Add(1)
					case errors.Is(err, context.Canceled) && ended:
						cancelled.Add(1)
					default:
						unexpected.Add(1)
						errs.add(op, err)
					}
				}
			}()
		}
		time.Sleep(duration)
		close(stop)
		wg.Wait()

		if n := unexpected.Load(); n > 0 {
			t.Errorf("%d of %d calls failed with an error other than their cancellation:%s", n, calls.Load(), &errs)
		}
		if cancelled.Load() == 0 || succeeded.Load() == 0 {
			t.Errorf("%d calls cancelled, %d succeeded: the storm needs both", cancelled.Load(), succeeded.Load())
		}

		// The pool settles: nothing in use or being opened.
		deadline := time.Now().Add(5 * time.Second)
		var st engine.Stats
		for {
			st = db.Stats()
			if st.InUseConns == 0 && st.ConstructingConns == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if st.InUseConns != 0 || st.ConstructingConns != 0 || st.TotalConns > maxConns || st.IdleConns != st.TotalConns {
			t.Errorf("pool after the storm: %+v; want nothing in use or being opened, at most %d connections, all idle", st, maxConns)
		}
		// Every pooled connection works: hold them all at once, each
		// running a statement.
		healthy := checkEveryConn(t, e, db, maxConns, slow)

		db.Close()
		leak := goleak.Find(ignore)
		if leak != nil {
			t.Errorf("goroutines left after the storm and Close: %v", leak)
		}
		report(t, "faults: cancel storm %s: %d goroutines %v, %d calls, %d ok, %d cancelled, %d other errors; pool after: %d conns (%d idle), %d destroyed (%d broken); %d/%d held connections healthy; goroutine leak: %v",
			e.name, workers, duration, calls.Load(), succeeded.Load(), cancelled.Load(), unexpected.Load(),
			st.TotalConns, st.IdleConns, st.DestroyedConns, st.DestroyedBroken, healthy, maxConns, leak != nil)
	})
}

// stormOp runs one operation of the storm, chosen by i.
func stormOp(ctx context.Context, e *env, db *engine.DB, s *session.Session, slow core.Statement, key string, i int) (string, error) {
	switch i % 5 {
	case 0:
		var v int64
		return "QueryRow", db.QueryRow(ctx, slow).Scan(&v)
	case 1:
		return "QueryFunc", db.QueryFunc(ctx, core.Select(e.rows.C("k")).From(e.rows), func(r *engine.Rows) error {
			for r.Next() {
			}
			return r.Err()
		})
	case 2:
		_, err := db.Exec(ctx, e.insertRow(key, 0))
		return "Exec", err
	case 3:
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			return "Begin", err
		}
		if _, err := tx.Exec(ctx, e.insertRow(key, 0)); err != nil {
			_ = tx.Rollback(context.Background())
			return "Tx Exec", err
		}
		var v int64
		if err := tx.QueryRow(ctx, slow).Scan(&v); err != nil {
			_ = tx.Rollback(context.Background())
			return "Tx QueryRow", err
		}
		return "Tx Commit", tx.Commit(ctx)
	default:
		_, err := session.Query[faultRow](s).Where(core.StartsWith(e.rows.C("k"), "seed-")).All(ctx)
		return "session Query.All", err
	}
}

// checkEveryConn holds n connections at once (each in a transaction, so
// the pool hands out every idle one before opening more) and runs a
// statement on each; it returns how many worked.
func checkEveryConn(t *testing.T, e *env, db *engine.DB, n int, slow core.Statement) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var txs []*engine.Tx
	defer func() {
		for _, tx := range txs {
			_ = tx.Rollback(context.Background())
		}
	}()
	ok := 0
	for range n {
		// Read-only: SQLite holds no write lock for it, so n of them
		// can be open at once there too.
		tx, err := db.Begin(ctx, engine.TxOptions{ReadOnly: true})
		if err != nil {
			t.Errorf("health check: begin on connection %d: %v", len(txs)+1, err)
			continue
		}
		txs = append(txs, tx)
		var v int64
		if err := tx.QueryRow(ctx, slow).Scan(&v); err != nil {
			t.Errorf("health check: statement on connection %d: %v", len(txs), err)
			continue
		}
		ok++
	}
	return ok
}
