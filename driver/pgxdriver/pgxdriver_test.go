package pgxdriver_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// The driver parses the DSN into a *pgx.ConnConfig, hands the pool
// parameters back to the engine (the server never sees them), and runs
// statements, transactions and a pipelined batch on a real server.
func TestOpenThroughDriver(t *testing.T) {
	e := testdb.PG(t).Primary
	sep := "?"
	if strings.Contains(e.URL(), "?") {
		sep = "&"
	}
	cfg, err := engine.ParseConfig(e.URL() + sep + "pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	pc, ok := cfg.Postgres.(*pgx.ConnConfig)
	if !ok {
		t.Fatalf("Config.Postgres is a %T", cfg.Postgres)
	}
	if _, ok := pc.RuntimeParams["pool_max_conns"]; ok || cfg.MaxConns != 3 {
		t.Fatalf("pool parameter: MaxConns %d, runtime params %v", cfg.MaxConns, pc.RuntimeParams)
	}
	port, _ := strconv.Atoi(e.Port)
	if ep := cfg.Endpoint(); ep.Host != e.Host || ep.Port != port || ep.Database != pc.Database {
		t.Errorf("endpoint %+v, want %s", ep, e)
	}
	cfg.Runtime = pgxdriver.Runtime
	db, err := engine.OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Driver() != engine.Postgres || db.Dialect().Name() != "postgres" {
		t.Errorf("driver %s, dialect %s", db.Driver(), db.Dialect().Name())
	}
	var tz string
	if err := db.QueryRow(t.Context(), core.Raw("SHOW TimeZone").ReadOnly()).Scan(&tz); err != nil || tz != "UTC" {
		t.Errorf("session TimeZone %q, %v: want UTC", tz, err)
	}

	// A COMMIT the server turns into a rollback is an error.
	tx, err := db.Begin(t.Context(), engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), core.Raw("SELECT 1/0")); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if err := tx.Commit(t.Context()); err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Errorf("commit of an aborted transaction: %v", err)
	}

	// One round trip; each statement fails alone.
	res, err := db.Batch(t.Context(), core.Raw("SELECT 1 AS one").ReadOnly(), core.Raw("SELECT 1/0").ReadOnly(), core.Raw("SELECT 'x' AS s").ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	var one int
	var s string
	r0, r2 := res[0].Rows(), res[2].Rows()
	if !r0.Next() || r0.Scan(&one) != nil || one != 1 || !r2.Next() || r2.Scan(&s) != nil || s != "x" || res[1].Err == nil {
		t.Errorf("batch: %d %q, errors %v %v %v", one, s, res[0].Err, res[1].Err, res[2].Err)
	}
	r0.Close()
	r2.Close()

	// Errors are classified by the driver, the pgx error kept.
	if _, err := db.Exec(t.Context(), core.Raw("CREATE TABLE pgxh_uniq (id int PRIMARY KEY)")); err != nil {
		t.Fatal(err)
	}
	ins := core.Raw("INSERT INTO pgxh_uniq VALUES (1)")
	if _, err := db.Exec(t.Context(), ins); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(t.Context(), ins)
	var pgErr *pgconn.PgError
	if !errors.Is(err, athanor.ErrUniqueViolation) || !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Errorf("duplicate key: %v", err)
	}
}
