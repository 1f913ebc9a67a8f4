package session_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
)

// schema registers models in a new registry and creates their tables on
// db, failing tb on any error.
func schema(tb testing.TB, db *engine.DB, models ...func(*mapper.Registry) (*mapper.Model, error)) *mapper.Registry {
	tb.Helper()
	reg := mapper.NewRegistry()
	for _, register := range models {
		if _, err := register(reg); err != nil {
			tb.Fatal(err)
		}
	}
	md, err := reg.MetaData()
	if err != nil {
		tb.Fatal(err)
	}
	if err := md.CreateAll(context.Background(), db.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false); err != nil {
		tb.Fatal(err)
	}
	return reg
}

// openPG opens the test PostgreSQL primary, closed when tb ends.
func openPG(tb testing.TB) *engine.DB {
	tb.Helper()
	db, err := engine.Open(context.Background(), testdb.PG(tb).Primary.URL())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
