package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// Timestamps come back in UTC on PostgreSQL whatever the process's zone:
// the dialect's time policy, applied to every pooled connection.
func TestPostgresTimestampsScanInUTC(t *testing.T) {
	c := testdb.PG(t)
	db, err := engine.Open(context.Background(), c.Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got time.Time
	in := time.Date(2026, 3, 1, 12, 30, 15, 123456000, time.FixedZone("UTC+5", 5*3600))
	if err := db.QueryRow(context.Background(), core.Raw("SELECT ?::timestamptz", in).ReadOnly()).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got.Location() != time.UTC || !got.Equal(in) {
		t.Fatalf("got %v (%v), want %v in UTC", got, got.Location(), in)
	}
}
