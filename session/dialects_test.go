package session_test

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// server is a test database of one dialect, with a log of the SQL it
// runs.
type server struct {
	name string
	db   *engine.DB
	log  *sqlLog
	tx   *txCounter
}

// inserts takes the log and returns the INSERT statements in it.
func (s server) inserts() []string {
	var out []string
	for _, q := range s.log.take() {
		if strings.HasPrefix(q, "INSERT") {
			out = append(out, q)
		}
	}
	return out
}

// eachServer runs f on a fresh database of every dialect: PostgreSQL,
// MariaDB and SQLite.
func eachServer(t *testing.T, f func(t *testing.T, s server)) {
	t.Helper()
	for _, name := range []string{"postgres", "mariadb", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			var url string
			switch name {
			case "postgres":
				url = testdb.PG(t).Primary.URL()
			case "mariadb":
				url = testdb.MySQL(t).Primary.URL()
			default:
				url = "sqlite://" + testdb.SQLite(t)
			}
			cfg, err := engine.ParseConfig(url)
			if err != nil {
				t.Fatal(err)
			}
			log, tx := &sqlLog{}, &txCounter{}
			cfg.Hook = engine.MultiHook(log, tx)
			db, err := engine.OpenConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			f(t, server{name: name, db: db, log: log, tx: tx})
		})
	}
}

// rows counts the rows of a table (named without quotes: the same on
// every server).
func (s server) rows(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := s.db.QueryRow(context.Background(), core.Raw("SELECT COUNT(*) FROM "+table).ReadOnly()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
