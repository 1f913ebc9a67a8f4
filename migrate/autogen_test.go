package migrate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/migrate"
)

// TestAutogenerate: the files get the next version after the highest in
// the directory, the shared naming, and the rendered statements.
func TestAutogenerate(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"0001_init.postgres.up.sql", "0009_more.sqlite.down.sql", "README.md", "0012_notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	live := md(t, []core.TableDef{table("ag_au", pk("id"))})
	models := md(t, []core.TableDef{table("ag_au", pk("id"), nullable(col("note", core.Text())))})
	g, err := migrate.Autogenerate(context.Background(), live, models, migrate.AutogenOptions{Dir: dir, Name: "add_note", Dialect: postgres.Dialect})
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{filepath.Join(dir, "0010_add_note.postgres.up.sql"), filepath.Join(dir, "0010_add_note.postgres.down.sql")}
	if g.Version != "0010" || !slices.Equal(g.Files, wantFiles) {
		t.Fatalf("version %s files %v, want 0010 and %v", g.Version, g.Files, wantFiles)
	}
	if len(g.Changes) != 1 || g.Changes[0].Kind != migrate.AddColumn {
		t.Fatalf("changes = %v", g.Changes)
	}
	for i, want := range []string{
		"ALTER TABLE \"ag_au\" ADD COLUMN \"note\" TEXT;\n",
		"ALTER TABLE \"ag_au\" DROP COLUMN \"note\";\n",
	} {
		got, err := os.ReadFile(g.Files[i])
		if err != nil || string(got) != want {
			t.Fatalf("%s = %q, %v; want %q", g.Files[i], got, err, want)
		}
	}
	// The next run takes the next number.
	models2 := md(t, []core.TableDef{table("ag_au", pk("id"), nullable(col("note", core.Text())), nullable(col("n", core.Int())))})
	g2, err := migrate.Autogenerate(context.Background(), models, models2, migrate.AutogenOptions{Dir: dir, Name: "add_n", Dialect: postgres.Dialect})
	if err != nil || g2.Version != "0011" {
		t.Fatalf("second run: %+v, %v; want version 0011", g2, err)
	}
}

// TestAutogenerateNothing: an empty diff writes nothing and says so;
// a destructive one without AllowDestructive writes nothing either.
func TestAutogenerateNothing(t *testing.T) {
	dir := t.TempDir()
	same := md(t, []core.TableDef{table("ag_au", pk("id"), col("a", core.String(20)))})
	opts := migrate.AutogenOptions{Dir: dir, Name: "noop", Dialect: sqlite.Dialect}
	if _, err := migrate.Autogenerate(context.Background(), same, same, opts); !errors.Is(err, migrate.ErrNoChanges) {
		t.Fatalf("err = %v, want ErrNoChanges", err)
	}
	narrower := md(t, []core.TableDef{table("ag_au", pk("id"), col("a", core.String(5)))})
	_, err := migrate.Autogenerate(context.Background(), same, narrower, opts)
	if !errors.Is(err, migrate.ErrDestructive) || !strings.Contains(err.Error(), `"ag_au" column "a"`) {
		t.Fatalf("err = %v, want a destructive-change error naming ag_au.a", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files written: %v", entries)
	}
	opts.Diff.AllowDestructive = true
	g, err := migrate.Autogenerate(context.Background(), same, narrower, opts)
	if err != nil {
		t.Fatal(err)
	}
	up, err := os.ReadFile(g.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	// A rebuild asks the runner for foreign keys off and holds no
	// transaction or pragma statements of its own.
	if !g.SQL.ForeignKeysOff || !strings.HasPrefix(string(up), migrate.ForeignKeysOff+"\n") ||
		strings.Contains(string(up), "PRAGMA") || strings.Contains(string(up), "BEGIN") || strings.Contains(string(up), "COMMIT") {
		t.Fatalf("up file:\n%s", up)
	}
	if _, err := migrate.Autogenerate(context.Background(), same, narrower, migrate.AutogenOptions{Dir: dir, Name: "Bad Name", Dialect: sqlite.Dialect}); err == nil {
		t.Fatal("a name with spaces and capitals was accepted")
	}
}

type agRenamed struct {
	_     struct{} `athanor:",table:ag_tagged"`
	ID    int64    `athanor:",pk"`
	Title string   `athanor:"title,size:40,renamed_from:headline"`
}

type agBadRename struct {
	_     struct{} `athanor:",table:ag_bad"`
	ID    int64    `athanor:",pk"`
	Title string   `athanor:"title,renamed_from:title"`
}

// TestAutogenerateRenameTag: a renamed_from: tag on a model makes a
// RENAME COLUMN; once the live schema has the new name the tag is
// ignored.
func TestAutogenerateRenameTag(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[agRenamed](reg); err != nil {
		t.Fatal(err)
	}
	if got := migrate.ModelRenames(reg); !slices.Equal(got, []migrate.Rename{{Table: "ag_tagged", Column: "title", From: "headline"}}) {
		t.Fatalf("ModelRenames = %v", got)
	}
	live := md(t, []core.TableDef{table("ag_tagged", core.Column{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		col("headline", core.String(40)))})
	dir := t.TempDir()
	opts := migrate.AutogenOptions{Dir: dir, Name: "rename_headline", Dialect: postgres.Dialect}
	g, err := migrate.Autogenerate(context.Background(), live, reg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Changes) != 1 || g.Changes[0].Kind != migrate.RenameColumn {
		t.Fatalf("changes = %v, want one rename", g.Changes)
	}
	if up, _ := os.ReadFile(g.Files[0]); string(up) != "ALTER TABLE \"ag_tagged\" RENAME COLUMN \"headline\" TO \"title\";\n" {
		t.Fatalf("up file = %q", up)
	}
	// Applied: the live schema is the models; the tag stays harmlessly.
	if _, err := migrate.Autogenerate(context.Background(), reg, reg, opts); !errors.Is(err, migrate.ErrNoChanges) {
		t.Fatalf("after the rename: err = %v, want ErrNoChanges", err)
	}
	if _, err := mapper.RegisterIn[agBadRename](mapper.NewRegistry()); !errors.Is(err, mapper.ErrBadTag) {
		t.Fatalf("renamed_from its own name: err = %v, want ErrBadTag", err)
	}
}

// A mapped hierarchy: the base's renamed field is one rename of the base
// table (not one per subtype); a joined-table subtype's of its own table.
type agVehicle struct {
	_    struct{} `athanor:",table:ag_vehicles"`
	ID   int64    `athanor:",pk"`
	Kind string   `athanor:",discriminator,size:10"`
	Name string   `athanor:"name,size:50,renamed_from:label"`
}

type agCar struct {
	agVehicle `athanor:",inherit:car"`
	Doors     int
}

type agTruck struct {
	agVehicle `athanor:",inherit:truck,table:ag_trucks"`
	Payload   float64 `athanor:"payload,renamed_from:load"`
}

func TestModelRenamesOfAHierarchy(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[agCar](reg); err != nil {
		t.Fatal(err)
	}
	if _, err := mapper.RegisterIn[agTruck](reg); err != nil {
		t.Fatal(err)
	}
	got := migrate.ModelRenames(reg)
	slices.SortFunc(got, func(a, b migrate.Rename) int { return strings.Compare(a.Table+a.Column, b.Table+b.Column) })
	want := []migrate.Rename{{Table: "ag_trucks", Column: "payload", From: "load"}, {Table: "ag_vehicles", Column: "name", From: "label"}}
	if !slices.Equal(got, want) {
		t.Fatalf("ModelRenames = %v, want %v", got, want)
	}
}
