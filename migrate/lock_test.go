package migrate_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/migrate"
)

// TestOneConnectionPoolRefused: on PostgreSQL the lock holds a connection
// for the whole run, so a pool of one would wait for itself forever.
func TestOneConnectionPoolRefused(t *testing.T) {
	db := open(t, testdb.PG(t).Primary.URL()+"&pool_max_conns=1")
	m := newMigrator(t, db, migrate.Config{FS: fstest.MapFS{"1_mig_x.up.sql": {Data: []byte("SELECT 1;")}}, Table: "mig_vt_one"})
	if _, err := m.Up(context.Background()); err == nil || !strings.Contains(err.Error(), "migrations need 2") {
		t.Fatalf("Up on a pool of one = %v", err)
	}
}
