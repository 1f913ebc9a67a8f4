package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// ErrLockTimeout: another deployer held the MariaDB migration lock for
// longer than Config.LockTimeout.
var ErrLockTimeout = errors.New("migrate: timed out waiting for the migration lock")

// dbLock is the migration lock of one run. On PostgreSQL and MariaDB it
// lives on a connection held for the whole run (tx), which touches no
// table, so it blocks no DDL of the migrations; they run on other pooled
// connections. On SQLite tx is nil: each migration's BEGIN IMMEDIATE
// transaction is the lock (see the package doc).
type dbLock struct {
	tx   *engine.Tx
	name string // MariaDB lock name
}

// lockKey is the PostgreSQL advisory lock key of a version table.
// Advisory locks are per database, so equal keys in two databases do not
// conflict.
func lockKey(table string) int64 {
	sum := sha256.Sum256([]byte("athanor.migrate:" + table))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// acquire takes the migration lock, waiting for another deployer's run to
// end.
func (m *Migrator) acquire(ctx context.Context) (*dbLock, error) {
	if m.driver == engine.SQLite {
		return &dbLock{}, nil
	}
	if n := m.db.Stats().MaxConns; n < 2 {
		// The lock holds one connection for the run; the migrations need
		// another.
		return nil, fmt.Errorf("migrate: the pool allows %d connection(s); migrations need 2 (one holds the lock)", n)
	}
	tx, err := m.db.Begin(ctx, engine.TxOptions{})
	if err != nil {
		return nil, fmt.Errorf("migrate: lock connection: %w", err)
	}
	l := &dbLock{tx: tx}
	if err := m.lockOn(ctx, l); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	return l, nil
}

func (m *Migrator) lockOn(ctx context.Context, l *dbLock) error {
	switch m.driver {
	case engine.Postgres:
		// pg_advisory_xact_lock: held until the lock transaction ends,
		// however it ends (rollback, lost connection).
		key := lockKey(m.cfg.Table)
		var got bool
		if err := l.tx.QueryRow(ctx, core.Raw("SELECT pg_try_advisory_xact_lock(?)", key)).Scan(&got); err != nil {
			return fmt.Errorf("migrate: advisory lock for %s: %w", m.cfg.Table, err)
		}
		if !got {
			m.logf("waiting for the migration lock of %s (another deployer is migrating)", m.cfg.Table)
			if _, err := l.tx.Exec(ctx, core.Raw("SELECT pg_advisory_xact_lock(?)", key)); err != nil {
				return fmt.Errorf("migrate: advisory lock for %s: %w", m.cfg.Table, err)
			}
		}
		return m.pgIdle(ctx, l)
	case engine.MySQL:
		// GET_LOCK is held by the connection until RELEASE_LOCK or the
		// connection ends, across COMMITs; names are server-wide, so the
		// name includes the database.
		if err := l.tx.QueryRow(ctx, core.Raw("SELECT CONCAT('athanor_mig_', LEFT(SHA2(CONCAT(DATABASE(), '.', ?), 256), 40))", m.cfg.Table)).Scan(&l.name); err != nil {
			return fmt.Errorf("migrate: lock name for %s: %w", m.cfg.Table, err)
		}
		for _, wait := range []int64{0, int64(m.cfg.LockTimeout.Seconds())} {
			if wait > 0 {
				m.logf("waiting for the migration lock of %s (another deployer is migrating)", m.cfg.Table)
			}
			var got int64
			if err := l.tx.QueryRow(ctx, core.Raw("SELECT COALESCE(GET_LOCK(?, ?), -1)", l.name, wait)).Scan(&got); err != nil {
				return fmt.Errorf("migrate: GET_LOCK for %s: %w", m.cfg.Table, err)
			}
			switch got {
			case 1:
				return nil
			case -1:
				return fmt.Errorf("migrate: GET_LOCK for %s failed", m.cfg.Table)
			}
		}
		return fmt.Errorf("%w of %s after %s", ErrLockTimeout, m.cfg.Table, m.cfg.LockTimeout)
	}
	return nil
}

// check verifies the lock is still held before a migration commits: were
// the lock connection lost, the lock would be free for another deployer.
func (m *Migrator) check(ctx context.Context, l *dbLock) error {
	if l.tx == nil {
		return nil
	}
	var one int64
	if err := l.tx.QueryRow(ctx, core.Raw("SELECT 1").ReadOnly()).Scan(&one); err != nil {
		return fmt.Errorf("migrate: migration lock of %s lost: %w", m.cfg.Table, err)
	}
	if m.driver == engine.Postgres {
		return m.pgIdle(ctx, l)
	}
	return nil
}

// pgIdle readies the PostgreSQL lock transaction to sit idle for the
// run. Its last SELECT's portal stays open until the next statement and
// holds a snapshot, whose xmin would make CREATE INDEX CONCURRENTLY (of a
// no-transaction migration) wait for this transaction forever, and hold
// back vacuum. A SET takes no snapshot and drops that portal; this one
// also keeps a server's idle_in_transaction_session_timeout from ending
// the lock's session in a long migration.
func (m *Migrator) pgIdle(ctx context.Context, l *dbLock) error {
	if _, err := l.tx.Exec(ctx, core.Raw("SET LOCAL idle_in_transaction_session_timeout = 0")); err != nil {
		return fmt.Errorf("migrate: migration lock of %s: %w", m.cfg.Table, err)
	}
	return nil
}

// release gives the lock up. It runs even when ctx was cancelled.
func (m *Migrator) release(ctx context.Context, l *dbLock) error {
	if l.tx == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var err error
	if m.driver == engine.MySQL && l.name != "" {
		var res *int64
		err = l.tx.QueryRow(ctx, core.Raw("SELECT RELEASE_LOCK(?)", l.name)).Scan(&res)
	}
	// Ending the transaction releases the PostgreSQL lock; on MariaDB a
	// failed RELEASE_LOCK is still undone when the connection is closed.
	if rerr := l.tx.Rollback(ctx); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("migrate: release migration lock of %s: %w", m.cfg.Table, err)
	}
	return nil
}
