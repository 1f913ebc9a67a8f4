package integration_test

// These tests prove the ground the router stands on is real: replicas of
// the local primaries replay their writes, can be made to lag on purpose,
// and refuse writes. If they fail, no routing test means anything.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athanor-orm/athanor/internal/testdb"
)

// node runs SQL on one endpoint, whichever the server family.
type node struct {
	exec  func(ctx context.Context, q string, args ...any) error
	count func(ctx context.Context, q string, args ...any) (int, error)
}

func open(t *testing.T, e testdb.Endpoint) node {
	t.Helper()
	ctx := context.Background()
	if e.Kind == testdb.KindPostgres {
		c, err := testdb.ConnectPG(ctx, e)
		if err != nil {
			t.Fatalf("connect %s: %v", e, err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		return node{
			exec: func(ctx context.Context, q string, args ...any) error { _, err := c.Exec(ctx, q, args...); return err },
			count: func(ctx context.Context, q string, args ...any) (n int, err error) {
				err = c.QueryRow(ctx, q, args...).Scan(&n)
				return n, err
			},
		}
	}
	db, err := testdb.OpenMySQL(e)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	return node{
		exec: func(ctx context.Context, q string, args ...any) error {
			_, err := db.ExecContext(ctx, q, args...)
			return err
		},
		count: func(ctx context.Context, q string, args ...any) (n int, err error) {
			err = db.QueryRowContext(ctx, q, args...).Scan(&n)
			return n, err
		},
	}
}

type family struct {
	name        string
	cluster     func(t testing.TB) testdb.Cluster
	minReplicas int
	kind        testdb.Kind
	placeholder func(int) string
}

var families = []family{
	{"postgres", testdb.PG, 2, testdb.KindPostgres, func(i int) string { return fmt.Sprintf("$%d", i) }},
	{"mariadb", testdb.MySQL, 1, testdb.KindMySQL, func(int) string { return "?" }},
}

// eachFamily runs body once per server family, with the replicas the
// project's setup promises (2 PostgreSQL, 1 MariaDB).
func eachFamily(t *testing.T, body func(t *testing.T, f family, c testdb.Cluster)) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			testdb.RequireReplicas(t, f.kind, f.minReplicas)
			c := f.cluster(t)
			t.Logf("%s primary %s with %d replicas", f.name, c.Primary, len(c.Replicas))
			body(t, f, c)
		})
	}
}

func TestReplicasSeePrimaryWrites(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family, c testdb.Cluster) {
		ctx := context.Background()
		p := open(t, c.Primary)
		if err := p.exec(ctx, "CREATE TABLE ground (id INT PRIMARY KEY, note VARCHAR(40))"); err != nil {
			t.Fatal(err)
		}
		if err := p.exec(ctx, "INSERT INTO ground VALUES (1, 'seen everywhere')"); err != nil {
			t.Fatal(err)
		}
		testdb.CaughtUp(t, c)
		var seen []string
		for _, r := range c.Replicas {
			n, err := open(t, r).count(ctx, "SELECT count(*) FROM ground WHERE note = 'seen everywhere'")
			if err != nil || n != 1 {
				t.Errorf("replica %s: count = %d, %v; want 1", r, n, err)
				continue
			}
			seen = append(seen, r.Addr())
		}
		if !t.Failed() {
			report(t, fmt.Sprintf("%s: primary %s replicated to %d replicas %v", f.name, c.Primary.Addr(), len(seen), seen))
		}
	})
}

func TestPausedReplicaLagsThenCatchesUp(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family, c testdb.Cluster) {
		ctx := context.Background()
		p := open(t, c.Primary)
		if err := p.exec(ctx, "CREATE TABLE lagging (id INT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		testdb.CaughtUp(t, c)

		testdb.LockReplication(t)
		for _, r := range c.Replicas {
			testdb.PauseReplay(t, r)
		}
		if err := p.exec(ctx, "INSERT INTO lagging VALUES (7)"); err != nil {
			t.Fatal(err)
		}
		pos, err := testdb.Position(ctx, c.Primary)
		if err != nil {
			t.Fatal(err)
		}
		// Give replay every chance to (wrongly) apply the row.
		time.Sleep(300 * time.Millisecond)
		for _, r := range c.Replicas {
			n, err := open(t, r).count(ctx, "SELECT count(*) FROM lagging")
			if err != nil || n != 0 {
				t.Fatalf("paused replica %s: count = %d, %v; want 0 (replay not paused?)", r, n, err)
			}
		}
		for _, r := range c.Replicas {
			if err := testdb.Resume(ctx, r); err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := testdb.WaitReplayed(wctx, r, pos)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			n, err := open(t, r).count(ctx, "SELECT count(*) FROM lagging")
			if err != nil || n != 1 {
				t.Errorf("resumed replica %s: count = %d, %v; want 1", r, n, err)
			}
		}
	})
}

func TestReplicasRefuseWrites(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family, c testdb.Cluster) {
		ctx := context.Background()
		p := open(t, c.Primary)
		if err := p.exec(ctx, "CREATE TABLE guarded (id INT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		testdb.CaughtUp(t, c)
		for _, r := range c.Replicas {
			err := open(t, r).exec(ctx, "INSERT INTO guarded VALUES ("+f.placeholder(1)+")", 1)
			if !isReadOnly(err) {
				t.Errorf("replica %s accepted or failed oddly on a write: %v", r, err)
			}
		}
	})
}

func isReadOnly(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "25006" // read_only_sql_transaction
	}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1290 // ER_OPTION_PREVENTS_STATEMENT (--read-only)
	}
	return false
}

// report appends a line to the file named by ATHANOR_TEST_REPORT, which
// `make test` prints at the end: go test hides the logs of passing tests,
// and the topology the suite really ran against must be visible.
func report(t *testing.T, line string) {
	t.Helper()
	t.Log(line)
	path := os.Getenv("ATHANOR_TEST_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("test report: %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		t.Fatalf("test report: %v", err)
	}
}
