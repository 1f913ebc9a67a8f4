package integration_test

// These tests execute core's golden corpus (internal/coretest) against real
// PostgreSQL, MariaDB and SQLite: every statement form must run and return
// the expected rows, so no SQL merely looks right. They use the raw drivers
// (pgx, go-sql-driver/mysql, modernc.org/sqlite), not the engine.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/internal/coretest"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// coreDB runs compiled statements on one database, in or out of a
// transaction.
type coreDB interface {
	exec(ctx context.Context, c core.Compiled) error
	query(ctx context.Context, c core.Compiled) (cols []string, rows [][]string, err error)
	// inTx runs fn in a transaction that is always rolled back.
	inTx(ctx context.Context, fn func(db coreDB) error) error
}

type backend struct {
	name string // coretest dialect name
	d    core.Dialect
	open func(t *testing.T) coreDB
}

var coreBackends = []backend{
	{coretest.Postgres, postgres.Dialect, openPG},
	{coretest.MariaDB, mysql.MariaDB, openMariaDB},
	{coretest.SQLite, sqlite.Dialect, openSQLite},
}

// eachBackend runs body once per backend, like bun's testEachDB.
func eachBackend(t *testing.T, body func(t *testing.T, b backend, db coreDB)) {
	for _, b := range coreBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			body(t, b, b.open(t))
		})
	}
}

// --- PostgreSQL (pgx, native) ---

type pgDB struct {
	conn interface {
		Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		Begin(ctx context.Context) (pgx.Tx, error)
	}
}

func openPG(t *testing.T) coreDB {
	cl := testdb.PG(t)
	conn, err := testdb.ConnectPG(context.Background(), cl.Primary)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return pgDB{conn: conn}
}

func (p pgDB) exec(ctx context.Context, c core.Compiled) error {
	_, _, err := p.query(ctx, c)
	return err
}

func (p pgDB) query(ctx context.Context, c core.Compiled) ([]string, [][]string, error) {
	rows, err := p.conn.Query(ctx, c.SQL, c.Args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, nil, err
		}
		out = append(out, normRow(vals))
	}
	return cols, out, rows.Err()
}

func (p pgDB) inTx(ctx context.Context, fn func(coreDB) error) error {
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	return fn(pgDB{conn: tx})
}

// --- MariaDB and SQLite (database/sql) ---

type sqlDB struct {
	db interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	}
	begin func(ctx context.Context) (*sql.Tx, error)
}

func openMariaDB(t *testing.T) coreDB {
	cl := testdb.MySQL(t)
	db, err := testdb.OpenMySQL(cl.Primary)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return sqlDB{db: db, begin: func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) }}
}

func openSQLite(t *testing.T) coreDB {
	db, err := sql.Open("sqlite", "file:"+testdb.SQLite(t)+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return sqlDB{db: db, begin: func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) }}
}

func (s sqlDB) exec(ctx context.Context, c core.Compiled) error {
	_, err := s.db.ExecContext(ctx, c.SQL, c.Args...)
	return err
}

func (s sqlDB) query(ctx context.Context, c core.Compiled) ([]string, [][]string, error) {
	rows, err := s.db.QueryContext(ctx, c.SQL, c.Args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		out = append(out, normRow(vals))
	}
	return cols, out, rows.Err()
}

func (s sqlDB) inTx(ctx context.Context, fn func(coreDB) error) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(sqlDB{db: tx})
}

// normRow formats values the same way whatever the driver: []byte as text,
// driver.Valuer (pgtype.Numeric) through its Value, nil as <nil>.
func normRow(vals []any) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = normValue(v)
	}
	return out
}

func normValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "<nil>"
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case driver.Valuer:
		dv, err := x.Value()
		if err != nil {
			return "<err " + err.Error() + ">"
		}
		return normValue(dv)
	}
	return fmt.Sprint(v)
}

func mustCompile(t *testing.T, d core.Dialect, s core.Statement) core.Compiled {
	t.Helper()
	c, err := core.Compile(d, s)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return c
}

func runAllCompiled(t *testing.T, ctx context.Context, b backend, db coreDB, stmts []core.Statement) {
	t.Helper()
	for _, s := range stmts {
		c := mustCompile(t, b.d, s)
		if err := db.exec(ctx, c); err != nil {
			t.Fatalf("%s: %v", c.SQL, err)
		}
	}
}

// TestCoreExecGolden executes every statement of the golden corpus and
// checks the rows it returns (or, for DML, what a follow-up query sees,
// inside the same rolled-back transaction).
func TestCoreExecGolden(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		s := coretest.NewSchema()
		exec := func(ctx context.Context, c core.Compiled) error { return db.exec(ctx, c) }
		if err := s.Meta.CreateAll(ctx, b.d, exec, false); err != nil {
			t.Fatalf("create all: %v", err)
		}
		runAllCompiled(t, ctx, b, db, s.Seed())
		for _, ex := range s.Examples() {
			t.Run(ex.Name, func(t *testing.T) {
				c, err := core.Compile(b.d, ex.Stmt)
				if slices.Contains(ex.Unsupported, b.name) {
					if !errors.Is(err, core.ErrUnsupported) {
						t.Fatalf("want ErrUnsupported, got %v", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				if c.Writes != ex.Writes {
					t.Errorf("Writes = %v, want %v", c.Writes, ex.Writes)
				}
				err = db.inTx(ctx, func(tx coreDB) error {
					if ex.Rows == nil {
						if err := tx.exec(ctx, c); err != nil {
							return fmt.Errorf("%s %v: %w", c.SQL, c.Args, err)
						}
					} else {
						_, rows, err := tx.query(ctx, c)
						if err != nil {
							return fmt.Errorf("%s %v: %w", c.SQL, c.Args, err)
						}
						checkRows(t, c.SQL, rows, ex.Rows, ex.Unordered)
					}
					if ex.Check != nil {
						cc := mustCompile(t, b.d, ex.Check)
						_, rows, err := tx.query(ctx, cc)
						if err != nil {
							return fmt.Errorf("check %s: %w", cc.SQL, err)
						}
						checkRows(t, cc.SQL, rows, ex.CheckRows, false)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			})
		}
		if err := s.Meta.DropAll(ctx, b.d, exec); err != nil {
			t.Fatalf("drop all: %v", err)
		}
	})
}

func checkRows(t *testing.T, sql string, got, want [][]string, unordered bool) {
	t.Helper()
	if unordered {
		key := func(r []string) string { return strings.Join(r, "\x1f") }
		sort.Slice(got, func(i, j int) bool { return key(got[i]) < key(got[j]) })
		want = slices.Clone(want)
		sort.Slice(want, func(i, j int) bool { return key(want[i]) < key(want[j]) })
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s\n got  %q\n want %q", sql, got, want)
	}
}

// keySchema is a schema with a composite primary key, a composite foreign
// key, a self-reference, a cycle between two tables, uniques, checks and
// indexes.
func keySchema(order []int) (*core.MetaData, error) {
	tables := []*core.Table{
		core.MustTable(core.TableDef{Name: "orgs", Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
			{Name: "slug", Type: core.String(40), Unique: true},
			{Name: "owner_id", Type: core.BigInt(), Nullable: true},
		}, ForeignKeys: []core.ForeignKey{ // with people.org_id, a cycle
			{Columns: []string{"owner_id"}, RefTable: "people", RefColumns: []string{"id"}, OnDelete: core.SetNull},
		}}),
		core.MustTable(core.TableDef{Name: "people", Columns: []core.Column{
			{Name: "id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "org_id", Type: core.BigInt()},
			{Name: "manager_id", Type: core.BigInt(), Nullable: true},
			{Name: "email", Type: core.String(200)},
			{Name: "age", Type: core.Int(), Nullable: true},
		},
			ForeignKeys: []core.ForeignKey{
				{Columns: []string{"org_id"}, RefTable: "orgs", RefColumns: []string{"id"}, OnDelete: core.Cascade},
				{Columns: []string{"manager_id"}, RefTable: "people", RefColumns: []string{"id"}, OnDelete: core.SetNull},
			},
			Uniques: []core.Unique{{Columns: []string{"org_id", "email"}}},
			Checks:  []core.Check{{Expr: core.Or(core.IsNull(core.Ident("age")), core.Between(core.Ident("age"), 0, 150))}},
			Indexes: []core.Index{{Columns: []string{"email"}}},
		}),
		core.MustTable(core.TableDef{Name: "projects", Columns: []core.Column{
			{Name: "org_id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "code", Type: core.String(20), PrimaryKey: true},
			{Name: "budget", Type: core.Numeric(12, 2), ServerDefault: core.Literal(0)},
		}, ForeignKeys: []core.ForeignKey{{Columns: []string{"org_id"}, RefTable: "orgs", RefColumns: []string{"id"}}}}),
		core.MustTable(core.TableDef{Name: "memberships", Columns: []core.Column{
			{Name: "person_id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "org_id", Type: core.BigInt(), PrimaryKey: true},
			{Name: "code", Type: core.String(20), PrimaryKey: true},
			{Name: "role", Type: core.String(20), ServerDefault: core.Literal("member")},
		},
			ForeignKeys: []core.ForeignKey{
				{Columns: []string{"person_id"}, RefTable: "people", RefColumns: []string{"id"}, OnDelete: core.Cascade},
				{Name: "fk_memberships_project", Columns: []string{"org_id", "code"}, RefTable: "projects", RefColumns: []string{"org_id", "code"}, OnDelete: core.Cascade, OnUpdate: core.Cascade},
			},
			Checks:  []core.Check{{Name: "ck_role", Expr: core.In(core.Ident("role"), "member", "owner")}},
			Indexes: []core.Index{{Name: "ix_memberships_code", Columns: []string{"org_id", "code"}}},
		}),
	}
	ordered := make([]*core.Table, len(order))
	for i, j := range order {
		ordered[i] = tables[j]
	}
	return core.NewMetaData(ordered...)
}

// TestCoreCreateDropAll creates and drops a schema with composite keys,
// FKs, uniques, checks and indexes, declared in scrambled orders, and
// proves the constraints exist by violating them.
func TestCoreCreateDropAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend, db coreDB) {
		ctx := context.Background()
		exec := func(ctx context.Context, c core.Compiled) error { return db.exec(ctx, c) }
		rng := rand.New(rand.NewPCG(1, 2))
		for round := range 3 {
			order := rng.Perm(4)
			if round == 0 {
				order = []int{3, 2, 1, 0} // reverse dependency order
			}
			meta, err := keySchema(order)
			if err != nil {
				t.Fatal(err)
			}
			if err := meta.CreateAll(ctx, b.d, exec, round == 2); err != nil {
				t.Fatalf("order %v: create all: %v", order, err)
			}
			if round == 2 { // IF NOT EXISTS: running it again is harmless
				if err := meta.CreateAll(ctx, b.d, exec, true); err != nil {
					t.Fatalf("order %v: create all again: %v", order, err)
				}
			}
			orgs, _ := meta.Table("orgs")
			people, _ := meta.Table("people")
			projects, _ := meta.Table("projects")
			mships, _ := meta.Table("memberships")
			runAllCompiled(t, ctx, b, db, []core.Statement{
				core.Insert(orgs).Columns(orgs.C("slug")).Values("acme"),
				core.Insert(people).Columns(people.C("id"), people.C("org_id"), people.C("email"), people.C("age")).Values(1, 1, "a@x", 30),
				core.Insert(projects).Columns(projects.C("org_id"), projects.C("code")).Values(1, "p1"),
				core.Insert(mships).Columns(mships.C("person_id"), mships.C("org_id"), mships.C("code")).Values(1, 1, "p1"),
				core.Update(orgs).Set(orgs.C("owner_id"), 1).Where(core.Eq(orgs.C("id"), 1)),
			})
			violations := map[string]core.Statement{
				"composite fk":  core.Insert(mships).Columns(mships.C("person_id"), mships.C("org_id"), mships.C("code")).Values(1, 1, "nope"),
				"composite pk":  core.Insert(mships).Columns(mships.C("person_id"), mships.C("org_id"), mships.C("code")).Values(1, 1, "p1"),
				"unique":        core.Insert(people).Columns(people.C("id"), people.C("org_id"), people.C("email")).Values(2, 1, "a@x"),
				"column unique": core.Insert(orgs).Columns(orgs.C("slug")).Values("acme"),
				"check between": core.Insert(people).Columns(people.C("id"), people.C("org_id"), people.C("email"), people.C("age")).Values(3, 1, "c@x", 200),
				"check in":      core.Insert(mships).Columns(mships.C("person_id"), mships.C("org_id"), mships.C("code"), mships.C("role")).Values(1, 1, "p1", "boss"),
				"cycle fk":      core.Update(orgs).Set(orgs.C("owner_id"), 999),
				"self fk":       core.Insert(people).Columns(people.C("id"), people.C("org_id"), people.C("email"), people.C("manager_id")).Values(4, 1, "d@x", 99),
			}
			for what, s := range violations {
				if err := db.exec(ctx, mustCompile(t, b.d, s)); err == nil {
					t.Errorf("order %v: %s violation was accepted", order, what)
				}
			}
			c := mustCompile(t, b.d, core.Select(mships.C("role"), projects.C("budget")).From(mships).
				Join(projects, core.And(core.Eq(projects.C("org_id"), mships.C("org_id")), core.Eq(projects.C("code"), mships.C("code")))))
			if _, rows, err := db.query(ctx, c); err != nil || len(rows) != 1 || rows[0][0] != "member" {
				t.Errorf("order %v: server defaults: rows %q, err %v", order, rows, err)
			}
			if err := meta.DropAll(ctx, b.d, exec); err != nil {
				t.Fatalf("order %v: drop all: %v", order, err)
			}
			// Everything is gone: creating again without IF NOT EXISTS works.
			if err := meta.CreateAll(ctx, b.d, exec, false); err != nil {
				t.Fatalf("order %v: create after drop: %v", order, err)
			}
			if err := meta.DropAll(ctx, b.d, exec); err != nil {
				t.Fatalf("order %v: second drop all: %v", order, err)
			}
		}
	})
}

// trickyIdents are the fuzz seeds (core/testdata/fuzz) plus a few more:
// comment markers, dollar quotes, placeholders, backslashes, every quote.
var trickyIdents = []string{
	"--", "/* */", "$$", "$1", `\`, `\\`, `"`, "`", "'", `a"b`, "a`b", "a'b", `""`, "``",
	"?", "??", ":name", "@v", "select", "x; DROP TABLE y", "naïve", "Ünïcödé", "MiXeD", "with space", "\ttab",
	"line\nbreak", "%s", "a.b", "[x]", "\\'", "😀",
}

// TestCoreQuotedIdentRoundTrip sends quoted identifiers through live
// PostgreSQL and MariaDB (SELECT 1 AS <ident>, and a table and column with
// that name) and checks they come back unchanged; identifiers a dialect
// cannot represent must fail to compile, never be altered.
func TestCoreQuotedIdentRoundTrip(t *testing.T) {
	idents := slices.Clone(trickyIdents)
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "aZ09 _-$\"'`\\/*;?:.%\t()[]{}é"
	for range 20 {
		r := []rune(alphabet)
		var sb strings.Builder
		for range 1 + rng.IntN(12) {
			sb.WriteRune(r[rng.IntN(len(r))])
		}
		idents = append(idents, sb.String())
	}
	for _, b := range coreBackends {
		if b.name == coretest.SQLite {
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			ctx := context.Background()
			nul := core.Select(core.As(core.Val(1), "a\x00b"))
			if _, err := core.Compile(b.d, nul); !errors.Is(err, core.ErrInvalidIdentifier) {
				t.Errorf("NUL identifier: want ErrInvalidIdentifier, got %v", err)
			}
			for i, id := range idents {
				c, err := core.Compile(b.d, core.Select(core.As(core.Cast(1, core.Int()), id)))
				if err != nil {
					if !errors.Is(err, core.ErrInvalidIdentifier) {
						t.Errorf("%q: unexpected error %v", id, err)
					}
					continue // refused, not altered
				}
				cols, _, err := db.query(ctx, c)
				if err != nil {
					t.Errorf("%q: %s: %v", id, c.SQL, err)
					continue
				}
				if len(cols) != 1 || cols[0] != id {
					t.Errorf("%q: column came back as %q", id, cols)
				}
				tbl, err := core.NewTable(core.TableDef{Name: fmt.Sprintf("t%d %s", i, id), Columns: []core.Column{
					{Name: id, Type: core.Int(), PrimaryKey: true},
				}})
				if err != nil {
					t.Fatal(err)
				}
				ct, err := core.Compile(b.d, core.CreateTable(tbl))
				if err != nil {
					if !errors.Is(err, core.ErrInvalidIdentifier) {
						t.Errorf("%q: create: %v", id, err)
					}
					continue
				}
				if err := db.exec(ctx, ct); err != nil {
					t.Errorf("%q: %s: %v", id, ct.SQL, err)
					continue
				}
				if err := db.exec(ctx, mustCompile(t, b.d, core.Insert(tbl).Columns(tbl.C(id)).Values(7))); err != nil {
					t.Errorf("%q: insert: %v", id, err)
				}
				cols, rows, err := db.query(ctx, mustCompile(t, b.d, core.Select(tbl.C(id)).From(tbl).Where(core.Eq(tbl.C(id), 7))))
				if err != nil || len(rows) != 1 || len(cols) != 1 || cols[0] != id {
					t.Errorf("%q: select from table: cols %q rows %q err %v", id, cols, rows, err)
				}
				if err := db.exec(ctx, mustCompile(t, b.d, core.DropTable(tbl))); err != nil {
					t.Errorf("%q: drop: %v", id, err)
				}
			}
		})
	}
}
