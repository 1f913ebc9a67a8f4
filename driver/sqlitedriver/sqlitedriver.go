// Package sqlitedriver plugs SQLite into the engine through
// modernc.org/sqlite (pure Go, no cgo). Import it for its side effect, as
// with database/sql drivers:
//
//	import _ "github.com/athanor-orm/athanor/driver/sqlitedriver"
//
// Then engine.Open accepts sqlite:, sqlite3://, file: and :memory: DSNs,
// and engine.Config.SQLite holds the driver's DSN. A program that does not
// import this package links no SQLite.
package sqlitedriver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/athanor-orm/athanor/core"
	litedialect "github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/engine"
)

func init() { engine.Register(Runtime) }

// Runtime is the SQLite runtime, registered with the engine on import; it
// may also be set as engine.Config.Runtime.
var Runtime engine.Runtime = runtime{}

type runtime struct{}

func (runtime) Driver() engine.Driver { return engine.SQLite }

func (runtime) Configure(c *engine.Config, d *engine.DSN) error {
	c.SQLite = d.Path
	return nil
}

func (runtime) Endpoint(c *engine.Config) engine.Endpoint {
	p, _, _ := strings.Cut(c.SQLite, "?")
	return engine.Endpoint{Database: p}
}

func (runtime) Classify(err error) error { return Classify(err) }

func (runtime) ServerError(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func (runtime) NotSent(error) bool { return false }

// Interrupted is false: an interrupted statement (sqlite3_interrupt) only
// ever follows the caller's context ending, which the engine sees first.
func (runtime) Interrupted(error) bool { return false }

// Capabilities: a batch runs its statements one after another on one
// connection (SQLite has one writer).
func (runtime) Capabilities() engine.Capabilities { return engine.Capabilities{} }

// BeginSQL: SQLite has one isolation level (serializable), so Isolation
// is ignored. A transaction that is not ReadOnly begins IMMEDIATE (it
// takes the write lock at once, waiting up to busy_timeout), which avoids
// deadlocks between two readers upgrading to writers; a ReadOnly one runs
// with PRAGMA query_only, which refuses writes on the connection until
// EndSQL turns it off.
func (runtime) BeginSQL(opts engine.TxOptions) ([]string, error) {
	var out []string
	if opts.ForeignKeysOff {
		// A no-op inside a transaction: it must come before BEGIN.
		out = append(out, "PRAGMA foreign_keys = OFF")
	}
	if opts.ReadOnly {
		return append(out, "BEGIN DEFERRED", "PRAGMA query_only = 1"), nil
	}
	return append(out, "BEGIN IMMEDIATE"), nil
}

func (runtime) EndSQL(opts engine.TxOptions) []string {
	var out []string
	if opts.ReadOnly {
		out = append(out, "PRAGMA query_only = 0")
	}
	if opts.ForeignKeysOff {
		out = append(out, "PRAGMA foreign_keys = ON")
	}
	return out
}

// Open makes the connector. modernc.org/sqlite interrupts the running
// statement (sqlite3_interrupt) when its context ends; the connection is
// destroyed afterwards as on every driver.
func (runtime) Open(c *engine.Config, _ engine.Host) (engine.Connector, error) {
	if c.SQLite == "" {
		return nil, errors.New("sqlite database path is missing")
	}
	dc, err := sqlite.NewConnector(c.SQLite)
	if err != nil {
		return nil, err
	}
	return &connector{dc: dc}, nil
}

// sqlConfig is the engine's database/sql adapter's configuration.
var sqlConfig = &engine.SQLConfig{
	Runtime: Runtime,
	// A time is bound as SQLite's own text form of its UTC wall clock
	// (the time policy; see the engine package doc), which compares equal
	// to what CURRENT_TIMESTAMP and datetime() write.
	TimeArg:     func(t time.Time) driver.Value { return litedialect.TimeText(t) },
	RowCountSQL: "SELECT changes()",
}

type connector struct{ dc driver.Connector }

// connectBusyLimit bounds how long Connect keeps retrying a connection
// that SQLite refused with SQLITE_BUSY while setting it up.
const connectBusyLimit = 5 * time.Second

// Connect opens one connection. Processes that open a new database at the
// same moment race to switch it to the DSN's journal mode (WAL by
// default), which takes the database's exclusive lock: SQLite answers a
// loser that already reads the database SQLITE_BUSY at once, without
// waiting out busy_timeout (waiting could deadlock). The driver closes
// that connection; Connect makes a new one after a short pause, for up to
// connectBusyLimit or until ctx ends, by which time the winner's switch is
// done (WAL is then set and the next switch is a no-op).
func (k *connector) Connect(ctx context.Context, h engine.Host) (engine.Conn, error) {
	deadline := time.Now().Add(connectBusyLimit)
	pause := time.Millisecond
	for {
		c, err := k.dc.Connect(ctx)
		if err == nil {
			return engine.NewSQLConn(c, h, sqlConfig), nil
		}
		if !busy(err) || time.Now().Add(pause).After(deadline) {
			return nil, err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (retrying after: %w)", ctx.Err(), err)
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// busy reports whether err is SQLITE_BUSY or one of its extended codes.
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

func (k *connector) Dialect(context.Context, engine.Conn) (core.Dialect, error) {
	return litedialect.Dialect, nil
}

func (k *connector) Close() error { return nil }
