package tracing_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/tracing"
)

// BenchmarkReadByPK reads one row by primary key on the PostgreSQL primary
// (ATHANOR_PG_PRIMARY, see scripts/dbup) without hooks, with the tracing
// hooks and no provider (the global no-op), with an explicit no-op
// provider, and with a sampling SDK provider (spans made, not exported).
// The first three must report the same allocs/op.
func BenchmarkReadByPK(b *testing.B) {
	c := testdb.PG(b)
	ctx := context.Background()
	setup, err := engine.Open(ctx, c.Primary.URL())
	if err != nil {
		b.Fatal(err)
	}
	if _, err := setup.Exec(ctx, core.CreateTable(items)); err != nil {
		b.Fatal(err)
	}
	if _, err := setup.Exec(ctx, ins(1, "one")); err != nil {
		b.Fatal(err)
	}
	setup.Close()

	sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
	cases := []struct {
		name string
		opts *tracing.Options
	}{
		{"no hooks", nil},
		{"tracing, no provider", &tracing.Options{}},
		{"tracing, noop provider", &tracing.Options{TracerProvider: noop.NewTracerProvider()}},
		{"tracing, sdk provider", &tracing.Options{TracerProvider: sdk}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cfg, err := engine.ParseConfig(c.Primary.URL())
			if err != nil {
				b.Fatal(err)
			}
			if tc.opts != nil {
				tr, err := tracing.New(*tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				tr.Instrument(cfg)
			}
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			stmt := core.Select(items.C("id"), items.C("note")).From(items).Where(core.Eq(items.C("id"), 1))
			var row struct {
				ID   int64
				Note string
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := db.QueryRow(ctx, stmt).Scan(&row.ID, &row.Note); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
