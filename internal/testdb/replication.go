package testdb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Replication control: tests make replicas lag on purpose (pause replay on
// a PostgreSQL standby, stop the SQL thread of a MariaDB replica) to check
// read-your-writes against real lag.
//
// Pausing a replica affects every test binary running at the same time
// (go test runs packages in parallel), so a test that pauses replication
// holds an exclusive file lock for its duration (LockReplication), and
// CaughtUp holds a shared one: a test never waits for a replica that
// another package has paused.

const lockPath = "athanor-replication.lock"

// turnstilePath is the lock that gives LockReplication priority: a test
// waiting for the exclusive lock holds the turnstile, and a test taking
// its first shared hold passes through the turnstile first, so it waits
// behind the exclusive waiter instead of overlapping the holds before it
// forever (flock itself queues no one, and a package of parallel tests
// can hold the shared lock without a gap for minutes).
const turnstilePath = "athanor-replication.turnstile"

var (
	// lockMu orders tests of one process; the file lock orders processes.
	lockMu sync.RWMutex
	// holder is the name of the test holding the exclusive lock, so that
	// it and its subtests may still wait for catch-up. Guarded by holderMu.
	holderMu sync.Mutex
	holder   string
)

func flock(how int) (release func(), err error) {
	return flockFile(lockPath, how)
}

// through takes the lock at path with how after passing the turnstile:
// it waits while an exclusive waiter holds it.
func through(how int) (release func(), err error) {
	gate, err := flockFile(turnstilePath, lockExclusive)
	if err != nil {
		return nil, err
	}
	defer gate()
	return flock(how)
}

// shared holds, per test name, the release of the shared lock taken by
// PG/MySQL for the test's lifetime. Guarded by holderMu.
var shared = map[string]func(){}

// LockReplication gives the test exclusive control of replication until it
// ends: no other test, in this binary or another, holds a per-test
// database on the servers meanwhile. Call it before PauseReplay or before
// stopping a replica. A shared hold the test took through PG or MySQL is
// given up first.
func LockReplication(t testing.TB) {
	t.Helper()
	holderMu.Lock()
	if rel, ok := shared[t.Name()]; ok {
		delete(shared, t.Name())
		holderMu.Unlock()
		rel()
	} else {
		holderMu.Unlock()
	}
	lockMu.Lock()
	release, err := through(lockExclusive)
	if err != nil {
		lockMu.Unlock()
		t.Fatalf("testdb: replication lock: %v", err)
	}
	holderMu.Lock()
	holder = t.Name()
	holderMu.Unlock()
	t.Cleanup(func() {
		holderMu.Lock()
		holder = ""
		holderMu.Unlock()
		release()
		lockMu.Unlock()
	})
}

// holdShared takes the shared replication lock for the rest of the test,
// so that no other test pauses or stops a replica under it.
func holdShared(t testing.TB) {
	t.Helper()
	rel := shareReplication(t)
	holderMu.Lock()
	if _, dup := shared[t.Name()]; dup {
		holderMu.Unlock()
		rel()
		return
	}
	shared[t.Name()] = rel
	holderMu.Unlock()
	t.Cleanup(func() {
		holderMu.Lock()
		r, ok := shared[t.Name()]
		delete(shared, t.Name())
		holderMu.Unlock()
		if ok {
			r()
		}
	})
}

// PauseReplay stops a replica from applying changes: pg_wal_replay_pause()
// on PostgreSQL, STOP SLAVE SQL_THREAD on MariaDB (the IO thread keeps
// receiving, so the lag is in replay, as in production). Replay resumes
// automatically when the test ends. The caller must hold LockReplication.
func PauseReplay(t testing.TB, replica Endpoint) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Pause(ctx, replica); err != nil {
		t.Fatalf("testdb: pause replay on %s: %v", replica, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Resume(ctx, replica); err != nil {
			t.Errorf("testdb: resume replay on %s: %v", replica, err)
		}
	})
}

// Pause stops replay on replica (see PauseReplay).
func Pause(ctx context.Context, replica Endpoint) error {
	switch replica.Kind {
	case KindPostgres:
		c, err := ConnectPG(ctx, replica)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
			return err
		}
		// The startup process checks for a pause request before applying
		// each WAL record, so once requested no further record is applied;
		// the state reads "paused" only when the next record arrives, which
		// on an idle primary can take many seconds. Wait briefly for a
		// record being applied right now to finish.
		var state string
		if err := c.QueryRow(ctx, "SELECT pg_get_wal_replay_pause_state()").Scan(&state); err != nil {
			return err
		}
		if state == "not paused" {
			return fmt.Errorf("replay on %s did not accept the pause request", replica)
		}
		time.Sleep(20 * time.Millisecond)
		return nil
	default:
		return exec(ctx, replica, "STOP SLAVE SQL_THREAD")
	}
}

// Resume restarts replay on replica.
func Resume(ctx context.Context, replica Endpoint) error {
	if replica.Kind == KindPostgres {
		return exec(ctx, replica, "SELECT pg_wal_replay_resume()")
	}
	return exec(ctx, replica, "START SLAVE SQL_THREAD")
}

// Position returns the primary's current replication position: the WAL
// insert LSN on PostgreSQL, @@gtid_binlog_pos on MariaDB.
func Position(ctx context.Context, primary Endpoint) (string, error) {
	switch primary.Kind {
	case KindPostgres:
		c, err := ConnectPG(ctx, primary)
		if err != nil {
			return "", err
		}
		defer c.Close(context.Background())
		var lsn string
		err = c.QueryRow(ctx, "SELECT pg_current_wal_insert_lsn()::text").Scan(&lsn)
		return lsn, err
	default:
		db, err := OpenMySQL(primary)
		if err != nil {
			return "", err
		}
		defer db.Close()
		var pos string
		err = db.QueryRowContext(ctx, "SELECT @@gtid_binlog_pos").Scan(&pos)
		return pos, err
	}
}

// WaitReplayed blocks until replica's replay position reaches pos (an LSN
// on PostgreSQL, a GTID position on MariaDB).
func WaitReplayed(ctx context.Context, replica Endpoint, pos string) error {
	switch replica.Kind {
	case KindPostgres:
		c, err := ConnectPG(ctx, replica)
		if err != nil {
			return err
		}
		defer c.Close(context.Background())
		for {
			var ok bool
			err := c.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)", pos).Scan(&ok)
			if err != nil {
				return err
			}
			if ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("replica %s has not replayed %s: %w", replica, pos, ctx.Err())
			case <-time.After(10 * time.Millisecond):
			}
		}
	default:
		db, err := OpenMySQL(replica)
		if err != nil {
			return err
		}
		defer db.Close()
		timeout := 30.0
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d).Seconds()
		}
		var res int
		if err := db.QueryRowContext(ctx, "SELECT MASTER_GTID_WAIT(?, ?)", pos, timeout).Scan(&res); err != nil {
			return err
		}
		if res != 0 {
			return fmt.Errorf("replica %s has not replayed GTID %s within %.1fs", replica, pos, timeout)
		}
		return nil
	}
}

// CaughtUp waits (at most 30 s) until every replica has replayed what the
// primary had written when it was called, holding the shared replication lock so it never waits on a
// replica another test paused.
func CaughtUp(t testing.TB, c Cluster) {
	t.Helper()
	defer shareReplication(t)()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pos, err := Position(ctx, c.Primary)
	if err != nil {
		t.Fatalf("testdb: primary position: %v", err)
	}
	for _, r := range c.Replicas {
		if err := WaitReplayed(ctx, r, pos); err != nil {
			t.Fatalf("testdb: %v", err)
		}
	}
}

// shareReplication holds the shared lock unless t (or its parent) holds
// the exclusive one.
func shareReplication(t testing.TB) (release func()) {
	t.Helper()
	holderMu.Lock()
	h := holder
	holderMu.Unlock()
	if h != "" && (t.Name() == h || strings.HasPrefix(t.Name(), h+"/")) {
		return func() {}
	}
	if sharedInLine(t.Name()) {
		// The test or one of its parents holds the shared lock for longer
		// than this hold: taking it again could wait behind an exclusive
		// waiter that waits for that very hold.
		return func() {}
	}
	lockMu.RLock()
	rel, err := through(lockShared)
	if err != nil {
		lockMu.RUnlock()
		t.Fatalf("testdb: replication lock: %v", err)
	}
	return func() { rel(); lockMu.RUnlock() }
}

// sharedInLine reports whether the test name or one of its parents holds
// a shared lock through holdShared (released at that test's end, after
// its subtests').
func sharedInLine(name string) bool {
	holderMu.Lock()
	defer holderMu.Unlock()
	for {
		if _, ok := shared[name]; ok {
			return true
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return false
		}
		name = name[:i]
	}
}
