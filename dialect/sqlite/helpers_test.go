package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	// The round-trip tests talk to SQLite through database/sql.
	_ "modernc.org/sqlite"

	"github.com/athanor-orm/athanor/internal/testdb"
)

// open returns a database on a fresh file with foreign keys on and WAL.
func open(t *testing.T) *sql.DB {
	t.Helper()
	dsn := "file:" + testdb.SQLite(t) + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(0)&_pragma=journal_mode(wal)"
	db, err := sql.Open("sqlite", dsn)
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
