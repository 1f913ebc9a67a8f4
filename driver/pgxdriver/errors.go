package pgxdriver

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor"
)

// Classify turns a pgx error into a [*athanor.DBError] of the matching
// kind, keeping the pgx error reachable through Unwrap (errors.As into a
// *pgconn.PgError still works). It returns err unchanged when err is nil,
// already classified, a context cancellation or deadline, or not an error
// of a kind Athanor names (a syntax error stays a plain *pgconn.PgError).
//
// SQLSTATEs: 23505 unique, 23503 foreign key, 23502 not null, 23514 check,
// 40001 serialization, 40P01 deadlock, 55P03 lock not available, 25006
// read-only transaction (also what a hot standby answers), 22P02 when it
// is a value outside an enum type (check violation), and 57P01,
// 57P02, 57P03, 53300 and class 08 connection lost; network errors, EOF,
// failed connects and a closed pgconn are connection lost too.
//
// A 26000 or 42P05 about one of pgx's named cached statements matches
// ErrNamedStatementLost (see PgBouncerParam).
//
// The table, column and constraint come from the server's error fields.
// The message is the server's primary message, which for these SQLSTATEs
// holds no row values; the Detail field (which does, as in
// "Key (email)=(a@b.c) already exists") is never copied.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	var done *athanor.DBError
	var lost *lostError
	if errors.As(err, &done) || errors.As(err, &lost) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if statementLost(pgErr) {
			return &lostError{err}
		}
		kind := kindOf(pgErr.Code)
		msg := pgErr.Message
		if pgErr.Code == "22P02" && strings.HasPrefix(msg, enumInput) {
			// A value outside an enum type: a check the type makes. The
			// message ends with the value, which is left out.
			name, _, _ := strings.Cut(msg[len(enumInput):], ":")
			kind, msg = athanor.ErrCheckViolation, enumInput+name
		}
		if kind == nil {
			return err
		}
		return &athanor.DBError{
			Kind:       kind,
			Dialect:    "postgres",
			Code:       pgErr.Code,
			Table:      pgErr.TableName,
			Column:     pgErr.ColumnName,
			Constraint: pgErr.ConstraintName,
			Message:    msg,
			Err:        err,
		}
	}
	if isConnError(err) {
		return &athanor.DBError{Kind: athanor.ErrConnectionLost, Dialect: "postgres", Message: err.Error(), Err: err}
	}
	return err
}

// enumInput begins the message of 22P02 for a value outside an enum type.
const enumInput = "invalid input value for enum "

func kindOf(code string) error {
	switch code {
	case "23505":
		return athanor.ErrUniqueViolation
	case "23503":
		return athanor.ErrForeignKeyViolation
	case "23502":
		return athanor.ErrNotNullViolation
	case "23514":
		return athanor.ErrCheckViolation
	case "40001":
		return athanor.ErrSerialization
	case "40P01":
		return athanor.ErrDeadlock
	case "55P03":
		return athanor.ErrLockTimeout
	case "25006":
		return athanor.ErrReadOnly
	case "57P01", "57P02", "57P03", "53300":
		// admin_shutdown (pg_terminate_backend, fast shutdown),
		// crash_shutdown, cannot_connect_now, too_many_connections.
		return athanor.ErrConnectionLost
	}
	if strings.HasPrefix(code, "08") {
		return athanor.ErrConnectionLost
	}
	return nil
}

// isConnError reports errors of the connection rather than the statement.
func isConnError(err error) bool {
	if errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	if pgconn.Timeout(err) {
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr)
}
