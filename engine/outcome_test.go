package engine_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// networked are the backends whose connection a proxy can cut.
var networked = []struct {
	name    string
	cluster func(testing.TB) testdb.Cluster
}{
	{"postgres", testdb.PG},
	{"mariadb", testdb.MySQL},
}

// plainCount counts the items named name with the plain driver (pgx,
// database/sql with go-sql-driver/mysql), straight to the server: what the
// server holds, whatever Athanor believes.
func plainCount(t *testing.T, e testdb.Endpoint, name string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var n int
	switch e.Kind {
	case testdb.KindMySQL:
		db, err := sql.Open("mysql", e.DriverDSN())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM items WHERE name = ?", name).Scan(&n); err != nil {
			t.Fatalf("plain count: %v", err)
		}
	default:
		c, err := pgx.Connect(ctx, e.DriverDSN())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if err := c.QueryRow(ctx, "SELECT COUNT(*) FROM items WHERE name = $1", name).Scan(&n); err != nil {
			t.Fatalf("plain count: %v", err)
		}
	}
	return n
}

// insertNamed inserts an item with a fresh id and the given name.
func insertNamed(id int64, name string) *core.InsertStmt {
	return core.Insert(items).Columns(items.C("id"), items.C("name"), items.C("qty")).Values(id, name, 1)
}

// TestAutocommitWriteAnswerLost cuts the server's answer to a write run
// outside a transaction, after the server ran it, on every engine path
// that can carry a write: the error must match athanor.ErrOutcomeUnknown
// (the row exists: a blind retry would write it twice). Inside a
// transaction the same cut loses the transaction, which never commits:
// there the error is a plain connection error.
func TestAutocommitWriteAnswerLost(t *testing.T) {
	type path struct {
		name  string
		inTx  bool
		write func(ctx context.Context, db *engine.DB, id int64, name string) error
	}
	drain := func(rows *engine.Rows) error {
		for rows.Next() {
		}
		return rows.Err()
	}
	paths := []path{
		{name: "Exec", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			_, err := db.Exec(ctx, insertNamed(id, name))
			return err
		}},
		{name: "QueryRow INSERT RETURNING", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			var got int64
			return db.QueryRow(ctx, insertNamed(id, name).Returning(items.C("id"))).Scan(&got)
		}},
		{name: "Query INSERT RETURNING", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			rows, err := db.Query(ctx, insertNamed(id, name).Returning(items.C("id")))
			if err != nil {
				return err
			}
			err = drain(rows)
			if cerr := rows.Close(); err == nil {
				err = cerr
			}
			return err
		}},
		{name: "QueryFunc INSERT RETURNING", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			return db.QueryFunc(ctx, insertNamed(id, name).Returning(items.C("id")), drain)
		}},
		{name: "QueryRow of raw INSERT", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			// core.Raw is a write unless marked ReadOnly.
			var got int64
			return db.QueryRow(ctx, core.Raw("INSERT INTO items (id, name, qty) VALUES (?, ?, 1) RETURNING id", id, name)).Scan(&got)
		}},
		{name: "Batch", write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			res, err := db.Batch(ctx, insertNamed(id, name))
			if err != nil {
				return err
			}
			return res[0].Err
		}},
		{name: "Tx Exec (control)", inTx: true, write: func(ctx context.Context, db *engine.DB, id int64, name string) error {
			tx, err := db.Begin(ctx, engine.TxOptions{})
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, insertNamed(id, name)); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}},
	}
	for _, b := range networked {
		t.Run(b.name, func(t *testing.T) {
			c := b.cluster(t)
			direct := openDB(t, c.Primary.URL())
			createItems(t, direct)
			proxy := faultproxy.Start(t, c.Primary.Addr())
			db := openDB(t, proxy.Endpoint(c.Primary).URL())
			for i, p := range paths {
				t.Run(strings.ReplaceAll(p.name, " ", "_"), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
					defer cancel()
					base := int64(100 * (i + 1))
					// Warm up: a connection open and the statement
					// prepared, so that the cut falls on the write.
					if err := p.write(ctx, db, base, fmt.Sprintf("warm-%d", i)); err != nil {
						t.Fatalf("warm-up: %v", err)
					}
					name := fmt.Sprintf("cut-%d", i)
					proxy.CutOnResponseTo(name)
					err := p.write(ctx, db, base+1, name)
					armed := proxy.CutArmed()
					proxy.Disarm()
					if armed {
						t.Fatalf("the proxy never cut (err %v)", err)
					}
					n := plainCount(t, c.Primary, name)
					if p.inTx {
						if errors.Is(err, athanor.ErrOutcomeUnknown) || !athanor.IsConnectionError(err) {
							t.Errorf("cut inside a transaction: err = %v, want a connection error without ErrOutcomeUnknown", err)
						}
						if n != 0 {
							t.Errorf("%d rows after a transaction lost before COMMIT, want 0", n)
						}
						return
					}
					if !errors.Is(err, athanor.ErrOutcomeUnknown) {
						t.Errorf("answer lost after the server ran the write: err = %v, want ErrOutcomeUnknown", err)
					}
					if athanor.IsRetryable(err) {
						t.Errorf("unknown outcome reported retryable: %v", err)
					}
					if n != 1 {
						t.Errorf("%d rows on the server, want 1 (the server ran the write before the cut)", n)
					}
				})
			}
			// The pool recovers: the broken connections were destroyed.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := db.Exec(ctx, insertNamed(9999, "after")); err != nil {
				t.Fatalf("write after the cuts: %v", err)
			}
		})
	}
}

// TestReadAnswerLostIsConnectionError: a read whose answer is lost is a
// plain connection error, safe to retry, never an unknown outcome.
func TestReadAnswerLostIsConnectionError(t *testing.T) {
	for _, b := range networked {
		t.Run(b.name, func(t *testing.T) {
			c := b.cluster(t)
			direct := openDB(t, c.Primary.URL())
			createItems(t, direct)
			proxy := faultproxy.Start(t, c.Primary.Addr())
			db := openDB(t, proxy.Endpoint(c.Primary).URL())
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			q := core.Select(items.C("id")).From(items).Where(core.Eq(items.C("name"), "marker-read"))
			if _, err := engine.All[int64](ctx, db, q); err != nil {
				t.Fatal(err)
			}
			proxy.CutOnResponseTo("marker-read")
			_, err := engine.All[int64](ctx, db, q)
			proxy.Disarm()
			if !athanor.IsConnectionError(err) || errors.Is(err, athanor.ErrOutcomeUnknown) {
				t.Fatalf("read cut: err = %v, want a connection error without ErrOutcomeUnknown", err)
			}
		})
	}
}

// sessionID returns the server's id of the connection a one-connection DB
// holds (SQLite: 0).
func sessionID(t *testing.T, db *engine.DB) int64 {
	t.Helper()
	var q core.Statement
	switch db.Driver() {
	case engine.Postgres:
		q = core.Raw("SELECT pg_backend_pid()").ReadOnly()
	case engine.MySQL:
		q = core.Raw("SELECT CONNECTION_ID()").ReadOnly()
	default:
		return 0
	}
	id, err := engine.One[int64](context.Background(), db, q)
	if err != nil {
		t.Fatalf("connection id: %v", err)
	}
	return id
}

// openOneConn opens dsn with a pool of one connection.
func openOneConn(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	cfg, err := engine.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestErrorBeforeSend: an argument the driver cannot encode, or more
// parameters than the protocol carries, fails before anything is sent.
// The error is the caller's: neither ErrOutcomeUnknown (even for a write)
// nor a connection error, and the connection goes back to the pool.
func TestErrorBeforeSend(t *testing.T) {
	manyArgs := make([]any, 70000)
	marks := make([]string, len(manyArgs))
	for i := range manyArgs {
		manyArgs[i], marks[i] = i, "?"
	}
	cases := []struct {
		name string
		run  func(ctx context.Context, db *engine.DB) error
	}{
		{"Exec INSERT, unencodable argument", func(ctx context.Context, db *engine.DB) error {
			_, err := db.Exec(ctx, insertNamed(1, "x").Values(2, make(chan int), 1))
			return err
		}},
		{"QueryRow INSERT RETURNING, unencodable argument", func(ctx context.Context, db *engine.DB) error {
			return db.QueryRow(ctx, core.Insert(items).Columns(items.C("id"), items.C("name"), items.C("qty")).
				Values(3, make(chan int), 1).Returning(items.C("id"))).Scan(new(int64))
		}},
		{"QueryRow SELECT, 70000 parameters", func(ctx context.Context, db *engine.DB) error {
			q := core.Raw("SELECT COUNT(*) FROM items WHERE id IN ("+strings.Join(marks, ",")+")", manyArgs...).ReadOnly()
			return db.QueryRow(ctx, q).Scan(new(int64))
		}},
		{"Exec DELETE, 70000 parameters", func(ctx context.Context, db *engine.DB) error {
			_, err := db.Exec(ctx, core.Raw("DELETE FROM items WHERE id IN ("+strings.Join(marks, ",")+")", manyArgs...))
			return err
		}},
		{"Batch, unencodable argument", func(ctx context.Context, db *engine.DB) error {
			res, err := db.Batch(ctx, insertNamed(4, "y").Values(4, make(chan int), 1))
			if err != nil {
				return err
			}
			return res[0].Err
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := openOneConn(t, b.open(t))
			createItems(t, db)
			id := sessionID(t, db)
			for _, tc := range cases {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				before := db.Stats().DestroyedBroken
				err := tc.run(ctx, db)
				cancel()
				switch {
				case err == nil:
					t.Errorf("%s: no error", tc.name)
				case errors.Is(err, athanor.ErrOutcomeUnknown), athanor.IsConnectionError(err):
					t.Errorf("%s: err = %v, want the caller's error (not an unknown outcome, not a lost connection)", tc.name, err)
				}
				if d := db.Stats().DestroyedBroken - before; d != 0 {
					t.Errorf("%s: %d connections destroyed, want 0 (nothing was sent)", tc.name, d)
				}
				if got := sessionID(t, db); got != id {
					t.Errorf("%s: the connection was replaced (id %d, was %d)", tc.name, got, id)
				}
			}
			if n := countItems(t, db); n != 0 {
				t.Errorf("%d rows written by statements that failed", n)
			}
		})
	}
}

// TestOversizedPacketMariaDB: a parameter larger than the server's
// max_allowed_packet (16 MiB on the test server) is refused with an error
// that leaves the connection in the pool: the server's answer for a
// parameter sent in chunks, the driver's mysql.ErrPktTooLarge (before
// sending) for a statement text over the limit. Before, the driver
// believed its 64 MiB default, sent the packet whole, and the server
// reset the connection: a lost connection, as if the node had failed.
func TestOversizedPacketMariaDB(t *testing.T) {
	db := openOneConn(t, testdb.MySQL(t).Primary.URL())
	createItems(t, db)
	var limit int64
	if err := db.QueryRow(context.Background(), core.Raw("SELECT @@max_allowed_packet").ReadOnly()).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit >= 48<<20 {
		t.Skipf("max_allowed_packet is %d: the test needs a server limit below the driver's 64 MiB default", limit)
	}
	big := strings.Repeat("x", int(limit)+1<<20)
	id := sessionID(t, db)
	cases := []struct {
		name   string
		run    func(ctx context.Context) error
		pktErr bool
	}{
		{"read with an oversized parameter", func(ctx context.Context) error {
			return db.QueryRow(ctx, core.Raw("SELECT LENGTH(?)", big).ReadOnly()).Scan(new(int64))
		}, false},
		{"write with an oversized parameter", func(ctx context.Context) error {
			_, err := db.Exec(ctx, core.Raw("INSERT INTO items (id, name, qty) VALUES (1, ?, 1)", big))
			return err
		}, false},
		{"statement text over the limit", func(ctx context.Context) error {
			return db.QueryRow(ctx, core.Raw("SELECT LENGTH('"+big+"')").ReadOnly()).Scan(new(int64))
		}, true},
	}
	for _, tc := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		before := db.Stats().DestroyedBroken
		err := tc.run(ctx)
		cancel()
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.name)
		case athanor.IsConnectionError(err), errors.Is(err, athanor.ErrOutcomeUnknown):
			t.Errorf("%s: err = %v, want the caller's error (not a lost connection, not an unknown outcome)", tc.name, err)
		case tc.pktErr && !errors.Is(err, mysql.ErrPktTooLarge):
			t.Errorf("%s: err = %v, want mysql.ErrPktTooLarge", tc.name, err)
		}
		if d := db.Stats().DestroyedBroken - before; d != 0 {
			t.Errorf("%s: %d connections destroyed, want 0", tc.name, d)
		}
		if got := sessionID(t, db); got != id {
			t.Errorf("%s: the connection was replaced (id %d, was %d)", tc.name, got, id)
		}
	}
	// A large value within the limit still goes through.
	var n int64
	if err := db.QueryRow(context.Background(), core.Raw("SELECT LENGTH(?)", big[:limit/2]).ReadOnly()).Scan(&n); err != nil || n != limit/2 {
		t.Fatalf("value of half the limit: n = %d, err = %v", n, err)
	}
}
