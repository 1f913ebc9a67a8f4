package athanor_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/athanor-orm/athanor"
)

type driverErr struct{ code string }

func (e *driverErr) Error() string { return "driver: " + e.code }

func TestDBError(t *testing.T) {
	drv := &driverErr{code: "23505"}
	err := fmt.Errorf("insert users: %w", &athanor.DBError{
		Kind: athanor.ErrUniqueViolation, Dialect: "postgres", Code: "23505",
		Table: "users", Constraint: "users_email_key", Message: "duplicate key value violates unique constraint \"users_email_key\"", Err: drv,
	})
	if !errors.Is(err, athanor.ErrUniqueViolation) {
		t.Error("errors.Is(kind) = false")
	}
	if errors.Is(err, athanor.ErrCheckViolation) {
		t.Error("errors.Is(other kind) = true")
	}
	var got *driverErr
	if !errors.As(err, &got) || got != drv {
		t.Error("driver error not reachable with errors.As")
	}
	const want = `insert users: athanor: unique violation: table "users", constraint "users_email_key" (postgres 23505): duplicate key value violates unique constraint "users_email_key"`
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err.Error(), want)
	}
	if athanor.IsRetryable(err) || athanor.IsConnectionError(err) {
		t.Error("a unique violation is neither retryable nor a connection error")
	}
}

func TestPredicates(t *testing.T) {
	kind := func(k error) error { return &athanor.DBError{Kind: k, Dialect: "mysql", Err: errors.New("x")} }
	tests := []struct {
		name            string
		err             error
		retryable, conn bool
	}{
		{"nil", nil, false, false},
		{"plain error", errors.New("x"), false, false},
		{"serialization", kind(athanor.ErrSerialization), true, false},
		{"deadlock", kind(athanor.ErrDeadlock), true, false},
		{"lock timeout", kind(athanor.ErrLockTimeout), true, false},
		{"read-only", kind(athanor.ErrReadOnly), false, false},
		{"connection lost", kind(athanor.ErrConnectionLost), false, true},
		{"deadlock with unknown outcome is not retryable", fmt.Errorf("%w: %w", athanor.ErrOutcomeUnknown, kind(athanor.ErrDeadlock)), false, false},
		{"connection lost during commit", fmt.Errorf("commit: %w: %w", athanor.ErrOutcomeUnknown, kind(athanor.ErrConnectionLost)), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := athanor.IsRetryable(tc.err); got != tc.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tc.retryable)
			}
			if got := athanor.IsConnectionError(tc.err); got != tc.conn {
				t.Errorf("IsConnectionError = %v, want %v", got, tc.conn)
			}
		})
	}
}

func TestErrNoRowsWrapsSQL(t *testing.T) {
	err := fmt.Errorf("get user: %w", athanor.ErrNoRows)
	if !errors.Is(err, athanor.ErrNoRows) || !errors.Is(err, sql.ErrNoRows) {
		t.Error("ErrNoRows must match both athanor.ErrNoRows and sql.ErrNoRows")
	}
}

func TestErrorWithoutNames(t *testing.T) {
	e := &athanor.DBError{Kind: athanor.ErrDeadlock, Dialect: "mysql", Code: "1213"}
	if got, want := e.Error(), "athanor: deadlock (mysql 1213)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
