package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

var (
	binDir   string
	buildBin = sync.OnceValues(func() (string, error) {
		bin := filepath.Join(binDir, "athanor")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("go build: %v\n%s", err, out)
		}
		return bin, nil
	})
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "athanor-cmd-test"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// build compiles the athanor binary, once per test binary.
func build(t *testing.T) string {
	t.Helper()
	bin, err := buildBin()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestHelp(t *testing.T) {
	bin := build(t)
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("athanor --help: %v\n%s", err, out)
	}
	// Every command, on one line of its own with its description.
	for _, c := range []string{"migrate new", "migrate up", "migrate down", "migrate redo", "migrate to", "migrate status",
		"migrate autogenerate", "inspect", "replicas"} {
		n := 0
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) > 2 && strings.HasPrefix(strings.TrimSpace(l), c+" ") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("help has %d line(s) for %q:\n%s", n, c, out)
		}
	}
}

// TestStockAutogenerate: the stock binary has no models; autogenerate
// says so and how to get them, and writes nothing.
func TestStockAutogenerate(t *testing.T) {
	bin := build(t)
	dir := filepath.Join(t.TempDir(), "migrations")
	cmd := exec.Command(bin, "--dir", dir, "--dsn", "sqlite://"+filepath.Join(t.TempDir(), "x.db"), "migrate", "autogenerate", "add_x")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("needs the models compiled in")) || !bytes.Contains(out, []byte("Options{Models:")) {
		t.Fatalf("message:\n%s", out)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the migrations directory exists: %v", err)
	}
}

// TestFourDeployers starts four athanor processes at once, each running
// `migrate up` on the same database and version table: every migration
// is applied exactly once (each inserts one row into mig_deploy, which
// has no key) and every process exits 0.
func TestFourDeployers(t *testing.T) {
	bin := build(t)
	for _, b := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"postgres", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
		{"mariadb", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
		{"sqlite", func(t *testing.T) string { return "sqlite://" + testdb.SQLite(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			dir := t.TempDir()
			files := map[string]string{
				"0001_mig_deploy.up.sql": "CREATE TABLE mig_deploy (v INT);\nINSERT INTO mig_deploy (v) VALUES (1);",
				"0002_mig_two.up.sql":    "INSERT INTO mig_deploy (v) VALUES (2);",
				"0003_mig_three.up.sql":  "CREATE TABLE mig_deploy3 (id INT);\nINSERT INTO mig_deploy (v) VALUES (3);",
				"0004_mig_four.up.sql":   "INSERT INTO mig_deploy (v) VALUES (4);",
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			const n = 4
			cmds := make([]*exec.Cmd, n)
			outs := make([]*bytes.Buffer, n)
			for i := range cmds {
				cmds[i] = exec.Command(bin, "--dir", dir, "--table", "mig_vt_deploy", "migrate", "up")
				cmds[i].Env = append(os.Environ(), "ATHANOR_DSN="+dsn, "ATHANOR_REPLICAS=")
				outs[i] = new(bytes.Buffer)
				cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
			}
			for _, c := range cmds {
				if err := c.Start(); err != nil {
					t.Fatal(err)
				}
			}
			applied := 0
			for i, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Errorf("deployer %d: %v\n%s", i, err, outs[i])
				}
				applied += strings.Count(outs[i].String(), "applied ")
			}
			db, err := engine.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var rows, versions int64
			if err := db.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM mig_deploy").ReadOnly()).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM mig_vt_deploy").ReadOnly()).Scan(&versions); err != nil {
				t.Fatal(err)
			}
			if rows != 4 || versions != 4 || applied != 4 {
				t.Fatalf("%d rows, %d versions recorded, %d applied lines; want 4 each", rows, versions, applied)
			}
		})
	}
}
