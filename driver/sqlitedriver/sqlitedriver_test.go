package sqlitedriver_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
)

// A Config may carry its runtime explicitly; the DSN defaults (foreign
// keys on) apply through ParseConfig.
func TestOpenWithRuntime(t *testing.T) {
	cfg, err := engine.ParseConfig("sqlite://" + filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runtime = sqlitedriver.Runtime
	db, err := engine.OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Driver() != engine.SQLite || db.Dialect().Name() != "sqlite" {
		t.Errorf("driver %s, dialect %s", db.Driver(), db.Dialect().Name())
	}
	var fk int
	if err := db.QueryRow(t.Context(), core.Raw("PRAGMA foreign_keys")).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
	if e := cfg.Endpoint(); e.Database != filepath.Dir(e.Database)+"/x.db" || e.Host != "" {
		t.Errorf("endpoint %+v", e)
	}
}

// Processes opening a new database at the same moment race to switch it
// to WAL, and SQLite answers a loser SQLITE_BUSY at once (waiting could
// deadlock): every open must still succeed. The openers are separate
// processes (this test binary again, see TestHelperOpen), as deployers
// running migrations are: in one process SQLite arbitrates its own
// connections differently. Several rounds, since the race is not certain.
func TestOpenNewDatabaseConcurrently(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	const rounds, openers = 12, 4
	for r := range rounds {
		path := filepath.Join(t.TempDir(), "new.db")
		cmds := make([]*exec.Cmd, openers)
		outs := make([]*bytes.Buffer, openers)
		for i := range cmds {
			cmds[i] = exec.Command(os.Args[0], "-test.run", "^TestHelperOpen$", "-test.count", "1")
			cmds[i].Env = append(os.Environ(), "ATHANOR_SQLITE_OPEN="+path)
			outs[i] = new(bytes.Buffer)
			cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		}
		for _, c := range cmds {
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cmds {
			if err := c.Wait(); err != nil {
				t.Errorf("round %d, opener %d: %v\n%s", r, i, err, outs[i])
			}
		}
	}
}

// TestHelperOpen is one opener of TestOpenNewDatabaseConcurrently: it
// opens the database ATHANOR_SQLITE_OPEN names and checks it is in WAL
// mode. It does nothing in an ordinary run.
func TestHelperOpen(t *testing.T) {
	path := os.Getenv("ATHANOR_SQLITE_OPEN")
	if path == "" {
		return
	}
	db, err := engine.Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(t.Context(), core.Raw("PRAGMA journal_mode")).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal mode %q, want wal", mode)
	}
}
