package mysqldriver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/athanor-orm/athanor/core"
	mydialect "github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/engine"
)

// MySQL cancellation
//
// go-sql-driver/mysql answers a cancelled context by closing the socket,
// so the caller returns at once; but the server thread keeps running the
// statement (a closed socket is noticed only when the server next writes).
// A connection therefore sends KILL CONNECTION <connection id> from a side
// connection, in a goroutine the DB owns, when the engine reports its
// context ended (CancelServer), and the engine destroys the pooled
// connection once the thread has left the server: until then the
// connection keeps its pool slot, so MaxConns bounds the server threads a
// pool accounts for even under a storm of cancels. KILL CONNECTION rather
// than KILL QUERY: when the cancel arrives before the statement has
// started, KILL QUERY would be a no-op and the statement would then run
// to its end; a killed connection stops whatever it starts.
//
// Reads run with a deadline are also bounded on the server (BoundSQL), so
// that they stop by themselves even if the client process dies before it
// can send the KILL.

// Open makes the connector of one DB. It applies the time policy and the
// packet limit (see newConnector).
func (runtime) Open(c *engine.Config, h engine.Host) (engine.Connector, error) {
	dc, err := newConnector(c)
	if err != nil {
		return nil, err
	}
	k := &connector{dc: dc, db: h, killers: make(chan driver.Conn, killerConns)}
	for range killerConns {
		k.killers <- nil
	}
	k.mariadb.Store(c.Dialect == mydialect.MariaDB)
	return k, nil
}

// connector opens the connections of one DB and keeps its KILL side
// connections.
type connector struct {
	dc driver.Connector
	db engine.Host
	// mariadb: the DB's dialect is MariaDB's (the bound of a read is
	// written for it).
	mariadb atomic.Bool
	// killers holds the side connections for KILL (nil: not open yet);
	// taking one from the channel owns it.
	killers chan driver.Conn
}

func (k *connector) Connect(ctx context.Context, h engine.Host) (engine.Conn, error) {
	c, err := k.dc.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc := engine.NewSQLConn(c, h, sqlConfig)
	// The connection id is what KILL CONNECTION needs after a cancel.
	id, err := sc.QueryInt(ctx, "SELECT CONNECTION_ID()")
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connection id: %w", err)
	}
	return &myConn{SQLConn: sc, k: k, id: id}, nil
}

// Dialect asks the server for its version: MariaDB or MySQL.
func (k *connector) Dialect(ctx context.Context, first engine.Conn) (core.Dialect, error) {
	mc, ok := first.(*myConn)
	if !ok {
		return nil, fmt.Errorf("unexpected connection %T", first)
	}
	v, err := mc.QueryValue(ctx, "SELECT VERSION()")
	if err != nil {
		return nil, err
	}
	var s string
	switch x := v.(type) {
	case []byte:
		s = string(x)
	case string:
		s = x
	}
	if strings.Contains(strings.ToLower(s), "mariadb") {
		k.mariadb.Store(true)
		return mydialect.MariaDB, nil
	}
	k.mariadb.Store(false)
	return mydialect.Dialect, nil
}

// Close closes the KILL side connections; the engine has waited for the
// background goroutines.
func (k *connector) Close() error {
	for range killerConns {
		if c := <-k.killers; c != nil {
			_ = c.Close()
		}
	}
	return nil
}

// myConn is a MySQL connection: the engine's database/sql adapter, with
// its server thread id, the bound of its last read, and the KILL on
// cancel.
type myConn struct {
	*engine.SQLConn
	k  *connector
	id int64
	// boundUntil is when the server stops the statement in flight by
	// itself (a read with a deadline); zero when it has no bound.
	boundUntil time.Time
}

// BoundSQL bounds a read statement's server-side run time by the
// caller's deadline, so that the server stops it by itself even if the
// client is gone: MariaDB gets SET STATEMENT max_statement_time=… FOR,
// MySQL a MAX_EXECUTION_TIME optimizer hint (SELECT only). The time left
// is rounded up to a power of two milliseconds, so a statement gets few
// distinct texts (and prepared statements). It records when the server
// will stop it (zero: not bounded), clearing the bound left by the
// connection's previous statement.
func (c *myConn) BoundSQL(ctx context.Context, sql string, writes bool) string {
	c.boundUntil = time.Time{}
	if writes {
		return sql
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return sql
	}
	now := time.Now()
	left := dl.Sub(now)
	ms := int64(1)
	for time.Duration(ms)*time.Millisecond < left && ms < 1<<31 {
		ms <<= 1
	}
	until := now.Add(time.Duration(ms) * time.Millisecond)
	if c.k.mariadb.Load() {
		sec := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
		c.boundUntil = until
		return "SET STATEMENT max_statement_time=" + sec + " FOR " + sql
	}
	if len(sql) > 7 && strings.EqualFold(sql[:7], "SELECT ") {
		c.boundUntil = until
		return "SELECT /*+ MAX_EXECUTION_TIME(" + strconv.FormatInt(ms, 10) + ") */ " + sql[7:]
	}
	return sql
}

// LateRead is the error of a bounded read that answered after the
// caller's deadline: the server may have cut it short at the bound
// without an error (MariaDB's SLEEP() then returns 1 as if it had slept),
// so its result is not trusted and the read reports the deadline it
// missed.
func (c *myConn) LateRead(ctx context.Context) error {
	if c.boundUntil.IsZero() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("engine: read answered after its deadline: %w", err)
	}
	// The context's timer may not have fired yet on a loaded machine:
	// the clock decides.
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return fmt.Errorf("engine: read answered after its deadline: %w", context.DeadlineExceeded)
	}
	return nil
}

// BoundTimeout reports MariaDB's max_statement_time (1969) and MySQL's
// MAX_EXECUTION_TIME (3024) errors for a bounded read.
func (c *myConn) BoundTimeout(err error) bool {
	if c.boundUntil.IsZero() {
		return false
	}
	n, ok := Runtime.ServerError(err)
	return ok && (n == 1969 || n == 3024)
}

// CancelServer stops the connection's server thread and so its running
// statement. It does not block the caller: a goroutine owned by the DB
// does the work on one of the DB's few side connections (opened on first
// use, reopened if broken), so a cancel costs no new server connection.
//
// A statement the server bounds by itself (BoundSQL) is left to stop at
// its bound; any other, or one that outlives its bound, gets KILL
// CONNECTION. Either way the goroutine then waits until the thread has
// left the server's process list: a killed thread can linger (MariaDB
// stalls killed SLEEP()s for seconds while another KILL retries its
// wake-up, more often the more KILLs it is sent), and the connection
// keeps its pool slot until the returned channel is closed, so that a
// storm of cancels never leaves more server threads behind than MaxConns.
// The wait gives up after killWaitTimeout, or when the DB is closed.
func (c *myConn) CancelServer() <-chan struct{} {
	if c.id == 0 {
		return nil
	}
	done := make(chan struct{})
	id := strconv.FormatInt(c.id, 10)
	// Wait for the server's own stop only if it is due soon: a cancel
	// long before the deadline must not leave the statement running.
	var killAt time.Time
	if b := c.boundUntil; !b.IsZero() && time.Until(b) < killGrace {
		killAt = b.Add(killGrace)
	}
	k := c.k
	started := k.db.Go(func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), killWaitTimeout)
		defer cancel()
		var kc driver.Conn
		select {
		case kc = <-k.killers:
		case <-ctx.Done():
			return
		}
		defer func() { k.killers <- kc }()
		for attempt := 0; attempt < 2; attempt++ {
			if kc == nil {
				nc, err := k.dc.Connect(ctx)
				if err != nil {
					return
				}
				kc = nc
			}
			err := k.killAndWait(ctx, kc, id, killAt)
			if _, answered := Runtime.ServerError(err); err == nil || answered {
				return
			}
			_ = kc.Close()
			kc = nil
		}
	})
	if !started {
		return nil
	}
	return done
}

// killAndWait polls the process list on kc until thread id is gone,
// sending KILL CONNECTION once killAt has passed (at once if it is zero).
// It returns nil when the thread is gone or the wait is abandoned.
func (k *connector) killAndWait(ctx context.Context, kc driver.Conn, id string, killAt time.Time) error {
	ex, ok := kc.(driver.ExecerContext)
	q, ok2 := kc.(driver.QueryerContext)
	if !ok || !ok2 {
		return errors.New("engine: mysql connection cannot exec")
	}
	probe := "SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = " + id
	vals := make([]driver.Value, 1)
	killed := false
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if !killed && !time.Now().Before(killAt) {
			// The KILL gets its own bound: once sent, the statement stops
			// even if the wait for the thread is cut short.
			kctx, cancel := context.WithTimeout(context.Background(), killTimeout)
			_, err := ex.ExecContext(kctx, "KILL CONNECTION "+id, nil)
			cancel()
			if err != nil {
				// "Unknown thread id" (a server error): gone already.
				return err
			}
			killed = true
		}
		rows, err := q.QueryContext(ctx, probe, nil)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		present := rows.Next(vals) == nil
		_ = rows.Close()
		if !present {
			return nil
		}
		if !killed {
			wait = min(wait, max(time.Until(killAt), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			if !killed {
				killAt = time.Time{} // send the KILL before giving up
				continue
			}
			return nil
		case <-k.db.Stopping():
			t.Stop()
			if !killed {
				killAt = time.Time{}
				continue
			}
			return nil
		case <-t.C:
		}
	}
}

const (
	// killGrace is how long past its server-side bound a statement may
	// run before it is killed.
	killGrace = 50 * time.Millisecond
	// killTimeout bounds the KILL statement itself.
	killTimeout = 5 * time.Second
	// killWaitTimeout bounds the wait for a cancelled statement's thread
	// to leave the server; the connection's pool slot is held meanwhile.
	killWaitTimeout = 30 * time.Second
)

// killerConns is the number of side connections used for KILL.
const killerConns = 4

var (
	_ engine.ReadBounder    = (*myConn)(nil)
	_ engine.ServerCanceler = (*myConn)(nil)
)
