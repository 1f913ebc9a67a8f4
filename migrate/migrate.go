package migrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// DefaultTable is the version table's name when Config.Table is empty.
const DefaultTable = "athanor_migrations"

// Migration is one versioned change: SQL files found in Config.FS, or Go
// functions registered with Func.
type Migration struct {
	// Version orders migrations (numerically) and identifies them in the
	// version table.
	Version int64
	// Name is the part of the file name after the version ("add_users").
	Name string

	// Files, for a SQL migration: the up and down file chosen for the
	// running dialect (a per-dialect file replaces the generic one).
	UpFile, DownFile string

	// Checksum is the hex SHA-256 of the up file's contents ("" for a Go
	// migration).
	Checksum string

	upSQL, downSQL []statement // split files
	hasDown        bool
	// upNoTx, downNoTx: the file holds the no-transaction directive.
	upNoTx, downNoTx bool
	// upFKOff, downFKOff: the file holds the foreign-keys-off directive.
	upFKOff, downFKOff bool
	upFn, downFn       func(ctx context.Context, ex engine.Executor) error
}

// Func is a migration written in Go. up and down receive the transaction
// the migration runs in (on PostgreSQL and SQLite the version row is
// written in the same one); down may be nil for a migration that cannot be
// reverted, which Down then refuses.
func Func(version int64, name string, up, down func(ctx context.Context, ex engine.Executor) error) Migration {
	return Migration{Version: version, Name: name, upFn: up, downFn: down}
}

// IsGo reports whether m is a Go migration.
func (m Migration) IsGo() bool { return m.upFn != nil }

// String is "0003_add_users" style: the version and the name.
func (m Migration) String() string { return fmt.Sprintf("%d_%s", m.Version, m.Name) }

// source names the migration's up source for errors: its file, or "go
// migration N_name".
func (m Migration) source() string {
	if m.UpFile != "" {
		return m.UpFile
	}
	return "go migration " + m.String()
}

// Config configures a Migrator. The zero value (apart from the sources)
// works.
type Config struct {
	// FS holds the SQL migration files at its root
	// (os.DirFS("migrations"), or an embed.FS through fs.Sub). Nil means
	// Go migrations only.
	FS fs.FS
	// Migrations are Go migrations (see Func). A version may not be both
	// a Go migration and a SQL file.
	Migrations []Migration
	// Table is the version table; default DefaultTable. A plain
	// identifier: letters, digits and underscores.
	Table string
	// AllowMissing lets Up run when the version table records a version
	// that no source has (an applied migration whose file was deleted, or
	// one from another branch). Without it Up fails with ErrMissing.
	AllowMissing bool
	// Router, if set, is waited on after a run that changed the schema:
	// every replica of its default group must replay the primary's
	// position, within ReplicaTimeout. New sets it when given a
	// *router.Router.
	Router *router.Router
	// ReplicaTimeout bounds that wait; default 1 minute.
	ReplicaTimeout time.Duration
	// LockTimeout bounds the wait for another deployer's lock on MariaDB
	// (GET_LOCK's timeout); default 10 minutes. On PostgreSQL and SQLite
	// the context bounds the wait.
	LockTimeout time.Duration
	// Log, if set, receives one line per applied or reverted migration
	// and per replica wait.
	Log io.Writer
}

// Migrator runs migrations against one database. It is safe for
// sequential use; concurrent runs (in this process or others) are
// serialised by the database lock (see the package doc).
type Migrator struct {
	db     *engine.DB
	driver engine.Driver
	cfg    Config
	table  string // quoted
	migs   []Migration
}

// Errors of the migrator. Each is wrapped with the file or version at
// fault; match with errors.Is.
var (
	// ErrChecksum: an applied migration's file has changed since it ran.
	ErrChecksum = errors.New("migrate: applied migration changed since it ran")
	// ErrMissing: the version table records a version no source has.
	ErrMissing = errors.New("migrate: applied migration missing from the sources")
	// ErrNoDown: the migration has no down step.
	ErrNoDown = errors.New("migrate: migration has no down step")
	// ErrUnknownVersion: a target version that no migration has.
	ErrUnknownVersion = errors.New("migrate: unknown version")
	// ErrSource: a bad migration file name, a duplicate version, or SQL
	// that cannot be split into statements.
	ErrSource = errors.New("migrate: bad migration source")
	// ErrReplicaTimeout: a replica did not replay the migrations in time
	// (see ReplicaError).
	ErrReplicaTimeout = errors.New("migrate: replica did not catch up")
)

// New returns a migrator for ex, which is an *engine.DB or a
// *router.Router (whose default group's primary runs the migrations; the
// router is then waited on as Config.Router). It reads and checks the
// sources now, so a bad file name or an unsplittable file is reported
// before any database work.
func New(ex engine.Executor, cfg Config) (*Migrator, error) {
	var db *engine.DB
	switch x := ex.(type) {
	case *engine.DB:
		db = x
	case *router.Router:
		g := defaultGroup(x)
		if g == nil {
			return nil, errors.New("migrate: router has no bind group")
		}
		db = g.Primary()
		if cfg.Router == nil {
			cfg.Router = x
		}
	case nil:
		return nil, errors.New("migrate: nil executor")
	default:
		return nil, fmt.Errorf("migrate: %T cannot run migrations: give an *engine.DB or a *router.Router (a migration needs its own transactions and a lock connection)", ex)
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if !plainIdent(cfg.Table) {
		return nil, fmt.Errorf("migrate: version table name %q: use letters, digits and underscores", cfg.Table)
	}
	if cfg.ReplicaTimeout <= 0 {
		cfg.ReplicaTimeout = time.Minute
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = 10 * time.Minute
	}
	q, err := db.Dialect().AppendIdent(nil, cfg.Table)
	if err != nil {
		return nil, fmt.Errorf("migrate: version table name: %w", err)
	}
	m := &Migrator{db: db, driver: db.Driver(), cfg: cfg, table: string(q)}
	m.migs, err = load(cfg.FS, cfg.Migrations, string(m.driver))
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Migrations returns the migrations found, in version order.
func (m *Migrator) Migrations() []Migration { return append([]Migration(nil), m.migs...) }

// DB is the engine migrations run on.
func (m *Migrator) DB() *engine.DB { return m.db }

func defaultGroup(r *router.Router) *router.Group {
	if g := r.Group(router.DefaultGroup); g != nil {
		return g
	}
	if gs := r.Groups(); len(gs) > 0 {
		return gs[0]
	}
	return nil
}

func plainIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func (m *Migrator) logf(format string, args ...any) {
	if m.cfg.Log != nil {
		fmt.Fprintf(m.cfg.Log, format+"\n", args...)
	}
}

// Step is one migration applied or reverted by a run.
type Step struct {
	Version   int64
	Name      string
	Down      bool // reverted rather than applied
	Duration  time.Duration
	Source    string // file or "go migration …"
	Statement int    // statements run (SQL migrations)
}

// Result reports a run: the steps taken, in order, and the replicas
// waited for.
type Result struct {
	Steps    []Step
	Replicas []ReplicaWait
}

// ReplicaWait is one replica that replayed the run's last change.
type ReplicaWait struct {
	Name     string
	Position string
	Waited   time.Duration
}

// String summarises the result in a few lines.
func (r *Result) String() string {
	var b strings.Builder
	if len(r.Steps) == 0 {
		b.WriteString("nothing to do\n")
	}
	for _, s := range r.Steps {
		verb := "applied"
		if s.Down {
			verb = "reverted"
		}
		fmt.Fprintf(&b, "%s %d_%s (%s) in %s\n", verb, s.Version, s.Name, s.Source, s.Duration.Round(time.Millisecond))
	}
	for _, w := range r.Replicas {
		fmt.Fprintf(&b, "replica %s replayed %s after %s\n", w.Name, w.Position, w.Waited.Round(time.Millisecond))
	}
	return b.String()
}
