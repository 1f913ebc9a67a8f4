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

// TestPostgresSpecifics: a schema other than public with its own enum,
// serial and identity columns, a key out of column order, a mixed
// expression index, an exclusion constraint and a foreign key to another
// schema.
func TestPostgresSpecifics(t *testing.T) {
	db := open(t, testdb.PG(t).Primary.URL())
	ctx := context.Background()
	for _, st := range []string{
		`CREATE SCHEMA inspect_s`,
		`CREATE TYPE inspect_s.color AS ENUM ('red', 'green')`,
		`CREATE TABLE public.inspect_outside (id int PRIMARY KEY)`,
		`CREATE TABLE inspect_s.a (
			id serial PRIMARY KEY,
			g int GENERATED ALWAYS AS IDENTITY,
			c inspect_s.color NOT NULL DEFAULT 'green',
			r tsrange,
			o int REFERENCES public.inspect_outside (id),
			EXCLUDE USING gist (r WITH &&))`,
		`CREATE TABLE inspect_s.k (x int, y int, PRIMARY KEY (y, x))`,
		`CREATE INDEX a_mixed ON inspect_s.a (id, (o + 1))`,
		`CREATE TABLE public.inspect_not_here (id int)`,
	} {
		if _, err := db.Exec(ctx, core.Raw(st)); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	s, err := inspect.Reflect(ctx, db, inspect.Options{Schema: "inspect_s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 2 || s.Tables[0].Name != "a" || s.Tables[1].Name != "k" || s.Tables[0].Schema != "inspect_s" {
		t.Fatalf("tables %+v", s.Tables)
	}
	if len(s.Enums) != 1 || s.Enums[0].Name != "color" || !slices.Equal(s.Enums[0].Values, []string{"red", "green"}) {
		t.Errorf("enums %+v", s.Enums)
	}
	a := s.Tables[0]
	id, g, c := a.Columns[0], a.Columns[1], a.Columns[2]
	if !id.AutoIncrement || id.ServerDefault != nil || id.Type.Kind != core.TypeInt || !id.PrimaryKey {
		t.Errorf("serial column: %+v", id)
	}
	if g.AutoIncrement { // not the key: reported in Warnings instead
		t.Errorf("identity column: %+v", g)
	}
	if c.Type.Kind != core.TypeEnum || c.Type.Enum.Name != "color" || c.Nullable {
		t.Errorf("enum column: %+v", c)
	}
	if a.Columns[3].Type.Kind != core.TypeNative || a.Columns[3].Type.Native != "tsrange" {
		t.Errorf("tsrange column: %+v", a.Columns[3].Type)
	}
	if len(a.ForeignKeys) != 0 {
		t.Errorf("a foreign key out of the schema was reflected: %+v", a.ForeignKeys)
	}
	if len(a.Indexes) != 1 || len(a.Indexes[0].Columns) != 0 || len(a.Indexes[0].Expressions) != 2 {
		t.Fatalf("mixed index: %+v", a.Indexes)
	}
	var keys []string
	for _, e := range a.Indexes[0].Expressions {
		k, err := core.InlineSQL(db.Dialect(), e)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if !slices.Equal(keys, []string{"id", "(o + 1)"}) {
		t.Errorf("mixed index keys %q", keys)
	}
	all := strings.Join(s.Warnings, "\n")
	for _, w := range []string{
		`table "a": column "g": GENERATED ALWAYS identity`,
		`table "a": column "g": autoincrement (identity) on a column that is not the whole primary key`,
		`table "a": exclusion constraint "a_r_excl"`,
		`table "a": foreign key "a_o_fkey" references public.inspect_outside`,
		`table "k": primary key (y, x) is not in column order`,
	} {
		if !strings.Contains(all, w) {
			t.Errorf("no warning %q in\n%s", w, all)
		}
	}
	// The reflection builds: the enum type and both tables validate.
	if _, err := s.MetaData(); err != nil {
		t.Fatal(err)
	}
}
