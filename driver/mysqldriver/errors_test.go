package mysqldriver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/driver/mysqldriver"
	"github.com/athanor-orm/athanor/internal/testdb"
)

func myErr(n uint16, msg string) *mysqldrv.MySQLError {
	return &mysqldrv.MySQLError{Number: n, Message: msg}
}

func TestClassifyTable(t *testing.T) {
	already := &athanor.DBError{Kind: athanor.ErrDeadlock, Err: errors.New("x")}
	syntax := myErr(1064, "You have an error in your SQL syntax")
	secureFile := myErr(1290, "The MySQL server is running with the --secure-file-priv option so it cannot execute this statement")
	tests := []struct {
		name                      string
		err                       error
		kind                      error // nil: returned unchanged
		table, column, constraint string
	}{
		{name: "nil stays nil"},
		{name: "non-database error unchanged", err: errors.New("boom")},
		{name: "syntax error unchanged", err: syntax},
		{name: "1290 without read-only unchanged", err: secureFile},
		{name: "context deadline unchanged", err: fmt.Errorf("q: %w", context.DeadlineExceeded)},
		{name: "already classified unchanged", err: already},
		{name: "duplicate entry, MariaDB key", err: myErr(1062, "Duplicate entry 'secret@x.y' for key 'users_email_key'"),
			kind: athanor.ErrUniqueViolation, constraint: "users_email_key"},
		{name: "duplicate entry, MySQL 8 table.key", err: myErr(1062, "Duplicate entry 'it''s secret' for key 'users.users_email_key'"),
			kind: athanor.ErrUniqueViolation, table: "users", constraint: "users_email_key"},
		{name: "duplicate entry, value holding the marker", err: myErr(1062, "Duplicate entry 'secret' for key 'x' for key 'PRIMARY'"),
			kind: athanor.ErrUniqueViolation, constraint: "PRIMARY"},
		{name: "fk child", err: myErr(1452, "Cannot add or update a child row: a foreign key constraint fails (`db`.`books`, CONSTRAINT `books_author_fk` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`))"),
			kind: athanor.ErrForeignKeyViolation, table: "books", column: "author_id", constraint: "books_author_fk"},
		{name: "fk parent", err: myErr(1451, "Cannot delete or update a parent row: a foreign key constraint fails (`db`.`we``ird`, CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`))"),
			kind: athanor.ErrForeignKeyViolation, table: "we`ird", column: "a", constraint: "fk"},
		{name: "fk old form", err: myErr(1216, "Cannot add or update a child row: a foreign key constraint fails"), kind: athanor.ErrForeignKeyViolation},
		{name: "not null", err: myErr(1048, "Column 'email' cannot be null"), kind: athanor.ErrNotNullViolation, column: "email"},
		{name: "no default", err: myErr(1364, "Field 'email' doesn't have a default value"), kind: athanor.ErrNotNullViolation, column: "email"},
		{name: "check MySQL", err: myErr(3819, "Check constraint 'age_positive' is violated."), kind: athanor.ErrCheckViolation, constraint: "age_positive"},
		{name: "check MariaDB", err: myErr(4025, "CONSTRAINT `age_positive` failed for `db`.`users`"), kind: athanor.ErrCheckViolation, table: "users", constraint: "age_positive"},
		{name: "deadlock", err: myErr(1213, "Deadlock found when trying to get lock; try restarting transaction"), kind: athanor.ErrDeadlock},
		{name: "lock wait timeout", err: myErr(1205, "Lock wait timeout exceeded; try restarting transaction"), kind: athanor.ErrLockTimeout},
		{name: "snapshot isolation conflict", err: myErr(1020, "Record has changed since last read in table 't'"), kind: athanor.ErrSerialization},
		{name: "read-only transaction", err: myErr(1792, "Cannot execute statement in a READ ONLY transaction"), kind: athanor.ErrReadOnly},
		{name: "read-only server", err: myErr(1290, "The MariaDB server is running with the --read-only option so it cannot execute this statement"), kind: athanor.ErrReadOnly},
		{name: "connection killed", err: myErr(1927, "Connection was killed"), kind: athanor.ErrConnectionLost},
		{name: "bad conn", err: fmt.Errorf("exec: %w", driver.ErrBadConn), kind: athanor.ErrConnectionLost},
		// The driver's unexported errBadConnNoWrite, as a handshake returns it.
		{name: "bad connection before any write", err: fmt.Errorf("connect: %w", errors.New("bad connection")), kind: athanor.ErrConnectionLost},
		{name: "invalid conn", err: mysqldrv.ErrInvalidConn, kind: athanor.ErrConnectionLost},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mysqldriver.Classify(tc.err)
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

func checkKind(t *testing.T, err, driverErr, kind error, table, column, constraint string) *athanor.DBError {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v (%T) is not %v", err, err, kind)
	}
	var dbErr *athanor.DBError
	if !errors.As(err, &dbErr) {
		t.Fatalf("error %v is not a *athanor.DBError", err)
	}
	if dbErr.Dialect != "mysql" {
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
	var me *mysqldrv.MySQLError
	if errors.As(driverErr, &me) && !errors.As(err, &me) {
		t.Errorf("errors.As(*mysql.MySQLError) fails on %v", err)
	}
	msg := err.Error()
	t.Log(msg)
	if strings.Contains(msg, "secret") {
		t.Errorf("message leaks row values: %s", msg)
	}
	return dbErr
}

func open(t *testing.T, e testdb.Endpoint) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", e.DriverDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// conn pins one connection so session state and kills are predictable.
func conn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
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

func TestClassifyRealServer(t *testing.T) {
	cl := testdb.MySQL(t)
	db := open(t, cl.Primary)
	ctx := context.Background()
	mustExec(t, db,
		`CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB`,
		"CREATE TABLE users (\n"+
			"id INT PRIMARY KEY,\n"+
			"email VARCHAR(100) NOT NULL,\n"+
			"age INT,\n"+
			"parent_id INT,\n"+
			"CONSTRAINT users_email_key UNIQUE (email),\n"+
			"CONSTRAINT users_age_check CHECK (age >= 0),\n"+
			"CONSTRAINT users_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
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
		{"unique", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{2, "secret@example.com"},
			athanor.ErrUniqueViolation, "", "", "users_email_key"},
		{"primary key", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{1, "other@example.com"},
			athanor.ErrUniqueViolation, "", "", "PRIMARY"},
		{"foreign key", `INSERT INTO users (id, email, parent_id) VALUES (?, ?, ?)`, []any{3, "c@example.com", 999},
			athanor.ErrForeignKeyViolation, "users", "parent_id", "users_parent_fk"},
		{"foreign key on delete", `DELETE FROM parent WHERE id = ?`, []any{1},
			athanor.ErrForeignKeyViolation, "users", "parent_id", "users_parent_fk"},
		{"not null", `INSERT INTO users (id, email) VALUES (?, ?)`, []any{4, nil},
			athanor.ErrNotNullViolation, "", "email", ""},
		{"no default for not null", `INSERT INTO users (id) VALUES (?)`, []any{4},
			athanor.ErrNotNullViolation, "", "email", ""},
		{"check", `INSERT INTO users (id, email, age) VALUES (?, ?, ?)`, []any{5, "e@example.com", -1},
			athanor.ErrCheckViolation, "users", "", "users_age_check"},
	}
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			_, raw := db.ExecContext(ctx, v.sql, v.args...)
			if raw == nil {
				t.Fatal("no error")
			}
			checkKind(t, mysqldriver.Classify(raw), raw, v.kind, v.table, v.column, v.constraint)
		})
	}

	t.Run("deadlock", func(t *testing.T) {
		mustExec(t, db, `CREATE TABLE dl (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`, `INSERT INTO dl VALUES (1, 0), (2, 0)`)
		a, b := conn(t, db), conn(t, db)
		mustExec(t, a, `SET SESSION innodb_lock_wait_timeout = 20`, `BEGIN`, `UPDATE dl SET v = 1 WHERE id = 1`)
		mustExec(t, b, `SET SESSION innodb_lock_wait_timeout = 20`, `BEGIN`, `UPDATE dl SET v = 1 WHERE id = 2`)
		errA := make(chan error, 1)
		go func() {
			_, err := a.ExecContext(ctx, `UPDATE dl SET v = 2 WHERE id = 2`)
			errA <- err
		}()
		time.Sleep(200 * time.Millisecond) // let a block on row 2
		_, errB := b.ExecContext(ctx, `UPDATE dl SET v = 2 WHERE id = 1`)
		raw := errB
		if raw == nil {
			mustExec(t, b, `ROLLBACK`) // b won: a is the victim
			raw = <-errA
		} else {
			mustExec(t, b, `ROLLBACK`)
			<-errA
		}
		mustExec(t, a, `ROLLBACK`)
		if raw == nil {
			t.Fatal("no deadlock reported")
		}
		got := mysqldriver.Classify(raw)
		checkKind(t, got, raw, athanor.ErrDeadlock, "", "", "")
		if !athanor.IsRetryable(got) {
			t.Error("deadlock is not retryable")
		}
	})

	t.Run("lock wait timeout", func(t *testing.T) {
		mustExec(t, db, `CREATE TABLE lk (id INT PRIMARY KEY) ENGINE=InnoDB`, `INSERT INTO lk VALUES (1)`)
		a, b := conn(t, db), conn(t, db)
		mustExec(t, a, `BEGIN`, `SELECT * FROM lk WHERE id = 1 FOR UPDATE`)
		defer mustExec(t, a, `ROLLBACK`)
		mustExec(t, b, `SET SESSION innodb_lock_wait_timeout = 1`)
		_, raw := b.ExecContext(ctx, `UPDATE lk SET id = 2 WHERE id = 1`)
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrLockTimeout, "", "", "")
		_, raw = b.ExecContext(ctx, `SELECT * FROM lk WHERE id = 1 FOR UPDATE NOWAIT`)
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrLockTimeout, "", "", "")
	})

	t.Run("read-only transaction", func(t *testing.T) {
		c := conn(t, db)
		mustExec(t, c, `START TRANSACTION READ ONLY`)
		defer mustExec(t, c, `ROLLBACK`)
		_, raw := c.ExecContext(ctx, `INSERT INTO parent VALUES (2)`)
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})

	t.Run("read-only server", func(t *testing.T) {
		if len(cl.Replicas) == 0 {
			t.Skip("no MariaDB replica configured")
		}
		testdb.CaughtUp(t, cl)
		r := open(t, cl.Replicas[0])
		_, raw := r.ExecContext(ctx, `INSERT INTO parent VALUES (3)`)
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrReadOnly, "", "", "")
	})

	t.Run("connection lost: KILL CONNECTION", func(t *testing.T) {
		victim := conn(t, db)
		var id int64
		if err := victim.QueryRowContext(ctx, `SELECT CONNECTION_ID()`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, fmt.Sprintf("KILL CONNECTION %d", id))
		var one int
		raw := victim.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
		if raw == nil {
			t.Fatal("query on a killed connection succeeded")
		}
		got := mysqldriver.Classify(raw)
		checkKind(t, got, raw, athanor.ErrConnectionLost, "", "", "")
		if !athanor.IsConnectionError(got) {
			t.Error("IsConnectionError = false")
		}
	})

	t.Run("connection lost: killed during a query", func(t *testing.T) {
		victim := conn(t, db)
		var id int64
		if err := victim.QueryRowContext(ctx, `SELECT CONNECTION_ID()`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			var x int
			done <- victim.QueryRowContext(ctx, `SELECT SLEEP(10)`).Scan(&x)
		}()
		time.Sleep(300 * time.Millisecond)
		mustExec(t, db, fmt.Sprintf("KILL CONNECTION %d", id))
		raw := <-done
		if raw == nil {
			t.Skip("the server let SLEEP finish") // MySQL returns 1 from an interrupted SLEEP
		}
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrConnectionLost, "", "", "")
	})

	t.Run("connection refused", func(t *testing.T) {
		e := cl.Primary
		e.Port = "1"
		raw := open(t, e).PingContext(ctx)
		checkKind(t, mysqldriver.Classify(raw), raw, athanor.ErrConnectionLost, "", "", "")
	})

	t.Run("syntax error stays a MySQLError", func(t *testing.T) {
		_, raw := db.ExecContext(ctx, `SELEC 1`)
		if got := mysqldriver.Classify(raw); got != raw {
			t.Fatalf("Classify changed %v into %v", raw, got)
		}
	})
}
