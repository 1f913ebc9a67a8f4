package migrate_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/migrate"
)

// backend opens a fresh database of one kind.
type backend struct {
	name string
	dsn  func(t *testing.T) string
}

var backends = []backend{
	{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
	{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
	{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
}

// eachDB runs body on a fresh database of every backend.
func eachDB(t *testing.T, body func(t *testing.T, dsn string, db *engine.DB)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			body(t, dsn, open(t, dsn))
		})
	}
}

func open(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, ex engine.Executor, table string) int64 {
	t.Helper()
	var n int64
	if err := ex.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func tableExists(ex engine.Executor, table string) bool {
	var n int64
	return ex.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n) == nil
}

func files() fstest.MapFS {
	return fstest.MapFS{
		"0001_mig_items.up.sql": {Data: []byte("-- the items\nCREATE TABLE mig_items (id INT PRIMARY KEY, label VARCHAR(50));\n" +
			"INSERT INTO mig_items (id, label) VALUES (1, 'a;b');\n")},
		"0001_mig_items.down.sql":          {Data: []byte("DROP TABLE mig_items;")},
		"0002_mig_more.up.sql":             {Data: []byte("INSERT INTO mig_items (id, label) VALUES (2, 'it''s?');")},
		"0002_mig_more.down.sql":           {Data: []byte("DELETE FROM mig_items WHERE id = 2;")},
		"0004_mig_tags.up.sql":             {Data: []byte("CREATE TABLE mig_tags (id INT);")},
		"0004_mig_tags.sqlite.up.sql":      {Data: []byte("CREATE TABLE mig_tags (id INTEGER, only_sqlite INTEGER);")},
		"0004_mig_tags.down.sql":           {Data: []byte("DROP TABLE mig_tags;")},
		"0005_mig_other.postgres.up.sql":   {Data: []byte("CREATE TABLE mig_other (id INT);")},
		"0005_mig_other.postgres.down.sql": {Data: []byte("DROP TABLE mig_other;")},
	}
}

// goStep is Go migration 3: it inserts row 3 and deletes it on down.
func goStep() migrate.Migration {
	return migrate.Func(3, "mig_go_row", func(ctx context.Context, ex engine.Executor) error {
		_, err := ex.Exec(ctx, core.Raw("INSERT INTO mig_items (id, label) VALUES (?, ?)", 3, "go"))
		return err
	}, func(ctx context.Context, ex engine.Executor) error {
		_, err := ex.Exec(ctx, core.Raw("DELETE FROM mig_items WHERE id = ?", 3))
		return err
	})
}

func newMigrator(t *testing.T, ex engine.Executor, cfg migrate.Config) *migrate.Migrator {
	t.Helper()
	m, err := migrate.New(ex, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func steps(r *migrate.Result) string {
	var b []string
	for _, s := range r.Steps {
		d := "up"
		if s.Down {
			d = "down"
		}
		b = append(b, d+":"+s.Name)
	}
	return strings.Join(b, " ")
}

func applied(t *testing.T, m *migrate.Migrator) string {
	t.Helper()
	st, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var b []string
	for _, s := range st {
		if s.Applied {
			b = append(b, s.Name)
		}
	}
	return strings.Join(b, " ")
}

func TestUpDownRedoTo(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		ctx := context.Background()
		m := newMigrator(t, db, migrate.Config{FS: files(), Migrations: []migrate.Migration{goStep()}, Table: "mig_vt_basic"})
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := 4
		if db.Driver() == engine.Postgres {
			want = 5
		}
		if len(st) != want {
			t.Fatalf("status lists %d migrations, want %d: %+v", len(st), want, st)
		}
		if st[3].Source != "0004_mig_tags."+map[engine.Driver]string{engine.SQLite: "sqlite."}[db.Driver()]+"up.sql" {
			t.Fatalf("version 4 runs %s", st[3].Source)
		}
		for _, c := range []struct {
			name    string
			run     func(context.Context) (*migrate.Result, error)
			steps   string
			applied string
			rows    int64 // -1: mig_items does not exist
		}{
			{"up to 2", func(ctx context.Context) (*migrate.Result, error) { return m.UpTo(ctx, 2) }, "up:mig_items up:mig_more", "mig_items mig_more", 2},
			{"up", m.Up, "up:mig_go_row up:mig_tags" + map[bool]string{true: " up:mig_other"}[want == 5], "mig_items mig_more mig_go_row mig_tags" + map[bool]string{true: " mig_other"}[want == 5], 3},
			{"up again does nothing", m.Up, "", "", 3},
			{"down one", func(ctx context.Context) (*migrate.Result, error) { return m.DownTo(ctx, 3) }, map[bool]string{true: "down:mig_other "}[want == 5] + "down:mig_tags", "mig_items mig_more mig_go_row", 3},
			{"redo the go migration", m.Redo, "down:mig_go_row up:mig_go_row", "mig_items mig_more mig_go_row", 3},
			{"to 1", func(ctx context.Context) (*migrate.Result, error) { return m.To(ctx, 1) }, "down:mig_go_row down:mig_more", "mig_items", 1},
			{"to 4", func(ctx context.Context) (*migrate.Result, error) { return m.To(ctx, 4) }, "up:mig_more up:mig_go_row up:mig_tags", "mig_items mig_more mig_go_row mig_tags", 3},
			{"down", m.Down, "down:mig_tags", "mig_items mig_more mig_go_row", 3},
			{"down to 0", func(ctx context.Context) (*migrate.Result, error) { return m.DownTo(ctx, 0) }, "down:mig_go_row down:mig_more down:mig_items", "", -1},
		} {
			res, err := c.run(ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := steps(res); got != c.steps {
				t.Fatalf("%s: steps %q, want %q", c.name, got, c.steps)
			}
			if c.applied != "" || c.name != "up again does nothing" {
				if got := applied(t, m); got != c.applied {
					t.Fatalf("%s: applied %q, want %q", c.name, got, c.applied)
				}
			}
			if c.rows < 0 {
				if tableExists(db, "mig_items") {
					t.Fatalf("%s: mig_items still exists", c.name)
				}
			} else if n := count(t, db, "mig_items"); n != c.rows {
				t.Fatalf("%s: %d rows, want %d", c.name, n, c.rows)
			}
		}
		if _, err := m.UpTo(ctx, 99); !errors.Is(err, migrate.ErrUnknownVersion) {
			t.Fatalf("UpTo(99) = %v, want ErrUnknownVersion", err)
		}
	})
}

func TestVersionTableRows(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		ctx := context.Background()
		m := newMigrator(t, db, migrate.Config{FS: files(), Migrations: []migrate.Migration{goStep()}, Table: "mig_vt_rows"})
		before := time.Now().Add(-time.Minute)
		if _, err := m.UpTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		var name, sum string
		var at time.Time
		var dur int64
		if err := db.QueryRow(ctx, core.Raw("SELECT name, checksum, applied_at, duration FROM mig_vt_rows WHERE version = 1")).Scan(&name, &sum, &at, &dur); err != nil {
			t.Fatal(err)
		}
		if name != "mig_items" || sum != m.Migrations()[0].Checksum || at.Before(before) || at.After(time.Now().Add(time.Minute)) || dur < 0 {
			t.Fatalf("row of version 1: %q %q %v %d", name, sum, at, dur)
		}
		if err := db.QueryRow(ctx, core.Raw("SELECT checksum FROM mig_vt_rows WHERE version = 3")).Scan(&sum); err != nil || sum != "" {
			t.Fatalf("go migration checksum %q, %v", sum, err)
		}
	})
}

func TestChangedAndMissingFiles(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		ctx := context.Background()
		fsys := files()
		if _, err := newMigrator(t, db, migrate.Config{FS: fsys, Table: "mig_vt_edit"}).UpTo(ctx, 2); err != nil {
			t.Fatal(err)
		}

		// An applied file edited afterwards.
		fsys["0002_mig_more.up.sql"] = &fstest.MapFile{Data: []byte("INSERT INTO mig_items (id, label) VALUES (20, 'edited');")}
		m := newMigrator(t, db, migrate.Config{FS: fsys, Table: "mig_vt_edit"})
		_, err := m.Up(ctx)
		if !errors.Is(err, migrate.ErrChecksum) || !strings.Contains(err.Error(), "0002_mig_more.up.sql") {
			t.Fatalf("up after an edit = %v, want ErrChecksum naming 0002_mig_more.up.sql", err)
		}
		st, err := m.Status(ctx)
		if err != nil || !st[1].Changed || st[0].Changed {
			t.Fatalf("status after an edit: %+v, %v", st, err)
		}
		if n := count(t, db, "mig_items"); n != 2 {
			t.Fatalf("%d rows after the refused up, want 2", n)
		}

		// An applied file deleted.
		delete(fsys, "0002_mig_more.up.sql")
		delete(fsys, "0002_mig_more.down.sql")
		m = newMigrator(t, db, migrate.Config{FS: fsys, Table: "mig_vt_edit"})
		if _, err := m.Up(ctx); !errors.Is(err, migrate.ErrMissing) || !strings.Contains(err.Error(), "2_mig_more") {
			t.Fatalf("up with a missing file = %v, want ErrMissing naming 2_mig_more", err)
		}
		st, err = m.Status(ctx)
		if err != nil || len(st) < 2 || st[1].Version != 2 || !st[1].Missing || !st[1].Applied {
			t.Fatalf("status with a missing file: %+v, %v", st, err)
		}
		m = newMigrator(t, db, migrate.Config{FS: fsys, Table: "mig_vt_edit", AllowMissing: true})
		if res, err := m.Up(ctx); err != nil || !strings.HasPrefix(steps(res), "up:mig_tags") {
			t.Fatalf("up allowing missing = %v, %v", res, err)
		}
		if _, err := m.DownTo(ctx, 1); !errors.Is(err, migrate.ErrMissing) {
			t.Fatalf("reverting past a missing migration = %v, want ErrMissing", err)
		}
	})
}

func TestFailingStatement(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{
			"0001_mig_fail.up.sql": {Data: []byte("CREATE TABLE mig_fail_a (id INT);\n" +
				"INSERT INTO mig_fail_a (id) VALUES (1);\n\n" +
				"INSERT INTO mig_fail_nope (id) VALUES (1);\n" +
				"CREATE TABLE mig_fail_b (id INT);\n")},
		}
		m := newMigrator(t, db, migrate.Config{FS: fsys, Table: "mig_vt_fail"})
		_, err := m.Up(ctx)
		var se *migrate.StatementError
		if !errors.As(err, &se) {
			t.Fatalf("up = %v, want a *StatementError", err)
		}
		if se.File != "0001_mig_fail.up.sql" || se.Index != 3 || se.Line != 4 || !strings.Contains(se.SQL, "mig_fail_nope") {
			t.Fatalf("error names %s statement %d line %d %q", se.File, se.Index, se.Line, se.SQL)
		}
		msg := err.Error()
		for _, want := range []string{"0001_mig_fail.up.sql:4", "statement 3", "mig_fail_nope"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("message %q lacks %q", msg, want)
			}
		}
		if applied(t, m) != "" {
			t.Fatal("a failed migration was recorded")
		}
		if tableExists(db, "mig_fail_b") {
			t.Fatal("a statement after the failure ran")
		}
		if db.Driver() != engine.MySQL {
			if se.Applied != nil || tableExists(db, "mig_fail_a") {
				t.Fatalf("the migration was not rolled back (applied %q)", se.Applied)
			}
			return
		}
		// MariaDB: the first two statements stay applied, and say so.
		if len(se.Applied) != 2 || !strings.HasPrefix(se.Applied[0], "CREATE TABLE mig_fail_a") || !strings.HasPrefix(se.Applied[1], "INSERT INTO mig_fail_a") {
			t.Fatalf("applied statements %q", se.Applied)
		}
		for _, want := range []string{"2 statement(s)", "1: CREATE TABLE mig_fail_a", "2: INSERT INTO mig_fail_a", "to recover"} {
			if !strings.Contains(msg, want) {
				t.Fatalf("message %q lacks %q", msg, want)
			}
		}
		if n := count(t, db, "mig_fail_a"); n != 1 {
			t.Fatalf("mig_fail_a has %d rows, want the 1 the report lists as applied", n)
		}
	})
}

// TestConcurrentUp runs Up from four engines at once: each migration is
// applied once (the migrations append to mig_log, which has no key).
func TestConcurrentUp(t *testing.T) {
	eachDB(t, func(t *testing.T, dsn string, db *engine.DB) {
		ctx := context.Background()
		fsys := fstest.MapFS{
			"1_mig_log.up.sql": {Data: []byte("CREATE TABLE mig_log (v INT);\nINSERT INTO mig_log (v) VALUES (1);")},
			"2_mig_b.up.sql":   {Data: []byte("INSERT INTO mig_log (v) VALUES (2);")},
			"3_mig_c.up.sql":   {Data: []byte("INSERT INTO mig_log (v) VALUES (3);")},
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		total := make([]int, 4)
		for i := range 4 {
			m := newMigrator(t, open(t, dsn), migrate.Config{FS: fsys, Table: "mig_vt_conc"})
			wg.Go(func() {
				res, err := m.Up(ctx)
				errs[i] = err
				if res != nil {
					total[i] = len(res.Steps)
				}
			})
		}
		wg.Wait()
		sum := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("deployer %d: %v", i, err)
			}
			sum += total[i]
		}
		if n := count(t, db, "mig_log"); n != 3 || sum != 3 {
			t.Fatalf("mig_log has %d rows and the runs report %d steps; want 3 and 3", n, sum)
		}
	})
}

// TestNoTransactionFile: a file with the no-transaction directive runs
// outside a transaction, as PostgreSQL's CREATE INDEX CONCURRENTLY
// requires; a failure there lists what stays applied. SQLite refuses it.
func TestNoTransactionFile(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		ctx := context.Background()
		index := "CREATE INDEX mig_notx_idx ON mig_notx (id);"
		if db.Driver() == engine.Postgres {
			index = "CREATE INDEX CONCURRENTLY mig_notx_idx ON mig_notx (id);"
		}
		fsys := fstest.MapFS{
			"1_mig_notx.up.sql":  {Data: []byte("CREATE TABLE mig_notx (id INT);")},
			"2_mig_index.up.sql": {Data: []byte(migrate.NoTransaction + "\n" + index)},
			"3_mig_bad.up.sql":   {Data: []byte(migrate.NoTransaction + "\nINSERT INTO mig_notx (id) VALUES (1);\nINSERT INTO mig_notx_nope (id) VALUES (1);")},
		}
		m, err := migrate.New(db, migrate.Config{FS: fsys, Table: "mig_vt_notx"})
		if db.Driver() == engine.SQLite {
			if !errors.Is(err, migrate.ErrSource) || !strings.Contains(err.Error(), "2_mig_index.up.sql") {
				t.Fatalf("New = %v, want ErrSource naming the file", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.UpTo(ctx, 2); err != nil {
			t.Fatal(err)
		}
		_, err = m.Up(ctx)
		var se *migrate.StatementError
		if !errors.As(err, &se) || se.Index != 2 || len(se.Applied) != 1 || !strings.Contains(err.Error(), "stay applied") {
			t.Fatalf("Up = %v, want statement 2 failing with statement 1 applied", err)
		}
		if got := applied(t, m); got != "mig_notx mig_index" {
			t.Fatalf("applied %q", got)
		}
		if n := count(t, db, "mig_notx"); n != 1 {
			t.Fatalf("mig_notx has %d rows, want the 1 reported applied", n)
		}
	})
}
