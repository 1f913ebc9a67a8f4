package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// The eager queries (the router's replica reads) read the first row ahead
// without losing or repeating it, report an empty result as such, and
// bound only the wait for the first row.
func TestEagerQueries(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		for i := int64(1); i <= 3; i++ {
			if _, err := db.Exec(ctx, insertItem(i, "n", int(i))); err != nil {
				t.Fatal(err)
			}
		}
		all := core.Select(items.C("id")).From(items).OrderBy(items.C("id"))
		none := core.Select(items.C("id")).From(items).Where(core.Eq(items.C("id"), int64(99)))
		ids := func(rows *engine.Rows) []int64 {
			t.Helper()
			var out []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			return out
		}
		for _, bound := range []time.Duration{0, 50 * time.Millisecond} {
			broken := db.Stats().DestroyedBroken
			rows, err := db.QueryEager(ctx, all, bound)
			if err != nil {
				t.Fatal(err)
			}
			if cols := rows.Columns(); len(cols) != 1 || cols[0] != "id" {
				t.Errorf("columns %v", cols)
			}
			// Past the bound: it covered only the first row.
			time.Sleep(2 * bound)
			if got := ids(rows); len(got) != 3 || got[0] != 1 || got[2] != 3 {
				t.Fatalf("bound %v: rows %v, want 1 2 3", bound, got)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			if n := db.Stats().DestroyedBroken; n != broken {
				t.Errorf("bound %v: a read that met its bound destroyed %d connections", bound, n-broken)
			}

			rows, err = db.QueryEager(ctx, none, bound)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(rows); len(got) != 0 {
				t.Fatalf("empty result: rows %v", got)
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			called := 0
			err = db.QueryFuncEager(ctx, all, bound, func(rows *engine.Rows) error {
				called++
				if got := ids(rows); len(got) != 3 || got[0] != 1 {
					t.Errorf("QueryFuncEager rows %v", got)
				}
				return nil
			})
			if err != nil || called != 1 {
				t.Fatalf("QueryFuncEager: %v, fn called %d times", err, called)
			}
			var id int64
			if err := db.QueryRowEager(ctx, all, bound).Scan(&id); err != nil || id != 1 {
				t.Fatalf("QueryRowEager: %d, %v", id, err)
			}
			if err := db.QueryRowEager(ctx, none, bound).Scan(&id); !errors.Is(err, engine.ErrNoRows) {
				t.Fatalf("QueryRowEager of nothing: %v", err)
			}
		}
		if st := db.Stats(); st.InUseConns != 0 {
			t.Fatalf("%d connections still in use", st.InUseConns)
		}
	})
}

// A server that gives no first row within the bound: the read fails with
// ErrFirstRowTimeout at the bound, not at the caller's deadline, fn is not
// called, and the connection, whose state is unknown, is not reused.
func TestEagerQueryFirstRowTimeout(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		var sleep core.Statement
		switch db.Driver() {
		case engine.Postgres:
			sleep = core.Raw("SELECT pg_sleep(3)").ReadOnly()
		case engine.MySQL:
			sleep = core.Raw("SELECT SLEEP(3)").ReadOnly()
		default:
			t.Skip("no server-side sleep")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		const bound = 200 * time.Millisecond
		broken := db.Stats().DestroyedBroken
		start := time.Now()
		_, err := db.QueryEager(ctx, sleep, bound)
		if !errors.Is(err, engine.ErrFirstRowTimeout) {
			t.Fatalf("QueryEager of a 3s sleep bounded by %v: err = %v", bound, err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("QueryEager returned after %v, bound %v", el, bound)
		}
		called := false
		err = db.QueryFuncEager(ctx, sleep, bound, func(*engine.Rows) error { called = true; return nil })
		if !errors.Is(err, engine.ErrFirstRowTimeout) || called {
			t.Fatalf("QueryFuncEager: err = %v, fn called %v", err, called)
		}
		var v any
		if err := db.QueryRowEager(ctx, sleep, bound).Scan(&v); !errors.Is(err, engine.ErrFirstRowTimeout) {
			t.Fatalf("QueryRowEager: err = %v", err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for db.Stats().InUseConns != 0 || db.Stats().DestroyedBroken-broken < 3 {
			if time.Now().After(deadline) {
				t.Fatalf("cancelled reads: stats %+v (broken before %d)", db.Stats(), broken)
			}
			time.Sleep(20 * time.Millisecond)
		}
		var one int
		if err := db.QueryRow(ctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil || one != 1 {
			t.Fatalf("read after the timeouts: %d, %v", one, err)
		}
	})
}
