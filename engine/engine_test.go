package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// backend is one database family the shared test bodies run on.
type backend struct {
	name string
	open func(t *testing.T) (dsn string)
}

var backends = []backend{
	{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
	{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
	{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
}

// eachDB runs body once per backend with a fresh database.
func eachDB(t *testing.T, body func(t *testing.T, db *engine.DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := openDB(t, b.open(t))
			body(t, db)
		})
	}
}

func openDB(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var items = core.MustTable(core.TableDef{
	Name: "items",
	Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "name", Type: core.String(100)},
		{Name: "qty", Type: core.Int()},
		{Name: "note", Type: core.String(100), Nullable: true},
	},
})

type item struct {
	ID    int64
	Name  string
	Qty   int `db:"qty"`
	Note  *string
	extra int //nolint:unused // unexported fields are ignored
}

func createItems(t *testing.T, db *engine.DB) {
	t.Helper()
	if _, err := db.Exec(context.Background(), core.CreateTable(items)); err != nil {
		t.Fatalf("create table: %v", err)
	}
}

func insertItem(id int64, name string, qty int) core.Statement {
	return core.Insert(items).Columns(items.C("id"), items.C("name"), items.C("qty")).Values(id, name, qty)
}

func countItems(t *testing.T, db engine.Querier) int64 {
	t.Helper()
	n, err := engine.One[int64](context.Background(), db, core.Select(core.Raw("COUNT(*)")).From(items))
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// poolSettled waits until no connection is in use: a destroyed connection
// counts as in use until it has been closed (in the background).
func poolSettled(t *testing.T, db *engine.DB) engine.Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := db.Stats()
		if s.InUseConns == 0 || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCRUD(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		for i := int64(1); i <= 3; i++ {
			res, err := db.Exec(ctx, insertItem(i, fmt.Sprintf("item %d", i), int(i*10)))
			if err != nil {
				t.Fatalf("insert %d: %v", i, err)
			}
			if res.RowsAffected != 1 {
				t.Fatalf("insert %d: rows affected %d", i, res.RowsAffected)
			}
		}
		byID := core.Select(items.Star()).From(items).Where(core.Eq(items.C("id"), 2))
		got, err := engine.One[item](ctx, db, byID)
		if err != nil {
			t.Fatalf("one: %v", err)
		}
		if got.ID != 2 || got.Name != "item 2" || got.Qty != 20 || got.Note != nil {
			t.Fatalf("one: got %+v", got)
		}

		// QueryRow into a struct and into columns.
		var viaRow item
		if err := db.QueryRow(ctx, byID).Scan(&viaRow); err != nil || viaRow.Name != "item 2" {
			t.Fatalf("queryrow struct: %+v %v", viaRow, err)
		}
		var name string
		var qty int
		if err := db.QueryRow(ctx, core.Select(items.C("name"), items.C("qty")).From(items).Where(core.Eq(items.C("id"), 3))).Scan(&name, &qty); err != nil || name != "item 3" || qty != 30 {
			t.Fatalf("queryrow columns: %q %d %v", name, qty, err)
		}

		all, err := engine.All[item](ctx, db, core.Select(items.Star()).From(items).OrderBy(items.C("id")))
		if err != nil || len(all) != 3 || all[2].Qty != 30 {
			t.Fatalf("all: %+v %v", all, err)
		}
		ptrs, err := engine.All[*item](ctx, db, core.Select(items.Star()).From(items).OrderBy(items.C("id")))
		if err != nil || len(ptrs) != 3 || ptrs[1].Name != "item 2" {
			t.Fatalf("all pointers: %v %v", ptrs, err)
		}
		maps, err := engine.All[map[string]any](ctx, db, core.Select(items.C("id"), items.C("name")).From(items).OrderBy(items.C("id")))
		if err != nil || len(maps) != 3 || fmt.Sprint(maps[0]["name"]) != "item 1" {
			t.Fatalf("maps: %v %v", maps, err)
		}
		names, err := engine.All[string](ctx, db, core.Select(items.C("name")).From(items).OrderBy(items.C("id")))
		if err != nil || strings.Join(names, ",") != "item 1,item 2,item 3" {
			t.Fatalf("scalars: %v %v", names, err)
		}

		note := "hello"
		res, err := db.Exec(ctx, core.Update(items).Set(items.C("note"), note).Set(items.C("qty"), 99).Where(core.Eq(items.C("id"), 2)))
		if err != nil || res.RowsAffected != 1 {
			t.Fatalf("update: %+v %v", res, err)
		}
		got, err = engine.One[item](ctx, db, byID)
		if err != nil || got.Qty != 99 || got.Note == nil || *got.Note != "hello" {
			t.Fatalf("after update: %+v %v", got, err)
		}

		res, err = db.Exec(ctx, core.Delete(items).Where(core.Eq(items.C("id"), 2)))
		if err != nil || res.RowsAffected != 1 {
			t.Fatalf("delete: %+v %v", res, err)
		}
		if _, err := engine.One[item](ctx, db, byID); !errors.Is(err, engine.ErrNoRows) || !errors.Is(err, athanor.ErrNoRows) {
			t.Fatalf("one after delete: want ErrNoRows, got %v", err)
		}
		if err := db.QueryRow(ctx, byID).Scan(&viaRow); !errors.Is(err, engine.ErrNoRows) {
			t.Fatalf("queryrow after delete: want ErrNoRows, got %v", err)
		}

		// A server error is classified by the dialect.
		_, err = db.Exec(ctx, insertItem(1, "dup", 1))
		if !errors.Is(err, athanor.ErrUniqueViolation) {
			t.Fatalf("duplicate insert: want ErrUniqueViolation, got %v", err)
		}
		// An unknown column is an error naming it.
		type narrow struct{ ID int64 }
		if _, err := engine.All[narrow](ctx, db, core.Select(items.Star()).From(items)); err == nil || !strings.Contains(err.Error(), `"name"`) {
			t.Fatalf("unknown column: %v", err)
		}
		// The pool is intact after all that.
		if s := poolSettled(t, db); s.InUseConns != 0 {
			t.Fatalf("connections still in use: %+v", s)
		}
	})
}

func TestTxCommitRollback(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, insertItem(1, "a", 1)); err != nil {
			t.Fatal(err)
		}
		if n := countItems(t, tx); n != 1 {
			t.Fatalf("inside tx: %d rows", n)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); !errors.Is(err, engine.ErrTxDone) {
			t.Fatalf("rollback after commit: %v", err)
		}
		tx, err = db.Begin(ctx, engine.TxOptions{Isolation: engine.Serializable})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, insertItem(2, "b", 2)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countItems(t, db); n != 1 {
			t.Fatalf("after rollback: %d rows, want 1", n)
		}
		// Reads with a deadline and arguments (MySQL bounds them on the
		// server, see driver/mysqldriver BoundSQL).
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := engine.One[item](dctx, db, core.Select(items.Star()).From(items).Where(core.Eq(items.C("id"), 1)))
		cancel()
		if err != nil || got.Name != "a" {
			t.Fatalf("read with deadline: %+v %v", got, err)
		}
		// Read-only transactions refuse writes.
		tx, err = db.Begin(ctx, engine.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, insertItem(3, "c", 3)); err == nil {
			t.Fatal("write in read-only transaction succeeded")
		}
		_ = tx.Rollback(ctx)
		// The connection writes again after the read-only transaction.
		if _, err := db.Exec(ctx, insertItem(4, "d", 4)); err != nil {
			t.Fatalf("write after read-only transaction: %v", err)
		}
		if s := poolSettled(t, db); s.InUseConns != 0 {
			t.Fatalf("connections still in use: %+v", s)
		}
	})
}

func TestSavepoint(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, insertItem(1, "outer", 1)); err != nil {
			t.Fatal(err)
		}
		sp, err := tx.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sp.Exec(ctx, insertItem(2, "inner", 2)); err != nil {
			t.Fatal(err)
		}
		// A failing statement inside the savepoint; rolling back to it
		// recovers the transaction on every dialect.
		if _, err := sp.Exec(ctx, insertItem(1, "dup", 1)); !errors.Is(err, athanor.ErrUniqueViolation) {
			t.Fatalf("dup in savepoint: %v", err)
		}
		if err := sp.Rollback(ctx); err != nil {
			t.Fatalf("rollback savepoint: %v", err)
		}
		sp2, err := tx.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sp2.Exec(ctx, insertItem(3, "kept", 3)); err != nil {
			t.Fatal(err)
		}
		if err := sp2.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ids, err := engine.All[int64](ctx, db, core.Select(items.C("id")).From(items).OrderBy(items.C("id")))
		if err != nil || fmt.Sprint(ids) != "[1 3]" {
			t.Fatalf("ids: %v %v (want [1 3])", ids, err)
		}
	})
}

// TestRunInTxSerializationPG makes two SERIALIZABLE transactions conflict
// for real (each reads what the other writes) and checks that RunInTx
// turns the loser's 40001 into a success after a retry.
func TestRunInTxSerializationPG(t *testing.T) {
	db := openDB(t, testdb.PG(t).Primary.URL())
	ctx := context.Background()
	createItems(t, db)
	var calls atomic.Int32
	bothRead := make(chan struct{})
	var readers sync.WaitGroup
	readers.Add(2)
	go func() { readers.Wait(); close(bothRead) }()
	run := func(id int64) error {
		first := true
		return db.RunInTx(ctx, engine.TxOptions{Isolation: engine.Serializable}, func(ctx context.Context, tx *engine.Tx) error {
			calls.Add(1)
			n := countItems(t, tx) // read the whole table
			if first {
				first = false
				readers.Done()
				<-bothRead // both have read before either writes
			}
			_, err := tx.Exec(ctx, insertItem(id, fmt.Sprintf("seen %d", n), int(n)))
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(1) }()
	go func() { errs <- run(2) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("RunInTx: %v", err)
		}
	}
	if c := calls.Load(); c < 3 {
		t.Fatalf("fn ran %d times; want a retry (>= 3)", c)
	}
	if n := countItems(t, db); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}

// TestRunInTxDeadlockMariaDB locks two rows in opposite orders so that
// InnoDB picks a deadlock victim (1213); RunInTx retries it to success.
func TestRunInTxDeadlockMariaDB(t *testing.T) {
	db := openDB(t, testdb.MySQL(t).Primary.URL())
	ctx := context.Background()
	createItems(t, db)
	for i := int64(1); i <= 2; i++ {
		if _, err := db.Exec(ctx, insertItem(i, "row", 0)); err != nil {
			t.Fatal(err)
		}
	}
	var calls atomic.Int32
	var sawDeadlock atomic.Bool
	bothLocked := make(chan struct{})
	var lockers sync.WaitGroup
	lockers.Add(2)
	go func() { lockers.Wait(); close(bothLocked) }()
	bump := func(id int64) core.Statement {
		return core.Update(items).Set(items.C("qty"), core.Add(items.C("qty"), 1)).Where(core.Eq(items.C("id"), id))
	}
	run := func(a, b int64) error {
		first := true
		return db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
			calls.Add(1)
			if _, err := tx.Exec(ctx, bump(a)); err != nil {
				return err
			}
			if first {
				first = false
				lockers.Done()
				<-bothLocked
			}
			_, err := tx.Exec(ctx, bump(b))
			if errors.Is(err, athanor.ErrDeadlock) {
				sawDeadlock.Store(true)
			}
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(1, 2) }()
	go func() { errs <- run(2, 1) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("RunInTx: %v", err)
		}
	}
	if !sawDeadlock.Load() || calls.Load() < 3 {
		t.Fatalf("deadlock seen %v, fn ran %d times; want a deadlock and a retry", sawDeadlock.Load(), calls.Load())
	}
	qtys, err := engine.All[int](ctx, db, core.Select(items.C("qty")).From(items).OrderBy(items.C("id")))
	if err != nil || fmt.Sprint(qtys) != "[2 2]" {
		t.Fatalf("qty: %v %v (want [2 2])", qtys, err)
	}
}

// TestRunInTxUnknownOutcome kills the transaction's server connection
// after fn and before COMMIT: the error says the outcome is unknown and fn
// is not run again.
func TestRunInTxUnknownOutcome(t *testing.T) {
	for _, b := range backends[:2] {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.open(t)
			db := openDB(t, dsn)
			admin := openDB(t, dsn)
			ctx := context.Background()
			createItems(t, db)
			idQuery, kill := core.Raw("SELECT pg_backend_pid()").ReadOnly(), "SELECT pg_terminate_backend(?)"
			alive := "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?"
			if db.Driver() == engine.MySQL {
				idQuery, kill = core.Raw("SELECT CONNECTION_ID()").ReadOnly(), "KILL ?"
				alive = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?"
			}
			var calls int
			err := db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
				calls++
				if _, err := tx.Exec(ctx, insertItem(1, "maybe", 1)); err != nil {
					return err
				}
				pid, err := engine.One[int64](ctx, tx, idQuery)
				if err != nil {
					return err
				}
				if _, err := admin.Exec(ctx, core.Raw(kill, pid)); err != nil {
					return fmt.Errorf("kill: %w", err)
				}
				// Both kills only ask: wait until the server has ended the
				// connection, so that it cannot run the COMMIT.
				return waitGone(ctx, admin, core.Raw(alive, pid).ReadOnly())
			})
			if !errors.Is(err, athanor.ErrOutcomeUnknown) {
				t.Fatalf("want ErrOutcomeUnknown, got %v", err)
			}
			if athanor.IsRetryable(err) {
				t.Fatalf("unknown outcome reported retryable: %v", err)
			}
			if calls != 1 {
				t.Fatalf("fn ran %d times, want 1", calls)
			}
			// The broken connection was destroyed; the pool still works.
			if n := countItems(t, db); n != 0 {
				t.Fatalf("%d rows; the killed transaction committed", n)
			}
		})
	}
}

// waitGone polls count, a query counting a server's connections, until
// it answers 0.
func waitGone(ctx context.Context, admin *engine.DB, count core.Statement) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		n, err := engine.One[int64](ctx, admin, count)
		if err != nil {
			return fmt.Errorf("wait for the killed connection to end: %w", err)
		}
		if n == 0 {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBatch(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		for i := int64(1); i <= 3; i++ {
			if _, err := db.Exec(ctx, insertItem(i, fmt.Sprintf("n%d", i), int(i))); err != nil {
				t.Fatal(err)
			}
		}
		stmts := []core.Statement{
			core.Select(items.Star()).From(items).Where(core.Eq(items.C("id"), 1)),
			insertItem(1, "dup", 0), // fails alone
			core.Select(items.C("name")).From(items).OrderBy(items.C("id")),
			core.Update(items).Set(items.C("qty"), 7).Where(core.Gt(items.C("id"), 1)),
		}
		res, err := db.Batch(ctx, stmts...)
		if err != nil {
			t.Fatalf("batch: %v", err)
		}
		if len(res) != 4 {
			t.Fatalf("%d results", len(res))
		}
		if res[0].Err != nil || res[2].Err != nil || res[3].Err != nil {
			t.Fatalf("unexpected errors: %v / %v / %v", res[0].Err, res[2].Err, res[3].Err)
		}
		if !errors.Is(res[1].Err, athanor.ErrUniqueViolation) {
			t.Fatalf("statement 1: want unique violation, got %v", res[1].Err)
		}
		first, err := engine.Collect[item](res[0].Rows())
		if err != nil || len(first) != 1 || first[0].Name != "n1" {
			t.Fatalf("statement 0 rows: %+v %v", first, err)
		}
		names, err := engine.Collect[string](res[2].Rows())
		if err != nil || fmt.Sprint(names) != "[n1 n2 n3]" {
			t.Fatalf("statement 2 rows: %v %v", names, err)
		}
		if res[3].RowsAffected != 2 {
			t.Fatalf("statement 3 affected %d, want 2", res[3].RowsAffected)
		}

		// In a transaction (PostgreSQL: BEGIN rides in the pipeline).
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		res, err = tx.Batch(ctx, insertItem(10, "tx", 1), insertItem(11, "tx", 1))
		if err != nil || res[0].Err != nil || res[1].Err != nil {
			t.Fatalf("tx batch: %v %+v", err, res)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countItems(t, db); n != 3 {
			t.Fatalf("after rolled back batch: %d rows", n)
		}
	})
}

type countingHook struct {
	queries, ends, acquires, releases, begins, txEnds, batches atomic.Int32
}

func (h *countingHook) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	h.queries.Add(1)
	return ctx
}
func (h *countingHook) QueryEnd(ctx context.Context, d engine.QueryEndData) { h.ends.Add(1) }
func (h *countingHook) AcquireStart(ctx context.Context, d engine.AcquireStartData) context.Context {
	return ctx
}
func (h *countingHook) AcquireEnd(ctx context.Context, d engine.AcquireEndData) { h.acquires.Add(1) }
func (h *countingHook) Released(d engine.ReleaseData)                           { h.releases.Add(1) }
func (h *countingHook) TxBegin(ctx context.Context, d engine.TxBeginData) context.Context {
	h.begins.Add(1)
	return ctx
}
func (h *countingHook) TxEnd(ctx context.Context, d engine.TxEndData) { h.txEnds.Add(1) }
func (h *countingHook) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	h.batches.Add(1)
	return ctx
}
func (h *countingHook) BatchEnd(ctx context.Context, d engine.BatchEndData) {}

func TestHooks(t *testing.T) {
	cfg, err := engine.ParseConfig("sqlite://" + testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	h := &countingHook{}
	cfg.Hook = h
	ctx := context.Background()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	createItems(t, db)
	_ = countItems(t, db)
	_ = db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		return sp.Commit(ctx)
	})
	_, _ = db.Batch(ctx, core.Raw("SELECT 1").ReadOnly())
	if h.queries.Load() != 2 || h.ends.Load() != 2 {
		t.Errorf("query hooks: %d starts, %d ends; want 2, 2", h.queries.Load(), h.ends.Load())
	}
	if h.begins.Load() != 2 || h.txEnds.Load() != 2 {
		t.Errorf("tx hooks: %d begins, %d ends; want 2, 2", h.begins.Load(), h.txEnds.Load())
	}
	if h.acquires.Load() != h.releases.Load() || h.acquires.Load() < 4 {
		t.Errorf("pool hooks: %d acquires, %d releases", h.acquires.Load(), h.releases.Load())
	}
	if h.batches.Load() != 1 {
		t.Errorf("batch hooks: %d", h.batches.Load())
	}
}

func TestPasswordNeverShown(t *testing.T) {
	const secret = "s3cr3t-pw"
	for _, dsn := range []string{
		"postgres://app:" + secret + "@127.0.0.1:1/db?sslmode=disable&connect_timeout=1",
		"mysql://app:" + secret + "@127.0.0.1:1/db?timeout=1s",
		"postgres://app:" + secret + "@127.0.0.1:1/db?pool_max_conns=x",
		"postgres://app:" + secret + "@host:99999999/db",
		"mysql://app:" + secret + "@[::1/db",
	} {
		cfg, err := engine.ParseConfig(dsn)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("parse error shows the password: %v", err)
			}
			continue
		}
		if strings.Contains(cfg.String(), secret) || strings.Contains(fmt.Sprint(cfg), secret) {
			t.Errorf("String shows the password: %s", cfg)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err = engine.OpenConfig(ctx, cfg)
		cancel()
		if err == nil {
			t.Errorf("open %s succeeded", cfg)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("open error shows the password: %v", err)
		}
	}
}

func TestZeroConfig(t *testing.T) {
	if _, err := engine.OpenConfig(context.Background(), &engine.Config{}); err == nil {
		t.Fatal("zero config opened")
	}
	if _, err := engine.OpenConfig(context.Background(), nil); err == nil {
		t.Fatal("nil config opened")
	}
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestUnfinishedTxConnDestroyed leaves a connection inside a transaction
// (a raw BEGIN outside Tx): the pool must destroy it, not hand it out.
func TestUnfinishedTxConnDestroyed(t *testing.T) {
	cfg, err := engine.ParseConfig(testdb.PG(t).Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	ctx := context.Background()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, core.Raw("BEGIN")); err != nil {
		t.Fatal(err)
	}
	s := poolSettled(t, db)
	if s.DestroyedBroken != 1 {
		t.Fatalf("connection inside a transaction was not destroyed: %+v", s)
	}
	// SAVEPOINT fails outside a transaction block.
	if _, err := db.Exec(ctx, core.Raw("SAVEPOINT probe")); err == nil {
		t.Fatal("next statement ran inside the old transaction")
	}
}
