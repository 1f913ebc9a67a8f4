package conformance

import (
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "modernc.org/sqlite"

	"github.com/athanor-orm/athanor/internal/testdb"
)

// The Chinook scripts (lerocha/chinook-database 1.4.5, MIT) are kept
// gzipped under testdata so the suite needs nothing outside the repository.
func readScript(t *testing.T, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".gz"))
	if err != nil {
		t.Fatalf("chinook script: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("chinook script %s: %v", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("chinook script %s: %v", name, err)
	}
	return string(b)
}

// The scripts create and enter their own database; the suite loads them
// into the per-test database instead.
var (
	pgStrip    = regexp.MustCompile(`(?m)^(DROP DATABASE[^;]*;|CREATE DATABASE[^;]*;|\\c [^\n]*)$`)
	mysqlStrip = regexp.MustCompile("(?m)^(DROP DATABASE[^;]*;|CREATE DATABASE[^;]*;|USE `[^`]*`;)$")
)

// loadPG runs the PostgreSQL script on a fresh database with pgx's simple
// protocol (one round trip for the whole script) and returns the oracle.
func loadPG(t *testing.T) (oracle, testdb.Cluster) {
	t.Helper()
	cl := testdb.PG(t)
	ctx := context.Background()
	conn, err := testdb.ConnectPG(ctx, cl.Primary)
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	script := pgStrip.ReplaceAllString(readScript(t, "Chinook_PostgreSql.sql"), "")
	start := time.Now()
	if _, err := conn.Exec(ctx, script, pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("load chinook into postgres: %v", err)
	}
	t.Logf("chinook loaded into postgres in %v", time.Since(start).Round(time.Millisecond))
	return &pgOracle{conn: conn}, cl
}

// loadMySQL runs the MySQL script with multiStatements on a fresh MariaDB
// database. The script declares NVARCHAR, which MariaDB maps to utf8mb3
// whatever the database default; the columns are made utf8mb4 VARCHAR so
// that any Unicode text round-trips.
func loadMySQL(t *testing.T) (oracle, testdb.Cluster) {
	t.Helper()
	cl := testdb.MySQL(t)
	ep := cl.Primary.WithDatabase(cl.Primary.Database) // a copy of Params
	ep.Params.Set("multiStatements", "true")
	ep.Params.Set("charset", "utf8mb4")
	db, err := sql.Open("mysql", ep.DriverDSN())
	if err != nil {
		t.Fatalf("open mariadb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	script := mysqlStrip.ReplaceAllString(readScript(t, "Chinook_MySql.sql"), "")
	script = strings.ReplaceAll(script, "NVARCHAR(", "VARCHAR(")
	script = fmt.Sprintf("ALTER DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n", ep.Database) + script
	start := time.Now()
	if _, err := db.ExecContext(ctx, script); err != nil {
		t.Fatalf("load chinook into mariadb: %v", err)
	}
	t.Logf("chinook loaded into mariadb in %v", time.Since(start).Round(time.Millisecond))
	return &sqlOracle{db: db, q: db}, cl
}

// loadSQLite runs the SQLite script in one transaction on a fresh file.
func loadSQLite(t *testing.T) (oracle, string) {
	t.Helper()
	path := testdb.SQLite(t)
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	script := "BEGIN;\n" + readScript(t, "Chinook_Sqlite.sql") + "\nCOMMIT;"
	start := time.Now()
	if _, err := db.ExecContext(ctx, script); err != nil {
		t.Fatalf("load chinook into sqlite: %v", err)
	}
	t.Logf("chinook loaded into sqlite in %v", time.Since(start).Round(time.Millisecond))
	return &sqlOracle{db: db, q: db}, path
}

// oracle runs hand-written SQL on the plain driver.
type oracle interface {
	// query returns the driver's values, normalised by the harness.
	query(ctx context.Context, sql string) ([][]any, error)
	exec(ctx context.Context, sql string) error
	// inTx runs fn in a transaction that is always rolled back.
	inTx(ctx context.Context, fn func(o oracle) error) error
}

type pgOracle struct {
	conn interface {
		Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		Begin(ctx context.Context) (pgx.Tx, error)
	}
}

func (p *pgOracle) query(ctx context.Context, q string) ([][]any, error) {
	rows, err := p.conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

func (p *pgOracle) exec(ctx context.Context, q string) error {
	_, err := p.conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
	return err
}

func (p *pgOracle) inTx(ctx context.Context, fn func(oracle) error) error {
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	return fn(&pgOracle{conn: tx})
}

type sqlOracle struct {
	db *sql.DB
	q  interface {
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	}
}

func (s *sqlOracle) query(ctx context.Context, q string) ([][]any, error) {
	rows, err := s.q.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, vals)
	}
	return out, rows.Err()
}

func (s *sqlOracle) exec(ctx context.Context, q string) error {
	_, err := s.q.ExecContext(ctx, q)
	return err
}

func (s *sqlOracle) inTx(ctx context.Context, fn func(oracle) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(&sqlOracle{db: s.db, q: tx})
}
