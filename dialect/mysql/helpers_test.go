package mysql_test

import (
	"context"
	"database/sql"
	"testing"

	// The round-trip tests talk to MySQL through database/sql.
	_ "github.com/go-sql-driver/mysql"

	"github.com/athanor-orm/athanor/internal/testdb"
)

func open(t *testing.T, e testdb.Endpoint) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", e.DriverDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
