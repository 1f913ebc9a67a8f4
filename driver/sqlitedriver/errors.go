package sqlitedriver

import (
	"context"
	"errors"
	"regexp"
	"strings"

	sqlitedrv "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/athanor-orm/athanor"
)

// Classify turns a modernc.org/sqlite error into a [*athanor.DBError] of
// the matching kind, keeping the driver error reachable through Unwrap
// (errors.As into a *sqlite.Error still works). It returns err unchanged
// when err is nil, already classified, a context cancellation or deadline,
// or not an error of a kind Athanor names.
//
// Extended result codes (the driver turns them on):
//
//	SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY  unique violation
//	SQLITE_CONSTRAINT_FOREIGNKEY           foreign key violation
//	SQLITE_CONSTRAINT_NOTNULL              not-null violation
//	SQLITE_CONSTRAINT_CHECK                check violation
//	SQLITE_BUSY_SNAPSHOT                   serialization failure
//	SQLITE_BUSY, SQLITE_LOCKED (and extended) lock timeout (retryable)
//	SQLITE_READONLY (and extended)         read-only
//
// SQLite names the table and columns of unique and not-null violations
// ("UNIQUE constraint failed: users.email") and a CHECK constraint's name
// when it has one; it names nothing for foreign keys. An embedded
// database has no connection to lose.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var done *athanor.DBError
	if errors.As(err, &done) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlitedrv.Error
	if !errors.As(err, &se) {
		return err
	}
	code := se.Code()
	var kind error
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		kind = athanor.ErrUniqueViolation
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		kind = athanor.ErrForeignKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		kind = athanor.ErrNotNullViolation
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		kind = athanor.ErrCheckViolation
	case sqlite3.SQLITE_BUSY_SNAPSHOT:
		kind = athanor.ErrSerialization
	default:
		switch code & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			kind = athanor.ErrLockTimeout
		case sqlite3.SQLITE_READONLY:
			kind = athanor.ErrReadOnly
		}
	}
	if kind == nil {
		return err
	}
	e := &athanor.DBError{Kind: kind, Dialect: "sqlite", Code: codeName(code), Message: message(se.Error()), Err: err}
	if m := constraintMsg.FindStringSubmatch(e.Message); m != nil {
		switch kind {
		case athanor.ErrUniqueViolation, athanor.ErrNotNullViolation:
			e.Table, e.Column = tableColumns(m[1])
		case athanor.ErrCheckViolation:
			if ident.MatchString(m[1]) {
				e.Constraint = m[1]
			}
		}
	}
	return e
}

var (
	// The driver writes "<errstr>: <errmsg> (<code>)"; errmsg is for
	// example "UNIQUE constraint failed: users.email".
	driverMsg     = regexp.MustCompile(`^(?:[^:]*: )?(.*?) \(\d+\)(?: \(SQLITE_BUSY\))?$`)
	constraintMsg = regexp.MustCompile(`constraint failed: (.+)$`)
	ident         = regexp.MustCompile(`^[\p{L}_][\p{L}\p{N}_$]*$`)
)

// message strips the driver's decoration from its error text.
func message(s string) string {
	if m := driverMsg.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// tableColumns splits "users.a, users.b" into "users" and "a, b".
func tableColumns(s string) (table, columns string) {
	var cols []string
	for part := range strings.SplitSeq(s, ", ") {
		t, c, ok := strings.Cut(part, ".")
		if !ok {
			return "", s
		}
		table = t
		cols = append(cols, c)
	}
	return table, strings.Join(cols, ", ")
}

func codeName(code int) string {
	switch code {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return "SQLITE_CONSTRAINT_UNIQUE"
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return "SQLITE_CONSTRAINT_PRIMARYKEY"
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return "SQLITE_CONSTRAINT_FOREIGNKEY"
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return "SQLITE_CONSTRAINT_NOTNULL"
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return "SQLITE_CONSTRAINT_CHECK"
	case sqlite3.SQLITE_BUSY_SNAPSHOT:
		return "SQLITE_BUSY_SNAPSHOT"
	}
	switch code & 0xff {
	case sqlite3.SQLITE_BUSY:
		return "SQLITE_BUSY"
	case sqlite3.SQLITE_LOCKED:
		return "SQLITE_LOCKED"
	case sqlite3.SQLITE_READONLY:
		return "SQLITE_READONLY"
	}
	return ""
}
