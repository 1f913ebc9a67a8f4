package inspect_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestSQLiteSpecifics: a schema written by hand in SQLite's own terms.
func TestSQLiteSpecifics(t *testing.T) {
	db := open(t, "sqlite://"+testdb.SQLite(t))
	ctx := context.Background()
	for _, st := range []string{
		`CREATE TABLE q (id INTEGER PRIMARY KEY, a TEXT, b TEXT, UNIQUE (a, b))`,
		`CREATE TABLE r (
			id INTEGER NOT NULL CONSTRAINT r_pk PRIMARY KEY,
			q_id INTEGER REFERENCES q ON DELETE CASCADE,
			n INT8 DEFAULT -1 CONSTRAINT n_pos CHECK (n <> 0),
			s VARCHAR(12) DEFAULT 'x??y'
		) WITHOUT ROWID`,
		`CREATE UNIQUE INDEX r_s ON r (s) WHERE s IS NOT NULL`,
	} {
		if _, err := db.Exec(ctx, core.Raw(st)); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	s, err := inspect.Reflect(ctx, db, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := s.Table("q")
	r, ok := s.Table("r")
	if !ok || len(s.Tables) != 2 {
		t.Fatalf("tables %+v", s.Tables)
	}
	if len(q.Uniques) != 1 || q.Uniques[0].Name != "" || !slices.Equal(q.Uniques[0].Columns, []string{"a", "b"}) {
		t.Errorf("q uniques %+v", q.Uniques)
	}
	// A REFERENCES without columns means the referenced primary key.
	if len(r.ForeignKeys) != 1 || r.ForeignKeys[0].RefTable != "q" || !slices.Equal(r.ForeignKeys[0].RefColumns, []string{"id"}) ||
		r.ForeignKeys[0].OnDelete != core.Cascade {
		t.Errorf("r foreign keys %+v", r.ForeignKeys)
	}
	if len(r.Checks) != 1 || r.Checks[0].Name != "n_pos" {
		t.Errorf("r checks %+v", r.Checks)
	}
	n, sc := r.Columns[2], r.Columns[3]
	if n.Type.Kind != core.TypeNative || n.Type.Native != "INT8" {
		t.Errorf("n type %+v", n.Type)
	}
	for c, want := range map[*core.Column]string{&n: "-1", &sc: "'x?y'"} {
		got, err := core.InlineSQL(db.Dialect(), c.ServerDefault)
		if err != nil || got != want {
			t.Errorf("column %q: default %q, %v; want %q", c.Name, got, err, want)
		}
	}
	if sc.Type != core.String(12) {
		t.Errorf("s type %+v", sc.Type)
	}
	if len(r.Indexes) != 1 || !r.Indexes[0].Unique || r.Indexes[0].Where == nil {
		t.Fatalf("r indexes %+v", r.Indexes)
	}
	if w, _ := core.InlineSQL(db.Dialect(), r.Indexes[0].Where); w != "s IS NOT NULL" {
		t.Errorf("partial index where %q", w)
	}
	if !strings.Contains(strings.Join(s.Warnings, "\n"), `table "r": table options WITHOUT ROWID`) {
		t.Errorf("warnings %q", s.Warnings)
	}
	if _, err := s.MetaData(); err != nil {
		t.Fatal(err)
	}
}
