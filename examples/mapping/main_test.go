package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The tour runs with no server.
func TestMappingTour(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("tour failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		`deferred: "Notes on the Engine" has body ""`,
		`after LoadFields: "A long text…", "Another long text…"`,
		`undeferred: "Another long text…"`,
		"computed: Ada Lovelace wrote 2 articles",
		"car Beetle: 2 doors, 4 wheels",
		"truck Hauler: payload 7.5, 6 wheels",
		"heavy trucks: 1 (the same object: true)",
		"garage Depot holds 2 vehicles",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
