package engine_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

var limitRows = core.MustTable(core.TableDef{
	Name: "limit_rows",
	Columns: []core.Column{
		{Name: "id", Type: core.Int(), PrimaryKey: true},
		{Name: "name", Type: core.Text()},
	},
})

type limitRow struct {
	ID   int
	Name string
}

// TestAllWithLimit: All makes room for a SELECT's LIMIT before reading
// (bounded); the rows are the same whether the limit is met, not met,
// larger than the room, or matched by no row (a nil result, as without a
// limit), and a result well short of its limit keeps no more spare room
// than append leaves.
func TestAllWithLimit(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, "sqlite://"+testdb.SQLite(t))
	if _, err := db.Exec(ctx, core.CreateTable(limitRows)); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	for i := 1; i <= 300; i++ {
		rows = append(rows, []any{i, "n"})
	}
	if _, err := db.Exec(ctx, core.Insert(limitRows).Columns(limitRows.C("id"), limitRows.C("name")).Rows(rows...)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, limit int64
		want        int
	}{
		{0, 100, 100}, {250, 100, 50}, {295, 100, 5}, {300, 100, 0}, {0, 1, 1}, {0, 5000, 300}, {0, 2000, 300}, {290, 5000, 10},
	} {
		st := core.Select(limitRows.Star()).From(limitRows).Where(core.Gt(limitRows.C("id"), c.from)).
			OrderBy(limitRows.C("id")).Limit(c.limit)
		got, err := engine.All[limitRow](ctx, db, st)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Fatalf("id > %d limit %d: %d rows, want %d", c.from, c.limit, len(got), c.want)
		}
		if c.want == 0 && got != nil {
			t.Errorf("id > %d limit %d: no rows gave a non-nil result", c.from, c.limit)
		}
		for i, r := range got {
			if r.ID != int(c.from)+i+1 || r.Name != "n" {
				t.Fatalf("id > %d limit %d: row %d is %+v", c.from, c.limit, i, r)
			}
		}
		if len(got) > 0 && cap(got) > 2*len(got) {
			t.Errorf("id > %d limit %d: %d rows in room for %d", c.from, c.limit, len(got), cap(got))
		}
	}
}
