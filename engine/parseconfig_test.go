package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/engine"
	_ "github.com/athanor-orm/athanor/internal/testdb" // registers the drivers
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		driver engine.Driver
		check  func(t *testing.T, c *engine.Config)
	}{
		{"postgres url with pool params", "postgres://app:pw@db.example:5433/shop?sslmode=disable&pool_max_conns=7&pool_min_conns=2&pool_max_conn_idle_time=90s", engine.Postgres,
			func(t *testing.T, c *engine.Config) {
				if c.MaxConns != 7 || c.MinConns != 2 || c.MaxConnIdleTime != 90*time.Second {
					t.Errorf("pool: %+v", c)
				}
				pc := c.Postgres.(*pgx.ConnConfig)
				if pc.Host != "db.example" || pc.Port != 5433 || pc.Database != "shop" || pc.User != "app" {
					t.Errorf("pgx config: %+v", pc)
				}
				if _, ok := pc.RuntimeParams["pool_max_conns"]; ok {
					t.Error("pool parameter reached the server")
				}
			}},
		{"mysql url", "mysql://app:p%40ss@db:3307/shop?tls=false", engine.MySQL,
			func(t *testing.T, c *engine.Config) {
				mc := c.MySQL.(*mysql.Config)
				if mc.User != "app" || mc.Passwd != "p@ss" || mc.Addr != "db:3307" || mc.DBName != "shop" || !mc.ParseTime || !mc.ClientFoundRows {
					t.Errorf("mysql config: %+v", mc)
				}
				if got := c.String(); got != "mysql://app@db:3307/shop" {
					t.Errorf("String() = %q", got)
				}
				if e := c.Endpoint(); e != (engine.Endpoint{Host: "db", Port: 3307, User: "app", Database: "shop"}) {
					t.Errorf("Endpoint() = %+v", e)
				}
			}},
		{"mysql default port", "mysql://app@db/shop", engine.MySQL,
			func(t *testing.T, c *engine.Config) {
				if mc := c.MySQL.(*mysql.Config); mc.Addr != "db:3306" {
					t.Errorf("addr %q", mc.Addr)
				}
			}},
		{"mariadb scheme picks the dialect", "mariadb://app@db/shop", engine.MySQL,
			func(t *testing.T, c *engine.Config) {
				if c.Dialect == nil || c.Dialect.Name() != "mariadb" {
					t.Errorf("dialect %v", c.Dialect)
				}
			}},
		{"sqlite url", "sqlite:///tmp/x.db", engine.SQLite,
			func(t *testing.T, c *engine.Config) {
				if !strings.HasPrefix(c.SQLite, "/tmp/x.db?") || !strings.Contains(c.SQLite, "_busy_timeout=5000") || !strings.Contains(c.SQLite, "_journal_mode=WAL") {
					t.Errorf("sqlite dsn %q", c.SQLite)
				}
			}},
		{"sqlite memory is one connection", "sqlite::memory:", engine.SQLite,
			func(t *testing.T, c *engine.Config) {
				if c.MaxConns != 1 || strings.Contains(c.SQLite, "WAL") {
					t.Errorf("memory: %+v", c)
				}
			}},
		{"file uri", "file:app.db?cache=shared", engine.SQLite, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := engine.ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if c.Driver != tt.driver {
				t.Fatalf("driver %q, want %q", c.Driver, tt.driver)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
	for _, bad := range []string{"oracle://x", "postgres://u:pw@h/db?pool_max_conns=-1", "mysql://u:pw@h/db?pool_max_conn_lifetime=soon", "sqlite://", "data/app.db", "/abs/app.db"} {
		if _, err := engine.ParseConfig(bad); err == nil {
			t.Errorf("%q parsed", bad)
		} else if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}
