package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Applied is one row of the version table.
type Applied struct {
	Version   int64
	Name      string
	Checksum  string
	AppliedAt time.Time
	Duration  time.Duration
}

// The version table: one row per applied migration. duration is in
// milliseconds; checksum is the hex SHA-256 of the up file ("" for a Go
// migration).
func (m *Migrator) createTableSQL() string {
	ts := "TIMESTAMP"
	switch m.driver {
	case engine.Postgres:
		ts = "TIMESTAMPTZ"
	case engine.MySQL:
		ts = "DATETIME(6)"
	}
	return "CREATE TABLE IF NOT EXISTS " + m.table + " (" +
		"version BIGINT NOT NULL PRIMARY KEY, " +
		"name VARCHAR(255) NOT NULL, " +
		"checksum VARCHAR(64) NOT NULL, " +
		"applied_at " + ts + " NOT NULL, " +
		"duration BIGINT NOT NULL)"
}

// ensureTable creates the version table if it does not exist. Callers
// hold the migration lock (PostgreSQL and MariaDB) or the write lock
// (SQLite), so concurrent deployers do not race on CREATE TABLE.
func (m *Migrator) ensureTable(ctx context.Context, ex engine.Executor) error {
	if _, err := ex.Exec(ctx, core.Raw(m.createTableSQL())); err != nil {
		return fmt.Errorf("migrate: create version table %s: %w", m.cfg.Table, err)
	}
	return nil
}

// tableExists reports whether the version table exists, without creating
// it (Status writes nothing).
func (m *Migrator) tableExists(ctx context.Context, ex engine.Executor) (bool, error) {
	var q core.Statement
	switch m.driver {
	case engine.Postgres:
		q = core.Raw("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = ?", m.cfg.Table).ReadOnly()
	case engine.MySQL:
		q = core.Raw("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?", m.cfg.Table).ReadOnly()
	default:
		q = core.Raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", m.cfg.Table).ReadOnly()
	}
	var n int64
	if err := ex.QueryRow(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate: look for version table %s: %w", m.cfg.Table, err)
	}
	return n > 0, nil
}

// readApplied returns the version table's rows by version.
func (m *Migrator) readApplied(ctx context.Context, ex engine.Executor) (map[int64]Applied, error) {
	out := map[int64]Applied{}
	q := core.Raw("SELECT version, name, checksum, applied_at, duration FROM " + m.table + " ORDER BY version").ReadOnly()
	err := ex.QueryFunc(ctx, q, func(rows *engine.Rows) error {
		for rows.Next() {
			var a Applied
			var ms int64
			if err := rows.Scan(&a.Version, &a.Name, &a.Checksum, &a.AppliedAt, &ms); err != nil {
				return err
			}
			a.Duration = time.Duration(ms) * time.Millisecond
			out[a.Version] = a
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("migrate: read version table %s: %w", m.cfg.Table, err)
	}
	return out, nil
}

// isApplied reads one version's row inside the migration's transaction.
func (m *Migrator) isApplied(ctx context.Context, ex engine.Executor, v int64) (bool, error) {
	var n int64
	q := core.Raw("SELECT COUNT(*) FROM "+m.table+" WHERE version = ?", v).ReadOnly()
	if err := ex.QueryRow(ctx, q).Scan(&n); err != nil {
		return false, fmt.Errorf("migrate: read version table %s: %w", m.cfg.Table, err)
	}
	return n > 0, nil
}

func (m *Migrator) recordUp(ctx context.Context, ex engine.Executor, mig Migration, took time.Duration) error {
	q := core.Raw("INSERT INTO "+m.table+" (version, name, checksum, applied_at, duration) VALUES (?, ?, ?, ?, ?)",
		mig.Version, mig.Name, mig.Checksum, time.Now().UTC(), took.Milliseconds())
	if _, err := ex.Exec(ctx, q); err != nil {
		return fmt.Errorf("migrate: record %s in %s: %w", mig.source(), m.cfg.Table, err)
	}
	return nil
}

func (m *Migrator) recordDown(ctx context.Context, ex engine.Executor, v int64) error {
	if _, err := ex.Exec(ctx, core.Raw("DELETE FROM "+m.table+" WHERE version = ?", v)); err != nil {
		return fmt.Errorf("migrate: remove version %d from %s: %w", v, m.cfg.Table, err)
	}
	return nil
}

// NextVersion returns the version for a new migration in fsys: the
// current UTC time as yyyymmddhhmmss when timestamp is set or the
// existing files already use such versions, else the highest version plus
// one, zero-padded to the width of the existing versions (at least 4).
func NextVersion(fsys fs.FS, timestamp bool, now time.Time) (string, error) {
	var highest int64
	width := 4
	if fsys != nil {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil && !isNotExist(err) {
			return "", fmt.Errorf("migrate: read migrations directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			f, err := ParseFileName(e.Name())
			if err != nil {
				return "", err
			}
			highest = max(highest, f.Version)
			if v, _, _ := strings.Cut(e.Name(), "_"); len(v) > width {
				width = len(v)
			}
		}
	}
	if timestamp || width >= 12 {
		ts, _ := strconv.ParseInt(now.UTC().Format("20060102150405"), 10, 64)
		return strconv.FormatInt(max(ts, highest+1), 10), nil
	}
	return fmt.Sprintf("%0*d", width, highest+1), nil
}

func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }
