package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// TestTxForeignKeysOff: inside a ForeignKeysOff transaction a dangling
// reference is accepted and deleting a parent cascades nothing; after
// the transaction (committed or rolled back) the same pooled connection
// enforces foreign keys again. PostgreSQL refuses the option.
func TestTxForeignKeysOff(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cfg, err := engine.ParseConfig(b.open(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.MaxConns = 1 // every transaction reuses the one connection
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if b.name == "postgres" {
				_, err := db.Begin(ctx, engine.TxOptions{ForeignKeysOff: true})
				if !errors.Is(err, core.ErrUnsupported) || !strings.Contains(err.Error(), "ForeignKeysOff") {
					t.Fatalf("Begin = %v, want ErrUnsupported naming ForeignKeysOff", err)
				}
				return
			}
			exec := func(ex engine.Executor, sql string) error {
				_, err := ex.Exec(ctx, core.Raw(sql))
				return err
			}
			must := func(ex engine.Executor, sql string) {
				t.Helper()
				if err := exec(ex, sql); err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
			}
			drop := func() {
				_ = exec(db, "DROP TABLE IF EXISTS sqlitefk_etx_child")
				_ = exec(db, "DROP TABLE IF EXISTS sqlitefk_etx_parent")
			}
			drop()
			t.Cleanup(drop)
			must(db, "CREATE TABLE sqlitefk_etx_parent (id INTEGER PRIMARY KEY)")
			must(db, "CREATE TABLE sqlitefk_etx_child (id INTEGER PRIMARY KEY, parent_id INTEGER, FOREIGN KEY (parent_id) REFERENCES sqlitefk_etx_parent (id) ON DELETE CASCADE)")
			must(db, "INSERT INTO sqlitefk_etx_parent (id) VALUES (1)")
			must(db, "INSERT INTO sqlitefk_etx_child (id, parent_id) VALUES (1, 1)")
			enforced := func(when string) {
				t.Helper()
				if err := exec(db, "INSERT INTO sqlitefk_etx_child (id, parent_id) VALUES (50, 99)"); err == nil {
					t.Fatalf("%s: a dangling reference was accepted: foreign keys not restored", when)
				}
			}
			enforced("before")
			for _, commit := range []bool{false, true} {
				tx, err := db.Begin(ctx, engine.TxOptions{ForeignKeysOff: true})
				if err != nil {
					t.Fatal(err)
				}
				must(tx, "INSERT INTO sqlitefk_etx_child (id, parent_id) VALUES (2, 99)")
				must(tx, "DELETE FROM sqlitefk_etx_parent WHERE id = 1")
				n, err := engine.One[int64](ctx, tx, core.Raw("SELECT COUNT(*) FROM sqlitefk_etx_child WHERE id = 1"))
				if err != nil || n != 1 {
					t.Fatalf("child row after deleting its parent with foreign keys off: %d, %v (the delete cascaded)", n, err)
				}
				if b.name == "sqlite" {
					var bad int
					err := tx.QueryFunc(ctx, core.Raw("PRAGMA foreign_key_check"), func(r *engine.Rows) error {
						for r.Next() {
							bad++
						}
						return r.Err()
					})
					if err != nil || bad != 2 {
						t.Fatalf("foreign_key_check: %d rows, %v; want 2", bad, err)
					}
				}
				// Put things back so the committed state is valid.
				must(tx, "DELETE FROM sqlitefk_etx_child WHERE id = 2")
				must(tx, "INSERT INTO sqlitefk_etx_parent (id) VALUES (1)")
				if commit {
					err = tx.Commit(ctx)
				} else {
					err = tx.Rollback(ctx)
				}
				if err != nil {
					t.Fatal(err)
				}
				enforced(map[bool]string{true: "after commit", false: "after rollback"}[commit])
			}
		})
	}
}
