package integration_test

// Issue 15: a float bound to an integer column was silently truncated
// (pgx) or rounded (MariaDB), or stored as REAL (SQLite). Core refuses a
// non-whole float for an integer column in INSERT values and SET
// assignments on every dialect; on PostgreSQL the connection's type map
// also refuses it for any integer parameter, Raw SQL included.

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

type wholeFloat float64

func TestFloatIntoIntegerColumn(t *testing.T) {
	nmDialects(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		tbl := core.MustTable(core.TableDef{Name: "fi_nums", Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "n", Type: core.Int(), Nullable: true},
			{Name: "s", Type: core.SmallInt(), Nullable: true},
			{Name: "x", Type: core.Double(), Nullable: true},
		}})
		if _, err := db.Exec(ctx, core.CreateTable(tbl)); err != nil {
			t.Fatal(err)
		}
		id, n, s, x := tbl.C("id"), tbl.C("n"), tbl.C("s"), tbl.C("x")
		half := 1.5
		named := wholeFloat(7.25)
		for _, tt := range []struct {
			name string
			st   core.Statement
		}{
			{"insert float64", core.Insert(tbl).Columns(id, n).Values(int64(1), 1.5)},
			{"insert float32", core.Insert(tbl).Columns(id, s).Values(int64(1), float32(-0.5))},
			{"insert pointer", core.Insert(tbl).Columns(id, n).Values(int64(1), &half)},
			{"insert named float", core.Insert(tbl).Columns(id, n).Values(int64(1), named)},
			{"insert fractional key", core.Insert(tbl).Columns(id).Values(2.5)},
			{"insert beyond int64", core.Insert(tbl).Columns(id).Values(1e19)},
			{"second row", core.Insert(tbl).Columns(id, n).Values(int64(1), int64(1)).Values(int64(2), 2.5)},
			{"rows", core.Insert(tbl).Columns(id, n).Rows([]any{int64(1), 0.1})},
			{"update", core.Update(tbl).Set(n, 2.5).Where(core.Eq(id, int64(1)))},
			{"upsert set", core.Insert(tbl).Columns(id, n).Values(int64(1), int64(1)).OnConflictDoUpdate([]*core.Column{id}, core.Set(n, 0.5))},
		} {
			_, err := db.Exec(ctx, tt.st)
			if err == nil || !strings.Contains(err.Error(), "not a whole number") {
				t.Errorf("%s: %v, want a whole-number error", tt.name, err)
			}
		}
		var count int64
		if err := db.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM fi_nums").ReadOnly()).Scan(&count); err != nil || count != 0 {
			t.Fatalf("rows after refused inserts: %d (%v)", count, err)
		}

		// Whole floats are integers; a float column takes any float; a
		// comparison may hold a fraction.
		if _, err := db.Exec(ctx, core.Insert(tbl).Columns(id, n, s, x).Values(2.0, float32(3), -4.0, 1.5)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, core.Update(tbl).Set(n, 30.0).Where(core.Eq(id, 2.0))); err != nil {
			t.Fatal(err)
		}
		// A fraction compared with an integer column: MariaDB and SQLite
		// compare the values; PostgreSQL types the parameter as the
		// column's (bigint), so it is refused rather than truncated to
		// id < 2, which would miss row 2.
		var below int64
		err := db.QueryRow(ctx, core.Select(core.Count(id)).From(tbl).Where(core.Lt(id, 2.5))).Scan(&below)
		if db.Dialect().Name() == "postgres" {
			if err == nil || !strings.Contains(err.Error(), "not a whole number") {
				t.Errorf("id < 2.5 on PostgreSQL: %d, %v; want a whole-number error", below, err)
			}
		} else if err != nil || below != 1 {
			t.Errorf("id < 2.5: %d rows (%v), want 1", below, err)
		}
		var gotID, gotN, gotS int64
		var gotX float64
		if err := db.QueryRow(ctx, core.Raw("SELECT id, n, s, x FROM fi_nums").ReadOnly()).Scan(&gotID, &gotN, &gotS, &gotX); err != nil {
			t.Fatal(err)
		}
		if gotID != 2 || gotN != 30 || gotS != -4 || gotX != 1.5 {
			t.Errorf("read back %d %d %d %v", gotID, gotN, gotS, gotX)
		}

		if db.Dialect().Name() != "postgres" {
			return
		}
		// PostgreSQL: the parameter's type is known to pgx, so Raw SQL is
		// checked too, arrays included.
		for _, args := range [][]any{{int64(5), 1.5}, {int64(5), &half}, {int64(5), named}, {5.5, int64(1)}} {
			if _, err := db.Exec(ctx, core.Raw("INSERT INTO fi_nums (id, n) VALUES (?, ?)", args...)); err == nil || !strings.Contains(err.Error(), "not a whole number") {
				t.Errorf("raw insert %v: %v, want a whole-number error", args, err)
			}
		}
		if _, err := db.Exec(ctx, core.Raw("SELECT COUNT(*) FROM fi_nums WHERE id = ANY(CAST(? AS bigint[]))", []float64{2, 2.5})); err == nil {
			t.Error("a bigint[] parameter took 2.5")
		}
		if _, err := db.Exec(ctx, core.Raw("INSERT INTO fi_nums (id, n) VALUES (?, ?)", 6.0, float32(7))); err != nil {
			t.Errorf("raw insert of whole floats: %v", err)
		}
	})
}
