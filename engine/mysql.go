package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// MySQL cancellation
//
// go-sql-driver/mysql answers a cancelled context by closing the socket,
// so the caller returns at once; but the server thread keeps running the
// statement (a closed socket is noticed only when the server next writes).
// The engine therefore sends KILL CONNECTION <connection id> from a side
// connection, in a goroutine the DB owns, and destroys the pooled
// connection once the thread has left the server (killQuery): until then
// the connection keeps its pool slot, so MaxConns bounds the server
// threads a pool accounts for even under a storm of cancels. KILL
// CONNECTION rather than KILL QUERY: when the cancel arrives before the
// statement has started, KILL QUERY would be a no-op and the statement
// would then run to its end; a killed connection stops whatever it starts.
//
// Reads run with a deadline are also bounded on the server (boundRead),
// so that they stop by themselves even if the client process dies before
// it can send the KILL.

// boundRead bounds a read statement's server-side run time by the
// caller's deadline, so that the server stops it by itself even if the
// client is gone: MariaDB gets SET STATEMENT max_statement_time=… FOR,
// MySQL a MAX_EXECUTION_TIME optimizer hint (SELECT only). The time left
// is rounded up to a power of two milliseconds, so a statement gets few
// distinct texts (and prepared statements). It returns the SQL to send and
// when the server will stop it (zero: not bounded).
func (db *DB) boundRead(ctx context.Context, sql string) (string, time.Time) {
	dl, ok := ctx.Deadline()
	if !ok {
		return sql, time.Time{}
	}
	now := time.Now()
	left := dl.Sub(now)
	ms := int64(1)
	for time.Duration(ms)*time.Millisecond < left && ms < 1<<31 {
		ms <<= 1
	}
	until := now.Add(time.Duration(ms) * time.Millisecond)
	if db.dialect == db.mariadb {
		sec := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
		return "SET STATEMENT max_statement_time=" + sec + " FOR " + sql, until
	}
	if len(sql) > 7 && strings.EqualFold(sql[:7], "SELECT ") {
		return "SELECT /*+ MAX_EXECUTION_TIME(" + strconv.FormatInt(ms, 10) + ") */ " + sql[7:], until
	}
	return sql, time.Time{}
}

// mysqlSQL is the text sent for cs on MySQL: reads are bounded by the
// caller's deadline (boundRead). It records the bound on c, clearing any
// left by the connection's previous statement.
func (db *DB) mysqlSQL(ctx context.Context, c *conn, cs *core.Compiled) string {
	if cs.Writes {
		c.boundUntil = time.Time{}
		return cs.SQL
	}
	var sql string
	sql, c.boundUntil = db.boundRead(ctx, cs.SQL)
	return sql
}

func (db *DB) setupMySQL() error {
	// The runtime applies the time policy and the packet limit (see
	// driver/mysqldriver).
	conn, err := db.rt.Connector(&db.cfg)
	if err != nil {
		return fmt.Errorf("engine: open %s: %w", &db.cfg, err)
	}
	db.connector = conn
	db.connect = db.connectMySQL
	db.killers = make(chan driver.Conn, killerConns)
	for range killerConns {
		db.killers <- nil
	}
	return nil
}

// isStatementTimeout reports MariaDB's max_statement_time (1969) and
// MySQL's MAX_EXECUTION_TIME (3024) errors.
func (db *DB) isStatementTimeout(err error) bool {
	if db.driver != MySQL {
		return false
	}
	n, ok := db.rt.ServerError(err)
	return ok && (n == 1969 || n == 3024)
}

func (db *DB) connectMySQL(ctx context.Context, pc *conn) (driverConn, error) {
	c, err := db.connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc := newSQLConn(db, pc, c)
	// The connection id is what KILL CONNECTION needs after a cancel.
	var id int64
	err = queryScalar(ctx, sc, "SELECT CONNECTION_ID()", func(v driver.Value) error {
		var err error
		id, err = toInt64(v)
		return err
	})
	if err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("connection id: %w", err)
	}
	pc.id = id
	return sc, nil
}

// queryScalar runs a query without arguments and hands its first value to
// fn.
func queryScalar(ctx context.Context, sc *sqlConn, sql string, fn func(driver.Value) error) error {
	var r Rows
	if err := sc.query(ctx, sql, nil, &r); err != nil {
		return err
	}
	defer r.sq.close()
	if !r.sq.next() {
		if r.sq.err != nil {
			return r.sq.err
		}
		return io.ErrUnexpectedEOF
	}
	return fn(r.sq.vals[0])
}

func toInt64(v driver.Value) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	case uint64:
		return int64(x), nil
	}
	return 0, fmt.Errorf("unexpected %T", v)
}

// isMariaDB asks the server for its version.
func isMariaDB(ctx context.Context, c *conn) (bool, error) {
	sc, ok := c.dc.(*sqlConn)
	if !ok {
		return false, nil
	}
	var maria bool
	err := queryScalar(ctx, sc, "SELECT VERSION()", func(v driver.Value) error {
		var s string
		switch x := v.(type) {
		case []byte:
			s = string(x)
		case string:
			s = x
		}
		maria = strings.Contains(strings.ToLower(s), "mariadb")
		return nil
	})
	return maria, err
}

// killQuery stops c's server thread and so its running statement. It
// does not block the caller: a goroutine owned by the DB does the work on
// one of the DB's few side connections (opened on first use, reopened if
// broken), so a cancel costs no new server connection.
//
// A statement the server bounds by itself (boundRead) is left to stop at
// its bound; any other, or one that outlives its bound, gets KILL
// CONNECTION. Either way the goroutine then waits until the thread has
// left the server's process list: a killed thread can linger (MariaDB
// stalls killed SLEEP()s for seconds while another KILL retries its
// wake-up, more often the more KILLs it is sent), and c keeps its pool slot
// until c.killed is closed, so that a storm of cancels never leaves more
// server threads behind than MaxConns. The wait gives up after
// killWaitTimeout, or when the DB is closed.
func (db *DB) killQuery(c *conn) {
	if c.id == 0 || !db.goBackground() {
		return
	}
	done := make(chan struct{})
	c.killed = done
	id := strconv.FormatInt(c.id, 10)
	// Wait for the server's own stop only if it is due soon: a cancel
	// long before the deadline must not leave the statement running.
	var killAt time.Time
	if b := c.boundUntil; !b.IsZero() && time.Until(b) < killGrace {
		killAt = b.Add(killGrace)
	}
	go func() {
		defer db.bg.Done()
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), killWaitTimeout)
		defer cancel()
		var kc driver.Conn
		select {
		case kc = <-db.killers:
		case <-ctx.Done():
			return
		}
		defer func() { db.killers <- kc }()
		for attempt := 0; attempt < 2; attempt++ {
			if kc == nil {
				nc, err := db.connector.Connect(ctx)
				if err != nil {
					return
				}
				kc = nc
			}
			err := db.killAndWait(ctx, kc, id, killAt)
			if err == nil || db.serverErr(err) {
				return
			}
			_ = kc.Close()
			kc = nil
		}
	}()
}

// killAndWait polls the process list on kc until thread id is gone,
// sending KILL CONNECTION once killAt has passed (at once if it is zero).
// It returns nil when the thread is gone or the wait is abandoned.
func (db *DB) killAndWait(ctx context.Context, kc driver.Conn, id string, killAt time.Time) error {
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
		case <-db.stop:
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

// closeKillers closes the KILL side connections; the caller has waited
// for the background goroutines.
func (db *DB) closeKillers() {
	if db.killers == nil {
		return
	}
	for range killerConns {
		if c := <-db.killers; c != nil {
			_ = c.Close()
		}
	}
}
