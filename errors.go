package athanor

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with errors.Is; they are never returned bare
// by the dialects, which wrap them in a [*DBError] naming the table,
// column and constraint.
var (
	// ErrNoRows: a query expected a row and got none. It wraps
	// sql.ErrNoRows, so errors.Is(err, sql.ErrNoRows) holds as well.
	ErrNoRows = fmt.Errorf("athanor: no rows in result set: %w", sql.ErrNoRows)

	// ErrStaleObject: an UPDATE or DELETE guarded by a version column
	// matched no row; another writer changed or removed the row first.
	ErrStaleObject = errors.New("athanor: stale object")

	// ErrClosed: a database, router or session was used after Close.
	// engine.ErrClosed, router.ErrClosed and session.ErrClosed are this
	// value, so one errors.Is test matches whichever layer was closed.
	ErrClosed = errors.New("athanor: closed")

	// ErrUniqueViolation: a unique or primary key constraint was violated.
	ErrUniqueViolation = errors.New("athanor: unique violation")
	// ErrForeignKeyViolation: a row references a missing parent, or a
	// parent still referenced was deleted or its key changed.
	ErrForeignKeyViolation = errors.New("athanor: foreign key violation")
	// ErrNotNullViolation: NULL (or no value, for a column without a
	// default) was given for a NOT NULL column.
	ErrNotNullViolation = errors.New("athanor: not-null violation")
	// ErrCheckViolation: a CHECK constraint was violated.
	ErrCheckViolation = errors.New("athanor: check violation")

	// ErrSerialization: the transaction could not be serialized with
	// concurrent ones (PostgreSQL 40001, MariaDB 1020 under snapshot
	// isolation, SQLite SQLITE_BUSY_SNAPSHOT). Retryable: roll back and
	// run the whole transaction again.
	ErrSerialization = errors.New("athanor: serialization failure")
	// ErrDeadlock: the server broke a deadlock by aborting this
	// transaction (PostgreSQL 40P01, MySQL 1213). Retryable.
	ErrDeadlock = errors.New("athanor: deadlock")
	// ErrLockTimeout: a lock could not be acquired in time or at once
	// (PostgreSQL 55P03 with NOWAIT or lock_timeout, MySQL 1205 and 3572,
	// SQLite SQLITE_BUSY and SQLITE_LOCKED). Retryable.
	ErrLockTimeout = errors.New("athanor: lock not available")

	// ErrReadOnly: a write was attempted in a read-only transaction or on
	// a read-only server (a hot standby, a MySQL replica with read_only).
	ErrReadOnly = errors.New("athanor: read-only")

	// ErrConnectionLost: the connection to the server failed or was closed
	// (network error, server shutdown, backend terminated). Whether a
	// statement in flight took effect is unknown; see ErrOutcomeUnknown.
	ErrConnectionLost = errors.New("athanor: connection lost")
	// ErrNoHealthyReplica: the router found no replica fit to serve a read
	// and was not allowed to fall back to the primary.
	ErrNoHealthyReplica = errors.New("athanor: no healthy replica")
	// ErrOutcomeUnknown: the connection was lost while a COMMIT (or a
	// write outside a transaction) was in flight, so it may or may not
	// have been applied. Such an error is never retried automatically.
	ErrOutcomeUnknown = errors.New("athanor: outcome unknown")
)

// DBError is a database error classified into one of the kinds above by a
// driver package's Classify function. errors.Is(err, e.Kind) holds, and Unwrap
// returns the driver's error, so errors.As into *pgconn.PgError,
// *mysql.MySQLError or *sqlite.Error keeps working.
//
// Its fields never hold bound values: where the server puts row values in
// its message (MySQL's duplicate-entry message, PostgreSQL's Detail) the
// dialect leaves them out.
type DBError struct {
	// Kind is one of the sentinels of this package, such as
	// ErrUniqueViolation.
	Kind error
	// Dialect is "postgres", "mysql" or "sqlite".
	Dialect string
	// Code is the server's code: a SQLSTATE on PostgreSQL ("23505"), the
	// error number on MySQL/MariaDB ("1062"), the extended result code
	// name on SQLite ("SQLITE_CONSTRAINT_UNIQUE"). Empty for errors raised
	// by the driver or the network rather than the server.
	Code string
	// Table, Column and Constraint name what the error is about, when the
	// server says (or its message does). Any may be empty.
	Table      string
	Column     string
	Constraint string
	// Message is the server's message without any row values.
	Message string
	// Err is the driver's error.
	Err error
}

// Error reads like
//
//	athanor: unique violation: table "users", constraint "users_email_key" (postgres 23505): duplicate key value violates unique constraint "users_email_key"
func (e *DBError) Error() string {
	var b strings.Builder
	kind := "database error"
	if e.Kind != nil {
		kind = strings.TrimPrefix(e.Kind.Error(), "athanor: ")
	}
	b.WriteString("athanor: ")
	b.WriteString(kind)
	sep := ": "
	name := func(what, v string) {
		if v == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(what)
		b.WriteString(` "`)
		b.WriteString(v)
		b.WriteByte('"')
		sep = ", "
	}
	name("table", e.Table)
	name("column", e.Column)
	name("constraint", e.Constraint)
	if e.Dialect != "" || e.Code != "" {
		b.WriteString(" (")
		b.WriteString(strings.TrimSpace(e.Dialect + " " + e.Code))
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the driver's error.
func (e *DBError) Unwrap() error { return e.Err }

// Is reports whether target is e's kind, so errors.Is(err,
// athanor.ErrUniqueViolation) matches.
func (e *DBError) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Retryable reports whether running the whole transaction again may
// succeed (see IsRetryable).
func (e *DBError) Retryable() bool {
	return e.Kind == ErrSerialization || e.Kind == ErrDeadlock || e.Kind == ErrLockTimeout
}

// IsRetryable reports whether err is a serialization failure, a deadlock
// or a lock timeout, after which rolling back and running the whole
// transaction again may succeed. An error that also says the outcome is
// unknown (ErrOutcomeUnknown) is never retryable.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		return false
	}
	return errors.Is(err, ErrSerialization) || errors.Is(err, ErrDeadlock) || errors.Is(err, ErrLockTimeout)
}

// IsConnectionError reports whether err says the connection to the server
// failed or was lost (ErrConnectionLost).
func IsConnectionError(err error) bool {
	return err != nil && errors.Is(err, ErrConnectionLost)
}
