package sqlitedriver_test

import (
	"path/filepath"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
)

// A Config may carry its runtime explicitly; the DSN defaults (foreign
// keys on) apply through ParseConfig.
func TestOpenWithRuntime(t *testing.T) {
	cfg, err := engine.ParseConfig("sqlite://" + filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runtime = sqlitedriver.Runtime
	db, err := engine.OpenConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Driver() != engine.SQLite || db.Dialect().Name() != "sqlite" {
		t.Errorf("driver %s, dialect %s", db.Driver(), db.Dialect().Name())
	}
	var fk int
	if err := db.QueryRow(t.Context(), core.Raw("PRAGMA foreign_keys")).Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
	if e := cfg.Endpoint(); e.Database != filepath.Dir(e.Database)+"/x.db" || e.Host != "" {
		t.Errorf("endpoint %+v", e)
	}
}
