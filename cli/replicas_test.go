package cli_test

import (
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/cli"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestReplicasAndUpThroughReplicas: `replicas` shows every node from the
// router's status; `migrate up --replica` waits for each replica.
func TestReplicasAndUpThroughReplicas(t *testing.T) {
	for _, c := range []struct {
		name string
		kind testdb.Kind
		n    int
		get  func(testing.TB) testdb.Cluster
	}{
		{"postgres", testdb.KindPostgres, 2, testdb.PG},
		{"mariadb", testdb.KindMySQL, 1, testdb.MySQL},
	} {
		t.Run(c.name, func(t *testing.T) {
			testdb.RequireReplicas(t, c.kind, c.n)
			cl := c.get(t)
			var reps []string
			for _, r := range cl.Replicas[:c.n] {
				reps = append(reps, r.URL())
			}
			env := map[string]string{"ATHANOR_DSN": cl.Primary.URL(), "ATHANOR_REPLICAS": strings.Join(reps, ",")}
			code, out, errOut := run(t, cli.Options{}, env, "replicas")
			if code != cli.ExitOK {
				t.Fatalf("replicas exits %d: %s%s", code, out, errOut)
			}
			if got := strings.Count(out, "replica  "); got != c.n || !strings.Contains(out, "primary") {
				t.Fatalf("replicas lists %d replicas, want %d:\n%s", got, c.n, out)
			}
			if strings.Contains(out, "DOWN") || strings.Contains(out, "unknown") {
				t.Fatalf("a replica is not reported up:\n%s", out)
			}

			dir := t.TempDir()
			writeFile(t, dir, "1_mig_rcli.up.sql", "CREATE TABLE mig_rcli (id INT);")
			args := []string{"--dir", dir, "--table", "mig_vt_rcli", "migrate", "up"}
			code, out, errOut = run(t, cli.Options{}, env, args...)
			if code != cli.ExitOK || strings.Count(out, "replayed") != c.n {
				t.Fatalf("up exits %d, want a replayed line per replica:\n%s%s", code, out, errOut)
			}
		})
	}
}
