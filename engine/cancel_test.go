package engine_test

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestCancelMidQuery cancels 1,000 long sleeps mid-statement per server.
// Every call must return within its deadline plus 100 ms, no sleep may be
// left running on the server, the pool must stay usable, and no goroutine
// may leak.
func TestCancelMidQuery(t *testing.T) {
	iterations := 1000
	if testing.Short() {
		iterations = 100
	}
	cases := []struct {
		name    string
		dsn     func(t *testing.T) string
		sleep   string
		running string
		// backends counts the server's connections to the test database,
		// but the one asking.
		backends string
		workers  int
	}{
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() },
			"SELECT pg_sleep(10)",
			"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(10)%' AND pid <> pg_backend_pid()",
			"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", 8},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() },
			"SELECT SLEEP(10)",
			"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE '%SELECT SLEEP(10)' AND ID <> CONNECTION_ID()",
			"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := c.dsn(t)
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ctx := context.Background()
			cfg, err := engine.ParseConfig(dsn)
			if err != nil {
				t.Fatal(err)
			}
			cfg.MaxConns = 16
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			admin, err := engine.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			// The server's side of the pool stays bounded: a cancelled
			// statement's thread may outlive the client's socket, and a
			// pool that forgot it could exhaust max_connections (MariaDB
			// 1040) in a storm of cancels.
			var peak atomic.Int64
			sampled := make(chan struct{})
			stopSampling := make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					n, err := engine.One[int64](ctx, admin, core.Raw(c.backends).ReadOnly())
					if err == nil && n > peak.Load() {
						peak.Store(n)
					}
					select {
					case <-stopSampling:
						return
					case <-time.After(10 * time.Millisecond):
					}
				}
			}()
			sleep := core.Raw(c.sleep).ReadOnly()
			// Workers run the iterations side by side: each cancel costs a
			// new connection, which the servers take tens of ms to open.
			workers := c.workers
			var late, wrongErr atomic.Int64
			var mu sync.Mutex
			var worst time.Duration
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < iterations; i += workers {
						// Have an idle connection ready, so that the
						// deadline falls while the statement runs, not
						// while connecting.
						if err := db.Ping(ctx); err != nil {
							t.Errorf("iteration %d: ping: %v", i, err)
							return
						}
						d := time.Duration(200+rand.IntN(2800)) * time.Microsecond
						cctx, cancel := context.WithTimeout(ctx, d)
						start := time.Now()
						_, err := db.Exec(cctx, sleep)
						took := time.Since(start)
						cancel()
						if err == nil {
							t.Errorf("iteration %d: sleep returned no error", i)
							return
						}
						if !errors.Is(err, context.DeadlineExceeded) {
							if wrongErr.Add(1) < 5 {
								t.Errorf("iteration %d: error %v does not match context.DeadlineExceeded", i, err)
							}
						}
						mu.Lock()
						worst = max(worst, took-d)
						mu.Unlock()
						if took > d+100*time.Millisecond {
							late.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			close(stopSampling)
			<-sampled
			t.Logf("%d cancels; worst return %v after the deadline; at most %d server connections", iterations, worst, peak.Load())
			// MaxConns, plus MySQL's side connections for KILL.
			if limit := int64(cfg.MaxConns) + 4; peak.Load() > limit {
				t.Errorf("the server held %d connections to the test database; the pool may account for %d", peak.Load(), limit)
			}
			// The bound is the engine's; the clock is the machine's. Under
			// -race on two loaded cores a goroutine can wait 100 ms for a
			// CPU after the engine has already returned, so a few late
			// calls in a thousand are the scheduler's. A hang (a call
			// waiting on the server) would show as many late calls or one
			// far beyond the bound.
			if n := late.Load(); n > int64(iterations/200) || worst > time.Second {
				t.Errorf("%d of %d calls returned more than 100ms after their deadline (worst %v)", n, iterations, worst)
			} else if n > 0 {
				t.Logf("%d of %d calls were 100ms+ late (scheduler noise; allowed up to %d)", n, iterations, iterations/200)
			}
			// Nothing left running on the server.
			var left int64
			for deadline := time.Now().Add(5 * time.Second); ; {
				left, err = engine.One[int64](ctx, admin, core.Raw(c.running).ReadOnly())
				if err != nil {
					t.Fatal(err)
				}
				if left == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if left != 0 {
				t.Errorf("%d sleeps still running on the server", left)
			}
			admin.Close()
			// The pool is healthy: nothing held, statements run.
			s := poolSettled(t, db)
			// Connections cancelled mid-statement were destroyed, except
			// where the server itself ended the statement first and said
			// so (MariaDB stopping a read at the deadline, PostgreSQL
			// answering the cancel request before the driver gave up):
			// those are in a known state and kept. Which of the two
			// happens is a race; about half or more are destroyed.
			if s.InUseConns != 0 || s.DestroyedBroken < int64(iterations)/4 || s.TotalConns > s.MaxConns {
				t.Errorf("stats after cancels: %+v", s)
			}
			n, err := engine.One[int64](ctx, db, core.Raw("SELECT 42").ReadOnly())
			if err != nil || n != 42 {
				t.Errorf("query after cancels: %d %v", n, err)
			}
			db.Close()
		})
	}
}

// countingProxy forwards TCP to a server and counts the reads of data the
// client sent: each is one client flush (one round trip at most).
type countingProxy struct {
	ln      net.Listener
	target  string
	flushes atomic.Int64
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   []net.Conn
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *countingProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			defer s.Close()
			buf := make([]byte, 64<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 {
					p.flushes.Add(1)
					if _, werr := s.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() {
			defer p.wg.Done()
			defer c.Close()
			_, _ = io.Copy(c, s)
		}()
	}
}

func (p *countingProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestBatchOneRoundTripPG sends 10 independent SELECTs as a batch through
// a proxy that counts client flushes: the batch is one flush, where the
// same statements one by one are ten.
func TestBatchOneRoundTripPG(t *testing.T) {
	ep := testdb.PG(t).Primary
	proxy := newCountingProxy(t, ep.Addr())
	host, port, _ := net.SplitHostPort(proxy.ln.Addr().String())
	ep.Host, ep.Port = host, port
	cfg, err := engine.ParseConfig(ep.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	ctx := context.Background()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := make([]core.Statement, 10)
	for i := range stmts {
		stmts[i] = core.Raw("SELECT ? + ?::int AS n, pg_backend_pid() AS pid", i, 100).ReadOnly()
	}

	proxy.flushes.Store(0)
	res, err := db.Batch(ctx, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	if f := proxy.flushes.Load(); f != 1 {
		t.Errorf("batch of 10 took %d client flushes, want 1", f)
	}
	for i, r := range res {
		type row struct {
			N   int
			Pid int32
		}
		rows, err := engine.Collect[row](r.Rows())
		if err != nil || len(rows) != 1 || rows[0].N != i+100 {
			t.Fatalf("statement %d: %+v %v", i, rows, err)
		}
	}

	// In a transaction, the BEGIN rides in the same pipeline.
	tx, err := db.Begin(ctx, engine.TxOptions{Isolation: engine.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	proxy.flushes.Store(0)
	res, err = tx.Batch(ctx, stmts...)
	if err != nil {
		t.Fatal(err)
	}
	if f := proxy.flushes.Load(); f != 1 {
		t.Errorf("BEGIN + batch of 10 took %d client flushes, want 1", f)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("tx statement %d: %v", i, r.Err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	proxy.flushes.Store(0)
	for i := range stmts {
		if _, err := engine.One[int](ctx, db, core.Raw("SELECT ? + ?::int", i, 100).ReadOnly()); err != nil {
			t.Fatal(err)
		}
	}
	if f := proxy.flushes.Load(); f < 10 {
		t.Errorf("10 statements one by one took %d client flushes; the proxy miscounts", f)
	}
}

// TestCancelWithoutDeadline cancels statements with context.WithCancel,
// where no server-side time limit can be set in advance: the call returns
// at once, and the server-side statement is stopped (PostgreSQL cancel
// request, MySQL KILL CONNECTION, SQLite interrupt).
func TestCancelWithoutDeadline(t *testing.T) {
	cases := []struct {
		name    string
		dsn     func(t *testing.T) string
		sleep   string
		running string
	}{
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() },
			"SELECT pg_sleep(10)",
			"SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(10)%' AND pid <> pg_backend_pid()"},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() },
			"SELECT SLEEP(10)",
			"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO = 'SELECT SLEEP(10)' AND ID <> CONNECTION_ID()"},
		{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) },
			"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c",
			""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := c.dsn(t)
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			ctx := context.Background()
			db, err := engine.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			stmt := core.Raw(c.sleep).ReadOnly()
			for i := range 30 {
				if err := db.Ping(ctx); err != nil {
					t.Fatal(err)
				}
				cctx, cancel := context.WithCancel(ctx)
				var cancelledAt atomic.Int64
				timer := time.AfterFunc(time.Duration(1000+rand.IntN(4000))*time.Microsecond, func() {
					cancelledAt.Store(time.Now().UnixNano())
					cancel()
				})
				_, err := db.Exec(cctx, stmt)
				returned := time.Now().UnixNano()
				timer.Stop()
				cancel()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("iteration %d: want context.Canceled, got %v", i, err)
				}
				if at := cancelledAt.Load(); at != 0 && time.Duration(returned-at) > 100*time.Millisecond {
					t.Errorf("iteration %d: returned %v after the cancel", i, time.Duration(returned-at))
				}
			}
			if c.running != "" {
				var left int64
				for deadline := time.Now().Add(10 * time.Second); ; {
					left, err = engine.One[int64](ctx, db, core.Raw(c.running).ReadOnly())
					if err != nil {
						t.Fatal(err)
					}
					if left == 0 || time.Now().After(deadline) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if left != 0 {
					t.Errorf("%d statements still running on the server", left)
				}
			}
			if s := poolSettled(t, db); s.InUseConns != 0 {
				t.Errorf("stats: %+v", s)
			}
		})
	}
}
