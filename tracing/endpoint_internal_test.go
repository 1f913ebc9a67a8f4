package tracing

import (
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
)

// An endpoint's attributes come from the Config's endpoint and dialect,
// for every driver, without reading a driver's own configuration.
func TestEndpointFromConfig(t *testing.T) {
	tests := []struct {
		name, dsn       string
		system          string
		host, namespace string
		port            int
	}{
		{"postgres", "postgres://app@db1:5433/shop?sslmode=disable", "postgresql", "db1", "shop", 5433},
		{"mysql", "mysql://app@db2:3307/shop", "mysql", "db2", "shop", 3307},
		{"mariadb", "mariadb://app@db3/shop", "mariadb", "db3", "shop", 3306},
		{"sqlite", "sqlite:///tmp/x.db", "sqlite", "", "", 0},
	}
	tr, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := engine.ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			e := tr.endpointFor(cfg)
			if sys := e.facts().system; sys != tt.system || e.host != tt.host || e.port != tt.port || e.namespace != tt.namespace {
				t.Errorf("endpoint = system %q host %q port %d namespace %q; want %q %q %d %q",
					sys, e.host, e.port, e.namespace, tt.system, tt.host, tt.port, tt.namespace)
			}
		})
	}
	if e := tr.endpointFor(nil); e.facts().system != "" || e.host != "" {
		t.Errorf("nil config: system %q host %q", e.facts().system, e.host)
	}
}

// Before Open the dialect may be unknown; a slow statement's arguments
// are still listed, one per placeholder, in writing order.
func TestArgsWithoutDialect(t *testing.T) {
	items := core.MustTable(core.TableDef{Name: "items", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "note", Type: core.String(64)},
	}})
	stmts := map[string]struct {
		stmt core.Statement
		want []any
	}{
		"select": {core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), int64(7))).Limit(3), []any{int64(7), int64(3)}},
		"insert returning": {core.Insert(items).Columns(items.C("id"), items.C("note")).Values(int64(1), "a").Returning(items.C("id")),
			[]any{int64(1), "a"}},
	}
	for name, tc := range stmts {
		t.Run(name, func(t *testing.T) {
			cs, err := core.Compile((&endpoint{}).logDialect(), tc.stmt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cs.Args, tc.want) {
				t.Errorf("args %v, want %v", cs.Args, tc.want)
			}
		})
	}
}
