// Package engine is one database endpoint: it owns the connection pool,
// the driver, the transaction lifecycle, batches and result scanning. It
// does not know about mapped models, sessions or replicas (router, mapper
// and session build on it), and it renders no SQL itself (core and the
// dialects do).
//
// # Opening
//
//	db, err := engine.Open(ctx, "postgres://app@localhost:5432/shop")
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//
//	type User struct {
//		ID    int64
//		Email string `db:"email_address"`
//	}
//	u, err := engine.One[User](ctx, db, core.Raw("SELECT id, email_address FROM users WHERE id = ?", 7).ReadOnly())
//
// The DSN form picks the driver: postgres:// or postgresql:// or a libpq
// keyword/value string ("host=db user=app password=… dbname=shop"; pgx/v5,
// natively — no database/sql), mysql:// or mariadb://
// (go-sql-driver/mysql), and sqlite://path, sqlite:path, file:path or
// :memory: (modernc.org/sqlite, pure Go). Anything else is an error: a bare
// file path is not taken for SQLite, so a mistyped DSN never creates a
// database file named after it. ParseConfig turns a DSN into a Config whose
// pool settings can be adjusted before OpenConfig. Behind a PgBouncer in
// transaction pooling mode, a PostgreSQL DSN takes pgbouncer=true (see
// driver/pgxdriver for what it changes).
//
// The engine links no driver library. Each family plugs in through a
// Runtime that its driver package registers when imported, as
// database/sql drivers do, so a program links only the drivers it imports:
//
//	import _ "github.com/athanor-orm/athanor/driver/pgxdriver"    // postgres://, postgresql://, keyword/value
//	import _ "github.com/athanor-orm/athanor/driver/mysqldriver"  // mysql://, mariadb://
//	import _ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite:, file:, :memory:
//
// A DSN without its driver's import fails in ParseConfig and Open with an
// error naming the package to import. A Config may also carry its Runtime
// explicitly (Config.Runtime). What a driver provides (connections, row
// sources, error classification, cancellation, capabilities such as
// pipelined batches) is the Runtime interface and those it returns; the
// database/sql adapter that the MySQL and SQLite drivers share is
// NewSQLConn.
//
// In the URL forms the user information ends at the first '@' before any
// '/', as in libpq, so a password holding '@', '/', '?', '#', '%' or a space
// must be percent-encoded (url.UserPassword does it); in keyword/value form
// quote it (password='it\'s secret'). Passwords never appear in errors,
// String output, logs or spans: a DSN that does not parse gets an error
// that names the fault ("invalid port", "'@' in the host or database
// name") without quoting any part of the DSN that could hold the password.
//
// # Schema
//
// CreateAll creates the tables of a schema — a *core.MetaData or a
// *mapper.Registry, anything with a MetaData method — that do not exist
// yet, in foreign-key order, and DropAll drops those that do:
//
//	mapper.Register[Author]()
//	err := db.CreateAll(ctx, mapper.Default)
//
// Existing tables are kept as they are: CreateAll does not migrate.
//
// engine.CreateAll(ctx, ex, schema) and engine.DropAll do the same on any
// Executor, for example inside a transaction (on PostgreSQL and SQLite,
// whose DDL is transactional, a rollback undoes it; MariaDB commits DDL
// at once).
//
// # Executor
//
// Executor is the set of methods that run statements — Dialect, Exec,
// Query, QueryFunc, QueryRow and Batch — common to *DB, *Tx,
// *router.Router and *router.Tx. Code that takes an Executor (the session,
// CreateAll) works on a pool and inside a caller's transaction alike.
//
// # Pool
//
// Every driver runs under the same pool (github.com/jackc/puddle/v2), with
// MaxConns/MinConns, a maximum lifetime (with jitter), a maximum idle time,
// liveness checks of idle connections and Stats. A connection whose state
// is unknown — its context was cancelled mid-statement, the transport
// failed, it is still inside a transaction — is destroyed, never reused.
// ResetPool drops every connection (idle ones at once, the others when
// returned), so that the next ones resolve a multi-host DSN afresh.
//
// # Statements and scanning
//
// Exec, Query and QueryRow take core statements (core.Raw is the escape
// hatch for SQL text). Rows scan into a struct (columns matched to fields
// by the `db:"col"` tag, else the snake_case of the field name by the
// mapper's default rule: UserID → user_id, S3Key → s3_key, HTTPServer →
// http_server; CollectNamed takes a FieldNamer to name them otherwise, as
// session.Scan does with a mapper registry; embedded structs are
// flattened), into a map[string]any, or into one pointer per column. A
// scan plan is built once per Go type and column list and cached, so
// scanning a row does no reflection; on PostgreSQL each connection also
// keeps pgx's per-column plans of a struct plan, so a repeated query plans
// nothing and a read allocates only what it returns (strings, slices) and
// pgx's own per-query objects (the driver's row source and its buffers are
// kept with the pooled Rows and reused). All, One and Collect are the
// generic forms; One and QueryRow return ErrNoRows (athanor.ErrNoRows)
// when there is no row. Database errors pass through the driver's
// Classify, so errors.Is(err, athanor.ErrUniqueViolation) works.
//
// # Time
//
// One policy on every driver and every path (Exec, Query, Batch, core.Raw
// arguments, core.Insert values, Where comparisons, session inserts and
// updates): a time.Time is an instant, bound as that instant in UTC, and
// times are read back in UTC. The engine applies it in its driver
// adapters, which every statement goes through, so it needs no column
// types:
//
//   - TIMESTAMP (without time zone), MySQL DATETIME: the UTC wall clock. A
//     row written with a time in any zone is found by a filter on the same
//     instant given in any other zone.
//   - TIMESTAMPTZ (PostgreSQL): the instant.
//   - DATE: the calendar date of the instant in UTC (build dates as
//     time.Date(y, m, d, 0, 0, 0, 0, time.UTC)); it reads back at
//     midnight UTC.
//   - Precision: microseconds on PostgreSQL and MySQL (truncated);
//     SQLite keeps nanoseconds.
//
// Per driver:
//
//   - PostgreSQL: each connection's pgx type map converts a time.Time to
//     UTC before encoding it for a TIMESTAMP or DATE parameter, alone or in
//     an array (see driver/pgxdriver RegisterTypes); TIMESTAMPTZ and
//     TIMESTAMP scan in UTC, batch results too. The session TimeZone is UTC
//     unless the DSN (or PGTZ) sets timezone, so now()::timestamp and
//     LOCALTIMESTAMP agree.
//   - MySQL/MariaDB: times are sent in UTC, truncated to microseconds, and
//     go-sql-driver writes and parses DATETIME in loc=UTC; a DSN with
//     another loc is refused at Open. The session time_zone is '+00:00'
//     unless the DSN sets time_zone, so NOW() and CURRENT_TIMESTAMP agree.
//   - SQLite: a time is bound as text in SQLite's own form of its UTC wall
//     clock, "2006-01-02 15:04:05" with a fraction only when it has one
//     (".5", ".123456789"): it equals what CURRENT_TIMESTAMP and
//     datetime() write, and compares and sorts as the instant. SQLite has
//     no DATE type, so a DATE column given a time.Time keeps that text
//     (midnight included), not date()'s "2006-01-02": compare such columns
//     with date(?) or bind a string. Text read as a time may carry an
//     offset or Z (older data); it is converted to UTC.
//
// # JSON arguments
//
// An argument that is a map, a slice other than []byte, or a struct other
// than time.Time (or a non-nil pointer to one), and not a driver.Valuer,
// is bound as its encoding/json text on every driver, on every path
// (Exec, Query, Batch, core.Raw arguments, core.Insert values): on MySQL
// and SQLite, whose drivers take no such value, the engine sends the
// text; pgx encodes it the same way for a json or jsonb parameter. So
// core.Insert(t).Values(map[string]any{"a": 1}) fills a JSON column alike
// on the three servers. The text goes to whatever the placeholder stands
// for, so on MySQL and SQLite a slice bound for a non-JSON column stores
// its JSON text rather than failing; pgx refuses a map or struct for a
// parameter that is not json. A value encoding/json refuses (an infinite
// float, a channel) and any other type the driver refuses (an array, a
// func) fail with an error naming the argument's position and Go type;
// on MySQL and SQLite nothing was sent, so such a failed write does not
// match athanor.ErrOutcomeUnknown (on PostgreSQL pgx's encode error
// still does).
//
// # Transactions
//
// Begin takes an isolation level and a read-only flag; Tx.Begin opens a
// SAVEPOINT on every dialect, and rolling it back keeps the outer work.
// RunInTx retries the whole function on serialization failures and
// deadlocks with jittered backoff, and never after an unknown outcome (a
// connection lost during COMMIT returns an error matching
// athanor.ErrOutcomeUnknown).
//
// # Errors and outcomes
//
// A write outside a transaction commits by itself, so when the connection
// fails after it was sent and before its answer arrived, it may or may not
// have been applied: the error then matches athanor.ErrOutcomeUnknown, on
// every path that can carry a write — Exec, Query, QueryFunc and QueryRow
// of a statement that writes (core statements report Writes; core.Raw
// writes unless marked ReadOnly; INSERT … RETURNING is one), whether the
// connection fails before the first row or while the rows are read, and
// each writing statement of a Batch (the PostgreSQL pipeline, MySQL's and
// SQLite's one-by-one runs) — as for a COMMIT in flight. Inside a
// transaction a lost connection loses the transaction, which never
// commits: a plain connection error (athanor.ErrConnectionLost). So is a
// read's lost answer.
//
// An error raised before anything is sent is the caller's: an argument
// the driver cannot encode, more than 65,535 parameters on PostgreSQL,
// a MySQL packet over the server's max_allowed_packet (the driver's
// mysql.ErrPktTooLarge). It is neither an unknown outcome nor a lost
// connection, and the connection goes back to the pool. On MySQL/MariaDB
// the driver learns max_allowed_packet from the server at connect time
// unless the DSN sets maxAllowedPacket (to a value other than the
// driver's 64 MiB default), and sends a large parameter in chunks within
// it; a parameter larger than the limit gets the server's error, on a
// connection that stays open.
//
// A nil context is refused by every entry point (Open, DB, Tx, Batch,
// RunInTx) with ErrNilContext; Tx.Rollback given one closes the
// connection, which rolls the transaction back on the server.
//
// # Batches
//
// Batch runs independent statements: on PostgreSQL in one round trip
// (pipeline mode), on MySQL concurrently across pooled connections, on
// SQLite in sequence. Each statement gets its own result and error.
//
// # Cancellation
//
// A cancelled or expired context makes the call return at once on every
// driver, and the connection is then destroyed. The statement is stopped
// on the server too: PostgreSQL gets a cancel request; on MySQL/MariaDB a
// read run with a deadline carries a server-side limit (MariaDB
// max_statement_time, MySQL MAX_EXECUTION_TIME) and any other cancelled
// statement's connection is ended with KILL CONNECTION from a side
// connection (see driver/mysqldriver for why not KILL QUERY); SQLite
// interrupts the statement.
//
// # Hooks
//
// Config.Hook is a QueryHook (statements) that may also implement TxHook
// (BEGIN, COMMIT, ROLLBACK, savepoints), BatchHook, PoolHook (acquire
// and release) and OpenHook (the dialect Open chose, which a DSN like
// mysql:// leaves to the server's answer); the optional interfaces are
// asserted once at Open, and
// MultiHook combines several hooks. Each start method returns the context
// its end method receives, so a hook keeps its state (a span) there. Each
// event has a …Data struct, to which fields may be added. Without a hook
// the hot path does no hook work and allocates nothing for it.
package engine
