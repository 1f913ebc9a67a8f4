// Package migrate owns a database's schema lifecycle after CreateAll: it
// computes migrations from the models (Diff, DiffLive, AutogenerateLive:
// the models against the live schema as package inspect reflects it,
// rendered as up and down SQL per dialect), and applies versioned
// migrations — SQL files and Go functions — to PostgreSQL, MySQL/MariaDB
// and SQLite, recording them in a version table and serialising
// concurrent deployers with a database lock. The cli package puts a
// command line on top.
//
// # Autogenerate
//
// DiffLive(ctx, db, models, opts) reflects the database (leaving out the
// version table) and returns the Plan that makes it equal to the models:
// tables, columns (type, nullability, default, comment), indexes, unique
// constraints, foreign keys, checks and enum values, each change marked
// Destructive when it can lose data (a drop, a narrowing, an enum value
// removed). An empty Plan means the database and the models agree, a
// check worth running in CI. Renames cannot be told from a drop and an
// add: give them as DiffOptions.Renames or with the renamed_from tag
// option of a mapped field, and they become RENAME statements.
// AutogenerateLive writes the Plan as <version>_<name>.<dialect>.up.sql
// and .down.sql in the migrations directory; it refuses destructive
// changes unless DiffOptions.AllowDestructive is set, and writes nothing
// when there is no change (ErrNoChanges). Both sides are compared after
// inspect.Normalize, which states what each server does not preserve.
//
// # Files
//
// A migrations directory (any fs.FS: os.DirFS, or an embed.FS through
// fs.Sub) holds pairs of files named
//
//	<version>_<name>.up.sql
//	<version>_<name>.down.sql
//
// where version is decimal digits (0001, or a timestamp such as
// 20261206071500), ordered numerically. A per-dialect variant,
// <version>_<name>.<dialect>.up.sql (dialect postgres, mysql or sqlite),
// replaces the generic file of the same version when that dialect runs;
// a version with files only for other dialects does not exist for this
// one. A down file is optional; without it Down refuses the migration.
// NextVersion picks the version of a new file.
//
// Files are split into statements at semicolons outside quotes,
// comments and PostgreSQL dollar-quoted bodies ($$ … $$, $fn$ … $fn$);
// SQLite CREATE TRIGGER … BEGIN … END bodies stay whole. A file that
// cannot be split (an unterminated quote or comment) is an ErrSource
// error naming the file and line, reported by New before any database
// work. MySQL compound statements (procedures, multi-statement triggers)
// are not split correctly: write them as Go migrations.
//
// A file holding the line
//
//	-- athanor:no-transaction
//
// (NoTransaction) runs outside a transaction, statement by statement, as
// PostgreSQL's CREATE INDEX CONCURRENTLY requires; a failure there is
// reported like a MySQL one (below), with the statements that stay
// applied. SQLite, which has no run-wide lock, refuses such files.
//
// A file holding the line
//
//	-- athanor:foreign-keys-off
//
// (ForeignKeysOff) runs in its usual transaction with foreign-key
// enforcement off (engine.TxOptions.ForeignKeysOff). It is for SQLite's
// table rebuild (create the new table, copy the rows, drop the old one,
// rename): with enforcement on, dropping a referenced table would fire
// its children's ON DELETE actions (CASCADE deletes their rows), and
// PRAGMA foreign_keys cannot change inside a transaction, so the runner
// sets it on the migration's connection before BEGIN IMMEDIATE and turns
// it back on when the transaction ends. On SQLite the runner then runs
// PRAGMA foreign_key_check before writing the version row: rows that
// reference a missing parent fail the migration with a *ForeignKeyError
// naming the file and the tables, and it is rolled back. On
// MySQL/MariaDB the file runs with SET foreign_key_checks = 0 and rows
// are not checked afterwards. PostgreSQL refuses the directive (ErrSource
// from New). Autogenerate marks its SQLite table rebuilds with it. A file
// may not hold both directives.
//
// Go migrations are registered in code:
//
//	migrate.Func(3, "backfill_slugs", func(ctx context.Context, ex engine.Executor) error {
//		_, err := ex.Exec(ctx, core.Raw("UPDATE posts SET slug = lower(title)"))
//		return err
//	}, nil)
//
// # Running
//
//	m, err := migrate.New(db, migrate.Config{FS: os.DirFS("migrations")})
//	res, err := m.Up(ctx)          // all pending; UpTo(ctx, v) stops at v
//	res, err = m.Down(ctx)         // the last one; DownTo(ctx, v) reverts above v
//	res, err = m.Redo(ctx)         // down and up of the last one
//	res, err = m.To(ctx, v)        // down or up to v
//	st, err := m.Status(ctx)       // per version: applied, missing, changed
//
// The version table (default athanor_migrations, Config.Table) has one
// row per applied migration: version, name, checksum (hex SHA-256 of the
// up file), applied_at, duration (milliseconds). Before any change a run
// checks it against the sources: an applied migration whose file changed
// fails with ErrChecksum naming the file; an applied version that no
// source has is shown by Status (Missing) and makes Up and To fail with
// ErrMissing unless Config.AllowMissing is set.
//
// # Transactions
//
// On PostgreSQL and SQLite each migration and its version row are one
// transaction: a failing statement rolls the whole migration back, and
// the *StatementError names the file, statement index, line and text.
//
// MySQL and MariaDB commit DDL implicitly, so a migration there runs
// statement by statement (in one connection, so session settings carry
// from one statement to the next) and its version row is written after
// the last one. When a statement fails, the statements before it stay
// applied (the run commits them so the report is exact) and the version
// is not recorded; the *StatementError lists the applied statements.
// To recover, either undo them by hand, or rewrite them to be idempotent
// (CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, DROP … IF
// EXISTS); then fix the failing statement and run Up again, which reruns
// the whole file. A failed Go migration is rolled back as far as the
// server allows.
//
// # The lock
//
// Deployers that run Up at the same time apply each migration exactly
// once. A run takes a database lock, then reads the version table, so it
// plans against what earlier holders applied:
//
//   - PostgreSQL: pg_advisory_xact_lock on a key derived from the version
//     table's name, taken in a transaction that the run keeps open on one
//     pooled connection until it ends. Advisory locks belong to a
//     connection (a session), so they must stay on one connection; the
//     transaction-scoped form is released however that connection's
//     transaction ends, even if the process dies.
//   - MySQL/MariaDB: GET_LOCK with a name derived from the database and
//     the version table, held the same way by a transaction kept open on
//     one connection, and released with RELEASE_LOCK (the server also
//     releases it when the connection ends). GET_LOCK survives COMMIT,
//     but holding the connection in a transaction is what keeps the pool
//     from handing it to other work while the lock is held. The wait is
//     bounded by Config.LockTimeout.
//
// The lock transaction reads no table, so it holds no lock that a
// migration's ALTER TABLE would wait for, and on PostgreSQL it sits idle
// without a snapshot, so CREATE INDEX CONCURRENTLY does not wait for it; the migrations run in their
// own transactions on other pooled connections (the pool needs two
// connections), and before writing each version row the run checks that
// the lock connection is still alive: if it died, the lock may be
// another deployer's, and the migration is not recorded (on PostgreSQL
// it is rolled back; on MySQL/MariaDB its statements stay applied, as
// after a failed statement).
//
//   - SQLite has one writer at a time: each migration's transaction begins
//     IMMEDIATE (taking the database's write lock) and re-reads its
//     version row inside it, so a migration another process applied
//     meanwhile is skipped. There is no run-wide lock: a long-held SQLite
//     write lock would block the run's own transactions.
//
// The version table's primary key on version is a last guard: a second
// insert of one version fails.
//
// # Replicas
//
// When New is given a *router.Router (or Config.Router is set), the
// migrations run on the primary of its default group, and a run that
// changed anything then reads the primary's replication position and
// waits until every replica of that group reports (through the router's
// health monitor, see router.Group.Replicas) a replay position covering
// it, so the new schema is on the replicas before new code reads from
// them. The wait is bounded by Config.ReplicaTimeout; past it the run
// returns a *ReplicaError (matching ErrReplicaTimeout) naming the lagging
// replica. The migrations themselves are committed by then.
package migrate
