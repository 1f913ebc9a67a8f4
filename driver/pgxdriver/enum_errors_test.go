package pgxdriver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/driver/pgxdriver"
)

// A value outside an enum type is a check violation; the message keeps
// the type's name and drops the value. Other 22P02 errors stay as they are.
func TestClassifyEnumInput(t *testing.T) {
	err := pgxdriver.Classify(&pgconn.PgError{Code: "22P02", Message: `invalid input value for enum post_status: "secret"`})
	var dbErr *athanor.DBError
	if !errors.Is(err, athanor.ErrCheckViolation) || !errors.As(err, &dbErr) {
		t.Fatalf("got %v", err)
	}
	if dbErr.Message != "invalid input value for enum post_status" || strings.Contains(err.Error(), "secret") {
		t.Fatalf("message %q, error %q", dbErr.Message, err)
	}
	other := &pgconn.PgError{Code: "22P02", Message: `invalid input syntax for type integer: "x"`}
	if got := pgxdriver.Classify(other); got != error(other) {
		t.Fatalf("other 22P02: %v", got)
	}
}
