package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/migrate"
)

// TestRenameHintNotInEffect: a table rename hint whose new table the
// models do not have changes nothing, not even the foreign keys that
// reference the old name.
func TestRenameHintNotInEffect(t *testing.T) {
	defs := []core.TableDef{table("rt_old", pk("id")), rtWith(rtChild(), func(d *core.TableDef) {
		d.ForeignKeys = []core.ForeignKey{{Columns: []string{"parent_id"}, RefTable: "rt_old", RefColumns: []string{"id"}}}
	})}
	p, err := migrate.Diff(md(t, defs), md(t, defs), migrate.DiffOptions{Renames: []migrate.Rename{{Table: "rt_new", From: "rt_old"}}})
	if err != nil || !p.Empty() {
		t.Fatalf("Diff = %v, %v; want no changes", p, err)
	}
}

// TestNormalizeForKeepsOriginals: what the server spells its own way
// compares equal; a real change renders the model's expression up and
// the server's own text down.
func TestNormalizeForKeepsOriginals(t *testing.T) {
	live := md(t, []core.TableDef{rtWith(table("rt_n", pk("id"),
		withDefault(col("a", core.String(10)), core.Raw("'x'::character varying")),
		withDefault(col("b", core.String(10)), core.Raw("'x'::character varying")),
		col("c", core.Text())), func(d *core.TableDef) {
		d.Checks = []core.Check{{Name: "rt_n_c_ck", Expr: core.Raw("(c = ANY (ARRAY['p'::text, 'q'::text]))")}}
		d.Indexes = []core.Index{{Name: "rt_n_lower_ix", Expressions: []core.Expr{core.Raw("lower(c)")}, Where: core.Raw("(c IS NOT NULL)")}}
	})})
	models := md(t, []core.TableDef{rtWith(table("rt_n", pk("id"),
		withDefault(col("a", core.String(10)), core.Literal("x")),
		withDefault(col("b", core.String(10)), core.Literal("y")),
		col("c", core.Text())), func(d *core.TableDef) {
		d.Checks = []core.Check{{Expr: core.Raw("c IN ('p', 'q')")}}
		d.Indexes = []core.Index{{Name: "rt_n_lower_ix", Expressions: []core.Expr{core.Raw("lower(\"c\")")}, Where: core.Raw("c IS NOT NULL")}}
	})})
	norm, err := migrate.NormalizeFor(postgres.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrate.Diff(live, models, migrate.DiffOptions{Normalize: norm})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || p.Changes[0].Column != "b" || p.Changes[0].Aspects != migrate.AspectDefault {
		t.Fatalf("changes = %v, want only the default of b", p.Changes)
	}
	r, err := p.Render(postgres.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`ALTER TABLE "rt_n" ALTER COLUMN "b" SET DEFAULT 'y'`}; !slices.Equal(r.Up, want) {
		t.Fatalf("up = %q, want %q", r.Up, want)
	}
	if want := []string{`ALTER TABLE "rt_n" ALTER COLUMN "b" SET DEFAULT 'x'::character varying`}; !slices.Equal(r.Down, want) {
		t.Fatalf("down = %q, want %q", r.Down, want)
	}
}

// TestDiffLiveVersionTable: the version table is left out of the live
// schema, by default athanor_migrations (each test has a database of its
// own), or the name given.
func TestDiffLiveVersionTable(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := engine.Open(ctx, srv.open(t))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			models := md(t, []core.TableDef{rtA()})
			versions := []string{"rt_versions", "athanor_migrations"}
			all := append([]string{"rt_a"}, versions...)
			drop := func() {
				for _, n := range all {
					rtExec(context.Background(), t, db, "DROP TABLE IF EXISTS "+n)
				}
			}
			drop()
			t.Cleanup(drop)
			if err := db.CreateAll(ctx, models); err != nil {
				t.Fatal(err)
			}
			for _, n := range versions {
				rtExec(ctx, t, db, "CREATE TABLE "+n+" (version BIGINT PRIMARY KEY)")
			}
			opts := migrate.AutogenOptions{Inspect: inspect.Options{Include: all}, VersionTable: "rt_versions"}
			p, err := migrate.DiffLive(ctx, db, models, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{`drop table "athanor_migrations" [destructive]`}
			if got := changeStrings(p); !slices.Equal(got, want) {
				t.Fatalf("VersionTable rt_versions: changes %q, want %q", got, want)
			}
			opts.VersionTable = ""
			if p, err = migrate.DiffLive(ctx, db, models, opts); err != nil {
				t.Fatal(err)
			}
			if got, want := changeStrings(p), []string{`drop table "rt_versions" [destructive]`}; !slices.Equal(got, want) {
				t.Fatalf("default version table: changes %q, want %q", got, want)
			}
			// A dialect other than the database's is refused.
			opts.Dialect = postgres.Dialect
			if srv.name != "postgres" {
				if _, err := migrate.DiffLive(ctx, db, models, opts); err == nil || !strings.Contains(err.Error(), "dialect") {
					t.Fatalf("DiffLive with the postgres dialect on %s: err = %v", srv.name, err)
				}
			}
			// Nothing to write: no file, ErrNoChanges.
			opts.Dialect, opts.Dir, opts.Name = nil, t.TempDir(), "noop"
			opts.Inspect.Include = []string{"rt_a"}
			if _, err := migrate.AutogenerateLive(ctx, db, models, opts); !errors.Is(err, migrate.ErrNoChanges) {
				t.Fatalf("AutogenerateLive with nothing to do: err = %v, want ErrNoChanges", err)
			}
		})
	}
}

func changeStrings(p *migrate.Plan) []string {
	out := []string{}
	for _, c := range p.Changes {
		out = append(out, c.String())
	}
	return out
}

// TestAutogenerateReflectedNormalizes: a reflected schema handed to
// Autogenerate is compared with NormalizeFor's rules (MariaDB keeps
// VARCHAR(255) for a String without size), a plain one exactly.
func TestAutogenerateReflectedNormalizes(t *testing.T) {
	liveDef := table("rt_r", pk("id"), col("s", core.String(255)))
	models := md(t, []core.TableDef{table("rt_r", pk("id"), col("s", core.String(0)))})
	opts := migrate.AutogenOptions{Dir: t.TempDir(), Name: "r", Dialect: mysql.MariaDB}
	reflected := &inspect.Schema{Dialect: "mariadb", Tables: []core.TableDef{liveDef}}
	if _, err := migrate.Autogenerate(context.Background(), reflected, models, opts); !errors.Is(err, migrate.ErrNoChanges) {
		t.Fatalf("reflected: err = %v, want ErrNoChanges", err)
	}
	opts.Diff.AllowDestructive = true
	g, err := migrate.Autogenerate(context.Background(), md(t, []core.TableDef{liveDef}), models, opts)
	if err != nil || len(g.Changes) != 1 {
		t.Fatalf("plain metadata: %v, %v; want the one type change", g, err)
	}
}

// TestNormalizeForSQLiteUniques: on SQLite a column's UNIQUE and a
// one-column unique constraint are the same thing to the diff, whichever
// side has which; a real unique change stays one.
func TestNormalizeForSQLiteUniques(t *testing.T) {
	norm, err := migrate.NormalizeFor(sqlite.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	colUnique := table("rt_u", pk("id"), core.Column{Name: "e", Type: core.String(20), Unique: true})
	named := rtWith(table("rt_u", pk("id"), col("e", core.String(20))), func(d *core.TableDef) {
		d.Uniques = []core.Unique{{Name: "uq_rt_u_e", Columns: []string{"e"}}}
	})
	plain := table("rt_u", pk("id"), col("e", core.String(20)))
	for _, tt := range []struct {
		name        string
		live, model core.TableDef
		changes     int
	}{
		{"named live, column model", named, colUnique, 0},
		{"column live, named model", colUnique, named, 0},
		{"column both", colUnique, colUnique, 0},
		{"column live, none in model", colUnique, plain, 1},
		{"none live, column model", plain, colUnique, 1},
	} {
		p, err := migrate.Diff(md(t, []core.TableDef{tt.live}), md(t, []core.TableDef{tt.model}), migrate.DiffOptions{Normalize: norm})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Changes) != tt.changes {
			t.Errorf("%s: changes %v, want %d", tt.name, p.Changes, tt.changes)
		}
	}
}
