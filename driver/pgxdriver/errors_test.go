package pgxdriver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/internal/testdb"
)

func TestClassifyTable(t *testing.T) {
	already := &athanor.DBError{Kind: athanor.ErrDeadlock, Err: errors.New("x")}
	syntax := &pgconn.PgError{Code: "42601", Message: "syntax error"}
	tests := []struct {
		name       string
		err        error
		kind       error // nil: returned unchanged
		table      string
		column     string
		constraint string
	}{
		{name: "nil stays nil", err: nil},
		{name: "non-database error unchanged", err: errors.New("boom")},
		{name: "unclassified SQLSTATE unchanged", err: syntax},
		{name: "context canceled unchanged", err: fmt.Errorf("query: %w", context.Canceled)},
		{name: "already classified unchanged", err: already},
		{name: "unique", err: &pgconn.PgError{Code: "23505", TableName: "users", ConstraintName: "users_email_key", Detail: "Key (email)=(secret@x.y) already exists."},
			kind: athanor.ErrUniqueViolation, table: "users", constraint: "users_email_key"},
		{name: "foreign key", err: &pgconn.PgError{Code: "23503", TableName: "books", ConstraintName: "books_author_fk"},
			kind: athanor.ErrForeignKeyViolation, table: "books", constraint: "books_author_fk"},
		{name: "not null", err: &pgconn.PgError{Code: "23502", TableName: "users", ColumnName: "email"},
			kind: athanor.ErrNotNullViolation, table: "users", column: "email"},
		{name: "check", err: &pgconn.PgError{Code: "23514", TableName: "users", ConstraintName: "age_positive"},
			kind: athanor.ErrCheckViolation, table: "users", constraint: "age_positive"},
		{name: "serialization", err: &pgconn.PgError{Code: "40001"}, kind: athanor.ErrSerialization},
		{name: "deadlock", err: &pgconn.PgError{Code: "40P01"}, kind: athanor.ErrDeadlock},
		{name: "nowait", err: &pgconn.PgError{Code: "55P03"}, kind: athanor.ErrLockTimeout},
		{name: "read-only transaction", err: &pgconn.PgError{Code: "25006"}, kind: athanor.ErrReadOnly},
		{name: "terminated backend", err: &pgconn.PgError{Code: "57P01"}, kind: athanor.ErrConnectionLost},
		{name: "connection failure class 08", err: &pgconn.PgError{Code: "08006"}, kind: athanor.ErrConnectionLost},
		{name: "wrapped driver error", err: fmt.Errorf("exec: %w", &pgconn.PgError{Code: "23505", ConstraintName: "k"}), kind: athanor.ErrUniqueViolation, constraint: "k"},
		{name: "unexpected EOF", err: fmt.Errorf("read: %w", io.ErrUnexpectedEOF), kind: athanor.ErrConnectionLost},
		{name: "closed pgconn", err: fmt.Errorf("x: %w", pgconn.ErrConnClosed), kind: athanor.ErrConnectionLost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := pgxdriver.Classify(tc.err)
			if tc.kind == nil {
				if got != tc.err {
					t.Fatalf("Classify(%v) = %v, want it unchanged", tc.err, got)
				}
				return
			}
			checkKind(t, got, tc.err, tc.kind, tc.table, tc.column, tc.constraint)
			if athanor.IsRetryable(got) != (tc.kind == athanor.ErrSerialization || tc.kind == athanor.ErrDeadlock || tc.kind == athanor.ErrLockTimeout) {
				t.Errorf("IsRetryable(%v) = %v", got, athanor.IsRetryable(got))
			}
			if athanor.IsConnectionError(got) != (tc.kind == athanor.ErrConnectionLost) {
				t.Errorf("IsConnectionError(%v) = %v", got, athanor.IsConnectionError(got))
			}
		})
	}
}

// checkKind asserts err is a *athanor.DBError of kind naming the table,
// column and constraint, that the driver error stays reachable and that
// the message holds no row values.
func checkKind(t *testing.T, err, driverErr, kind error, table, column, constraint string) *athanor.DBError {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v (%T) is not %v", err, err, kind)
	}
	var dbErr *athanor.DBError
	if !errors.As(err, &dbErr) {
		t.Fatalf("error %v is not a *athanor.DBError", err)
	}
	if dbErr.Dialect != "postgres" {
		t.Errorf("Dialect = %q", dbErr.Dialect)
	}
	if table != "" && dbErr.Table != table {
		t.Errorf("Table = %q, want %q", dbErr.Table, table)
	}
	if column != "" && dbErr.Column != column {
		t.Errorf("Column = %q, want %q", dbErr.Column, column)
	}
	if constraint != "" && dbErr.Constraint != constraint {
		t.Errorf("Constraint = %q, want %q", dbErr.Constraint, constraint)
	}
	if driverErr != nil && !errors.Is(err, driverErr) {
		t.Errorf("driver error %v not reachable from %v", driverErr, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(driverErr, &pgErr) && !errors.As(err, &pgErr) {
		t.Errorf("errors.As(*pgconn.PgError) fails on %v", err)
	}
	msg := err.Error()
	t.Log(msg)
	if strings.Contains(msg, "secret") || strings.Contains(msg, "Key (") {
		t.Errorf("message leaks row values: %s", msg)
	}
	if msg != strings.ToLower(msg[:1])+msg[1:] {
		t.Errorf("message not lower-case: %s", msg)
	}
	return dbErr
}

func connect(t *testing.T, e testdb.Endpoint) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, e.DriverDSN())
	if err != nil {
		t.Fatalf("connect %s: %v", e, err)
	}
	pgxdriver.RegisterTypes(c.TypeMap())
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestClassifyRealServer(t *testing.T) {
	cl := testdb.PG(t)
	c := connect(t, cl.Primary)
	ctx := context.Background()
	mustExec(t, c,
		`CREATE TABLE parent (id int PRIMARY KEY)`,
		`CREATE TABLE users (
			id int PRIMARY KEY,
			email text NOT NULL CONSTRAINT users_email_key UNIQUE,
			age int CONSTRAINT users_age_check CHECK (age >= 0),
			parent_id int CONSTRAINT users_parent_fk REFERENCES parent (id))`,
		`INSERT INTO parent VALUES (1)`,
		`INSERT INTO users VALUES (1, 'secret@example.com', 30, 1)`,
	)
	violations := []struct {
		name                      string
		sql                       string
		args                      []any
		kind                      error
		table, column, constraint string
	}{
		{"unique", `INSERT INTO users (id, email) VALUES ($1, $2)`, []any{2, "secret@example.com"},
			athanor.ErrUniqueViolation, "users", "", "users_email_key"},
		{"primary key", `INSERT INTO users (id, email) VALUES ($1, $2)`, []any{1, "other@example.com"},
			athanor.ErrUniqueViolation, "users", "", "users_pkey"},
		{"foreign key", `INSERT INTO users (id, email, parent_id) VALUES ($1, $2, $3)`, []any{3, "c@example.com", 999},
			athanor.ErrForeignKeyViolation, "users", "", "users_parent_fk"},
		{"foreign key on delete", `DELETE FROM parent WHERE id = $1`, []any{1},
			athanor.ErrForeignKeyViolation, "users", "", "users_parent_fk"},
		{"not null", `INSERT INTO users (id, email) VALUES ($1, $2)`, []any{4, nil},
			athanor.ErrNotNullViolation, "users", "email", ""},
		{"check", `INSERT INTO users (id, email, age) VALUES ($1, $2, $3)`, []any{5, "e@example.com", -1},
			athanor.ErrCheckViolation, "users", "", "users_age_check"},
	}
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			_, raw := c.Exec(ctx, v.sql, v.args...)
			if raw == nil {
				t.Fatal("no error")
			}
			checkKind(t, pgxdriver.Classify(raw), raw, v.kind, v.table, v.column, v.constraint)
		})
	}

	t.Run("serialization failure", func(t *testing.T) {
		mustExec(t, c, `CREATE TABLE acc (id int PRIMARY KEY, v int)`, `INSERT INTO acc VALUES (1, 10), (2, 20)`)
		a, b := connect(t, cl.Primary), connect(t, cl.Primary)
		opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
		ta, err := a.BeginTx(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback(ctx)
		tb, err := b.BeginTx(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Rollback(ctx)
		// Write skew: each reads what the other writes.
		var s int
		if err := ta.QueryRow(ctx, `SELECT sum(v) FROM acc`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if err := tb.QueryRow(ctx, `SELECT sum(v) FROM acc`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if _, err := ta.Exec(ctx, `UPDATE acc SET v = v + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Exec(ctx, `UPDATE acc SET v = v + 1 WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		if err := ta.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		raw := tb.Commit(ctx)
		if raw == nil {
			t.Fatal("second SERIALIZABLE commit succeeded")
		}
		got := pgxdriver.Classify(raw)
		checkKind(t, got, raw, athanor.ErrSerialization, "", "", "")
		if !athanor.IsRetryable(got) {
			t.Error("serialization failure is not retryable")
		}
	})

	t.Run("deadlock", func(t *testing.T) {
		mustExec(t, c, `CREATE TABLE dl (id int PRIMARY KEY, v int)`, `INSERT INTO dl VALUES (1, 0), (2, 0)`)
		a, b := connect(t, cl.Primary), connect(t, cl.Primary)
		ta, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback(ctx)
		tb, err := b.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tb.Rollback(ctx)
		mustTx := func(tx pgx.Tx, q string) {
			if _, err := tx.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		mustTx(ta, `UPDATE dl SET v = 1 WHERE id = 1`)
		mustTx(tb, `UPDATE dl SET v = 1 WHERE id = 2`)
		errA := make(chan error, 1)
		go func() {
			_, err := ta.Exec(ctx, `UPDATE dl SET v = 2 WHERE id = 2`)
			errA <- err
		}()
		time.Sleep(100 * time.Millisecond) // let a block on row 2
		_, errB := tb.Exec(ctx, `UPDATE dl SET v = 2 WHERE id = 1`)
		raw := errB
		if raw == nil {
			tb.Rollback(ctx) // b won: a must be the victim
			raw = <-errA
		} else {
			tb.Rollback(ctx)
			<-errA
		}
		if raw == nil {
			t.Fatal("no deadlock reported")
		}
		checkKind(t, pgxdriver.Classify(raw), raw, athanor.ErrDeadlock, "", "", "")
	})

	t.Run("lock not available", func(t *testing.T) {
		mustExec(t, c, `CREATE TABLE lk (id int PRIMARY KEY)`, `INSERT INTO lk VALUES (1)`)
		a, b := connect(t, cl.Primary), connect(t, cl.Primary)
		ta, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer ta.Rollback(ctx)
		if _, err := ta.Exec(ctx, `SELECT * FROM lk WHERE id = 1 FOR UPDATE`); err != nil {
			t.Fatal(err)
		}
		_, raw := b.Exec(ctx, `SELECT * FROM lk WHERE id = 1 FOR UPDATE NOWAIT`)
		checkKind(t, pgxdriver.Classify(raw), raw, athanor.ErrLockTimeout, "", "", "")
	})

	t.Run("read-only transaction", func(t *testing.T) {
		tx, err := c.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		_, raw := tx.Exec(ctx, `INSERT INTO parent VALUES (2)`)
		checkKind(t, pgxdriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})

	t.Run("read-only server", func(t *testing.T) {
		if len(cl.Replicas) == 0 {
			t.Skip("no PostgreSQL replica configured")
		}
		testdb.CaughtUp(t, cl)
		r := connect(t, cl.Replicas[0])
		_, raw := r.Exec(ctx, `INSERT INTO parent VALUES (3)`)
		checkKind(t, pgxdriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})

	t.Run("connection lost: backend terminated", func(t *testing.T) {
		if testdb.ViaPgBouncer() {
			// PgBouncer reports a pid of its own (not a backend's), and
			// in transaction mode the client's next query goes to
			// another server connection: the client's is never lost.
			t.Skip("through PgBouncer the client holds no backend to terminate; the direct pass covers this")
		}
		victim := connect(t, cl.Primary)
		var pid uint32 = victim.PgConn().PID()
		var ok bool
		if err := c.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pid).Scan(&ok); err != nil || !ok {
			t.Fatalf("pg_terminate_backend: %v %v", ok, err)
		}
		var one int
		raw := victim.QueryRow(ctx, `SELECT 1`).Scan(&one)
		if raw == nil {
			t.Fatal("query on a terminated backend succeeded")
		}
		got := pgxdriver.Classify(raw)
		checkKind(t, got, nil, athanor.ErrConnectionLost, "", "", "")
		if !athanor.IsConnectionError(got) {
			t.Error("IsConnectionError = false")
		}
		// The next use of the dead connection is connection lost too.
		raw = victim.QueryRow(ctx, `SELECT 1`).Scan(&one)
		checkKind(t, pgxdriver.Classify(raw), nil, athanor.ErrConnectionLost, "", "", "")
	})

	t.Run("connection refused", func(t *testing.T) {
		e := cl.Primary
		e.Port = "1" // nothing listens there
		_, raw := pgx.Connect(ctx, e.DriverDSN())
		checkKind(t, pgxdriver.Classify(raw), nil, athanor.ErrConnectionLost, "", "", "")
	})

	t.Run("syntax error stays a PgError", func(t *testing.T) {
		_, raw := c.Exec(ctx, `SELEC 1`)
		if got := pgxdriver.Classify(raw); got != raw {
			t.Fatalf("Classify changed %v into %v", raw, got)
		}
	})

	t.Run("no rows is still sql.ErrNoRows", func(t *testing.T) {
		if !errors.Is(athanor.ErrNoRows, sql.ErrNoRows) {
			t.Fatal("athanor.ErrNoRows does not wrap sql.ErrNoRows")
		}
	})
}
