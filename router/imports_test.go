package router_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The router knows no driver and no dialect: replication positions come
// from the node's dialect (core.Replication), connection failures from
// the engine's classification.
func TestRouterImportsNoDriverOrDialect(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(goBin, "list", "-f", `{{join .Imports "\n"}}`, "github.com/athanor-orm/athanor/router").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/jackc/", "github.com/go-sql-driver/", "modernc.org/",
			"go.opentelemetry.io/", "github.com/athanor-orm/athanor/dialect/", "github.com/athanor-orm/athanor/driver/"} {
			if strings.HasPrefix(imp, bad) {
				t.Errorf("router imports %s", imp)
			}
		}
	}
}
