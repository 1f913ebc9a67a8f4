package migrate_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/migrate"
)

// rtCase is one kind of schema change for the round trip: models v1 and
// v2 (core definitions, or registries when reg1/reg2 are set).
type rtCase struct {
	name       string
	v1, v2     []core.TableDef
	reg1, reg2 func(t *testing.T) *mapper.Registry
	// seed inserts rows into v1; rows names the table that holds them in
	// v1 and in v2, whose row count must survive up and down.
	seed []string
	rows [2]string
	// build, when set, gives v1 and v2 for one server (features differ).
	build   func(srv string) (v1, v2 []core.TableDef)
	renames []migrate.Rename
	// destructive: the up plan loses data (AllowDestructive is needed).
	destructive bool
	// noChange, per server: the server keeps nothing of the change, so
	// the live schema already matches v2 (ErrNoChanges), with the reason.
	noChange map[string]string
	// skip, per server: the server lacks the feature, with the reason.
	skip map[string]string
}

var (
	rtA = func(cols ...core.Column) core.TableDef {
		return table("rt_a", append([]core.Column{pk("id"), col("name", core.String(40))}, cols...)...)
	}
	rtParent = table("rt_parent", pk("id"))
	rtChild  = func(fks ...core.ForeignKey) core.TableDef {
		d := table("rt_child", pk("id"), nullable(col("parent_id", core.BigInt())))
		d.ForeignKeys = fks
		return d
	}
	rtFK = core.ForeignKey{Name: "rt_child_parent_fk", Columns: []string{"parent_id"}, RefTable: "rt_parent", RefColumns: []string{"id"}}
)

func rtWith(d core.TableDef, f func(*core.TableDef)) core.TableDef {
	d.Columns = slices.Clone(d.Columns)
	f(&d)
	return d
}

type rtHeadlineV1 struct {
	_        struct{} `athanor:",table:rt_post"`
	ID       int64    `athanor:",pk"`
	Headline string   `athanor:"headline,size:60"`
}

type rtHeadlineV2 struct {
	_     struct{} `athanor:",table:rt_post"`
	ID    int64    `athanor:",pk"`
	Title string   `athanor:"title,size:60,renamed_from:headline"`
}

func rtRegistry[T any](t *testing.T) *mapper.Registry {
	t.Helper()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[T](reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

var noComments = map[string]string{"sqlite": "SQLite keeps no comments"}

var rtCases = []rtCase{
	{name: "table_add", v1: []core.TableDef{rtA()}, v2: []core.TableDef{rtA(), table("rt_b", pk("id"), nullable(col("note", core.Text())))}},
	{name: "table_drop", v1: []core.TableDef{rtA(), table("rt_b", pk("id"))}, v2: []core.TableDef{rtA()}, destructive: true},
	{name: "column_add", v1: []core.TableDef{rtA()},
		v2: []core.TableDef{rtA(nullable(col("note", core.Text())), withDefault(col("n", core.Int()), core.Literal(0)))}},
	{name: "column_drop", v1: []core.TableDef{rtA(nullable(col("note", core.Text())))}, v2: []core.TableDef{rtA()}, destructive: true},
	{name: "type_widen",
		v1:   []core.TableDef{rtA(col("code", core.String(20)), col("n", core.Int()), col("amount", core.Numeric(8, 2)))},
		v2:   []core.TableDef{rtA(col("code", core.String(80)), col("n", core.BigInt()), col("amount", core.Numeric(12, 2)))},
		seed: []string{"INSERT INTO rt_a (id, name, code, n, amount) VALUES (1, 'x', 'abc', 5, 12.25)"}, rows: [2]string{"rt_a", "rt_a"}},
	{name: "type_narrow", destructive: true,
		v1: []core.TableDef{rtA(col("code", core.String(80)), col("n", core.BigInt()))},
		v2: []core.TableDef{rtA(col("code", core.String(20)), col("n", core.Int()))}},
	// Several aspects of one column at once (MariaDB's MODIFY carries
	// them all).
	{name: "column_alter_combined",
		v1: []core.TableDef{rtA(core.Column{Name: "code", Type: core.String(20), ServerDefault: core.Literal("a"), Comment: "first"})},
		v2: []core.TableDef{rtA(core.Column{Name: "code", Type: core.String(40), Nullable: true, ServerDefault: core.Literal("b"), Comment: "second"})}},
	{name: "nullability", v1: []core.TableDef{rtA(col("note", core.Text()))}, v2: []core.TableDef{rtA(nullable(col("note", core.Text())))}},
	{name: "default",
		v1: []core.TableDef{rtA(withDefault(col("kind", core.String(10)), core.Literal("a")), col("n", core.Int()))},
		v2: []core.TableDef{rtA(withDefault(col("kind", core.String(10)), core.Literal("b")), withDefault(col("n", core.Int()), core.Literal(7)))}},
	{name: "index_add", v1: []core.TableDef{rtA(col("code", core.String(20)))},
		v2: []core.TableDef{rtWith(rtA(col("code", core.String(20))), func(d *core.TableDef) {
			d.Indexes = []core.Index{{Name: "rt_a_name_ix", Columns: []string{"name"}}, {Columns: []string{"code", "name"}}}
		})}},
	{name: "index_drop", v2: []core.TableDef{rtA(col("code", core.String(20)))},
		v1: []core.TableDef{rtWith(rtA(col("code", core.String(20))), func(d *core.TableDef) {
			d.Indexes = []core.Index{{Name: "rt_a_name_ix", Columns: []string{"name"}}, {Columns: []string{"code", "name"}}}
		})}},
	{name: "partial_index_add", v1: []core.TableDef{rtA(col("n", core.Int()))},
		v2: []core.TableDef{rtWith(rtA(col("n", core.Int())), func(d *core.TableDef) {
			d.Indexes = []core.Index{{Name: "rt_a_pos_ix", Columns: []string{"name"}, Where: core.Raw("n > 0")}}
		})},
		skip: map[string]string{"mariadb": "MariaDB has no partial indexes"}},
	{name: "unique_add", v1: []core.TableDef{rtA(col("code", core.String(20)), col("email", core.String(80)))},
		v2: []core.TableDef{rtWith(rtA(col("code", core.String(20)), core.Column{Name: "email", Type: core.String(80), Unique: true}), func(d *core.TableDef) {
			d.Uniques = []core.Unique{{Name: "rt_a_code_uq", Columns: []string{"code"}}}
		})}},
	{name: "unique_drop", v2: []core.TableDef{rtA(col("code", core.String(20)), col("email", core.String(80)))},
		v1: []core.TableDef{rtWith(rtA(col("code", core.String(20)), core.Column{Name: "email", Type: core.String(80), Unique: true}), func(d *core.TableDef) {
			d.Uniques = []core.Unique{{Name: "rt_a_code_uq", Columns: []string{"code"}}}
		})}},
	{name: "fk_add", v1: []core.TableDef{rtParent, rtChild()}, v2: []core.TableDef{rtParent, rtChild(rtFK)}},
	{name: "fk_drop", v1: []core.TableDef{rtParent, rtChild(rtFK)}, v2: []core.TableDef{rtParent, rtChild()}},
	{name: "fk_change", v1: []core.TableDef{rtParent, rtChild(rtFK)},
		v2: []core.TableDef{rtParent, rtChild(func() core.ForeignKey { f := rtFK; f.OnDelete = core.SetNull; return f }())}},
	{name: "enum_value_added",
		v1:   []core.TableDef{rtA(withDefault(col("mood", core.Enum("rt_mood", "happy", "sad")), core.Literal("happy")))},
		v2:   []core.TableDef{rtA(withDefault(col("mood", core.Enum("rt_mood", "happy", "sad", "meh")), core.Literal("happy")))},
		seed: []string{"INSERT INTO rt_a (id, name, mood) VALUES (1, 'x', 'sad')"}, rows: [2]string{"rt_a", "rt_a"}},
	{name: "table_comment", v1: []core.TableDef{rtA()},
		v2: []core.TableDef{rtWith(rtA(), func(d *core.TableDef) { d.Comment = "the a's" })}, noChange: noComments},
	{name: "column_comment", v1: []core.TableDef{rtA(col("note", core.Text()))},
		v2: []core.TableDef{rtA(core.Column{Name: "note", Type: core.Text(), Comment: "what it's for"})}, noChange: noComments},
	{name: "table_rename", v1: []core.TableDef{table("rt_old", pk("id"), col("name", core.String(40)))},
		v2:      []core.TableDef{table("rt_new", pk("id"), col("name", core.String(40)))},
		renames: []migrate.Rename{{Table: "rt_new", From: "rt_old"}},
		seed:    []string{"INSERT INTO rt_old (id, name) VALUES (1, 'x'), (2, 'y')"}, rows: [2]string{"rt_old", "rt_new"}},
	{name: "column_rename_tag", reg1: rtRegistry[rtHeadlineV1], reg2: rtRegistry[rtHeadlineV2],
		seed: []string{"INSERT INTO rt_post (id, headline) VALUES (1, 'x')"}, rows: [2]string{"rt_post", "rt_post"}},
	// A renamed column keeps its index and unique; the default-named
	// index is renamed through a drop and create (CreateAll of v2 names
	// it after the new column).
	{name: "column_rename_indexed",
		v1: []core.TableDef{rtWith(table("rt_post", pk("id"), withDefault(col("headline", core.String(60)), core.Literal("untitled")), col("slug", core.String(60))), func(d *core.TableDef) {
			d.Indexes = []core.Index{{Columns: []string{"headline"}}, {Name: "rt_post_hs_ix", Columns: []string{"headline", "slug"}}}
			d.Uniques = []core.Unique{{Name: "rt_post_slug_uq", Columns: []string{"slug", "headline"}}}
		})},
		v2: []core.TableDef{rtWith(table("rt_post", pk("id"), withDefault(col("title", core.String(60)), core.Literal("untitled")), col("slug", core.String(60))), func(d *core.TableDef) {
			d.Indexes = []core.Index{{Columns: []string{"title"}}, {Name: "rt_post_hs_ix", Columns: []string{"title", "slug"}}}
			d.Uniques = []core.Unique{{Name: "rt_post_slug_uq", Columns: []string{"slug", "title"}}}
		})},
		renames: []migrate.Rename{{Table: "rt_post", Column: "title", From: "headline"}}},
	// A renamed table that another table's foreign key references.
	{name: "table_rename_referenced",
		v1: []core.TableDef{table("rt_old", pk("id")), rtWith(rtChild(), func(d *core.TableDef) {
			d.ForeignKeys = []core.ForeignKey{{Name: "rt_child_parent_fk", Columns: []string{"parent_id"}, RefTable: "rt_old", RefColumns: []string{"id"}}}
		})},
		v2: []core.TableDef{table("rt_new", pk("id")), rtWith(rtChild(), func(d *core.TableDef) {
			d.ForeignKeys = []core.ForeignKey{{Name: "rt_child_parent_fk", Columns: []string{"parent_id"}, RefTable: "rt_new", RefColumns: []string{"id"}}}
		})},
		renames: []migrate.Rename{{Table: "rt_new", From: "rt_old"}}},
	// A table with an enum (a type of its own on PostgreSQL) comes and goes.
	{name: "table_add_enum", v1: []core.TableDef{rtA()},
		v2: []core.TableDef{rtA(), table("rt_b", pk("id"), withDefault(col("mood", core.Enum("rt_mood", "happy", "sad")), core.Literal("sad")))}},
	{name: "table_drop_enum", destructive: true, v2: []core.TableDef{rtA()},
		v1: []core.TableDef{rtA(), table("rt_b", pk("id"), withDefault(col("mood", core.Enum("rt_mood", "happy", "sad")), core.Literal("sad")))}},
	// Every kind with a server default, checks, uniques, an expression
	// index: nothing of it may read back as a change when a column is
	// added next to it.
	{name: "rich_table_column_add", build: rtRich},
}

func rtRich(srv string) (v1, v2 []core.TableDef) {
	cols := []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "c_small", Type: core.SmallInt(), ServerDefault: core.Literal(3)},
		{Name: "c_int", Type: core.Int(), Nullable: true},
		{Name: "c_float", Type: core.Float(), ServerDefault: core.Literal(1.5)},
		{Name: "c_double", Type: core.Double(), Nullable: true},
		{Name: "c_num", Type: core.Numeric(10, 2), ServerDefault: core.Literal("1.50")},
		{Name: "c_bool", Type: core.Bool(), ServerDefault: core.Literal(true)},
		{Name: "c_str", Type: core.String(40), Unique: true, Comment: "a column's comment"},
		{Name: "c_str0", Type: core.String(0), Nullable: true, ServerDefault: core.Literal("it's")},
		{Name: "c_text", Type: core.Text(), Nullable: true},
		{Name: "c_bytes", Type: core.Bytes(), Nullable: true},
		{Name: "c_date", Type: core.Date(), Nullable: true},
		{Name: "c_time", Type: core.Time(), Nullable: true},
		{Name: "c_ts", Type: core.Timestamp(), ServerDefault: core.Raw("CURRENT_TIMESTAMP")},
		{Name: "c_tstz", Type: core.TimestampTZ(), Nullable: true},
		{Name: "c_uuid", Type: core.UUID(), Nullable: true},
		{Name: "c_json", Type: core.JSON(), Nullable: true},
		{Name: "c_enum", Type: core.Enum("rt_mood", "happy", "sad", "it's"), ServerDefault: core.Literal("happy")},
	}
	def := core.TableDef{Name: "rt_rich", Comment: "rich", Columns: cols,
		Checks: []core.Check{{Expr: core.Raw("c_small >= 0")}, {Name: "rt_rich_num_ck", Expr: core.Raw("c_num < 1000 AND c_small <> 7")},
			{Name: "rt_rich_text_ck", Expr: core.Raw("c_text IN ('a', 'b') OR c_text IS NULL")},
			{Name: "rt_rich_str_ck", Expr: core.Raw("c_str NOT IN ('x', 'y')")}},
		Uniques: []core.Unique{{Columns: []string{"c_small", "c_num"}}},
		Indexes: []core.Index{{Columns: []string{"c_ts"}}, {Name: "rt_rich_str_ix", Columns: []string{"c_str0", "c_int"}}},
	}
	if srv != "mariadb" {
		def.Indexes = append(def.Indexes, core.Index{Name: "rt_rich_lower_ix", Expressions: []core.Expr{core.Raw("lower(c_text)")}},
			core.Index{Name: "rt_rich_part_ix", Columns: []string{"c_int"}, Where: core.Raw("c_int IS NOT NULL AND c_bool")})
	}
	v2def := def
	v2def.Columns = append(slices.Clone(cols), core.Column{Name: "c_new", Type: core.String(20), Nullable: true, ServerDefault: core.Literal("x")})
	return []core.TableDef{def}, []core.TableDef{v2def}
}

// TestRoundTrip runs each kind of change on each server: create models
// v1, autogenerate against the live database for v2, apply the up file
// as written, check the database against v2 (DiffLive is empty), apply
// the down file, check it against v1.
func TestRoundTrip(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			db, err := engine.Open(ctx, srv.open(t))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			for _, c := range rtCases {
				t.Run(c.name, func(t *testing.T) {
					if why, ok := c.skip[srv.name]; ok {
						t.Skip(why)
					}
					rtRun(ctx, t, srv.name, db, c)
				})
			}
		})
	}
}

func rtRun(ctx context.Context, t *testing.T, srv string, db *engine.DB, c rtCase) {
	var v1, v2 migrate.SchemaSource
	switch {
	case c.reg1 != nil:
		v1, v2 = c.reg1(t), c.reg2(t)
	case c.build != nil:
		a, b := c.build(srv)
		v1, v2 = md(t, a), md(t, b)
	default:
		v1, v2 = md(t, c.v1), md(t, c.v2)
	}
	var names []string
	for _, s := range []migrate.SchemaSource{v1, v2} {
		m, err := s.MetaData()
		if err != nil {
			t.Fatal(err)
		}
		tables, _ := m.Tables()
		for _, tb := range tables {
			if !slices.Contains(names, tb.Name()) {
				names = append(names, tb.Name())
			}
		}
	}
	dropAll := func() {
		for _, n := range slices.Backward(names) {
			// Children were added last; the parent goes after them.
			rtExec(ctx, t, db, "DROP TABLE IF EXISTS "+n)
		}
		if srv == "postgres" {
			rtExec(ctx, t, db, "DROP TYPE IF EXISTS rt_mood")
			rtExec(ctx, t, db, "DROP TYPE IF EXISTS rt_mood_ag_old")
		}
	}
	dropAll()
	t.Cleanup(dropAll)
	if err := db.CreateAll(ctx, v1); err != nil {
		t.Fatalf("CreateAll(v1): %v", err)
	}
	for _, q := range c.seed {
		rtExec(ctx, t, db, q)
	}
	count := func(table string) int64 {
		n, err := engine.One[int64](ctx, db, core.Raw("SELECT COUNT(*) FROM "+table))
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	var before int64
	if c.rows[0] != "" {
		before = count(c.rows[0])
	}
	opts := migrate.AutogenOptions{Dir: t.TempDir(), Name: c.name, Inspect: inspectOnly(names),
		Diff: migrate.DiffOptions{Renames: c.renames, AllowDestructive: c.destructive}}
	rtAgree(ctx, t, db, v1, opts, "models v1 created by CreateAll")

	g, err := migrate.AutogenerateLive(ctx, db, v2, opts)
	if why, ok := c.noChange[srv]; ok {
		if !errors.Is(err, migrate.ErrNoChanges) {
			t.Fatalf("%s: Autogenerate = %v, want ErrNoChanges", why, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("AutogenerateLive(v2): %v", err)
	}
	if c.destructive {
		opts.Diff.AllowDestructive = false
		if _, err := migrate.AutogenerateLive(ctx, db, v2, opts); !errors.Is(err, migrate.ErrDestructive) {
			t.Fatalf("without AllowDestructive: err = %v, want ErrDestructive", err)
		}
		opts.Diff.AllowDestructive = true
	}
	run := rtMigrator(ctx, t, db, opts.Dir)
	run("up", g.Files[0], (*migrate.Migrator).Up)
	rtAgree(ctx, t, db, v2, opts, "after the up file "+g.Files[0])
	if c.rows[1] != "" {
		if n := count(c.rows[1]); n != before || n == 0 {
			t.Fatalf("rows after up: %d, want %d", n, before)
		}
	}
	run("down", g.Files[1], (*migrate.Migrator).Down)
	opts.Diff.Renames = nil
	rtAgree(ctx, t, db, v1, opts, "after the down file "+g.Files[1])
	if c.rows[0] != "" {
		if n := count(c.rows[0]); n != before {
			t.Fatalf("rows after down: %d, want %d", n, before)
		}
	}
}

// inspectOnly reflects only the test's tables: the database is shared.
func inspectOnly(names []string) inspect.Options { return inspect.Options{Include: names} }

// rtAgree fails unless the database holds what models declares.
func rtAgree(ctx context.Context, t *testing.T, db *engine.DB, models migrate.SchemaSource, opts migrate.AutogenOptions, when string) {
	t.Helper()
	p, err := migrate.DiffLive(ctx, db, models, opts)
	if err != nil {
		t.Fatalf("%s: DiffLive: %v", when, err)
	}
	if !p.Empty() {
		var lines []string
		for _, c := range p.Changes {
			lines = append(lines, c.String())
		}
		t.Fatalf("%s: database and models differ:\n%s", when, strings.Join(lines, "\n"))
	}
	// inspect.Compare, attribute by attribute and by constraint name.
	s, err := inspect.Reflect(ctx, db, opts.Inspect)
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	tables, _ := m.Tables()
	for _, tb := range tables {
		got, _ := s.Table(tb.Name())
		diffs, err := inspect.Compare(db.Dialect(), core.TableDefOf(tb), got)
		if err != nil {
			t.Fatal(err)
		}
		if len(diffs) > 0 {
			t.Errorf("%s: inspect.Compare:\n%s", when, strings.Join(diffs, "\n"))
		}
	}
}

// rtTable is the round trip's version table; each test drops it.
const rtTable = "sqlitefk_rt_versions"

// rtMigrator returns a function that runs one step of the migration
// runner on the generated files in dir, as `athanor migrate up` and
// `down` would, with a version table of the test's own.
func rtMigrator(ctx context.Context, t *testing.T, db *engine.DB, dir string) func(what, file string, step func(*migrate.Migrator, context.Context) (*migrate.Result, error)) {
	t.Helper()
	dropTable := func() { rtExec(ctx, t, db, "DROP TABLE IF EXISTS "+rtTable) }
	dropTable()
	t.Cleanup(dropTable)
	m, err := migrate.New(db, migrate.Config{FS: os.DirFS(dir), Table: rtTable})
	if err != nil {
		t.Fatalf("migrate.New: %v", err)
	}
	return func(what, file string, step func(*migrate.Migrator, context.Context) (*migrate.Result, error)) {
		t.Helper()
		text, _ := os.ReadFile(file)
		t.Logf("%s:\n%s", file, text)
		res, err := step(m, ctx)
		if err != nil {
			t.Fatalf("migrate %s: %v\nfile:\n%s", what, err, text)
		}
		if len(res.Steps) != 1 {
			t.Fatalf("migrate %s ran %d steps, want 1", what, len(res.Steps))
		}
	}
}

func rtExec(ctx context.Context, t *testing.T, db *engine.DB, sql string) {
	t.Helper()
	if _, err := db.Exec(ctx, core.Raw(strings.ReplaceAll(sql, "?", "??"))); err != nil {
		t.Fatalf("exec %s: %v", sql, err)
	}
}
