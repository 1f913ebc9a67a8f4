package integration_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoOpenTelemetryWithoutTracing: OpenTelemetry lives in tracing
// alone; a program built from the other packages (core, mapper, engine,
// router, loader, session) links none of it. Before, loader imported
// tracing for its load spans, and session linked OpenTelemetry through it.
func TestNoOpenTelemetryWithoutTracing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, pkg := range []string{"core", "mapper", "engine", "router", "loader", "session"} {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command(goBin, "list", "-deps", "github.com/athanor-orm/athanor/"+pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if strings.HasPrefix(dep, "go.opentelemetry.io/") || dep == "github.com/athanor-orm/athanor/tracing" {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		})
	}
}
