package faultproxy_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// echoServer answers every chunk with the same bytes.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip writes msg and reads len(msg) bytes back within d.
func roundTrip(c net.Conn, msg string, d time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(d))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	_, err := io.ReadFull(c, buf)
	return string(buf), err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestProxyForwardsAndCounts(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("inner", func(t *testing.T) {
		p := faultproxy.Start(t, echoServer(t))
		c := dial(t, p.Addr())
		got, err := roundTrip(c, "hello", 2*time.Second)
		if err != nil || got != "hello" {
			t.Fatalf("round trip = %q, %v", got, err)
		}
		s := p.Stats()
		if s.Accepted != 1 || s.Open != 1 || s.BytesUp != 5 || s.BytesDown != 5 {
			t.Fatalf("stats = %+v", s)
		}
	})
	// The proxy's and the echo server's goroutines ended with the subtest.
}

func TestProxyFreezeThaw(t *testing.T) {
	p := faultproxy.Start(t, echoServer(t))
	c := dial(t, p.Addr())
	if _, err := roundTrip(c, "a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Freeze()
	if _, err := roundTrip(c, "b", 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("frozen round trip: err = %v, want a timeout", err)
	}
	// A connection opened during the freeze is accepted but silent.
	c2 := dial(t, p.Addr())
	if _, err := roundTrip(c2, "c", 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("new connection while frozen: err = %v, want a timeout", err)
	}
	p.Thaw()
	// The held bytes arrive after the thaw, in order.
	buf := make([]byte, 1)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "b" {
		t.Fatalf("after thaw: %q, %v", buf, err)
	}
	_ = c2.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(c2, buf); err != nil || string(buf) != "c" {
		t.Fatalf("after thaw (second connection): %q, %v", buf, err)
	}
	if got, err := roundTrip(c, "d", 2*time.Second); err != nil || got != "d" {
		t.Fatalf("after thaw: %q, %v", got, err)
	}
}

func TestProxyResetAllAndRefuse(t *testing.T) {
	p := faultproxy.Start(t, echoServer(t))
	c := dial(t, p.Addr())
	if _, err := roundTrip(c, "a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.ResetAll()
	if n := p.Stats().Reset; n != 1 {
		t.Fatalf("ResetAll reset %d connections, want 1", n)
	}
	if _, err := roundTrip(c, "b", 2*time.Second); err == nil || isTimeout(err) {
		t.Fatalf("after reset: err = %v, want a connection error", err)
	}
	p.Refuse(true)
	// The kernel completes the handshake and the proxy resets the
	// connection at once: the reset may reach the dial or the first read.
	if c2, err := net.DialTimeout("tcp", p.Addr(), 2*time.Second); err == nil {
		_, err = roundTrip(c2, "c", 2*time.Second)
		c2.Close()
		if err == nil || isTimeout(err) {
			t.Fatalf("refused: err = %v, want a connection error", err)
		}
	}
	p.Refuse(false)
	c3 := dial(t, p.Addr())
	if got, err := roundTrip(c3, "d", 2*time.Second); err != nil || got != "d" {
		t.Fatalf("after refuse(false): %q, %v", got, err)
	}
	s := p.Stats()
	if s.Reset != 1 || s.Refused != 1 || s.Accepted != 2 || s.Open != 1 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestProxyLatency(t *testing.T) {
	p := faultproxy.Start(t, echoServer(t))
	c := dial(t, p.Addr())
	p.SetLatency(50 * time.Millisecond)
	start := time.Now()
	if _, err := roundTrip(c, "a", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("round trip took %v, want at least two delays (100ms)", d)
	}
	p.SetLatency(0)
}

func TestProxyCuts(t *testing.T) {
	p := faultproxy.Start(t, echoServer(t))
	a, b := dial(t, p.Addr()), dial(t, p.Addr())
	for _, c := range []net.Conn{a, b} {
		if _, err := roundTrip(c, "x", 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// The marker arms the cut on b only; a's traffic passes.
	p.CutOnResponseTo("MARK")
	if got, err := roundTrip(a, "hello", 2*time.Second); err != nil || got != "hello" {
		t.Fatalf("unmarked connection: %q, %v", got, err)
	}
	if _, err := roundTrip(b, "a MARK", 2*time.Second); err == nil || isTimeout(err) {
		t.Fatalf("marked connection: err = %v, want it closed", err)
	}
	if p.CutArmed() {
		t.Fatal("cut still armed after it happened")
	}
	// CutOnNextResponse: whichever connection answers first.
	p.CutOnNextResponse()
	if _, err := roundTrip(a, "y", 2*time.Second); err == nil || isTimeout(err) {
		t.Fatalf("next response: err = %v, want the connection closed", err)
	}
	// CutAfter: 3 bytes pass, then the connection closes.
	c := dial(t, p.Addr())
	p.CutAfter(3)
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("abcdef")); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if string(got) != "abc" || isTimeout(err) {
		t.Fatalf("CutAfter(3): read %q, %v; want \"abc\" then the end", got, err)
	}
	if s := p.Stats(); s.Cut != 3 {
		t.Fatalf("stats = %+v, want 3 cuts", s)
	}
}

// TestProxyPostgres runs pgx through the proxy: queries pass, a reset
// breaks the connection with a clear error, a freeze holds a query until
// its deadline, and a cut after an INSERT loses the answer although the
// row is committed.
func TestProxyPostgres(t *testing.T) {
	cl := testdb.PG(t)
	p := faultproxy.Start(t, cl.Primary.Addr())
	ctx := context.Background()
	connect := func() *pgx.Conn {
		c, err := testdb.ConnectPG(ctx, p.Endpoint(cl.Primary))
		if err != nil {
			t.Fatalf("connect through proxy: %v", err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return c
	}
	c := connect()
	if _, err := c.Exec(ctx, "CREATE TABLE fp (k text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select through proxy: %d, %v", one, err)
	}

	p.ResetAll()
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err == nil {
		t.Fatal("query on a reset connection succeeded")
	}

	c = connect()
	p.Freeze()
	qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := c.QueryRow(qctx, "SELECT 1").Scan(&one)
	cancel()
	p.Thaw()
	if err == nil {
		t.Fatal("query through a frozen proxy succeeded")
	}

	c = connect()
	if _, err := c.Exec(ctx, "INSERT INTO fp VALUES ($1)", "warm"); err != nil {
		t.Fatal(err)
	}
	p.CutOnResponseTo("cut-pg-1")
	if _, err := c.Exec(ctx, "INSERT INTO fp VALUES ($1)", "cut-pg-1"); err == nil {
		t.Fatal("INSERT whose answer was cut succeeded")
	}
	check := connect()
	var n int
	if err := check.QueryRow(ctx, "SELECT count(*) FROM fp WHERE k = 'cut-pg-1'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("row of the cut INSERT: count %d, %v; want 1 (it ran)", n, err)
	}
	t.Logf("proxy: %s", p.Stats())
}

// TestProxyMariaDB is TestProxyPostgres through database/sql and
// go-sql-driver/mysql.
func TestProxyMariaDB(t *testing.T) {
	cl := testdb.MySQL(t)
	p := faultproxy.Start(t, cl.Primary.Addr())
	ctx := context.Background()
	db, err := testdb.OpenMySQL(p.Endpoint(cl.Primary))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, "CREATE TABLE fp (k varchar(40) PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select through proxy: %d, %v", one, err)
	}

	// A reset connection is discarded by database/sql; with Refuse no new
	// one can be made.
	p.Refuse(true)
	p.ResetAll()
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err == nil {
		t.Fatal("query with the server refusing connections succeeded")
	}
	p.Refuse(false)

	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p.Freeze()
	qctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err = conn.QueryRowContext(qctx, "SELECT 1").Scan(&one)
	cancel()
	p.Thaw()
	if err == nil {
		t.Fatal("query through a frozen proxy succeeded")
	}
	conn.Close()

	p.CutOnResponseTo("cut-my-1")
	if _, err := db.ExecContext(ctx, "INSERT INTO fp VALUES (?)", "cut-my-1"); err == nil {
		t.Fatal("INSERT whose answer was cut succeeded")
	}
	direct, err := testdb.OpenMySQL(cl.Primary)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	var n int
	if err := direct.QueryRowContext(ctx, "SELECT count(*) FROM fp WHERE k = 'cut-my-1'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("row of the cut INSERT: count %d, %v; want 1 (it ran)", n, err)
	}
	t.Logf("proxy: %s", p.Stats())
}
