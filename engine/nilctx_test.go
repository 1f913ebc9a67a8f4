package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// TestNilContext calls every entry point of DB and Tx with a nil context:
// each returns engine.ErrNilContext instead of panicking, and the pool is
// left with no connection in use.
func TestNilContext(t *testing.T) {
	var nilCtx context.Context // a nil context, as a caller's bug passes it
	sel := core.Select(items.C("id")).From(items)
	fn := func(*engine.Rows) error { return nil }
	eachDB(t, func(t *testing.T, db *engine.DB) {
		createItems(t, db)
		ctx := context.Background()
		dbCalls := []struct {
			name string
			call func() error
		}{
			{"Open", func() error { _, err := engine.Open(nilCtx, "sqlite://:memory:"); return err }},
			{"Exec", func() error { _, err := db.Exec(nilCtx, insertItem(1, "a", 1)); return err }},
			{"Query", func() error { _, err := db.Query(nilCtx, sel); return err }},
			{"QueryFunc", func() error { return db.QueryFunc(nilCtx, sel, fn) }},
			{"QueryRow", func() error { return db.QueryRow(nilCtx, sel).Scan(new(int64)) }},
			{"QueryRowEager", func() error { return db.QueryRowEager(nilCtx, sel, 0).Scan(new(int64)) }},
			{"QueryEager", func() error { _, err := db.QueryEager(nilCtx, sel, 0); return err }},
			{"QueryFuncEager", func() error { return db.QueryFuncEager(nilCtx, sel, 0, fn) }},
			{"Batch", func() error { _, err := db.Batch(nilCtx, sel); return err }},
			{"Begin", func() error { _, err := db.Begin(nilCtx, engine.TxOptions{}); return err }},
			{"Ping", func() error { return db.Ping(nilCtx) }},
			{"RunInTx", func() error {
				return db.RunInTx(nilCtx, engine.TxOptions{}, func(context.Context, *engine.Tx) error { return nil })
			}},
			{"All", func() error { _, err := engine.All[int64](nilCtx, db, sel); return err }},
			{"One", func() error { _, err := engine.One[int64](nilCtx, db, sel); return err }},
		}
		txCalls := []struct {
			name string
			call func(tx *engine.Tx) error
		}{
			{"Exec", func(tx *engine.Tx) error { _, err := tx.Exec(nilCtx, insertItem(1, "a", 1)); return err }},
			{"Query", func(tx *engine.Tx) error { _, err := tx.Query(nilCtx, sel); return err }},
			{"QueryFunc", func(tx *engine.Tx) error { return tx.QueryFunc(nilCtx, sel, fn) }},
			{"QueryRow", func(tx *engine.Tx) error { return tx.QueryRow(nilCtx, sel).Scan(new(int64)) }},
			{"Batch", func(tx *engine.Tx) error { _, err := tx.Batch(nilCtx, sel); return err }},
			{"Begin", func(tx *engine.Tx) error { _, err := tx.Begin(nilCtx); return err }},
			{"Commit", func(tx *engine.Tx) error { return tx.Commit(nilCtx) }},
			{"Rollback", func(tx *engine.Tx) error { return tx.Rollback(nilCtx) }},
		}
		check := func(t *testing.T, name string, call func() error) {
			t.Helper()
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				return call()
			}()
			if !errors.Is(err, engine.ErrNilContext) {
				t.Errorf("%s(nil context): err = %v, want engine.ErrNilContext", name, err)
			}
		}
		for _, c := range dbCalls {
			check(t, "DB."+c.name, c.call)
		}
		for _, c := range txCalls {
			tx, err := db.Begin(ctx, engine.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// A statement first, so that the transaction is open on the
			// server (PostgreSQL defers BEGIN).
			if _, err := tx.Exec(ctx, insertItem(100, "in tx", 1)); err != nil {
				t.Fatal(err)
			}
			check(t, "Tx."+c.name, func() error { return c.call(tx) })
			_ = tx.Rollback(ctx)
		}
		if s := poolSettled(t, db); s.InUseConns != 0 {
			t.Errorf("%d connections still in use", s.InUseConns)
		}
		// Nothing was written, and the DB still works.
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if n := countItems(t, db); n != 0 {
			t.Errorf("%d rows after calls with a nil context, want 0", n)
		}
		if err := db.Ping(tctx); err != nil {
			t.Fatal(err)
		}
	})
}
