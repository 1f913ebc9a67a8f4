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

	"github.com/go-sql-driver/mysql"
)

// MySQL cancellation
//
// Reads run with a deadline are also bounded on the server (see
// boundRead): the server stops them itself once the deadline has passed,
// which needs no side connection.
//
// go-sql-driver/mysql answers a cancelled context by closing the socket,
// so the caller returns at once; but the server thread keeps running the
// statement (a closed socket is noticed only when the server next writes).
// The engine therefore also sends KILL CONNECTION <connection id> from a
// side connection (in a goroutine the DB owns, bounded by a 5 s timeout),
// and destroys the pooled connection. KILL CONNECTION rather than KILL
// QUERY: when the cancel arrives before the statement has started, KILL
// QUERY would be a no-op and the statement would then run to its end; a
// killed connection stops whatever it starts. The server-side run time of
// a cancelled statement is so bounded by one round trip on the side
// connection, except that MariaDB's KILL itself may wait up to 2 s for a
// thread it cannot signal at once (observed with many concurrent
// SLEEP()s); the caller never waits for it.

// boundRead bounds a read statement's server-side run time by the
// caller's deadline, so that the server stops it by itself even if the
// client is gone: MariaDB gets SET STATEMENT max_statement_time=… FOR,
// MySQL a MAX_EXECUTION_TIME optimizer hint (SELECT only). The time left
// is rounded up to a power of two milliseconds, so a statement gets few
// distinct texts (and prepared statements).
func (db *DB) boundRead(ctx context.Context, sql string) (string, bool) {
	dl, ok := ctx.Deadline()
	if !ok {
		return sql, false
	}
	left := time.Until(dl)
	ms := int64(1)
	for time.Duration(ms)*time.Millisecond < left && ms < 1<<31 {
		ms <<= 1
	}
	if db.dialect != nil && db.dialect.Name() == "mariadb" {
		sec := strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
		return "SET STATEMENT max_statement_time=" + sec + " FOR " + sql, true
	}
	if len(sql) > 7 && strings.EqualFold(sql[:7], "SELECT ") {
		return "SELECT /*+ MAX_EXECUTION_TIME(" + strconv.FormatInt(ms, 10) + ") */ " + sql[7:], true
	}
	return sql, false
}

func (db *DB) setupMySQL() error {
	cfg := db.cfg.MySQL.Clone()
	conn, err := mysql.NewConnector(cfg)
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
func isStatementTimeout(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1969 || me.Number == 3024)
}

func mysqlServerError(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me)
}

func (db *DB) connectMySQL(ctx context.Context, pc *conn) (driverConn, error) {
	c, err := db.connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc := newSQLConn(db, pc, c, mysqlServerError)
	sc.rowCountSQL = "SELECT ROW_COUNT()"
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

// killQuery kills server thread id and so its running statement. It does
// not block the caller: a goroutine owned by the DB sends KILL CONNECTION
// on one of the DB's few side connections (opened on first use, reopened
// if broken), so a cancel costs no new server connection.
func (db *DB) killQuery(id int64) {
	if id == 0 || !db.goBackground() {
		return
	}
	go func() {
		defer db.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var c driver.Conn
		select {
		case c = <-db.killers:
		case <-ctx.Done():
			return
		}
		defer func() { db.killers <- c }()
		for attempt := 0; attempt < 2; attempt++ {
			if c == nil {
				nc, err := db.connector.Connect(ctx)
				if err != nil {
					return
				}
				c = nc
			}
			ex, ok := c.(driver.ExecerContext)
			if !ok {
				return
			}
			_, err := ex.ExecContext(ctx, "KILL CONNECTION "+strconv.FormatInt(id, 10), nil)
			if err == nil || mysqlServerError(err) {
				// "Unknown thread id" just means the thread is gone.
				return
			}
			_ = c.Close()
			c = nil
		}
	}()
}

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
