package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The README promises the example runs with no server; this keeps it so.
func TestServiceOnEmbeddedSQLite(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "", ""); err != nil {
		t.Fatalf("service failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"201 job 1 queued",
		"201 job 2 queued",
		"400 payload is required",
		"200 took job 1: resize cat.png",
		"200 job 1 is taken",
		"200 took job 2: send newsletter",
		"404 no job queued",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
