package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Status is the state of one migration: known to the sources, recorded
// in the version table, or both.
type Status struct {
	Version   int64
	Name      string
	Source    string // file or "go migration …"; "" when Missing
	Applied   bool
	AppliedAt time.Time
	Duration  time.Duration
	// Missing: applied, but no source has this version.
	Missing bool
	// Changed: applied, and the file's checksum differs from the one
	// recorded.
	Changed bool
}

// Status reports every migration in version order. It takes no lock and
// writes nothing; a version table that does not exist yet means nothing
// is applied.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	applied := map[int64]Applied{}
	ok, err := m.tableExists(ctx, m.db)
	if err != nil {
		return nil, err
	}
	if ok {
		if applied, err = m.readApplied(ctx, m.db); err != nil {
			return nil, err
		}
	}
	var out []Status
	for _, mig := range m.migs {
		s := Status{Version: mig.Version, Name: mig.Name, Source: mig.source()}
		if a, ok := applied[mig.Version]; ok {
			s.Applied, s.AppliedAt, s.Duration = true, a.AppliedAt, a.Duration
			s.Changed = changed(mig, a)
		}
		out = append(out, s)
	}
	for _, a := range applied {
		if m.find(a.Version) < 0 {
			out = append(out, Status{Version: a.Version, Name: a.Name, Applied: true, AppliedAt: a.AppliedAt, Duration: a.Duration, Missing: true})
		}
	}
	slices.SortFunc(out, func(a, b Status) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

func changed(mig Migration, a Applied) bool {
	return !mig.IsGo() && a.Checksum != mig.Checksum
}

func (m *Migrator) find(v int64) int {
	for i, mig := range m.migs {
		if mig.Version == v {
			return i
		}
	}
	return -1
}

// action is one step of a plan.
type action struct {
	mig  Migration
	down bool
}

// Up applies every pending migration in version order.
func (m *Migrator) Up(ctx context.Context) (*Result, error) { return m.UpTo(ctx, 0) }

// UpTo applies the pending migrations up to and including version v (all
// of them when v is 0).
func (m *Migrator) UpTo(ctx context.Context, v int64) (*Result, error) {
	if err := m.known(v); err != nil {
		return nil, err
	}
	return m.run(ctx, true, func(applied map[int64]Applied) ([]action, error) {
		var plan []action
		for _, mig := range m.migs {
			if _, ok := applied[mig.Version]; !ok && (v == 0 || mig.Version <= v) {
				plan = append(plan, action{mig: mig})
			}
		}
		return plan, nil
	})
}

// Down reverts the last applied migration.
func (m *Migrator) Down(ctx context.Context) (*Result, error) {
	return m.run(ctx, false, func(applied map[int64]Applied) ([]action, error) {
		last := lastApplied(applied)
		if last == 0 {
			return nil, nil
		}
		a, err := m.revert(last, applied)
		return []action{a}, err
	})
}

// DownTo reverts the applied migrations above version v, newest first
// (all of them when v is 0).
func (m *Migrator) DownTo(ctx context.Context, v int64) (*Result, error) {
	if err := m.known(v); err != nil {
		return nil, err
	}
	return m.run(ctx, false, func(applied map[int64]Applied) ([]action, error) {
		return m.revertAbove(v, applied)
	})
}

// To brings the database to version v: reverts the applied migrations
// above it, newest first, then applies the pending ones up to it. To(0)
// reverts everything.
func (m *Migrator) To(ctx context.Context, v int64) (*Result, error) {
	if err := m.known(v); err != nil {
		return nil, err
	}
	return m.run(ctx, true, func(applied map[int64]Applied) ([]action, error) {
		plan, err := m.revertAbove(v, applied)
		if err != nil {
			return nil, err
		}
		for _, mig := range m.migs {
			if _, ok := applied[mig.Version]; !ok && mig.Version <= v {
				plan = append(plan, action{mig: mig})
			}
		}
		return plan, nil
	})
}

// Redo reverts the last applied migration and applies it again.
func (m *Migrator) Redo(ctx context.Context) (*Result, error) {
	return m.run(ctx, false, func(applied map[int64]Applied) ([]action, error) {
		last := lastApplied(applied)
		if last == 0 {
			return nil, nil
		}
		a, err := m.revert(last, applied)
		if err != nil {
			return nil, err
		}
		return []action{a, {mig: a.mig}}, nil
	})
}

func (m *Migrator) known(v int64) error {
	if v != 0 && m.find(v) < 0 {
		return fmt.Errorf("%w %d: no migration has it", ErrUnknownVersion, v)
	}
	return nil
}

func lastApplied(applied map[int64]Applied) int64 {
	var last int64
	for v := range applied {
		last = max(last, v)
	}
	return last
}

func (m *Migrator) revert(v int64, applied map[int64]Applied) (action, error) {
	i := m.find(v)
	if i < 0 {
		return action{}, fmt.Errorf("%w: cannot revert version %d (%s): no source has it", ErrMissing, v, applied[v].Name)
	}
	mig := m.migs[i]
	if !mig.hasDown {
		return action{}, fmt.Errorf("%w: %s", ErrNoDown, mig.source())
	}
	return action{mig: mig, down: true}, nil
}

func (m *Migrator) revertAbove(v int64, applied map[int64]Applied) ([]action, error) {
	var vs []int64
	for av := range applied {
		if av > v {
			vs = append(vs, av)
		}
	}
	slices.Sort(vs)
	slices.Reverse(vs)
	var plan []action
	for _, av := range vs {
		a, err := m.revert(av, applied)
		if err != nil {
			return nil, err
		}
		plan = append(plan, a)
	}
	return plan, nil
}

// run takes the lock, re-reads the version table under it, checks it
// against the sources, plans and applies.
func (m *Migrator) run(ctx context.Context, up bool, plan func(map[int64]Applied) ([]action, error)) (res *Result, err error) {
	if ctx == nil {
		return nil, engine.ErrNilContext
	}
	l, err := m.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if rerr := m.release(ctx, l); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if err := m.ensureTable(ctx, m.db); err != nil {
		return nil, err
	}
	applied, err := m.readApplied(ctx, m.db)
	if err != nil {
		return nil, err
	}
	if err := m.verify(applied, up); err != nil {
		return nil, err
	}
	actions, err := plan(applied)
	if err != nil {
		return nil, err
	}
	res = &Result{}
	for _, a := range actions {
		st, ran, err := m.apply(ctx, l, a)
		if err != nil {
			return res, err
		}
		if ran {
			res.Steps = append(res.Steps, st)
		}
	}
	if len(res.Steps) > 0 && m.cfg.Router != nil {
		waits, err := m.waitReplicas(ctx)
		res.Replicas = waits
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// verify fails on an applied migration whose file changed and, when
// applying, on an applied version no source has.
func (m *Migrator) verify(applied map[int64]Applied, up bool) error {
	var changedFiles, missing []string
	for _, mig := range m.migs {
		if a, ok := applied[mig.Version]; ok && changed(mig, a) {
			changedFiles = append(changedFiles, mig.UpFile)
		}
	}
	if len(changedFiles) > 0 {
		return fmt.Errorf("%w: %s (restore the file as it was applied and put the change in a new migration)", ErrChecksum, strings.Join(changedFiles, ", "))
	}
	for v, a := range applied {
		if m.find(v) < 0 {
			missing = append(missing, fmt.Sprintf("%d_%s", v, a.Name))
		}
	}
	if up && len(missing) > 0 && !m.cfg.AllowMissing {
		slices.Sort(missing)
		return fmt.Errorf("%w: %s recorded in %s (restore the files, or allow missing migrations)", ErrMissing, strings.Join(missing, ", "), m.cfg.Table)
	}
	return nil
}

// StatementError is a statement of a SQL migration that failed.
type StatementError struct {
	File  string
	Index int // 1-based statement index in the file
	Line  int
	SQL   string
	// Applied are the statements of the file that ran before the failure
	// and stay applied: non-nil on MySQL/MariaDB, where DDL commits at
	// once, and for a no-transaction file. Otherwise the whole migration
	// was rolled back and Applied is nil.
	Applied []string
	Err     error
}

func (e *StatementError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "migrate: %s:%d: statement %d failed: %v\n  statement: %s", e.File, e.Line, e.Index, e.Err, e.SQL)
	if e.Applied == nil {
		b.WriteString("\n  the migration was rolled back; nothing of it is applied")
		return b.String()
	}
	fmt.Fprintf(&b, "\n  %d statement(s) of this file were applied before it and stay applied (they ran outside a transaction, or MySQL/MariaDB committed them); the version was not recorded:", len(e.Applied))
	for i, s := range e.Applied {
		fmt.Fprintf(&b, "\n    %d: %s", i+1, s)
	}
	b.WriteString("\n  to recover: undo those statements by hand, or make them idempotent (IF NOT EXISTS / IF EXISTS), fix the failing statement, and run up again")
	return b.String()
}

func (e *StatementError) Unwrap() error { return e.Err }

// apply runs one action in its own transaction. ran is false when another
// deployer did it first (SQLite, which has no run-wide lock).
func (m *Migrator) apply(ctx context.Context, l *dbLock, a action) (st Step, ran bool, err error) {
	mig := a.mig
	st = Step{Version: mig.Version, Name: mig.Name, Down: a.down, Source: mig.source()}
	stmts, file, fn, noTx, fkOff := mig.upSQL, mig.UpFile, mig.upFn, mig.upNoTx, mig.upFKOff
	if a.down {
		stmts, file, fn, noTx, fkOff = mig.downSQL, mig.DownFile, mig.downFn, mig.downNoTx, mig.downFKOff
		if !mig.IsGo() {
			st.Source = file
		}
	}
	start := time.Now()
	if noTx {
		// A no-transaction file runs statement by statement on the pool,
		// under the run-wide lock (no-transaction files are refused on
		// SQLite, which has none); its version row follows.
		if err := m.execAll(ctx, m.db, file, stmts, true, &st); err != nil {
			return st, false, err
		}
	}
	tx, err := m.db.Begin(ctx, engine.TxOptions{ForeignKeysOff: fkOff})
	if err != nil {
		return st, false, fmt.Errorf("migrate: begin %s: %w", st.Source, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	// Re-read this version inside the transaction: on SQLite another
	// process may have run it since the plan was made.
	is, err := m.isApplied(ctx, tx, mig.Version)
	if err != nil {
		return st, false, err
	}
	if is != a.down {
		return st, false, nil
	}
	if fn != nil {
		if err := fn(ctx, tx); err != nil {
			return st, false, fmt.Errorf("migrate: %s: %w", st.Source, err)
		}
	}
	if !noTx {
		partial := m.driver == engine.MySQL
		if err := m.execAll(ctx, tx, file, stmts, partial, &st); err != nil {
			if partial {
				// Keep what ran, so that the report is the truth: DML
				// after the last implicit commit would otherwise be
				// rolled back.
				committed = true
				if cerr := tx.Commit(context.WithoutCancel(ctx)); cerr != nil {
					return st, false, errors.Join(err, fmt.Errorf("migrate: commit the applied statements of %s: %w", file, cerr))
				}
			}
			return st, false, err
		}
	}
	if fkOff && m.driver == engine.SQLite {
		if err := foreignKeyCheck(ctx, tx, file); err != nil {
			return st, false, err
		}
	}
	st.Duration = time.Since(start)
	// Check the lock before the version row is written: on MySQL/MariaDB
	// a DDL statement has ended the transaction, so the row commits by
	// itself.
	if err := m.check(ctx, l); err != nil {
		return st, false, err
	}
	if a.down {
		err = m.recordDown(ctx, tx, mig.Version)
	} else {
		err = m.recordUp(ctx, tx, mig, st.Duration)
	}
	if err != nil {
		return st, false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return st, false, fmt.Errorf("migrate: commit %s: %w", st.Source, err)
	}
	committed = true
	verb := "applied"
	if a.down {
		verb = "reverted"
	}
	m.logf("%s %s in %s", verb, st.Source, st.Duration.Round(time.Millisecond))
	return st, true, nil
}

// execAll runs a file's statements on ex. partial: the statements commit
// one by one, so a failure lists those before it as applied.
func (m *Migrator) execAll(ctx context.Context, ex engine.Executor, file string, stmts []statement, partial bool, st *Step) error {
	for i, s := range stmts {
		// Raw reads '?' as a placeholder; the file's text has none.
		if _, err := ex.Exec(ctx, core.Raw(strings.ReplaceAll(s.SQL, "?", "??"))); err != nil {
			se := &StatementError{File: file, Index: i + 1, Line: s.Line, SQL: s.SQL, Err: err}
			if partial {
				se.Applied = make([]string, 0, i)
				for _, p := range stmts[:i] {
					se.Applied = append(se.Applied, p.SQL)
				}
			}
			return se
		}
		st.Statement++
	}
	return nil
}

// ForeignKeyError is a foreign-keys-off migration that left rows
// referencing missing parents (SQLite's PRAGMA foreign_key_check); the
// migration was rolled back.
type ForeignKeyError struct {
	File string
	// Violations are "table(rowid) -> parent" for the first rows
	// reported.
	Violations []string
	Tables     []string // the tables holding them, sorted
}

func (e *ForeignKeyError) Error() string {
	return fmt.Sprintf("migrate: %s: foreign_key_check failed: table %s has rows referencing missing parents (%s); the migration was rolled back",
		e.File, strings.Join(e.Tables, ", "), strings.Join(e.Violations, ", "))
}

// foreignKeyCheck runs SQLite's PRAGMA foreign_key_check in tx; any row
// it returns fails the migration.
func foreignKeyCheck(ctx context.Context, tx *engine.Tx, file string) error {
	fe := &ForeignKeyError{File: file}
	err := tx.QueryFunc(ctx, core.Raw("PRAGMA foreign_key_check"), func(r *engine.Rows) error {
		for r.Next() {
			var table, parent string
			var rowid *int64
			var fkid int64
			if err := r.Scan(&table, &rowid, &parent, &fkid); err != nil {
				return err
			}
			if !slices.Contains(fe.Tables, table) {
				fe.Tables = append(fe.Tables, table)
			}
			if len(fe.Violations) < 10 {
				id := "?"
				if rowid != nil {
					id = fmt.Sprint(*rowid)
				}
				fe.Violations = append(fe.Violations, fmt.Sprintf("%s(rowid %s) -> %s", table, id, parent))
			}
		}
		return r.Err()
	})
	if err != nil {
		return fmt.Errorf("migrate: %s: foreign_key_check: %w", file, err)
	}
	if len(fe.Tables) > 0 {
		slices.Sort(fe.Tables)
		return fe
	}
	return nil
}
