package migrate_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
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

// TestLockLostAbortsTheMigration: when the connection holding the lock
// dies during a migration (here the migration itself ends it), the
// migration is not committed, since another deployer could now hold the
// lock.
func TestLockLostAbortsTheMigration(t *testing.T) {
	for _, b := range backends[:2] {
		t.Run(b.name, func(t *testing.T) {
			db := open(t, b.dsn(t))
			killLock := func(ctx context.Context, ex engine.Executor) error {
				if _, err := ex.Exec(ctx, core.Raw("CREATE TABLE mig_lost (id INT)")); err != nil {
					return err
				}
				if db.Driver() == engine.Postgres {
					_, err := ex.Exec(ctx, core.Raw("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "+
						"AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()"))
					return err
				}
				var id int64
				q := core.Raw("SELECT IS_USED_LOCK(CONCAT('athanor_mig_', LEFT(SHA2(CONCAT(DATABASE(), '.', 'mig_vt_lost'), 256), 40)))")
				if err := ex.QueryRow(ctx, q).Scan(&id); err != nil {
					return err
				}
				_, err := ex.Exec(ctx, core.Raw("KILL CONNECTION "+strconv.FormatInt(id, 10)))
				return err
			}
			m := newMigrator(t, db, migrate.Config{Migrations: []migrate.Migration{migrate.Func(1, "mig_lost", killLock, nil)}, Table: "mig_vt_lost"})
			_, err := m.Up(context.Background())
			if err == nil || !strings.Contains(err.Error(), "migration lock of mig_vt_lost lost") {
				t.Fatalf("Up = %v, want the lost lock reported", err)
			}
			if applied(t, m) != "" {
				t.Fatal("the migration was recorded without the lock")
			}
			if db.Driver() == engine.Postgres && tableExists(db, "mig_lost") {
				t.Fatal("the migration was committed without the lock")
			}
		})
	}
}

// TestGoMigrationErrorRollsBack: a Go migration that fails leaves nothing
// on PostgreSQL and SQLite, and is not recorded anywhere.
func TestGoMigrationErrorRollsBack(t *testing.T) {
	eachDB(t, func(t *testing.T, _ string, db *engine.DB) {
		boom := errors.New("boom")
		up := func(ctx context.Context, ex engine.Executor) error {
			if _, err := ex.Exec(ctx, core.Raw("INSERT INTO mig_gofail (id) VALUES (1)")); err != nil {
				return err
			}
			return boom
		}
		fsys := fstest.MapFS{"1_mig_gofail.up.sql": {Data: []byte("CREATE TABLE mig_gofail (id INT);")}}
		m := newMigrator(t, db, migrate.Config{FS: fsys, Migrations: []migrate.Migration{migrate.Func(2, "mig_gofail_rows", up, nil)}, Table: "mig_vt_gofail"})
		_, err := m.Up(context.Background())
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "go migration 2_mig_gofail_rows") {
			t.Fatalf("Up = %v, want boom naming the go migration", err)
		}
		if got := applied(t, m); got != "mig_gofail" {
			t.Fatalf("applied %q, want only the SQL migration", got)
		}
		if n := count(t, db, "mig_gofail"); n != 0 {
			t.Fatalf("the failed go migration left %d rows", n)
		}
		if _, err := m.Down(context.Background()); !errors.Is(err, migrate.ErrNoDown) || !strings.Contains(err.Error(), "1_mig_gofail.up.sql") {
			t.Fatalf("Down of a migration without a down file = %v, want ErrNoDown naming it", err)
		}
	})
}
