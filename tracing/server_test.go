package tracing_test

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/tracing"
)

// db.system.name names the server the engine reached, also when the DSN
// left the dialect to Open: a mysql:// DSN may reach MariaDB, and the
// spans must then say mariadb, as OpenTelemetry's conventions spell it.
func TestSystemFromServer(t *testing.T) {
	tests := []struct {
		name string
		kind testdb.Kind
		dsn  func(testdb.Endpoint) string
	}{
		{"postgres", testdb.KindPostgres, testdb.Endpoint.URL},
		// The server answers; the scheme claims nothing about its flavour.
		{"mysql scheme", testdb.KindMySQL, testdb.Endpoint.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testdb.Require(t, tt.kind)
			h := newHarness(t, tracing.Options{})
			cfg, err := engine.ParseConfig(tt.dsn(s.Primary))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Dialect != nil && tt.kind == testdb.KindMySQL {
				t.Fatalf("a mysql:// DSN chose dialect %s before Open; the test needs it chosen at Open", cfg.Dialect.Name())
			}
			h.tr.Instrument(cfg)
			ctx := context.Background()
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(ctx, core.Raw("SELECT 1").ReadOnly()); err != nil {
				t.Fatal(err)
			}
			want := db.Dialect().Name()
			if want == "postgres" {
				want = "postgresql"
			}
			if tt.kind == testdb.KindMySQL && want != "mariadb" && want != "mysql" {
				t.Fatalf("dialect %q", want)
			}
			spans := h.spans.GetSpans()
			if len(spans) == 0 {
				t.Fatal("no span")
			}
			got := attrs(spans[len(spans)-1])["db.system.name"].AsString()
			if got != want {
				t.Errorf("db.system.name = %q, want %q (the server's dialect)", got, want)
			}
			if strings.Contains(got, "@") || got == "" {
				t.Errorf("db.system.name = %q", got)
			}
		})
	}
}
