package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// connect opens a pgx connection with the type map the pgx driver
// prepares, so that the round trips see the time policy.
func connect(t *testing.T, e testdb.Endpoint) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, e.DriverDSN())
	if err != nil {
		t.Fatalf("connect %s: %v", e, err)
	}
	pgxdriver.RegisterTypes(c.TypeMap())
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func mustExec(t *testing.T, c *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, q := range sqls {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
