package inspect_test

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
)

// TestWarnings: what core metadata cannot describe is reported, naming
// the table and the column or index, not silently dropped.
func TestWarnings(t *testing.T) {
	ddl := map[string][]string{
		"postgres": {
			`CREATE TABLE inspect_w (id int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED)`,
			`CREATE INDEX inspect_w_incl ON inspect_w (a) INCLUDE (id)`,
			`CREATE INDEX inspect_w_desc ON inspect_w (a DESC)`,
		},
		"mariadb": {
			`CREATE TABLE inspect_w (id int PRIMARY KEY, a varchar(100), b int AS (id * 2) VIRTUAL)`,
			`CREATE INDEX inspect_w_prefix ON inspect_w (a(10))`,
		},
		"sqlite": {
			`CREATE TABLE inspect_w (id INTEGER PRIMARY KEY, a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, c)`,
		},
	}
	want := map[string][]string{
		"postgres": {`table "inspect_w": column "b": generated column`, `table "inspect_w": index "inspect_w_incl": INCLUDE`,
			`table "inspect_w": index "inspect_w_desc": DESC`},
		"mariadb": {`table "inspect_w": column "b": generated column`, `table "inspect_w": index "inspect_w_prefix": prefix length 10`},
		"sqlite":  {`table "inspect_w": column "b": hidden or generated`, `table "inspect_w": column "c" has no declared type`},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := context.Background()
			for _, st := range ddl[b.name] {
				if _, err := db.Exec(ctx, core.Raw(st)); err != nil {
					t.Fatalf("%s: %v", st, err)
				}
			}
			s, err := inspect.Reflect(ctx, db, inspect.Options{Include: []string{"inspect_w"}})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(s.Warnings, "\n")
			for _, w := range want[b.name] {
				if !strings.Contains(all, w) {
					t.Errorf("no warning %q in\n%s", w, all)
				}
			}
		})
	}
}
