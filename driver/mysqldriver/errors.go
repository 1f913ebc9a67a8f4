package mysqldriver

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/athanor-orm/athanor"
)

// Classify turns a go-sql-driver/mysql error into a [*athanor.DBError] of
// the matching kind, keeping the driver error reachable through Unwrap
// (errors.As into a *mysql.MySQLError still works). It returns err
// unchanged when err is nil, already classified, a context cancellation or
// deadline, or not an error of a kind Athanor names.
//
// Error numbers (MySQL and MariaDB):
//
//	1062, 1586                unique violation (key name parsed from the message)
//	1451, 1452, 1216, 1217    foreign key violation (table, constraint, column parsed)
//	1048, 1364                not-null violation (column parsed)
//	3819 (MySQL), 4025 (MariaDB) check violation (constraint, and table on MariaDB)
//	1265                      check violation: data truncated for a column, as
//	                          for a value outside an ENUM (column parsed)
//	1213                      deadlock
//	1205, 3572                lock timeout (lock wait timeout, NOWAIT)
//	1020                      serialization failure (MariaDB snapshot isolation)
//	1792, 1836, 1290 (read-only wording) read-only transaction or server
//	1927, 1053, 1040, 2006, 2013, 4031 connection lost
//
// driver.ErrBadConn, mysql.ErrInvalidConn, EOF and network errors are
// connection lost as well.
//
// MySQL puts the duplicate value in error 1062's message; the value is
// replaced by "(redacted)" in DBError.Message. MySQL gives no table name
// for most errors: Table is set only where the message names it.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var done *athanor.DBError
	if errors.As(err, &done) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var myErr *mysqldrv.MySQLError
	if errors.As(err, &myErr) {
		e := classifyServer(myErr)
		if e == nil {
			return err
		}
		e.Dialect = "mysql"
		e.Code = strconv.Itoa(int(myErr.Number))
		e.Err = err
		return e
	}
	if isConnError(err) {
		return &athanor.DBError{Kind: athanor.ErrConnectionLost, Dialect: "mysql", Message: err.Error(), Err: err}
	}
	return err
}

func classifyServer(me *mysqldrv.MySQLError) *athanor.DBError {
	msg := me.Message
	switch me.Number {
	case 1062, 1586: // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
		key, table := parseDupKey(msg)
		return &athanor.DBError{Kind: athanor.ErrUniqueViolation, Table: table, Constraint: key,
			Message: "Duplicate entry (redacted) for key '" + quoteKey(table, key) + "'"}
	case 1451, 1452, 1216, 1217:
		// ER_ROW_IS_REFERENCED_2, ER_NO_REFERENCED_ROW_2 (with the
		// constraint), ER_NO_REFERENCED_ROW, ER_ROW_IS_REFERENCED.
		table, constraint, column := parseFK(msg)
		return &athanor.DBError{Kind: athanor.ErrForeignKeyViolation, Table: table, Constraint: constraint, Column: column, Message: msg}
	case 1048, 1364: // ER_BAD_NULL_ERROR, ER_NO_DEFAULT_FOR_FIELD
		return &athanor.DBError{Kind: athanor.ErrNotNullViolation, Column: between(msg, "'", "'"), Message: msg}
	case 3819: // MySQL ER_CHECK_CONSTRAINT_VIOLATED: Check constraint 'c' is violated.
		return &athanor.DBError{Kind: athanor.ErrCheckViolation, Constraint: between(msg, "'", "'"), Message: msg}
	case 4025: // MariaDB ER_CONSTRAINT_FAILED: CONSTRAINT `c` failed for `db`.`t`
		c, rest := backquoted(msg)
		_, rest = backquoted(rest) // the database
		t, _ := backquoted(rest)
		return &athanor.DBError{Kind: athanor.ErrCheckViolation, Constraint: c, Table: t, Message: msg}
	case 1265: // WARN_DATA_TRUNCATED, an error in strict mode: a value outside an ENUM's list
		return &athanor.DBError{Kind: athanor.ErrCheckViolation, Column: between(msg, "'", "'"), Message: msg}
	case 1213: // ER_LOCK_DEADLOCK
		return &athanor.DBError{Kind: athanor.ErrDeadlock, Message: msg}
	case 1205, 3572: // ER_LOCK_WAIT_TIMEOUT, ER_LOCK_NOWAIT
		return &athanor.DBError{Kind: athanor.ErrLockTimeout, Message: msg}
	case 1020: // ER_CHECKREAD: record changed since last read (snapshot isolation)
		return &athanor.DBError{Kind: athanor.ErrSerialization, Message: msg}
	case 1792, 1836: // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION, ER_READ_ONLY_MODE
		return &athanor.DBError{Kind: athanor.ErrReadOnly, Message: msg}
	case 1290: // ER_OPTION_PREVENTS_STATEMENT: read-only only when it says so
		if strings.Contains(msg, "read-only") || strings.Contains(msg, "read_only") {
			return &athanor.DBError{Kind: athanor.ErrReadOnly, Message: msg}
		}
	case 1927, 1053, 1040, 2006, 2013, 4031:
		// ER_CONNECTION_KILLED (MariaDB), ER_SERVER_SHUTDOWN,
		// ER_CON_COUNT_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST,
		// ER_CLIENT_INTERACTION_TIMEOUT (MySQL).
		return &athanor.DBError{Kind: athanor.ErrConnectionLost, Message: msg}
	}
	return nil
}

// parseDupKey reads the key of "Duplicate entry '<value>' for key '<key>'";
// MySQL 8 writes the key as "<table>.<key>", MariaDB as "<key>".
func parseDupKey(msg string) (key, table string) {
	const marker = "' for key '"
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "", ""
	}
	key = strings.TrimSuffix(msg[i+len(marker):], "'")
	if t, k, ok := strings.Cut(key, "."); ok {
		return k, t
	}
	return key, ""
}

func quoteKey(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

// parseFK reads "... a foreign key constraint fails (`db`.`child`,
// CONSTRAINT `fk` FOREIGN KEY (`col`) REFERENCES `parent` (`id`) ...)".
func parseFK(msg string) (table, constraint, column string) {
	i := strings.Index(msg, "fails (")
	if i < 0 {
		return "", "", ""
	}
	rest := msg[i+len("fails ("):]
	_, rest = backquoted(rest) // the database
	table, rest = backquoted(rest)
	if j := strings.Index(rest, "CONSTRAINT "); j >= 0 {
		constraint, rest = backquoted(rest[j:])
	}
	if j := strings.Index(rest, "FOREIGN KEY ("); j >= 0 {
		column, _ = backquoted(rest[j:])
	}
	return table, constraint, column
}

// backquoted returns the first `identifier` in s (with “ unescaped) and
// what follows it.
func backquoted(s string) (ident, rest string) {
	i := strings.IndexByte(s, '`')
	if i < 0 {
		return "", ""
	}
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] != '`' {
			b.WriteByte(s[j])
			continue
		}
		if j+1 < len(s) && s[j+1] == '`' {
			b.WriteByte('`')
			j++
			continue
		}
		return b.String(), s[j+1:]
	}
	return "", ""
}

// between returns the text between the first open and the next close.
func between(s, open, close string) string {
	i := strings.Index(s, open)
	if i < 0 {
		return ""
	}
	s = s[i+len(open):]
	j := strings.Index(s, close)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func isConnError(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) || isBadConnNoWrite(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && !netErr.Timeout()
}

// isBadConnNoWrite recognises the driver's unexported errBadConnNoWrite
// ("bad connection": a write failed before any byte went out). Its
// statement methods turn it into driver.ErrBadConn, but a connection's
// handshake (Connector.Connect) returns it as it is, so a connection
// reset while a new connection logs in would otherwise not be a
// connection error.
func isBadConnNoWrite(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "bad connection" {
			return true
		}
	}
	return false
}
