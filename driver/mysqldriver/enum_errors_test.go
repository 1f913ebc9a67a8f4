package mysqldriver_test

import (
	"errors"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/driver/mysqldriver"
)

// Strict mode refuses a value outside an ENUM with 1265, classified as a
// check violation naming the column.
func TestClassifyEnumTruncation(t *testing.T) {
	err := mysqldriver.Classify(&mysqldrv.MySQLError{Number: 1265, Message: "Data truncated for column 'status' at row 1"})
	var dbErr *athanor.DBError
	if !errors.Is(err, athanor.ErrCheckViolation) || !errors.As(err, &dbErr) || dbErr.Column != "status" || dbErr.Code != "1265" {
		t.Fatalf("got %v %+v", err, dbErr)
	}
}
