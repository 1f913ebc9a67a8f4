package pgxdriver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// The pgbouncer DSN parameter never reaches the server and picks an exec
// mode without named prepared statements; an exec mode that cannot work
// through a transaction pooler is refused.
func TestPgBouncerParam(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		mode pgx.QueryExecMode
		err  string
	}{
		{"absent keeps the statement cache", "postgres://u@h/db", pgx.QueryExecModeCacheStatement, ""},
		{"true caches descriptions", "postgres://u@h/db?pgbouncer=true", pgx.QueryExecModeCacheDescribe, ""},
		{"false changes nothing", "postgres://u@h/db?pgbouncer=false", pgx.QueryExecModeCacheStatement, ""},
		{"keyword/value form", "host=h user=u dbname=db pgbouncer=1", pgx.QueryExecModeCacheDescribe, ""},
		{"exec kept", "postgres://u@h/db?pgbouncer=true&default_query_exec_mode=exec", pgx.QueryExecModeExec, ""},
		{"simple protocol kept", "postgres://u@h/db?pgbouncer=true&default_query_exec_mode=simple_protocol", pgx.QueryExecModeSimpleProtocol, ""},
		{"describe_exec refused", "postgres://u@h/db?pgbouncer=true&default_query_exec_mode=describe_exec", 0, "describe_exec does not work with pgbouncer=true"},
		{"not a boolean", "postgres://u@h/db?pgbouncer=maybe", 0, "pgbouncer must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := engine.ParseConfig(tt.dsn)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pc := cfg.Postgres.(*pgx.ConnConfig)
			if pc.DefaultQueryExecMode != tt.mode {
				t.Errorf("exec mode %v, want %v", pc.DefaultQueryExecMode, tt.mode)
			}
			if _, ok := pc.RuntimeParams[pgxdriver.PgBouncerParam]; ok {
				t.Errorf("pgbouncer would be sent to the server: %v", pc.RuntimeParams)
			}
		})
	}
}

// admin runs a SHOW command on the admin console of the PgBouncer at e
// and returns its rows, each a column name → text map.
func admin(t *testing.T, e testdb.Endpoint, show string) []map[string]string {
	t.Helper()
	cfg, err := pgx.ParseConfig(e.WithDatabase("pgbouncer").DriverDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol // all the admin console speaks
	c, err := pgx.ConnectConfig(t.Context(), cfg)
	if err != nil {
		t.Fatalf("PgBouncer admin console: %v", err)
	}
	defer c.Close(context.Background())
	rows, err := c.Query(t.Context(), show)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]string
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, f := range rows.FieldDescriptions() {
			m[f.Name] = fmt.Sprint(v[i])
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// requireTransactionPooling fails the test unless e is a PgBouncer in
// transaction pooling mode, so that the tests below prove what they claim.
func requireTransactionPooling(t *testing.T, e testdb.Endpoint) {
	t.Helper()
	for _, r := range admin(t, e, "SHOW CONFIG") {
		if r["key"] == "pool_mode" && r["value"] != "transaction" {
			t.Fatalf("PgBouncer at %s runs pool_mode %q, want transaction", e.Addr(), r["value"])
		}
	}
}

// countFor counts the rows of an admin SHOW whose database is db.
func countFor(rows []map[string]string, db string) int {
	n := 0
	for _, r := range rows {
		if r["database"] == db {
			n++
		}
	}
	return n
}

// openBouncer opens an engine on e with the pgbouncer parameter as given.
func openBouncer(t *testing.T, e testdb.Endpoint, param bool, maxConns int32) *engine.DB {
	t.Helper()
	e = e.WithDatabase(e.Database)
	if param {
		e.Params.Set(pgxdriver.PgBouncerParam, "true")
	} else {
		e.Params.Del(pgxdriver.PgBouncerParam)
	}
	cfg, err := engine.ParseConfig(e.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	db, err := engine.OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Without the parameter, pgx's named statement cache meets statements
// prepared on another client's server connection, or missing on its own
// next one: the error says what to do, and matches ErrNamedStatementLost
// and the server's *pgconn.PgError.
func TestPgBouncerWithoutParam(t *testing.T) {
	c := testdb.PgBouncer(t)
	requireTransactionPooling(t, c.Primary)
	// Two engines of one connection each: PgBouncer lends the server
	// connection one just released to the other, which finds the first
	// one's statement there.
	x := openBouncer(t, c.Primary, false, 1)
	y := openBouncer(t, c.Primary, false, 1)
	var lost int
	for i := range 10 {
		for _, db := range []*engine.DB{x, y} {
			var n int
			err := db.QueryRow(t.Context(), core.Raw("SELECT ?::int + 1 AS n", i).ReadOnly()).Scan(&n)
			if err == nil {
				continue
			}
			var pgErr *pgconn.PgError
			if !errors.Is(err, pgxdriver.ErrNamedStatementLost) || !errors.As(err, &pgErr) ||
				!strings.Contains(err.Error(), "pgbouncer=true") {
				t.Fatalf("round %d: %v: want ErrNamedStatementLost naming pgbouncer=true, with the *pgconn.PgError", i, err)
			}
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("no statement failed through a transaction-pooling PgBouncer without pgbouncer=true")
	}
}

type bouncerItem struct {
	ID   int64  `athanor:",pk"`
	Name string `athanor:",size:40"`
	Qty  int64
}

// With pgbouncer=true everything the ORM does works through a
// transaction-pooling PgBouncer: statements with arguments, pipelined
// batches in and out of transactions, transactions that commit and roll
// back, and a session's flush and loads.
func TestPgBouncerWithParam(t *testing.T) {
	c := testdb.PgBouncer(t)
	requireTransactionPooling(t, c.Primary)
	ctx := t.Context()
	db := openBouncer(t, c.Primary, true, 4)

	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[bouncerItem](reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAll(ctx, reg); err != nil {
		t.Fatal(err)
	}
	table := m.Table().Name()
	// The session TimeZone, a startup parameter, reaches the server
	// connection PgBouncer lends.
	var tz string
	if err := db.QueryRow(ctx, core.Raw("SELECT current_setting('TimeZone')").ReadOnly()).Scan(&tz); err != nil || tz != "UTC" {
		t.Fatalf("TimeZone %q, %v: want UTC", tz, err)
	}
	count := func() int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(ctx, core.Raw("SELECT count(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// The flush: batched inserts in a transaction.
	s := session.New(db, session.Options{Registry: reg})
	for i := int64(1); i <= 5; i++ {
		if err := s.Add(&bouncerItem{ID: i, Name: fmt.Sprint("item", i), Qty: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 5 {
		t.Fatalf("%d rows after the flush, want 5", n)
	}
	// Loads, an update through the unit of work, and the same statement
	// again (a cached description).
	for range 3 {
		got, err := session.Get[bouncerItem](ctx, session.New(db, session.Options{Registry: reg}), int64(3))
		if err != nil || got.Name != "item3" {
			t.Fatalf("Get: %+v, %v", got, err)
		}
	}
	s = session.New(db, session.Options{Registry: reg})
	it, err := session.Get[bouncerItem](ctx, s, int64(2))
	if err != nil {
		t.Fatal(err)
	}
	it.Qty = 20
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var qty int64
	if err := db.QueryRow(ctx, core.Raw("SELECT qty FROM "+table+" WHERE id = ?", 2).ReadOnly()).Scan(&qty); err != nil || qty != 20 {
		t.Fatalf("qty %d, %v after the session's update, want 20", qty, err)
	}

	// A pipelined batch outside a transaction: each statement its own.
	res, err := db.Batch(ctx,
		core.Raw("INSERT INTO "+table+" (id, name, qty) VALUES (?, ?, ?)", 6, "six", 6),
		core.Raw("INSERT INTO "+table+" (id, name, qty) VALUES (?, ?, ?)", 1, "dup", 0), // unique violation
		core.Raw("SELECT name FROM "+table+" WHERE id = ?", 6).ReadOnly(),
	)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[1].Err == nil || res[2].Err != nil {
		t.Fatalf("batch errors %v, %v, %v: want only the duplicate to fail", res[0].Err, res[1].Err, res[2].Err)
	}
	names, err := engine.Collect[struct{ Name string }](res[2].Rows())
	if err != nil || len(names) != 1 || names[0].Name != "six" {
		t.Fatalf("batch select: %v, %v", names, err)
	}

	// A transaction that rolls back, with a batch in it (BEGIN pipelined
	// with it), and one that commits.
	for _, commit := range []bool{false, true} {
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := tx.Batch(ctx,
			core.Raw("INSERT INTO "+table+" (id, name, qty) VALUES (?, ?, ?)", 7, "seven", 7),
			core.Raw("UPDATE "+table+" SET qty = qty + 1 WHERE id = ?", 1),
		)
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("tx batch: %v %v", err, res)
		}
		var seen int64
		if err := tx.QueryRow(ctx, core.Raw("SELECT count(*) FROM "+table).ReadOnly()).Scan(&seen); err != nil || seen != 7 {
			t.Fatalf("inside the transaction: %d rows, %v; want 7", seen, err)
		}
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := int64(6)
		if commit {
			want = 7
		}
		if n := count(); n != want {
			t.Fatalf("commit=%v: %d rows, want %d", commit, n, want)
		}
	}
}

// Many goroutines, more client connections than PgBouncer has server
// connections for the database: no statement meets another's prepared
// statement, every result is the goroutine's own.
func TestPgBouncerConcurrent(t *testing.T) {
	c := testdb.PgBouncer(t)
	requireTransactionPooling(t, c.Primary)
	ctx := t.Context()
	db := openBouncer(t, c.Primary, true, 16)
	if _, err := db.Exec(ctx, core.Raw("CREATE TABLE pgbx_conc (g int, i int, PRIMARY KEY (g, i))")); err != nil {
		t.Fatal(err)
	}
	const goroutines, rounds = 16, 15
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			err := func() error {
				for i := range rounds {
					var n int
					if err := db.QueryRow(ctx, core.Raw("SELECT ?::int * 1000 + ?::int", g, i).ReadOnly()).Scan(&n); err != nil {
						return fmt.Errorf("query: %w", err)
					}
					if n != g*1000+i {
						return fmt.Errorf("query returned %d, want %d", n, g*1000+i)
					}
					res, err := db.Batch(ctx,
						core.Raw("INSERT INTO pgbx_conc (g, i) VALUES (?, ?)", g, i),
						core.Raw("SELECT count(*) FROM pgbx_conc WHERE g = ?", g).ReadOnly(),
					)
					if err != nil {
						return fmt.Errorf("batch: %w", err)
					}
					for _, r := range res {
						if r.Err != nil {
							return fmt.Errorf("batch statement: %w", r.Err)
						}
					}
					err = db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
						var k int
						if err := tx.QueryRow(ctx, core.Raw("SELECT count(*) FROM pgbx_conc WHERE g = ?", g).ReadOnly()).Scan(&k); err != nil {
							return err
						}
						if k != i+1 {
							return fmt.Errorf("goroutine %d sees %d of its rows, want %d", g, k, i+1)
						}
						_, err := tx.Exec(ctx, core.Raw("UPDATE pgbx_conc SET i = i WHERE g = ? AND i = ?", g, i))
						return err
					})
					if err != nil {
						return fmt.Errorf("transaction: %w", err)
					}
				}
				return nil
			}()
			if err != nil {
				errs <- fmt.Errorf("goroutine %d: %w", g, err)
			}
		})
	}
	wg.Wait()
	// The clients outnumbered the server connections PgBouncer lent them.
	clients := countFor(admin(t, c.Primary, "SHOW CLIENTS"), c.Primary.Database)
	servers := countFor(admin(t, c.Primary, "SHOW SERVERS"), c.Primary.Database)
	t.Logf("%d client connections over %d server connections", clients, servers)
	if servers == 0 || clients <= servers {
		t.Errorf("%d client connections over %d server connections: want more clients than servers", clients, servers)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
		if errors.Is(err, pgxdriver.ErrNamedStatementLost) {
			t.Error("a named prepared statement was used through the pooler")
		}
	}
}

// Only errors about pgx's own cached statements name the pooler; a
// caller's own prepared statement keeps the server's error as it is.
func TestClassifyNamedStatementLost(t *testing.T) {
	tests := []struct {
		name string
		err  *pgconn.PgError
		lost bool
	}{
		{"missing cached statement", &pgconn.PgError{Code: "26000", Message: `prepared statement "stmtcache_0a1b" does not exist`}, true},
		{"cached statement already there", &pgconn.PgError{Code: "42P05", Message: `prepared statement "stmtcache_0a1b" already exists`}, true},
		{"the caller's own statement", &pgconn.PgError{Code: "26000", Message: `prepared statement "mine" does not exist`}, false},
		{"another error", &pgconn.PgError{Code: "42601", Message: `syntax error at or near "stmtcache_"`}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pgxdriver.Classify(fmt.Errorf("query: %w", tt.err))
			if got := errors.Is(err, pgxdriver.ErrNamedStatementLost); got != tt.lost {
				t.Fatalf("errors.Is(%v, ErrNamedStatementLost) = %v, want %v", err, got, tt.lost)
			}
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr != tt.err {
				t.Errorf("the server's error is not reachable from %v", err)
			}
			if again := pgxdriver.Classify(err); again != err {
				t.Errorf("classified twice: %v", again)
			}
		})
	}
}
