package integration_test

// Issue 15: default constraint and index names longer than the server's
// identifier limit are shortened by core, deterministically and
// distinctly, so CreateAll works and PostgreSQL does not truncate two
// names into one.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

func TestCreateAllLongDefaultNames(t *testing.T) {
	nmDialects(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		a, b := "reference_to_the_parent_record_identifier_a", "reference_to_the_parent_record_identifier_b"
		name := "ln_" + strings.Repeat("x", 57) // 60 bytes, the longest names a table plus suffix
		parent := core.MustTable(core.TableDef{Name: "ln_parent", Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}}})
		tbl := core.MustTable(core.TableDef{
			Name: name,
			Columns: []core.Column{
				{Name: "id", Type: core.BigInt(), PrimaryKey: true}, {Name: a, Type: core.BigInt(), Nullable: true}, {Name: b, Type: core.BigInt(), Nullable: true},
			},
			Uniques: []core.Unique{{Columns: []string{a}}, {Columns: []string{b}}},
			Checks:  []core.Check{{Expr: core.Raw(a + " > 0")}, {Expr: core.Raw(b + " > 0")}},
			ForeignKeys: []core.ForeignKey{
				{Columns: []string{a}, RefTable: "ln_parent", RefColumns: []string{"id"}},
				{Columns: []string{b}, RefTable: "ln_parent", RefColumns: []string{"id"}},
			},
			Indexes: []core.Index{{Columns: []string{a, "id"}}, {Columns: []string{b, "id"}}},
		})
		meta, err := core.NewMetaData(parent, tbl)
		if err != nil {
			t.Fatal(err)
		}
		exec := func(ctx context.Context, c core.Compiled) error {
			_, err := db.Exec(ctx, core.Raw(strings.ReplaceAll(c.SQL, "?", "??"), c.Args...))
			return err
		}
		if err := meta.CreateAll(ctx, db.Dialect(), exec, false); err != nil {
			t.Fatalf("create all: %v", err)
		}

		// The server kept eight distinct names, each as core wrote it.
		var q string
		switch db.Dialect().Name() {
		case "postgres":
			q = `SELECT conname::text FROM pg_constraint WHERE conrelid = '` + name + `'::regclass AND contype IN ('u', 'c', 'f')
				UNION ALL SELECT indexname::text FROM pg_indexes WHERE tablename = '` + name + `' AND indexname LIKE 'ix!_%' ESCAPE '!'`
		case "sqlite":
			q = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '` + name + `' AND name LIKE 'ix!_%' ESCAPE '!'`
		default:
			q = `SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '` + name + `' AND CONSTRAINT_TYPE <> 'PRIMARY KEY'
				UNION ALL SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '` + name + `' AND INDEX_NAME LIKE 'ix!_%' ESCAPE '!'`
		}
		names, err := engine.All[string](ctx, db, core.Raw(q).ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		want, limit := 8, db.Dialect().Features().MaxIdentLen
		if db.Dialect().Name() == "sqlite" {
			want, limit = 2, 1000 // SQLite keeps no catalog of constraint names, nor a limit
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] || len(n) > limit {
				t.Errorf("name %q repeated or over the limit", n)
			}
			seen[n] = true
		}
		if len(seen) != want {
			t.Errorf("names %q, want %d distinct", names, want)
		}

		// Both unique constraints, both foreign keys and both checks work.
		if _, err := db.Exec(ctx, core.Insert(parent).Columns(parent.C("id")).Values(int64(1))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, core.Insert(tbl).Columns(tbl.Columns()...).Values(int64(1), int64(1), int64(1))); err != nil {
			t.Fatal(err)
		}
		for _, row := range [][]any{{int64(2), int64(1), nil}, {int64(3), nil, int64(1)}} {
			if _, err := db.Exec(ctx, core.Insert(tbl).Columns(tbl.Columns()...).Values(row...)); !errors.Is(err, athanor.ErrUniqueViolation) {
				t.Errorf("duplicate %v: %v, want a unique violation", row, err)
			}
		}
		for _, row := range [][]any{{int64(4), int64(9), nil}, {int64(5), nil, int64(9)}} {
			if _, err := db.Exec(ctx, core.Insert(tbl).Columns(tbl.Columns()...).Values(row...)); !errors.Is(err, athanor.ErrForeignKeyViolation) {
				t.Errorf("dangling %v: %v, want a foreign key violation", row, err)
			}
		}
		for _, row := range [][]any{{int64(6), int64(-1), nil}, {int64(7), nil, int64(-1)}} {
			if _, err := db.Exec(ctx, core.Insert(tbl).Columns(tbl.Columns()...).Values(row...)); !errors.Is(err, athanor.ErrCheckViolation) {
				t.Errorf("%v: %v, want a check violation", row, err)
			}
		}
		if err := meta.DropAll(ctx, db.Dialect(), exec); err != nil {
			t.Fatalf("drop all: %v", err)
		}
	})
}

// A mapped model whose default index and foreign key names are over the
// limits: CreateAll builds it and the session writes and reads it.
type lnWarehouseStorageLocation struct {
	ID   int64
	Code string `athanor:",size:20"`
}

type lnWarehouseStorageLocationAssignment struct {
	ID                                         int64
	PrimaryStorageLocationReferenceIdentifier  int64 `athanor:",index"`
	FallbackStorageLocationReferenceIdentifier int64 `athanor:",index"`
	LocationID                                 int64
	Location                                   *lnWarehouseStorageLocation
}

func TestCreateAllLongModelNames(t *testing.T) {
	nmDialects(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		reg := mapper.NewRegistry()
		if _, err := mapper.RegisterIn[lnWarehouseStorageLocationAssignment](reg); err != nil {
			t.Fatal(err)
		}
		createORMSchema(t, db, reg)
		s := session.New(session.DB(db), session.Options{Registry: reg})
		a := &lnWarehouseStorageLocationAssignment{PrimaryStorageLocationReferenceIdentifier: 7, FallbackStorageLocationReferenceIdentifier: 8,
			Location: &lnWarehouseStorageLocation{Code: "A-1"}}
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := session.Get[lnWarehouseStorageLocationAssignment](ctx, session.New(session.DB(db), session.Options{Registry: reg}), a.ID)
		if err != nil || got.FallbackStorageLocationReferenceIdentifier != 8 || got.LocationID != a.Location.ID {
			t.Fatalf("read back %+v, %v", got, err)
		}
	})
}
