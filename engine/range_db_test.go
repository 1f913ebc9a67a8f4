package engine_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestScanOutOfRange: a value a struct field cannot hold exactly (an
// integer beyond an int8, a fraction for an integer field) fails the scan
// on every server, instead of storing a wrapped or truncated number.
func TestScanOutOfRange(t *testing.T) {
	type small struct {
		N int8 `db:"n"`
	}
	type whole struct {
		N int64 `db:"n"`
	}
	type unsigned struct {
		N uint8 `db:"n"`
	}
	for _, c := range []struct {
		name string
		dsn  func(*testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t, c.dsn(t))
			if got, err := engine.One[small](ctx, db, core.Raw("SELECT 100 AS n")); err != nil || got.N != 100 {
				t.Fatalf("100 into an int8: %v, %v", got, err)
			}
			if got, err := engine.One[small](ctx, db, core.Raw("SELECT 300 AS n")); err == nil {
				t.Errorf("300 into an int8: stored %d, want an error", got.N)
			}
			if got, err := engine.One[unsigned](ctx, db, core.Raw("SELECT -1 AS n")); err == nil {
				t.Errorf("-1 into a uint8: stored %d, want an error", got.N)
			}
			if got, err := engine.One[whole](ctx, db, core.Raw("SELECT 2.5 AS n")); err == nil {
				t.Errorf("2.5 into an int64: stored %d, want an error", got.N)
			}
		})
	}
}
