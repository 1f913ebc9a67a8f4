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
// The DSN scheme picks the driver: postgres:// (pgx/v5, natively — no
// database/sql), mysql:// or mariadb:// (go-sql-driver/mysql) and
// sqlite:// or a file path (modernc.org/sqlite, pure Go). ParseConfig
// turns a DSN into a Config whose pool settings can be adjusted before
// OpenConfig. Passwords never appear in errors or in String output.
//
// # Pool
//
// Every driver runs under the same pool (github.com/jackc/puddle/v2), with
// MaxConns/MinConns, a maximum lifetime (with jitter), a maximum idle time,
// liveness checks of idle connections and Stats. A connection whose state
// is unknown — its context was cancelled mid-statement, the transport
// failed, it is still inside a transaction — is destroyed, never reused.
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
// pgx's own per-query objects. All, One and Collect are the
// generic forms; One and QueryRow return ErrNoRows (athanor.ErrNoRows)
// when there is no row. Database errors pass through the dialect's
// Classify, so errors.Is(err, athanor.ErrUniqueViolation) works.
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
// connection (see mysql.go for why not KILL QUERY); SQLite interrupts the
// statement.
//
// # Hooks
//
// Values in Config.Hooks may implement QueryHook, PoolHook, TxHook and
// BatchHook; they are asserted once at Open. Without hooks the hot path
// does no hook work and allocates nothing for them.
package engine
