package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/cli"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/migrate"
)

// run calls Main with env as the environment and returns the exit code
// and output.
func run(t *testing.T, opts cli.Options, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errb
	opts.Getenv = func(k string) string { return env[k] }
	code := cli.Main(context.Background(), args, opts)
	return code, out.String(), errb.String()
}

func TestHelpListsCommands(t *testing.T) {
	code, out, _ := run(t, cli.Options{}, nil, "--help")
	if code != cli.ExitOK {
		t.Fatalf("--help exits %d", code)
	}
	for _, c := range []string{"migrate new", "migrate up", "migrate down", "migrate redo", "migrate to", "migrate status", "migrate autogenerate", "inspect", "replicas", "--dsn", "--dir"} {
		if !strings.Contains(out, c) {
			t.Errorf("help lacks %q:\n%s", c, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, nil, cli.ExitUsage, ""},
		{"unknown command", nil, []string{"migrate", "sideways"}, cli.ExitUsage, `unknown command "migrate sideways"`},
		{"no database", nil, []string{"--dir", dir, "migrate", "up"}, cli.ExitUsage, "give --dsn or set ATHANOR_DSN"},
		{"--to on status", nil, []string{"migrate", "status", "--to", "3"}, cli.ExitUsage, "--to applies to"},
		{"bad --to", nil, []string{"migrate", "up", "--to", "x3"}, cli.ExitUsage, "want a version"},
		{"new without a name", nil, []string{"--dir", dir, "migrate", "new"}, cli.ExitUsage, "want 1 argument"},
		{"new with a bad name", nil, []string{"--dir", dir, "migrate", "new", "a.b"}, cli.ExitUsage, "use letters"},
		{"replicas without replicas", map[string]string{"ATHANOR_DSN": "sqlite://" + filepath.Join(dir, "x.db")}, []string{"replicas"}, cli.ExitUsage, "no replica"},
		{"autogenerate without models", nil, []string{"migrate", "autogenerate", "x"}, cli.ExitError, "autogenerate needs the models compiled in"},
		{"autogenerate with a bad name", nil, []string{"migrate", "autogenerate", "Add-X"}, cli.ExitUsage, "use lower-case letters"},
		{"inspect without a database", nil, []string{"inspect"}, cli.ExitUsage, "give --dsn or set ATHANOR_DSN"},
		{"inspect with an argument", nil, []string{"inspect", "users"}, cli.ExitUsage, "want 0 argument"},
		{"--json on up", nil, []string{"migrate", "up", "--json"}, cli.ExitUsage, "--json applies to inspect, not migrate up"},
		{"--allow-destructive on up", nil, []string{"migrate", "up", "--allow-destructive"}, cli.ExitUsage, "--allow-destructive applies to migrate autogenerate"},
		{"two version tables", nil, []string{"migrate", "status", "--table", "a", "--table", "b"}, cli.ExitUsage, "--table given 2 times"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, cli.Options{}, c.env, c.args...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, c.code, c.msg)
			}
		})
	}
}

var dsns = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
	{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
	{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
}

func count(t *testing.T, dsn, table string) int64 {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
		return -1
	}
	return n
}

// TestMigrateCommands drives the migrate commands end to end on every
// database, with SQL files made by `migrate new` and a Go migration
// mounted through Options.
func TestMigrateCommands(t *testing.T) {
	for _, d := range dsns {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			dir := t.TempDir()
			opts := cli.Options{Migrations: []migrate.Migration{
				migrate.Func(3, "mig_go", func(ctx context.Context, ex engine.Executor) error {
					_, err := ex.Exec(ctx, core.Raw("INSERT INTO mig_cli (id) VALUES (3)"))
					return err
				}, func(ctx context.Context, ex engine.Executor) error {
					_, err := ex.Exec(ctx, core.Raw("DELETE FROM mig_cli WHERE id = 3"))
					return err
				}),
			}}
			env := map[string]string{"ATHANOR_DSN": dsn}
			cmd := func(want int, args ...string) string {
				t.Helper()
				code, out, errOut := run(t, opts, env, append([]string{"--dir", dir, "--table", "mig_vt_cli"}, args...)...)
				if code != want {
					t.Fatalf("athanor %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
				}
				return out + errOut
			}
			cmd(0, "migrate", "new", "mig_cli")
			cmd(0, "migrate", "new", "mig_more")
			write := func(name, sql string) {
				t.Helper()
				f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteString(sql); err != nil {
					t.Fatal(err)
				}
			}
			write("0001_mig_cli.up.sql", "CREATE TABLE mig_cli (id INT);\nINSERT INTO mig_cli (id) VALUES (1);\n")
			write("0001_mig_cli.down.sql", "DROP TABLE mig_cli;\n")
			write("0002_mig_more.up.sql", "INSERT INTO mig_cli (id) VALUES (2);\n")
			write("0002_mig_more.down.sql", "DELETE FROM mig_cli WHERE id = 2;\n")

			if out := cmd(0, "migrate", "status"); !strings.Contains(out, "3 migration(s), 3 pending") {
				t.Fatalf("status:\n%s", out)
			}
			if out := cmd(0, "migrate", "up", "--to", "2"); !strings.Contains(out, "applied 0002_mig_more.up.sql") || count(t, dsn, "mig_cli") != 2 {
				t.Fatalf("up --to 2:\n%s", out)
			}
			if out := cmd(0, "migrate", "up"); !strings.Contains(out, "applied go migration 3_mig_go") || count(t, dsn, "mig_cli") != 3 {
				t.Fatalf("up:\n%s", out)
			}
			if out := cmd(0, "migrate", "up"); !strings.Contains(out, "nothing to do") {
				t.Fatalf("second up:\n%s", out)
			}
			if out := cmd(0, "migrate", "redo"); !strings.Contains(out, "reverted go migration 3_mig_go") || count(t, dsn, "mig_cli") != 3 {
				t.Fatalf("redo:\n%s", out)
			}
			if out := cmd(0, "migrate", "down"); !strings.Contains(out, "reverted go migration 3_mig_go") || count(t, dsn, "mig_cli") != 2 {
				t.Fatalf("down:\n%s", out)
			}
			if out := cmd(0, "migrate", "status"); !strings.Contains(out, "3 migration(s), 1 pending") {
				t.Fatalf("status:\n%s", out)
			}
			cmd(0, "migrate", "to", "1")
			if n := count(t, dsn, "mig_cli"); n != 1 {
				t.Fatalf("to 1 leaves %d rows", n)
			}
			cmd(0, "migrate", "down", "--to", "0")
			if n := count(t, dsn, "mig_cli"); n != -1 {
				t.Fatal("down --to 0 left mig_cli")
			}
			cmd(0, "migrate", "up")
			write("0001_mig_cli.up.sql", "-- edited\n")
			if out := cmd(1, "migrate", "up"); !strings.Contains(out, "0001_mig_cli.up.sql") || !strings.Contains(out, "changed") {
				t.Fatalf("up after an edit:\n%s", out)
			}
			if out := cmd(0, "migrate", "status"); !strings.Contains(out, "CHANGED") {
				t.Fatalf("status after an edit:\n%s", out)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
