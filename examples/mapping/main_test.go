package main

import (
	"context"
	"testing"
)

// The example runs with no server.
func TestMappingOnEmbeddedSQLite(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
