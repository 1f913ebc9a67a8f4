package integration_test

// These tests prove the ground the router stands on is real: replicas of
// the local primaries replay their writes, can be made to lag on purpose,
// and refuse writes. If they fail, no routing test means anything.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	mysqldialect "github.com/athanor-orm/athanor/dialect/mysql"
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
		// Wait until each replica has received the row and its replay
		// reports itself stopped: a replica whose replay ran on would
		// apply the row it holds, so a count of 0 then proves the pause.
		for _, r := range c.Replicas {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err := waitReceivedPaused(wctx, r, pos)
			cancel()
			if err != nil {
				t.Fatal(err)
			}
		}
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

// waitReceivedPaused polls replica until it has received the primary's
// position pos (an LSN on PostgreSQL, a GTID position on MariaDB) and its
// replay is stopped, or ctx ends.
func waitReceivedPaused(ctx context.Context, replica testdb.Endpoint, pos string) error {
	var state func() (received, paused bool, err error)
	if replica.Kind == testdb.KindPostgres {
		c, err := testdb.ConnectPG(ctx, replica)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		state = func() (received, paused bool, err error) {
			// "paused" (not "pause requested"): the startup process has
			// stopped before a record it has not applied.
			err = c.QueryRow(ctx, `SELECT coalesce(pg_last_wal_receive_lsn() >= $1::text::pg_lsn, false),
				pg_get_wal_replay_pause_state() = 'paused'`, pos).Scan(&received, &paused)
			return received, paused, err
		}
	} else {
		want, err := mysqldialect.ParseGTIDPos(pos)
		if err != nil {
			return err
		}
		db, err := testdb.OpenMySQL(replica)
		if err != nil {
			return err
		}
		defer db.Close()
		state = func() (received, paused bool, err error) {
			st, err := slaveStatus(ctx, db)
			if err != nil {
				return false, false, err
			}
			io, err := mysqldialect.ParseGTIDPos(st["Gtid_IO_Pos"])
			if err != nil {
				return false, false, fmt.Errorf("Gtid_IO_Pos %q: %w", st["Gtid_IO_Pos"], err)
			}
			return io.Covers(want), st["Slave_SQL_Running"] == "No", nil
		}
	}
	for {
		received, paused, err := state()
		if err != nil {
			return fmt.Errorf("replica %s: %w", replica, err)
		}
		if received && paused {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica %s: received %s: %v, replay stopped: %v: %w", replica, pos, received, paused, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// slaveStatus returns SHOW SLAVE STATUS's row by column name.
func slaveStatus(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, errors.New("SHOW SLAVE STATUS: no row (not a replica?)")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	st := make(map[string]string, len(cols))
	for i, c := range cols {
		st[c] = vals[i].String
	}
	return st, rows.Err()
}
