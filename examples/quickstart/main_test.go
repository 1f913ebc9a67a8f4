package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The README promises that the tour runs with no server; this keeps it so.
func TestTourOnEmbeddedSQLite(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, "", nil); err != nil {
		t.Fatalf("tour failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"committed 2 authors, 3 books, 2 tags",
		"1969 The Left Hand of Darkness",
		"Ursula K. Le Guin wrote 2 of them",
		"Get returns the object already loaded: true",
		"version is now 2",
		"1 book left",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
