package migrate_test

import (
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/migrate"
)

// diffCase is one kind of schema change: the live schema, the models,
// and what Diff must find. The same cases feed the golden SQL tests and
// the tests on real servers.
type diffCase struct {
	name     string
	from, to []core.TableDef
	renames  []migrate.Rename
	// kinds are the change kinds Diff must report, in order.
	kinds       []migrate.ChangeKind
	destructive bool
	// seed inserts rows into the live schema before the migration (plain
	// SQL, unquoted lower-case names); count names a table whose row count
	// must survive up and down.
	seed  []string
	count string
	// upLines, per server, replace the comparison with CreateAll of the
	// models after up, for what CreateAll does not render (comments):
	// lines the oracle must show.
	upLines map[string][]string
}

func col(name string, t core.Type) core.Column { return core.Column{Name: name, Type: t} }

func pk(name string) core.Column {
	return core.Column{Name: name, Type: core.BigInt(), PrimaryKey: true}
}

func nullable(c core.Column) core.Column { c.Nullable = true; return c }

func withDefault(c core.Column, e core.Expr) core.Column { c.ServerDefault = e; return c }

func table(name string, cols ...core.Column) core.TableDef {
	return core.TableDef{Name: name, Columns: cols}
}

func md(t testing.TB, defs []core.TableDef) *core.MetaData {
	t.Helper()
	var tables []*core.Table
	for _, d := range defs {
		tb, err := core.NewTable(d)
		if err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tb)
	}
	m, err := core.NewMetaData(tables...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var diffCases = func() []diffCase {
	parent := table("ag_fk_parent", pk("id"))
	child := table("ag_fk_child", pk("id"), nullable(col("parent_id", core.BigInt())))
	childFK := child
	childFK.ForeignKeys = []core.ForeignKey{{Columns: []string{"parent_id"}, RefTable: "ag_fk_parent", RefColumns: []string{"id"}}}
	childFKCascade := child
	childFKCascade.ForeignKeys = []core.ForeignKey{{Columns: []string{"parent_id"}, RefTable: "ag_fk_parent", RefColumns: []string{"id"}, OnDelete: core.Cascade}}

	ix := table("ag_ix", pk("id"), col("email", core.String(100)), col("org", core.BigInt()))
	ixWith := ix
	ixWith.Indexes = []core.Index{{Columns: []string{"org", "email"}}}
	ixUniq := ix
	ixUniq.Uniques = []core.Unique{{Columns: []string{"org", "email"}}}
	ixColUniq := table("ag_ix", pk("id"), core.Column{Name: "email", Type: core.String(100), Unique: true}, col("org", core.BigInt()))

	ck := table("ag_ck", pk("id"), col("qty", core.Int()))
	ckWith := ck
	ckWith.Checks = []core.Check{{Name: "ck_ag_ck_qty", Expr: core.Raw("qty >= 0")}}

	cm := table("ag_cm", pk("id"), col("note", core.String(40)))
	cmWith := table("ag_cm", pk("id"), core.Column{Name: "note", Type: core.String(40), Comment: "what it's for"})
	cmWith.Comment = "commented table"

	mood := func(vals ...string) core.TableDef {
		return table("ag_en", pk("id"), col("mood", core.Enum("ag_mood", vals...)))
	}
	return []diffCase{
		{name: "add_table", from: []core.TableDef{parent}, to: []core.TableDef{parent, childFK},
			kinds: []migrate.ChangeKind{migrate.AddTable}},
		{name: "drop_table", from: []core.TableDef{parent, child}, to: []core.TableDef{parent},
			kinds: []migrate.ChangeKind{migrate.DropTable}, destructive: true},
		{name: "rename_table",
			from:    []core.TableDef{table("ag_rt_old", pk("id"), col("n", core.Int()))},
			to:      []core.TableDef{table("ag_rt_new", pk("id"), col("n", core.Int()))},
			renames: []migrate.Rename{{Table: "ag_rt_new", From: "ag_rt_old"}},
			kinds:   []migrate.ChangeKind{migrate.RenameTable},
			seed:    []string{"INSERT INTO ag_rt_old (id, n) VALUES (1, 5)"}, count: "ag_rt_new"},
		{name: "add_column",
			from:  []core.TableDef{table("ag_ac", pk("id"))},
			to:    []core.TableDef{table("ag_ac", pk("id"), withDefault(col("qty", core.Int()), core.Literal(7)), nullable(col("note", core.Text())))},
			kinds: []migrate.ChangeKind{migrate.AddColumn, migrate.AddColumn},
			seed:  []string{"INSERT INTO ag_ac (id) VALUES (1)"}, count: "ag_ac"},
		{name: "drop_column",
			from:  []core.TableDef{table("ag_dc", pk("id"), nullable(col("gone", core.String(10))))},
			to:    []core.TableDef{table("ag_dc", pk("id"))},
			kinds: []migrate.ChangeKind{migrate.DropColumn}, destructive: true,
			seed: []string{"INSERT INTO ag_dc (id, gone) VALUES (1, 'x')"}, count: "ag_dc"},
		{name: "rename_column",
			from:    []core.TableDef{table("ag_rc", pk("id"), col("old_name", core.String(20)))},
			to:      []core.TableDef{table("ag_rc", pk("id"), col("new_name", core.String(20)))},
			renames: []migrate.Rename{{Table: "ag_rc", Column: "new_name", From: "old_name"}},
			kinds:   []migrate.ChangeKind{migrate.RenameColumn},
			seed:    []string{"INSERT INTO ag_rc (id, old_name) VALUES (1, 'kept')"}, count: "ag_rc"},
		{name: "widen_type",
			from:  []core.TableDef{table("ag_wt", pk("id"), col("n", core.Int()), col("s", core.String(20)))},
			to:    []core.TableDef{table("ag_wt", pk("id"), col("n", core.BigInt()), col("s", core.String(50)))},
			kinds: []migrate.ChangeKind{migrate.AlterColumn, migrate.AlterColumn},
			seed:  []string{"INSERT INTO ag_wt (id, n, s) VALUES (1, 2, 'abc')"}, count: "ag_wt"},
		{name: "narrow_type_using",
			from:  []core.TableDef{table("ag_nt", pk("id"), col("code", core.String(10)))},
			to:    []core.TableDef{table("ag_nt", pk("id"), col("code", core.Int()))},
			kinds: []migrate.ChangeKind{migrate.AlterColumn}, destructive: true,
			seed: []string{"INSERT INTO ag_nt (id, code) VALUES (1, '12')"}, count: "ag_nt"},
		{name: "nullability",
			from:  []core.TableDef{table("ag_nl", pk("id"), col("a", core.Int()), nullable(col("b", core.Int())))},
			to:    []core.TableDef{table("ag_nl", pk("id"), nullable(col("a", core.Int())), col("b", core.Int()))},
			kinds: []migrate.ChangeKind{migrate.AlterColumn, migrate.AlterColumn},
			seed:  []string{"INSERT INTO ag_nl (id, a, b) VALUES (1, 1, 2)"}, count: "ag_nl"},
		{name: "server_default",
			from: []core.TableDef{table("ag_sd", pk("id"), withDefault(col("a", core.Int()), core.Literal(1)),
				col("b", core.String(10)), withDefault(col("c", core.String(10)), core.Literal("x")))},
			to: []core.TableDef{table("ag_sd", pk("id"), withDefault(col("a", core.Int()), core.Literal(2)),
				withDefault(col("b", core.String(10)), core.Literal("new")), col("c", core.String(10)))},
			kinds: []migrate.ChangeKind{migrate.AlterColumn, migrate.AlterColumn, migrate.AlterColumn}},
		{name: "add_index", from: []core.TableDef{ix}, to: []core.TableDef{ixWith},
			kinds: []migrate.ChangeKind{migrate.AddIndex}},
		{name: "drop_index", from: []core.TableDef{ixWith}, to: []core.TableDef{ix},
			kinds: []migrate.ChangeKind{migrate.DropIndex}},
		{name: "add_unique", from: []core.TableDef{ix}, to: []core.TableDef{ixUniq},
			kinds: []migrate.ChangeKind{migrate.AddUnique}},
		{name: "drop_unique", from: []core.TableDef{ixUniq}, to: []core.TableDef{ix},
			kinds: []migrate.ChangeKind{migrate.DropUnique}},
		{name: "column_unique", from: []core.TableDef{ix}, to: []core.TableDef{ixColUniq},
			kinds: []migrate.ChangeKind{migrate.AlterColumn}},
		{name: "add_foreign_key", from: []core.TableDef{parent, child}, to: []core.TableDef{parent, childFK},
			kinds: []migrate.ChangeKind{migrate.AddForeignKey},
			seed:  []string{"INSERT INTO ag_fk_parent (id) VALUES (1)", "INSERT INTO ag_fk_child (id, parent_id) VALUES (1, 1)"}, count: "ag_fk_child"},
		{name: "drop_foreign_key", from: []core.TableDef{parent, childFK}, to: []core.TableDef{parent, child},
			kinds: []migrate.ChangeKind{migrate.DropForeignKey}},
		{name: "change_foreign_key", from: []core.TableDef{parent, childFK}, to: []core.TableDef{parent, childFKCascade},
			kinds: []migrate.ChangeKind{migrate.DropForeignKey, migrate.AddForeignKey},
			seed:  []string{"INSERT INTO ag_fk_parent (id) VALUES (1)", "INSERT INTO ag_fk_child (id, parent_id) VALUES (1, 1)"}, count: "ag_fk_child"},
		{name: "add_check", from: []core.TableDef{ck}, to: []core.TableDef{ckWith},
			kinds: []migrate.ChangeKind{migrate.AddCheck}},
		{name: "enum_add_value", from: []core.TableDef{mood("sad", "happy")}, to: []core.TableDef{mood("sad", "ok", "happy", "glad")},
			kinds: []migrate.ChangeKind{migrate.AlterEnum},
			seed:  []string{"INSERT INTO ag_en (id, mood) VALUES (1, 'happy')"}, count: "ag_en"},
		{name: "enum_remove_value", from: []core.TableDef{mood("sad", "ok", "happy")}, to: []core.TableDef{mood("sad", "happy")},
			kinds: []migrate.ChangeKind{migrate.AlterEnum}, destructive: true,
			seed: []string{"INSERT INTO ag_en (id, mood) VALUES (1, 'happy')"}, count: "ag_en"},
		{name: "rename_and_alter",
			from: []core.TableDef{table("ag_ra_old", pk("id"), col("old_n", core.Int()), col("keep", core.String(5)))},
			to: []core.TableDef{func() core.TableDef {
				d := table("ag_ra_new", pk("id"), col("new_n", core.BigInt()), col("keep", core.String(5)),
					withDefault(col("added", core.Int()), core.Literal(3)))
				d.Indexes = []core.Index{{Columns: []string{"new_n"}}}
				return d
			}()},
			renames: []migrate.Rename{{Table: "ag_ra_new", From: "ag_ra_old"}, {Table: "ag_ra_new", Column: "new_n", From: "old_n"}},
			kinds:   []migrate.ChangeKind{migrate.RenameTable, migrate.RenameColumn, migrate.AddColumn, migrate.AlterColumn, migrate.AddIndex},
			seed:    []string{"INSERT INTO ag_ra_old (id, old_n, keep) VALUES (1, 4, 'k')"}, count: "ag_ra_new"},
		{name: "new_enum_column",
			from:  []core.TableDef{table("ag_ne", pk("id"))},
			to:    []core.TableDef{table("ag_ne", pk("id"), nullable(col("mood", core.Enum("ag_ne_mood", "a", "b"))))},
			kinds: []migrate.ChangeKind{migrate.CreateEnum, migrate.AddColumn},
			seed:  []string{"INSERT INTO ag_ne (id) VALUES (1)"}, count: "ag_ne"},
		{name: "drop_related_tables", from: []core.TableDef{parent, childFK}, to: nil,
			kinds: []migrate.ChangeKind{migrate.DropTable, migrate.DropTable}, destructive: true},
		{name: "enum_remove_value_with_default",
			from:  []core.TableDef{table("ag_ed", pk("id"), withDefault(col("mood", core.Enum("ag_ed_mood", "sad", "ok", "happy")), core.Literal("sad")))},
			to:    []core.TableDef{table("ag_ed", pk("id"), withDefault(col("mood", core.Enum("ag_ed_mood", "sad", "happy")), core.Literal("sad")))},
			kinds: []migrate.ChangeKind{migrate.AlterEnum}, destructive: true,
			seed: []string{"INSERT INTO ag_ed (id) VALUES (1)"}, count: "ag_ed"},
		{name: "widen_type_with_default",
			from:  []core.TableDef{table("ag_wd", pk("id"), withDefault(col("n", core.SmallInt()), core.Literal(5)))},
			to:    []core.TableDef{table("ag_wd", pk("id"), withDefault(col("n", core.Numeric(12, 2)), core.Literal(5)))},
			kinds: []migrate.ChangeKind{migrate.AlterColumn},
			seed:  []string{"INSERT INTO ag_wd (id) VALUES (1)"}, count: "ag_wd"},
		{name: "comments", from: []core.TableDef{cm}, to: []core.TableDef{cmWith},
			kinds: []migrate.ChangeKind{migrate.AlterColumn, migrate.AlterTableComment},
			upLines: map[string][]string{
				"postgres": {"comment commented table", "column note character varying(40) not null comment what it's for"},
				"mariadb":  {"comment commented table", "column note varchar(40) nullable=NO default=- comment=what it's for"},
				"sqlite":   {"column note VARCHAR(40) notnull=1 default=- pk=0"},
			}},
	}
}()
