package core_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
)

// longNamesTable has a 60-byte name (with non-ASCII letters, so a cut
// could split a character) and two long columns that differ only at the
// end: every default constraint and index name is over the PostgreSQL
// and MySQL limits, and the pairs differ only past the cut.
func longNamesTable() (*core.Table, *core.Table) {
	parent := core.MustTable(core.TableDef{Name: "ln_parent", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
	name := "ln_" + strings.Repeat("é", 20) + strings.Repeat("x", 17) // 60 bytes
	a, b := "reference_to_the_parent_record_identifier_a", "reference_to_the_parent_record_identifier_b"
	t := core.MustTable(core.TableDef{
		Name: name,
		Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true}, {Name: a, Type: core.BigInt()}, {Name: b, Type: core.BigInt()},
		},
		Uniques: []core.Unique{{Columns: []string{a}}, {Columns: []string{b}}},
		Checks:  []core.Check{{Expr: core.Raw(a + " > 0")}, {Expr: core.Raw(b + " > 0")}},
		ForeignKeys: []core.ForeignKey{
			{Columns: []string{a}, RefTable: "ln_parent", RefColumns: []string{"id"}},
			{Columns: []string{b}, RefTable: "ln_parent", RefColumns: []string{"id"}},
		},
		Indexes: []core.Index{{Columns: []string{a, "id"}}, {Columns: []string{b, "id"}}},
	})
	return parent, t
}

var constraintName = regexp.MustCompile(`(?:CONSTRAINT|INDEX(?: IF NOT EXISTS)?) ["` + "`" + `]([^"` + "`" + `]+)["` + "`" + `]`)

// Default constraint and index names fit the dialect's identifier limit,
// stay distinct, are valid UTF-8 and are the same on every compilation.
func TestDefaultNamesFitIdentifierLimit(t *testing.T) {
	for _, tt := range []struct {
		d     core.Dialect
		limit int
	}{{postgres.Dialect, 63}, {mysql.Dialect, 64}, {mysql.MariaDB, 64}, {sqlite.Dialect, 0}} {
		t.Run(tt.d.Name(), func(t *testing.T) {
			parent, tbl := longNamesTable()
			meta, err := core.NewMetaData(parent, tbl)
			if err != nil {
				t.Fatal(err)
			}
			ddl := func() []string {
				stmts, err := meta.CreateStatements(tt.d, false)
				if err != nil {
					t.Fatalf("create statements: %v", err)
				}
				var names []string
				for _, s := range stmts {
					c, err := core.Compile(tt.d, s)
					if err != nil {
						t.Fatalf("compile: %v", err)
					}
					for _, m := range constraintName.FindAllStringSubmatch(c.SQL, -1) {
						names = append(names, m[1])
					}
				}
				return names
			}
			names := ddl()
			if len(names) != 8 {
				t.Fatalf("names %q, want 8 (2 each of uq, ck, fk, ix)", names)
			}
			seen := map[string]bool{}
			for _, n := range names {
				if tt.limit > 0 && len(n) > tt.limit || !utf8.ValidString(n) || seen[n] {
					t.Errorf("name %q (%d bytes): over %d, invalid or repeated", n, len(n), tt.limit)
				}
				seen[n] = true
				if !strings.HasPrefix(n, "uq_ln_é") && !strings.HasPrefix(n, "ck_ln_é") && !strings.HasPrefix(n, "fk_ln_é") && !strings.HasPrefix(n, "ix_ln_é") {
					t.Errorf("name %q lost its readable start", n)
				}
				if tt.limit == 0 && !strings.HasSuffix(n, "_a") && !strings.HasSuffix(n, "_b") && !strings.HasSuffix(n, "_id") && !strings.HasSuffix(n, "_1") && !strings.HasSuffix(n, "_2") {
					t.Errorf("name %q shortened without a limit", n)
				}
			}
			if again := ddl(); strings.Join(again, ",") != strings.Join(names, ",") {
				t.Errorf("names differ between compilations: %q, %q", names, again)
			}
		})
	}
}
