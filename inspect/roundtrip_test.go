package inspect_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/internal/testdb"
)

func open(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type backend struct {
	name string
	open func(t *testing.T) *engine.DB
}

var backends = []backend{
	{"postgres", func(t *testing.T) *engine.DB { return open(t, testdb.PG(t).Primary.URL()) }},
	{"mariadb", func(t *testing.T) *engine.DB { return open(t, testdb.MySQL(t).Primary.URL()) }},
	{"sqlite", func(t *testing.T) *engine.DB { return open(t, "sqlite://"+testdb.SQLite(t)) }},
}

// roundTripDefs is a parent table and a table with a column of every
// kind the dialect has, comments, uniques (column, unnamed, named, unique
// index), checks (unnamed, named), indexes (default name, partial and
// expression ones where the dialect has them) and a foreign key with
// actions.
func roundTripDefs(dialect string) []core.TableDef {
	parent := core.TableDef{
		Name: "inspect_rt_parent",
		Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
			{Name: "code", Type: core.String(10), Unique: true},
		},
	}
	native := map[string]string{"postgres": "inet", "mariadb": "mediumint unsigned", "sqlite": "INT8"}[dialect]
	cols := []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "c_small", Type: core.SmallInt(), ServerDefault: core.Literal(3)},
		{Name: "c_int", Type: core.Int(), Nullable: true},
		{Name: "c_big", Type: core.BigInt(), Nullable: true},
		{Name: "c_float", Type: core.Float()},
		{Name: "c_double", Type: core.Double(), Nullable: true},
		{Name: "c_num", Type: core.Numeric(10, 2), ServerDefault: core.Literal("1.50")},
		{Name: "c_num0", Type: core.Numeric(0, 0), Nullable: true},
		{Name: "c_bool", Type: core.Bool(), ServerDefault: core.Literal(true)},
		{Name: "c_str", Type: core.String(40), Unique: true, Comment: "a column's comment"},
		{Name: "c_str0", Type: core.String(0), Nullable: true, ServerDefault: core.Literal("it's")},
		{Name: "c_text", Type: core.Text(), Nullable: true},
		{Name: "c_bytes", Type: core.Bytes(), Nullable: true},
		{Name: "c_date", Type: core.Date()},
		{Name: "c_time", Type: core.Time()},
		{Name: "c_ts", Type: core.Timestamp(), ServerDefault: core.Raw("CURRENT_TIMESTAMP")},
		{Name: "c_tstz", Type: core.TimestampTZ(), Nullable: true},
		{Name: "c_uuid", Type: core.UUID()},
		{Name: "c_json", Type: core.JSON(), Nullable: true},
		{Name: "c_enum", Type: core.Enum("inspect_mood", "happy", "sad", "it's"), ServerDefault: core.Literal("happy")},
		{Name: "c_native", Type: core.Type{Kind: core.TypeNative, Native: native}, Nullable: true},
		{Name: "parent_id", Type: core.BigInt(), Nullable: true},
	}
	if dialect == "postgres" {
		cols = append(cols, core.Column{Name: "c_arr", Type: core.ArrayOf(core.Int()), Nullable: true})
	}
	child := core.TableDef{
		Name:    "inspect_rt",
		Comment: "round trip table",
		Columns: cols,
		ForeignKeys: []core.ForeignKey{
			{Columns: []string{"parent_id"}, RefTable: "inspect_rt_parent", RefColumns: []string{"id"},
				OnDelete: core.Cascade, OnUpdate: core.SetNull},
		},
		Uniques: []core.Unique{
			{Columns: []string{"c_int", "c_big"}},
			{Name: "uq_rt_named", Columns: []string{"c_date", "c_time"}},
		},
		Checks: []core.Check{
			{Expr: core.Gt(core.Ident("c_int"), 0)},
			{Name: "ck_rt_named", Expr: core.And(core.Ge(core.Ident("c_small"), 0), core.Lt(core.Ident("c_small"), 100))},
		},
		Indexes: []core.Index{
			{Columns: []string{"c_str", "c_date"}},
			{Name: "ix_rt_unique", Unique: true, Columns: []string{"c_uuid"}},
			{Name: "ix_rt_fk", Columns: []string{"parent_id"}},
		},
	}
	if dialect != "mariadb" {
		child.Indexes = append(child.Indexes,
			core.Index{Name: "ix_rt_partial", Columns: []string{"c_big"}, Where: core.IsNotNull(core.Ident("c_big"))},
			core.Index{Name: "ix_rt_expr", Expressions: []core.Expr{core.Lower(core.Ident("c_str"))}},
		)
	}
	return []core.TableDef{parent, child}
}

// TestRoundTrip: tables created from core metadata and reflected back
// equal their definitions, attribute by attribute, after Normalize.
func TestRoundTrip(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := context.Background()
			dialect := db.Dialect().Name()
			defs := roundTripDefs(dialect)
			var tables []*core.Table
			for _, d := range defs {
				tables = append(tables, core.MustTable(d))
			}
			md, err := core.NewMetaData(tables...)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.CreateAll(ctx, md); err != nil {
				t.Fatalf("CreateAll: %v", err)
			}
			t.Cleanup(func() { _ = db.DropAll(context.Background(), md) })
			s, err := inspect.Reflect(ctx, db, inspect.Options{Include: []string{"inspect_rt", "inspect_rt_parent"}})
			if err != nil {
				t.Fatalf("Reflect: %v", err)
			}
			if len(s.Warnings) > 0 {
				t.Errorf("warnings: %q", s.Warnings)
			}
			if got := len(s.Tables); got != 2 {
				t.Fatalf("reflected %d tables, want 2", got)
			}
			for _, want := range defs {
				got, ok := s.Table(want.Name)
				if !ok {
					t.Fatalf("table %q not reflected", want.Name)
				}
				diffs, err := inspect.Compare(db.Dialect(), want, got)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range diffs {
					t.Error(d)
				}
			}
			if dialect == "postgres" {
				want := []core.EnumType{{Name: "inspect_mood", Values: []string{"happy", "sad", "it's"}}}
				if len(s.Enums) != 1 || s.Enums[0].Name != want[0].Name || !slices.Equal(s.Enums[0].Values, want[0].Values) {
					t.Errorf("enums %+v, want %+v", s.Enums, want)
				}
			}
			got, _ := s.Table("inspect_rt")
			checkCompareCatches(t, db.Dialect(), defs[1], got)
			ex, err := inspect.Reflect(ctx, db, inspect.Options{Exclude: []string{"inspect_rt_parent"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := ex.Table("inspect_rt_parent"); ok {
				t.Error("an excluded table was reflected")
			}
			if _, ok := ex.Table("inspect_rt"); !ok {
				t.Error("a table not excluded is missing")
			}
			// The reflected schema is itself a schema: it validates, and
			// creating it again where it exists is a no-op.
			rmd, err := s.MetaData()
			if err != nil {
				t.Fatalf("MetaData of the reflection: %v", err)
			}
			if err := db.CreateAll(ctx, rmd); err != nil {
				t.Fatalf("CreateAll of the reflection: %v", err)
			}
		})
	}
}

// checkCompareCatches: Compare reports a change of any one attribute of
// the definition against the reflection.
func checkCompareCatches(t *testing.T, d core.Dialect, want, got core.TableDef) {
	t.Helper()
	col := func(def *core.TableDef, name string) *core.Column {
		for i := range def.Columns {
			if def.Columns[i].Name == name {
				return &def.Columns[i]
			}
		}
		t.Fatalf("no column %q", name)
		return nil
	}
	mutations := []struct {
		what   string
		mutate func(def *core.TableDef)
	}{
		{"type", func(def *core.TableDef) { col(def, "c_str").Type = core.String(41) }},
		{"nullable", func(def *core.TableDef) { col(def, "c_date").Nullable = true }},
		{"server default", func(def *core.TableDef) { col(def, "c_small").ServerDefault = core.Literal(4) }},
		{"enum values", func(def *core.TableDef) { col(def, "c_enum").Type = core.Enum("inspect_mood", "happy", "sad") }},
		{"unique", func(def *core.TableDef) { col(def, "c_uuid").Unique = true }},
		{"foreign key action", func(def *core.TableDef) { def.ForeignKeys[0].OnDelete = core.SetNull }},
		{"check", func(def *core.TableDef) { def.Checks[0].Expr = core.Gt(core.Ident("c_int"), 1) }},
		{"index columns", func(def *core.TableDef) { def.Indexes[0].Columns = []string{"c_str"} }},
		{"missing column", func(def *core.TableDef) { def.Columns = def.Columns[:len(def.Columns)-1] }},
	}
	if d.Name() != "sqlite" {
		mutations = append(mutations, struct {
			what   string
			mutate func(def *core.TableDef)
		}{"comment", func(def *core.TableDef) { col(def, "c_str").Comment = "other" }})
	}
	if d.Name() != "mariadb" {
		mutations = append(mutations, struct {
			what   string
			mutate func(def *core.TableDef)
		}{"partial index where", func(def *core.TableDef) { def.Indexes[3].Where = core.IsNull(core.Ident("c_big")) }})
	}
	for _, m := range mutations {
		w := want
		w.Columns = slices.Clone(want.Columns)
		w.ForeignKeys = slices.Clone(want.ForeignKeys)
		w.Checks = slices.Clone(want.Checks)
		w.Indexes = slices.Clone(want.Indexes)
		m.mutate(&w)
		diffs, err := inspect.Compare(d, w, got)
		if err != nil {
			t.Fatal(err)
		}
		if len(diffs) == 0 {
			t.Errorf("Compare missed a change of %s", m.what)
		}
	}
}
