package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

var (
	scParent = core.MustTable(core.TableDef{
		Name:    "sc_parent",
		Columns: []core.Column{{Name: "id", Type: core.BigInt(), PrimaryKey: true}},
	})
	scChild = core.MustTable(core.TableDef{
		Name: "sc_child",
		Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "parent_id", Type: core.BigInt()},
		},
		ForeignKeys: []core.ForeignKey{{Columns: []string{"parent_id"}, RefTable: "sc_parent", RefColumns: []string{"id"}}},
		Indexes:     []core.Index{{Columns: []string{"parent_id"}}},
	})
)

// TestCreateAllDropAll: CreateAll makes the tables in foreign-key order
// (the child is declared first), can run again on an existing schema
// without touching its rows, and DropAll removes them.
func TestCreateAllDropAll(t *testing.T) {
	md, err := core.NewMetaData(scChild, scParent)
	if err != nil {
		t.Fatal(err)
	}
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		if err := db.CreateAll(ctx, md); err != nil {
			t.Fatalf("CreateAll: %v", err)
		}
		if _, err := db.Exec(ctx, core.Insert(scParent).Columns(scParent.Columns()...).Values(int64(1))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, core.Insert(scChild).Columns(scChild.Columns()...).Values(int64(1), int64(1))); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, core.Insert(scChild).Columns(scChild.Columns()...).Values(int64(2), int64(9))); !errors.Is(err, athanor.ErrForeignKeyViolation) {
			t.Fatalf("child of a missing parent: err = %v, want the foreign key created", err)
		}
		if err := db.CreateAll(ctx, md); err != nil {
			t.Fatalf("CreateAll on the existing schema: %v", err)
		}
		n, err := engine.One[int64](ctx, db, core.Select(core.Raw("COUNT(*)")).From(scChild))
		if err != nil || n != 1 {
			t.Fatalf("rows after the second CreateAll: %d, %v; want 1", n, err)
		}
		if err := db.DropAll(ctx, md); err != nil {
			t.Fatalf("DropAll: %v", err)
		}
		if _, err := db.Exec(ctx, core.Select(core.Raw("1")).From(scParent)); err == nil {
			t.Fatal("sc_parent still exists after DropAll")
		}
		if err := db.DropAll(ctx, md); err != nil {
			t.Fatalf("DropAll with the tables gone: %v", err)
		}
	})
}

type scAuthor struct {
	_     struct{} `athanor:",table:sc_authors"`
	ID    int64
	Books []*scBook `athanor:",backref:Author"`
}

type scBook struct {
	_        struct{} `athanor:",table:sc_books"`
	ID       int64
	AuthorID int64
	Author   *scAuthor `athanor:",fk:author_id"`
}

// TestCreateAllFromRegistry: a mapper registry is a schema: its models'
// tables are created without the caller building MetaData.
func TestCreateAllFromRegistry(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[scAuthor](reg); err != nil {
		t.Fatal(err)
	}
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		if err := db.CreateAll(ctx, reg); err != nil {
			t.Fatalf("CreateAll: %v", err)
		}
		for _, table := range []string{"sc_authors", "sc_books"} {
			if _, err := db.Exec(ctx, core.Raw("SELECT COUNT(*) FROM "+table)); err != nil {
				t.Errorf("%s not created: %v", table, err)
			}
		}
		if err := db.DropAll(ctx, reg); err != nil {
			t.Fatalf("DropAll: %v", err)
		}
	})
}
