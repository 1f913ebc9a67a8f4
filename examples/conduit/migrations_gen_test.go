package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/migrate"
	"github.com/athanor-orm/athanor/router"
)

var genMigrations = flag.Bool("gen-migrations", false, "regenerate migrations/0001_init.* from the models (empty directory first)")

// TestGenerateMigrations writes the first migration of each dialect from
// the models. It runs only with -gen-migrations; TestMigrationsMatchModels
// checks the committed files against the models on every run.
func TestGenerateMigrations(t *testing.T) {
	if !*genMigrations {
		t.Skip("run with -gen-migrations to regenerate the migration files")
	}
	reg, err := newRegistry()
	if err != nil {
		t.Fatal(err)
	}
	empty, err := core.NewMetaData()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []core.Dialect{postgres.Dialect, mysql.Dialect, sqlite.Dialect} {
		g, err := migrate.Autogenerate(context.Background(), empty, reg, migrate.AutogenOptions{
			Dir: dir, Name: "init", Dialect: d, Version: "0001",
		})
		if err != nil {
			t.Fatalf("%s: %v", d.Name(), err)
		}
		t.Logf("%s: %v", d.Name(), g.Files)
	}
}

// The committed migrations build the schema the models declare, on
// every dialect: after newApp's Up, the models and the live schema
// agree, and a second start applies nothing.
func TestMigrationsMatchModels(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, nil)
			ctx := context.Background()
			primary := e.app.Router().Group(router.DefaultGroup).Primary()
			plan, err := migrate.DiffLive(ctx, primary, e.app.reg, migrate.AutogenOptions{VersionTable: "conduit_migrations"})
			if err != nil {
				t.Fatal(err)
			}
			if !plan.Empty() {
				t.Fatalf("the migrations and the models differ: %v", plan.Changes)
			}
			again, err := newApp(ctx, e.app.cfg)
			if err != nil {
				t.Fatalf("second start: %v", err)
			}
			again.Close(ctx)
		})
	}
}
