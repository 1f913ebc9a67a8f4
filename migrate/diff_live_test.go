package migrate_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/migrate"
)

// server is one real database the live tests run on, with the oracle:
// hand-written catalog queries that describe a table.
type server struct {
	name     string
	open     func(t *testing.T) string
	describe func(ctx context.Context, t *testing.T, db *engine.DB, table string) []string
	types    func(ctx context.Context, t *testing.T, db *engine.DB) []string
}

var servers = []server{
	{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }, describePG, enumTypesPG},
	{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }, describeMySQL, nil},
	// One connection: PRAGMA foreign_keys applies to the connection that
	// runs the rebuild.
	{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) + "?pool_max_conns=1" }, describeSQLite, nil},
}

// TestDiffLive runs every change kind on each server: create the live
// schema, apply the up SQL, compare the server's catalog with a fresh
// CreateAll of the models, apply the down SQL, compare with the live
// schema again; rows seeded before the migration survive both.
func TestDiffLive(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			db, err := engine.Open(ctx, srv.open(t))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			for _, c := range diffCases {
				t.Run(c.name, func(t *testing.T) { runLive(ctx, t, srv, db, c) })
			}
		})
	}
}

func runLive(ctx context.Context, t *testing.T, srv server, db *engine.DB, c diffCase) {
	from, to := md(t, c.from), md(t, c.to)
	var names []string
	for _, m := range []*core.MetaData{from, to} {
		tables, _ := m.Tables()
		for _, tb := range tables {
			if !slices.Contains(names, tb.Name()) {
				names = append(names, tb.Name())
			}
		}
	}
	snapshot := func() string {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "table %s:\n", n)
			for _, l := range srv.describe(ctx, t, db, n) {
				b.WriteString("  " + l + "\n")
			}
		}
		if srv.types != nil {
			for _, l := range srv.types(ctx, t, db) {
				b.WriteString("type " + l + "\n")
			}
		}
		return b.String()
	}
	// Either side's foreign keys may be the live ones: drop in both
	// orders, failing only if the second pass fails.
	dropAll := func() {
		t.Helper()
		_ = db.DropAll(ctx, from)
		_ = db.DropAll(ctx, to)
		for _, m := range []*core.MetaData{from, to} {
			if err := db.DropAll(ctx, m); err != nil {
				t.Fatalf("DropAll: %v", err)
			}
		}
	}
	dropAll()
	t.Cleanup(dropAll)
	if err := db.CreateAll(ctx, to); err != nil {
		t.Fatalf("CreateAll(to): %v", err)
	}
	wantTo := snapshot()
	dropAll()
	if err := db.CreateAll(ctx, from); err != nil {
		t.Fatalf("CreateAll(from): %v", err)
	}
	wantFrom := snapshot()
	for _, s := range c.seed {
		run(ctx, t, db, s)
	}
	p, err := migrate.Diff(from, to, migrate.DiffOptions{Renames: c.renames, AllowDestructive: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Render(db.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	rows := func(table string) int64 {
		n, err := engine.One[int64](ctx, db, core.Raw("SELECT COUNT(*) FROM "+table))
		if err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		return n
	}
	countTable := func(up bool) string {
		if !up {
			for _, r := range c.renames {
				if r.Column == "" && r.Table == c.count {
					return r.From
				}
			}
		}
		return c.count
	}
	var before int64
	if c.count != "" {
		before = rows(countTable(false))
	}
	for _, st := range s.Up {
		run(ctx, t, db, st)
	}
	if c.upLines != nil {
		// CreateAll does not render this feature: check the lines the
		// migration must have produced instead.
		got := snapshot()
		for _, l := range c.upLines[srv.name] {
			if !strings.Contains(got, "  "+l+"\n") {
				t.Fatalf("after up: no line %q in\n%s", l, got)
			}
		}
	} else if got := snapshot(); got != wantTo {
		t.Fatalf("after up:\n%s\nwant (CreateAll of the models):\n%s\nup SQL:\n%s", got, wantTo, strings.Join(s.Up, ";\n"))
	}
	if c.count != "" {
		if n := rows(countTable(true)); n != before {
			t.Fatalf("rows after up: %d, want %d", n, before)
		}
	}
	for _, st := range s.Down {
		run(ctx, t, db, st)
	}
	if got := snapshot(); got != wantFrom {
		t.Fatalf("after down:\n%s\nwant (the live schema):\n%s\ndown SQL:\n%s", got, wantFrom, strings.Join(s.Down, ";\n"))
	}
	if c.count != "" {
		if n := rows(countTable(false)); n != before {
			t.Fatalf("rows after down: %d, want %d", n, before)
		}
	}
}

// run executes one generated statement ('?' is not a placeholder here).
func run(ctx context.Context, t *testing.T, db *engine.DB, sql string) {
	t.Helper()
	if _, err := db.Exec(ctx, core.Raw(strings.ReplaceAll(sql, "?", "??"))); err != nil {
		t.Fatalf("exec %s: %v", sql, err)
	}
}

// strings runs a query whose columns are all text and returns each row
// joined by spaces.
func queryLines(ctx context.Context, t *testing.T, db *engine.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(ctx, core.Raw(q, args...).ReadOnly())
	if err != nil {
		t.Fatalf("oracle query %s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		cols := rows.Columns()
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("oracle scan %s: %v", q, err)
		}
		out = append(out, strings.Join(vals, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("oracle rows %s: %v", q, err)
	}
	return out
}

func describePG(ctx context.Context, t *testing.T, db *engine.DB, table string) []string {
	exists := queryLines(ctx, t, db, `SELECT COALESCE(obj_description(to_regclass(?), 'pg_class'), '-') FROM pg_class WHERE oid = to_regclass(?)`, table, table)
	if len(exists) == 0 {
		return []string{"absent"}
	}
	out := []string{"comment " + exists[0]}
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
			|| COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
			|| COALESCE(' comment ' || col_description(a.attrelid, a.attnum), '')
		FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'index ' || indexname || ' ' || regexp_replace(indexdef, '^.* USING ', '')
			|| CASE WHEN indexdef LIKE 'CREATE UNIQUE%' THEN ' unique' ELSE '' END
		FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ? AND indexname NOT LIKE '%\_pkey' ORDER BY 1`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'constraint ' || CASE WHEN contype = 'p' THEN '' ELSE conname || ' ' END || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid = to_regclass(?) ORDER BY 1`, table)...)
	return out
}

func enumTypesPG(ctx context.Context, t *testing.T, db *engine.DB) []string {
	return queryLines(ctx, t, db, `
		SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
		FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
		WHERE t.typname LIKE 'ag\_%' GROUP BY t.typname ORDER BY 1`)
}

func describeMySQL(ctx context.Context, t *testing.T, db *engine.DB, table string) []string {
	exists := queryLines(ctx, t, db, `SELECT table_comment FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`, table)
	if len(exists) == 0 {
		return []string{"absent"}
	}
	out := []string{"comment " + exists[0]}
	out = append(out, queryLines(ctx, t, db, `
		SELECT CONCAT('column ', column_name, ' ', column_type, ' nullable=', is_nullable,
			' default=', COALESCE(column_default, '-'), ' comment=', column_comment)
		FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT CONCAT('index ', index_name, ' non_unique=', non_unique, ' ', GROUP_CONCAT(column_name ORDER BY seq_in_index))
		FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?
		GROUP BY index_name, non_unique ORDER BY 1`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT CONCAT('fk ', k.constraint_name, ' ', GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position),
			' -> ', k.referenced_table_name, ' update=', r.update_rule, ' delete=', r.delete_rule)
		FROM information_schema.key_column_usage k
		JOIN information_schema.referential_constraints r
			ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name AND r.table_name = k.table_name
		WHERE k.table_schema = DATABASE() AND k.table_name = ? AND k.referenced_table_name IS NOT NULL
		GROUP BY k.constraint_name, k.referenced_table_name, r.update_rule, r.delete_rule ORDER BY 1`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT CONCAT('check ', constraint_name, ' ', check_clause) FROM information_schema.check_constraints
		WHERE constraint_schema = DATABASE() AND table_name = ? ORDER BY 1`, table)...)
	return out
}

var checkRE = regexp.MustCompile(`CHECK \((?:[^()]|\([^()]*\))*\)`)

func describeSQLite(ctx context.Context, t *testing.T, db *engine.DB, table string) []string {
	sqls := queryLines(ctx, t, db, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table)
	if len(sqls) == 0 {
		return []string{"absent"}
	}
	var out []string
	checks := checkRE.FindAllString(sqls[0], -1)
	slices.Sort(checks)
	for _, ck := range checks {
		out = append(out, "check "+ck)
	}
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'column ' || name || ' ' || type || ' notnull=' || "notnull" || ' default=' || COALESCE(dflt_value, '-') || ' pk=' || pk
		FROM pragma_table_info(?) ORDER BY cid`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'index ' || CASE WHEN il.origin = 'c' THEN il.name ELSE '(auto)' END || ' unique=' || il."unique" || ' origin=' || il.origin || ' '
			|| (SELECT group_concat(ii.name) FROM pragma_index_info(il.name) ii)
		FROM pragma_index_list(?) il ORDER BY 1`, table)...)
	out = append(out, queryLines(ctx, t, db, `
		SELECT 'fk ' || "from" || ' -> ' || "table" || '.' || "to" || ' update=' || on_update || ' delete=' || on_delete
		FROM pragma_foreign_key_list(?) ORDER BY 1`, table)...)
	return out
}

// TestAutogenerateLive writes a migration with Autogenerate and runs its
// files, as read back, on each server: the column is renamed and widened
// with its row kept, and the down file restores the live schema.
func TestAutogenerateLive(t *testing.T) {
	var c diffCase
	for _, dc := range diffCases {
		if dc.name == "rename_and_alter" {
			c = dc
		}
	}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db, err := engine.Open(ctx, srv.open(t))
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			from, to := md(t, c.from), md(t, c.to)
			if err := db.CreateAll(ctx, from); err != nil {
				t.Fatal(err)
			}
			wantFrom := strings.Join(srv.describe(ctx, t, db, "ag_ra_old"), "\n")
			for _, s := range c.seed {
				run(ctx, t, db, s)
			}
			g, err := migrate.Autogenerate(ctx, from, to, migrate.AutogenOptions{Dir: t.TempDir(), Name: "rename_and_alter",
				Dialect: db.Dialect(), Diff: migrate.DiffOptions{Renames: c.renames}})
			if err != nil {
				t.Fatal(err)
			}
			runFile := func(path string) {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				var body strings.Builder
				for _, line := range strings.SplitAfter(string(b), "\n") {
					if !strings.HasPrefix(line, "--") { // directive and comment lines
						body.WriteString(line)
					}
				}
				for _, st := range strings.Split(body.String(), ";\n") {
					if st = strings.TrimSpace(st); st != "" {
						run(ctx, t, db, st)
					}
				}
			}
			runFile(g.Files[0])
			n, err := engine.One[int64](ctx, db, core.Raw("SELECT new_n FROM ag_ra_new WHERE id = 1"))
			if err != nil || n != 4 {
				t.Fatalf("renamed column after up: %d, %v; want 4", n, err)
			}
			runFile(g.Files[1])
			if got := strings.Join(srv.describe(ctx, t, db, "ag_ra_old"), "\n"); got != wantFrom {
				t.Fatalf("after down:\n%s\nwant:\n%s", got, wantFrom)
			}
		})
	}
}
