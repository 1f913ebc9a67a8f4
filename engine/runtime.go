package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/athanor-orm/athanor/core"
)

// Runtime plugs a database driver into the engine: PostgreSQL (package
// driver/pgxdriver, pgx/v5), MySQL and MariaDB (driver/mysqldriver,
// go-sql-driver/mysql) and SQLite (driver/sqlitedriver,
// modernc.org/sqlite). A driver package registers its runtime from init,
// so a program links only the drivers it imports:
//
//	import _ "github.com/athanor-orm/athanor/driver/pgxdriver"
//
// The engine keeps the pool, outcomes, hooks, transactions and the time
// policy; a runtime answers what depends on the driver library or on the
// server family. The interfaces of this file (Runtime, Connector, Conn,
// RowSource, BufferedRows and the optional Conn capabilities) are for
// driver packages; applications do not call them.
type Runtime interface {
	// Driver is the database family the runtime serves.
	Driver() Driver
	// Configure sets the family's connection configuration on c from a
	// parsed DSN (Config.Postgres, Config.MySQL or Config.SQLite). Its
	// errors must not quote the password.
	Configure(c *Config, dsn *DSN) error
	// Endpoint describes c's server without its password.
	Endpoint(c *Config) Endpoint
	// Classify maps a driver error onto athanor's error kinds (a
	// *athanor.DBError wrapping the driver's error), or returns it as it
	// is.
	Classify(err error) error
	// ServerError reports whether err is the server's answer to a
	// statement, with the server's error number where it has one (0 for
	// PostgreSQL, whose SQLSTATE is not a number).
	ServerError(err error) (number int, ok bool)
	// NotSent reports an error the driver raised before sending anything
	// (an argument it cannot encode, a packet over max_allowed_packet):
	// the statement did not run and is safe to retry.
	NotSent(err error) bool
	// Interrupted reports the server's error for a statement stopped at
	// a client's request (PostgreSQL query_canceled, MySQL 1317).
	Interrupted(err error) bool
	// Capabilities tells how the engine drives the family.
	Capabilities() Capabilities
	// BeginSQL is what starts a transaction with opts, in order.
	// An option the server cannot honour (ForeignKeysOff on PostgreSQL)
	// is an error matching core.ErrUnsupported.
	BeginSQL(opts TxOptions) ([]string, error)
	// EndSQL is what runs on the connection after a transaction with opts
	// has ended, before the connection goes back to the pool (nil: none),
	// restoring what BeginSQL changed on the connection; the connection
	// is closed rather than pooled if one of them fails.
	EndSQL(opts TxOptions) []string
	// Open prepares the connections of one DB for c. h runs the DB's
	// background work.
	Open(c *Config, h Host) (Connector, error)
}

// Capabilities tell the engine how a driver runs batches and
// transactions.
type Capabilities struct {
	// Pipeline: Conn.Batch sends a batch in one round trip, a prefix (the
	// transaction's BEGIN) included.
	Pipeline bool
	// FanOut: a batch outside a transaction runs its statements on
	// several pooled connections at once.
	FanOut bool
	// DeferBegin: a transaction's BEGIN is sent with its first statement
	// (or in the pipeline of a first batch), so a transaction with no
	// statement costs no round trip. BeginSQL must then return one
	// statement.
	DeferBegin bool
}

// Connector opens the connections of one DB.
type Connector interface {
	// Connect opens one connection; h is the pooled connection's handle.
	Connect(ctx context.Context, h Host) (Conn, error)
	// Dialect is the dialect of the server first is connected to, asked
	// once at Open when Config.Dialect is nil.
	Dialect(ctx context.Context, first Conn) (core.Dialect, error)
	// Close releases what the connector holds; the DB's connections are
	// closed and its background work has ended.
	Close() error
}

// Conn is one physical connection. It is used by one goroutine at a time
// (the holder of the pool slot).
type Conn interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, sql string, args []any) (Result, error)
	// Query runs a statement and returns its row source. reuse is the
	// source of an earlier query of the same Rows (possibly of another
	// connection or driver, or nil): the driver may reset and return it
	// to save an allocation. The source is closed before the connection
	// is used again.
	Query(ctx context.Context, sql string, args []any, reuse RowSource) (RowSource, error)
	// Batch runs independent statements, filling out (one per item). A
	// prefix, if not empty, is a statement (BEGIN) run first; its error
	// is returned.
	Batch(ctx context.Context, prefix string, items []BatchItem, out []BatchOut) (prefixErr error)
	// Ping checks the connection with a round trip.
	Ping(ctx context.Context) error
	// Alive checks the connection without blocking I/O where the driver
	// allows it.
	Alive() bool
	// Reusable reports whether the connection is idle, outside any
	// transaction and not broken, so it may go back to the pool.
	Reusable() bool
	// ServerError reports whether err was answered by the server, so the
	// connection is still in a known state.
	ServerError(err error) bool
	// Close closes the connection; ctx bounds the wait for it.
	Close(ctx context.Context) error
}

// Committer is a Conn that tells a COMMIT the server turned into a
// rollback (PostgreSQL answers an aborted transaction's COMMIT with
// ROLLBACK).
type Committer interface {
	// Commit sends COMMIT; rolledBack reports the server's ROLLBACK.
	Commit(ctx context.Context) (rolledBack bool, err error)
}

// ServerCanceler is a Conn that stops its statement on the server itself
// when the caller's context ends while it runs (MySQL: KILL from a side
// connection). PostgreSQL's cancel request is sent by pgx's context
// watcher and needs no such method.
type ServerCanceler interface {
	// CancelServer starts stopping the statement in flight without
	// blocking; the returned channel is closed once the server has
	// stopped it (nil: nothing to wait for). Until then the connection
	// keeps its pool slot. It is called at most once per connection.
	CancelServer() <-chan struct{}
}

// ReadBounder is a Conn that bounds a read by the caller's deadline on
// the server too (MySQL's MAX_EXECUTION_TIME, MariaDB's
// max_statement_time), so that it stops even if the client is gone.
type ReadBounder interface {
	// BoundSQL returns the text to send for a statement run with ctx and
	// records its bound on the connection (clearing any earlier one).
	BoundSQL(ctx context.Context, sql string, writes bool) string
	// LateRead is the error of a bounded read that answered after its
	// deadline (its result is not trusted), else nil.
	LateRead(ctx context.Context) error
	// BoundTimeout reports err as the server stopping a bounded read at
	// its bound.
	BoundTimeout(err error) bool
}

// RowSource is the rows of one query as a driver reads them.
type RowSource interface {
	// Next advances to the next row.
	Next() bool
	// Scan stores the current row into dest (one pointer per column; a
	// nil one skips its column). key, when not nil, identifies dest's
	// layout: the same key always comes with destinations of the same
	// types, so a driver may keep per-column plans by it.
	Scan(dest []any, key any) error
	// Values returns the current row as Go values.
	Values() ([]any, error)
	// NumColumns and ColumnName describe the result's columns.
	NumColumns() int
	ColumnName(i int) string
	// Err is the error met while reading, if any.
	Err() error
	// Close ends the result; it returns the rows affected (or read) and
	// the result's error.
	Close() (rowsAffected int64, err error)
}

// BufferedRows is a batch statement's rows, read before the batch
// returned.
type BufferedRows interface {
	Len() int
	NumColumns() int
	ColumnName(i int) string
	// ScanRow stores row i into dest, as RowSource.Scan.
	ScanRow(i int, dest []any) error
	// RowValues returns row i as Go values.
	RowValues(i int) ([]any, error)
}

// BatchItem is one statement of a batch handed to Conn.Batch.
type BatchItem struct {
	SQL  string
	Args []any
	// Err is set when the statement could not be compiled (or, by the
	// driver, when it refused it before sending): it is not sent.
	Err error
}

// BatchOut is what Conn.Batch reports for one statement.
type BatchOut struct {
	Err          error
	RowsAffected int64
	Rows         BufferedRows
}

// Host is the engine's side of a DB (and of one of its connections, when
// handed to Connector.Connect), for a driver's background work.
type Host struct {
	db *DB
	pc *conn
}

// Taint marks the connection as in an unknown state: it is destroyed
// when released. It does nothing on a DB's Host.
func (h Host) Taint() {
	if h.pc != nil {
		h.pc.taint()
	}
}

// Go runs fn in a goroutine the DB owns (Close waits for it). It reports
// false, and does not run fn, once the DB is closing.
func (h Host) Go(fn func()) bool {
	if !h.db.goBackground() {
		return false
	}
	go func() {
		defer h.db.bg.Done()
		fn()
	}()
	return true
}

// Stopping is closed when the DB is being closed.
func (h Host) Stopping() <-chan struct{} { return h.db.stop }

// DSN is a parsed DSN handed to Runtime.Configure. For the mysql:// URL
// forms Host is host:port, with the default port filled in; for SQLite,
// Path is the database path or file: URI with its query; for PostgreSQL,
// Raw is the whole DSN (URL or keyword/value).
type DSN struct {
	// Scheme is the DSN's scheme, lower-case ("postgres", "mariadb", …;
	// "keyword/value" for a libpq keyword/value string).
	Scheme   string
	Raw      string
	Host     string
	Database string
	User     string
	Password string
	// HasUser is set when the DSN has a user part (even empty).
	HasUser bool
	// Query holds the driver's DSN parameters. For a Raw DSN, Configure
	// returns in it the pool_* parameters it found, which the engine
	// takes.
	Query map[string][]string
	Path  string
}

// Endpoint names a server for messages and tracing; it never holds a
// password.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Database string
}

var (
	runtimesMu sync.RWMutex
	runtimes   = map[Driver]Runtime{}
)

// Register makes a runtime available to ParseConfig and Open for its
// driver family. Driver packages call it from init. It panics if the
// family already has one (two packages claiming it is a build mistake).
func Register(rt Runtime) {
	runtimesMu.Lock()
	defer runtimesMu.Unlock()
	d := rt.Driver()
	if _, dup := runtimes[d]; dup {
		panic(fmt.Sprintf("engine: Register called twice for driver %q", d))
	}
	runtimes[d] = rt
}

// driverPackages names the package to import for each family, for the
// error of a program that forgot it.
var driverPackages = map[Driver]string{
	Postgres: "github.com/athanor-orm/athanor/driver/pgxdriver",
	MySQL:    "github.com/athanor-orm/athanor/driver/mysqldriver",
	SQLite:   "github.com/athanor-orm/athanor/driver/sqlitedriver",
}

// lookupRuntime returns the registered runtime of d.
func lookupRuntime(d Driver) (Runtime, error) {
	runtimesMu.RLock()
	rt := runtimes[d]
	runtimesMu.RUnlock()
	if rt != nil {
		return rt, nil
	}
	if pkg, ok := driverPackages[d]; ok {
		return nil, fmt.Errorf("no %s driver registered: forgotten import of %q?", d, pkg)
	}
	return nil, fmt.Errorf("unknown driver %q", d)
}
