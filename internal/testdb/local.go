package testdb

import (
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Local server control: stopping and restarting a replica that
// scripts/dbup runs on this machine, for failover tests. The test must
// hold LockReplication. Where the replica is not a local dbup one (Docker,
// remote) the test is skipped, or failed under CI.

func stateDir() string {
	if d := os.Getenv("ATHANOR_DB_STATE"); d != "" {
		return d
	}
	return "/var/lib/athanor"
}

func pgBin(name string) (string, error) {
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) == 0 {
		return "", fmt.Errorf("%s not found under /usr/lib/postgresql", name)
	}
	return m[len(m)-1], nil
}

// StopReplica stops the local PostgreSQL replica behind e (fast shutdown)
// and returns a function that starts it again; the restart also runs at
// cleanup if the test did not call it.
func StopReplica(t testing.TB, e Endpoint) (restart func()) {
	t.Helper()
	dir := filepath.Join(stateDir(), "pg-"+e.Port)
	if e.Kind != KindPostgres || (e.Host != "127.0.0.1" && e.Host != "localhost") {
		skipOrFail(t, fmt.Sprintf("replica %s is not a local scripts/dbup PostgreSQL replica", e))
	}
	if _, err := os.Stat(filepath.Join(dir, "standby.signal")); err != nil {
		skipOrFail(t, fmt.Sprintf("no scripts/dbup replica data directory at %s", dir))
	}
	pgctl, err := pgBin("pg_ctl")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) error {
		cmd := osexec.Command("runuser", append([]string{"-u", "postgres", "--", pgctl, "-D", dir}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("pg_ctl %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("-m", "fast", "-w", "-t", "60", "stop"); err != nil {
		t.Fatalf("testdb: stop replica %s: %v", e, err)
	}
	started := false
	restart = func() {
		if started {
			return
		}
		started = true
		if err := run("-l", filepath.Join(stateDir(), "pg-"+e.Port+".log"), "-w", "-t", "60", "start"); err != nil {
			t.Errorf("testdb: restart replica %s: %v (run scripts/dbup to repair)", e, err)
		}
	}
	t.Cleanup(restart)
	return restart
}

func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	if InCI() {
		t.Fatal("CI=true: " + msg)
	}
	t.Skip("skipping: " + msg)
}
