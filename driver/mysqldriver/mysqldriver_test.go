package mysqldriver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/athanor-orm/athanor/driver/mysqldriver"
	"github.com/athanor-orm/athanor/engine"
)

// The runtime applies the time policy when it builds the connector: a
// loc other than UTC is refused, and the session time zone is UTC unless
// the DSN sets one.
func TestConnectorTimePolicy(t *testing.T) {
	cfg, err := engine.ParseConfig("mysql://app:pw@db/shop")
	if err != nil {
		t.Fatal(err)
	}
	mc := cfg.MySQL.(*mysql.Config)
	if !mc.ParseTime || !mc.ClientFoundRows {
		t.Errorf("parseTime %v, clientFoundRows %v: want both on", mc.ParseTime, mc.ClientFoundRows)
	}
	if _, err := mysqldriver.Runtime.Open(cfg, engine.Host{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := mc.Params["time_zone"]; ok || mc.Loc != time.UTC {
		// Loc is UTC by go-sql-driver's default; the runtime works on a
		// clone, so the user's config is not rewritten.
		t.Errorf("config changed by Connector: loc %v, params %v", mc.Loc, mc.Params)
	}

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	mc.Loc = berlin
	_, err = mysqldriver.Runtime.Open(cfg, engine.Host{})
	if err == nil || !strings.Contains(err.Error(), "loc=Europe/Berlin") {
		t.Errorf("loc=Europe/Berlin: %v, want refused", err)
	}
}

// A config made by hand with something other than a *mysql.Config is an
// error at Open, not a panic.
func TestConnectorWrongConfig(t *testing.T) {
	cfg := &engine.Config{Driver: engine.MySQL, MySQL: "mysql://app@db/shop"}
	_, err := engine.OpenConfig(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), "want *mysql.Config") {
		t.Errorf("open: %v", err)
	}
}

func TestEndpoint(t *testing.T) {
	cfg, err := engine.ParseConfig("mariadb://app:secret@[::1]:3307/shop")
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Endpoint(); e != (engine.Endpoint{Host: "::1", Port: 3307, User: "app", Database: "shop"}) {
		t.Errorf("endpoint %+v", e)
	}
	if s := cfg.String(); s != "mysql://app@[::1]:3307/shop" || strings.Contains(s, "secret") {
		t.Errorf("String() = %q", s)
	}
	if cfg.Dialect == nil || cfg.Dialect.Name() != "mariadb" {
		t.Errorf("dialect %v, want mariadb", cfg.Dialect)
	}
}
