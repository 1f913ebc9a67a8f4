package sqlitedriver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	sqlitedrv "modernc.org/sqlite"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// open returns a database on a fresh file with foreign keys on, WAL, and
// no busy timeout (lock conflicts fail at once).
func open(t *testing.T) *sql.DB {
	t.Helper()
	return openPath(t, testdb.SQLite(t), "")
}

func openPath(t *testing.T, path, extra string) *sql.DB {
	t.Helper()
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(0)&_pragma=journal_mode(wal)" + extra
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func mustExec(t *testing.T, c execer, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		if _, err := c.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func checkKind(t *testing.T, err, driverErr, kind error, table, column, constraint string) *athanor.DBError {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v (%T) is not %v", err, err, kind)
	}
	var dbErr *athanor.DBError
	if !errors.As(err, &dbErr) {
		t.Fatalf("error %v is not a *athanor.DBError", err)
	}
	if dbErr.Dialect != "sqlite" {
		t.Errorf("Dialect = %q", dbErr.Dialect)
	}
	if dbErr.Table != table {
		t.Errorf("Table = %q, want %q", dbErr.Table, table)
	}
	if dbErr.Column != column {
		t.Errorf("Column = %q, want %q", dbErr.Column, column)
	}
	if dbErr.Constraint != constraint {
		t.Errorf("Constraint = %q, want %q", dbErr.Constraint, constraint)
	}
	if driverErr != nil && !errors.Is(err, driverErr) {
		t.Errorf("driver error %v not reachable from %v", driverErr, err)
	}
	var se *sqlitedrv.Error
	if errors.As(driverErr, &se) && !errors.As(err, &se) {
		t.Errorf("errors.As(*sqlite.Error) fails on %v", err)
	}
	msg := err.Error()
	t.Log(msg)
	if strings.Contains(msg, "secret") {
		t.Errorf("message leaks row values: %s", msg)
	}
	return dbErr
}

func TestClassifyPassesThrough(t *testing.T) {
	already := &athanor.DBError{Kind: athanor.ErrDeadlock, Err: errors.New("x")}
	for name, err := range map[string]error{
		"nil":                nil,
		"non-database error": errors.New("boom"),
		"context canceled":   fmt.Errorf("q: %w", context.Canceled),
		"already classified": already,
	} {
		t.Run(name, func(t *testing.T) {
			if got := sqlitedriver.Classify(err); got != err {
				t.Fatalf("Classify(%v) = %v, want it unchanged", err, got)
			}
		})
	}
	t.Run("syntax error stays a sqlite.Error", func(t *testing.T) {
		_, raw := open(t).Exec(`SELEC 1`)
		if got := sqlitedriver.Classify(raw); got != raw {
			t.Fatalf("Classify changed %v into %v", raw, got)
		}
	})
}

func TestClassifyRealDatabase(t *testing.T) {
	path := testdb.SQLite(t)
	db := openPath(t, path, "")
	ctx := context.Background()
	mustExec(t, db,
		`CREATE TABLE parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE users (
			id INTEGER PRIMARY KEY,
			email TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
			age INTEGER CONSTRAINT users_age_check CHECK (age >= 0),
			score INTEGER CHECK (score < 100),
			parent_id INTEGER CONSTRAINT users_parent_fk REFERENCES parent (id))`,
		`CREATE TABLE pair (a INTEGER, b INTEGER, UNIQUE (a, b))`,
		`INSERT INTO parent VALUES (1)`,
		`INSERT INTO users (id, email, age, parent_id) VALUES (1, 'secret@example.com', 30, 1)`,
		`INSERT INTO pair VALUES (1, 2)`,
	)
	violations := []struct {
		name                      string
		sql                       string
		args                      []any
		kind                      error
		table, column, constraint string
	}{
		{"unique", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{2, "secret@example.com"},
			athanor.ErrUniqueViolation, "users", "email", ""},
		{"composite unique", `INSERT INTO pair VALUES (?, ?)`, []any{1, 2},
			athanor.ErrUniqueViolation, "pair", "a, b", ""},
		{"primary key", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{1, "other@example.com"},
			athanor.ErrUniqueViolation, "users", "id", ""},
		{"foreign key", `INSERT INTO users (id, email, parent_id) VALUES (?, ?, ?)`, []any{3, "c@example.com", 999},
			athanor.ErrForeignKeyViolation, "", "", ""},
		{"foreign key on delete", `DELETE FROM parent WHERE id = ?`, []any{1},
			athanor.ErrForeignKeyViolation, "", "", ""},
		{"not null", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{4, nil},
			athanor.ErrNotNullViolation, "users", "email", ""},
		{"named check", `INSERT INTO users (id, email, age) VALUES (?, ?, ?)`, []any{5, "e@example.com", -1},
			athanor.ErrCheckViolation, "", "", "users_age_check"},
		{"unnamed check", `INSERT INTO users (id, email, score) VALUES (?, ?, ?)`, []any{6, "f@example.com", 100},
			athanor.ErrCheckViolation, "", "", ""},
	}
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			_, raw := db.ExecContext(ctx, v.sql, v.args...)
			if raw == nil {
				t.Fatal("no error")
			}
			checkKind(t, sqlitedriver.Classify(raw), raw, v.kind, v.table, v.column, v.constraint)
		})
	}

	t.Run("busy: another writer holds the lock", func(t *testing.T) {
		a, b := openPath(t, path, ""), openPath(t, path, "")
		ta, err := a.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback()
		mustExec(t, ta, `INSERT INTO parent VALUES (10)`)
		_, raw := b.ExecContext(ctx, `INSERT INTO parent VALUES (11)`)
		got := sqlitedriver.Classify(raw)
		checkKind(t, got, raw, athanor.ErrLockTimeout, "", "", "")
		if !athanor.IsRetryable(got) {
			t.Error("SQLITE_BUSY is not retryable")
		}
	})

	t.Run("busy snapshot: a stale read snapshot upgrades to write", func(t *testing.T) {
		a, b := openPath(t, path, ""), openPath(t, path, "")
		ta, err := a.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback()
		var n int
		if err := ta.QueryRowContext(ctx, `SELECT count(*) FROM parent`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		mustExec(t, b, `INSERT INTO parent VALUES (20)`)
		_, raw := ta.ExecContext(ctx, `INSERT INTO parent VALUES (21)`)
		got := sqlitedriver.Classify(raw)
		checkKind(t, got, raw, athanor.ErrSerialization, "", "", "")
		if !athanor.IsRetryable(got) {
			t.Error("SQLITE_BUSY_SNAPSHOT is not retryable")
		}
	})

	t.Run("read-only database", func(t *testing.T) {
		ro := openPath(t, path, "&mode=ro")
		_, raw := ro.ExecContext(ctx, `INSERT INTO parent VALUES (30)`)
		checkKind(t, sqlitedriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})

	t.Run("read-only connection: query_only", func(t *testing.T) {
		ro := openPath(t, path, "&_pragma=query_only(1)")
		_, raw := ro.ExecContext(ctx, `INSERT INTO parent VALUES (31)`)
		checkKind(t, sqlitedriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})
}
