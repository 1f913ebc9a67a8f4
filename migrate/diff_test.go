package migrate_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/migrate"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files")

var dialects = []core.Dialect{postgres.Dialect, mysql.MariaDB, sqlite.Dialect}

func plan(t *testing.T, c diffCase, allow bool) *migrate.Plan {
	t.Helper()
	p, err := migrate.Diff(md(t, c.from), md(t, c.to), migrate.DiffOptions{Renames: c.renames, AllowDestructive: allow})
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return p
}

// TestDiffKinds: Diff reports each case's changes, in order, and marks
// exactly the destructive ones.
func TestDiffKinds(t *testing.T) {
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			p := plan(t, c, true)
			var kinds []migrate.ChangeKind
			for _, ch := range p.Changes {
				kinds = append(kinds, ch.Kind)
			}
			if !slices.Equal(kinds, c.kinds) {
				t.Fatalf("kinds = %v, want %v (changes %v)", kinds, c.kinds, p.Changes)
			}
			if got := len(p.Destructive()) > 0; got != c.destructive {
				t.Fatalf("destructive = %v, want %v (%v)", got, c.destructive, p.Changes)
			}
			// The reverse diff of a rename-free case undoes it: the models
			// diffed against themselves are empty.
			same, err := migrate.Diff(md(t, c.to), md(t, c.to), migrate.DiffOptions{})
			if err != nil || !same.Empty() {
				t.Fatalf("Diff(to, to) = %v, %v; want empty", same.Changes, err)
			}
		})
	}
}

// TestRenderGolden compares each case's up and down SQL per dialect with
// testdata/golden (go test -run TestRenderGolden -update rewrites them).
func TestRenderGolden(t *testing.T) {
	for _, c := range diffCases {
		for _, d := range dialects {
			tag, _ := migrate.DialectTag(d)
			t.Run(c.name+"/"+tag, func(t *testing.T) {
				s, err := plan(t, c, true).Render(d)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				var b strings.Builder
				if s.ForeignKeysOff {
					b.WriteString(migrate.ForeignKeysOff + "\n")
				}
				b.WriteString("-- up\n")
				for _, st := range s.Up {
					b.WriteString(st + ";\n")
				}
				b.WriteString("-- down\n")
				for _, st := range s.Down {
					b.WriteString(st + ";\n")
				}
				got := b.String()
				path := filepath.Join("testdata", "golden", c.name+"."+tag+".sql")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("golden file: %v (run with -update)", err)
				}
				if got != string(want) {
					t.Fatalf("%s:\ngot:\n%s\nwant:\n%s", path, got, want)
				}
			})
		}
	}
}

// TestRenderRefusesDestructive: without AllowDestructive a destructive
// plan does not render, and the error lists every destructive change.
func TestRenderRefusesDestructive(t *testing.T) {
	from := md(t, []core.TableDef{
		table("ag_x", pk("id"), col("a", core.String(50)), col("b", core.Int())),
		table("ag_y", pk("id")),
	})
	to := md(t, []core.TableDef{table("ag_x", pk("id"), col("a", core.String(10)))})
	p, err := migrate.Diff(from, to, migrate.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Render(postgres.Dialect)
	var de *migrate.DestructiveError
	if !errors.Is(err, migrate.ErrDestructive) || !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *DestructiveError", err)
	}
	if len(de.Changes) != 3 {
		t.Fatalf("listed %v, want the narrowing of a, the drop of b and of ag_y", de.Changes)
	}
	for _, want := range []string{`"ag_x" column "a"`, `drop column "ag_x" column "b"`, `drop table "ag_y"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// TestDiffErrors: unsupported differences and bad renames are errors
// naming the table and column, never silently ignored.
func TestDiffErrors(t *testing.T) {
	base := []core.TableDef{table("ag_e", pk("id"), col("a", core.Int()))}
	tests := []struct {
		name    string
		to      []core.TableDef
		renames []migrate.Rename
		want    string
		is      error
	}{
		{"primary key change", []core.TableDef{table("ag_e", col("id", core.BigInt()), core.Column{Name: "a", Type: core.Int(), PrimaryKey: true})},
			nil, `table "ag_e"`, migrate.ErrUnsupportedChange},
		{"rename from a missing table", []core.TableDef{table("ag_f", pk("id"), col("a", core.Int()))},
			[]migrate.Rename{{Table: "ag_f", From: "ag_nope"}}, `"ag_nope"`, nil},
		{"rename from a missing column", []core.TableDef{table("ag_e", pk("id"), col("b", core.Int()))},
			[]migrate.Rename{{Table: "ag_e", Column: "b", From: "zz"}}, `column "b": renamed from "zz"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := migrate.Diff(md(t, base), md(t, tt.to), migrate.DiffOptions{Renames: tt.renames})
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Fatalf("err = %v, want one containing %s (is %v)", err, tt.want, tt.is)
			}
		})
	}
}

// TestNormalizeFor: differences a server does not keep vanish; a real
// difference stays.
func TestNormalizeFor(t *testing.T) {
	live := md(t, []core.TableDef{table("ag_n", pk("id"), col("s", core.String(255)), col("ts", core.Timestamp()),
		col("m", core.Enum("ag_n_m", "a", "b")), col("real", core.Int()))})
	models := md(t, []core.TableDef{table("ag_n", pk("id"), col("s", core.String(0)), col("ts", core.TimestampTZ()),
		col("m", core.Enum("mood", "a", "b")), col("real", core.BigInt()))})
	norm, err := migrate.NormalizeFor(mysql.MariaDB)
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrate.Diff(live, models, migrate.DiffOptions{Normalize: norm})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Column != "real" {
		t.Fatalf("changes = %v, want only the int to bigint of column real", p.Changes)
	}
	exact, err := migrate.Diff(live, models, migrate.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(exact.Changes) < 4 {
		t.Fatalf("exact comparison found %v, want every difference", exact.Changes)
	}
}

// TestDiffIgnore: ignored tables are neither dropped nor added.
func TestDiffIgnore(t *testing.T) {
	live := md(t, []core.TableDef{table("ag_keep", pk("id")), table("schema_migrations", pk("id"))})
	models := md(t, []core.TableDef{table("ag_keep", pk("id")), table("ag_other", pk("id"))})
	p, err := migrate.Diff(live, models, migrate.DiffOptions{Ignore: func(n string) bool { return n == "schema_migrations" || n == "ag_other" }})
	if err != nil || !p.Empty() {
		t.Fatalf("Diff = %v, %v; want no changes", p.Changes, err)
	}
}
