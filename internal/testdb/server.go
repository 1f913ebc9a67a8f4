package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

func init() {
	// The driver logs "unexpected EOF" noise when the server closes idle
	// connections during replica restarts; tests look at errors instead.
	_ = mysql.SetLogger(mysql.Logger(nopLogger{}))
}

type nopLogger struct{}

func (nopLogger) Print(...any) {}

// ConnectPG opens a single pgx connection to e (a PostgreSQL endpoint).
func ConnectPG(ctx context.Context, e Endpoint) (*pgx.Conn, error) {
	if e.Kind != KindPostgres {
		return nil, fmt.Errorf("testdb: %s is not a PostgreSQL endpoint", e)
	}
	return pgx.Connect(ctx, e.DriverDSN())
}

// OpenMySQL opens a database/sql handle on e (a MySQL endpoint) limited to
// one connection, so session state (STOP SLAVE, variables) is predictable.
func OpenMySQL(e Endpoint) (*sql.DB, error) {
	if e.Kind != KindMySQL {
		return nil, fmt.Errorf("testdb: %s is not a MySQL endpoint", e)
	}
	db, err := sql.Open("mysql", e.DriverDSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// exec runs one administrative statement on e.
func exec(ctx context.Context, e Endpoint, query string) error {
	switch e.Kind {
	case KindPostgres:
		c, err := ConnectPG(ctx, e)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		_, err = c.Exec(ctx, query)
		return err
	default:
		db, err := OpenMySQL(e)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, query)
		return err
	}
}

func ping(ctx context.Context, e Endpoint) error {
	return exec(ctx, e, "SELECT 1")
}

func createDatabase(ctx context.Context, primary Endpoint, name string) error {
	q := "CREATE DATABASE " + name
	if primary.Kind == KindMySQL {
		q += " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
	}
	return exec(ctx, primary, q)
}

func dropDatabase(ctx context.Context, primary Endpoint, name string) error {
	if primary.Kind == KindPostgres {
		// FORCE: a test that failed may leave connections behind.
		return exec(ctx, primary, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return exec(ctx, primary, "DROP DATABASE IF EXISTS "+name)
}

func waitDatabase(ctx context.Context, e Endpoint) error {
	var err error
	for {
		if err = ping(ctx, e); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
