package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/puddle/v2"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
)

// IsolationLevel is a transaction isolation level.
type IsolationLevel uint8

const (
	// IsolationDefault uses the server's default level.
	IsolationDefault IsolationLevel = iota
	ReadUncommitted
	ReadCommitted
	RepeatableRead
	Serializable
)

func (l IsolationLevel) sql() string {
	switch l {
	case ReadUncommitted:
		return "READ UNCOMMITTED"
	case ReadCommitted:
		return "READ COMMITTED"
	case RepeatableRead:
		return "REPEATABLE READ"
	case Serializable:
		return "SERIALIZABLE"
	}
	return ""
}

// String names the level.
func (l IsolationLevel) String() string {
	if s := l.sql(); s != "" {
		return s
	}
	return "DEFAULT"
}

// TxOptions configure a transaction.
//
// SQLite has one isolation level (serializable) and ignores Isolation; a
// SQLite transaction that is not ReadOnly begins IMMEDIATE (it takes the
// write lock at once, waiting up to busy_timeout), which avoids deadlocks
// between two readers upgrading to writers; a ReadOnly one runs with
// PRAGMA query_only.
//
// ForeignKeysOff turns foreign-key enforcement off for this transaction,
// for a schema change that drops and recreates a referenced table:
//
//   - SQLite: PRAGMA foreign_keys = OFF on the transaction's connection
//     before BEGIN (the pragma is a no-op inside a transaction), so DROP
//     TABLE fires no ON DELETE action. Nothing is checked at Commit: the
//     caller runs PRAGMA foreign_key_check before it.
//   - MySQL/MariaDB: SET foreign_key_checks = 0 for the session before
//     START TRANSACTION. Rows written meanwhile are not checked later.
//   - PostgreSQL: refused (Begin fails); there is no per-transaction
//     switch without superuser.
//
// Enforcement is turned back on (the engine's default) when the
// transaction ends, however it ends; a
// connection on which it cannot be restored is closed instead of
// returned to the pool.
type TxOptions struct {
	Isolation      IsolationLevel
	ReadOnly       bool
	ForeignKeysOff bool
}

// Tx is a transaction on one connection, or a savepoint inside one (see
// Tx.Begin). It is used by one goroutine at a time.
type Tx struct {
	db     *DB
	res    *puddle.Resource[*conn] // top-level only
	c      *conn
	ctx    context.Context // Begin's context, for the release check
	parent *Tx
	opts   TxOptions

	savepoint string // "" for a top-level transaction
	done      bool
	busy      bool // rows of a query are open
	child     *Tx  // the open nested transaction, if any
	nested    int  // savepoints made, for names

	// pendingBegin is PostgreSQL's BEGIN, deferred to the first statement:
	// sent in its own round trip just before it, or in the same pipeline
	// when the first statement is a batch. A transaction with no
	// statement costs no round trip.
	pendingBegin string

	hctx  context.Context
	start time.Time
}

// Begin starts a transaction. The connection is held until Commit or
// Rollback. On PostgreSQL the BEGIN is deferred until the first statement
// (its own round trip just before it, or inside the pipeline of a first
// Batch), so an error in the options shows there.
func (db *DB) Begin(ctx context.Context, opts TxOptions) (*Tx, error) {
	stmts, err := db.rt.BeginSQL(opts)
	if err != nil {
		return nil, fmt.Errorf("engine: begin: %w", err)
	}
	res, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	tx := &Tx{db: db, res: res, c: res.Value(), ctx: ctx, opts: opts}
	if db.hooks.tx != nil {
		tx.hctx = db.hooks.txBegin(ctx, TxBeginData{Options: opts})
		tx.start = time.Now()
	}
	if db.caps.DeferBegin && len(stmts) == 1 {
		tx.pendingBegin = stmts[0]
		return tx, nil
	}
	for _, s := range stmts {
		if _, err := tx.c.dc.Exec(ctx, s, nil); err != nil {
			err = db.execError(ctx, tx.c, err, false)
			tx.c.taint()
			tx.end(false, err)
			return nil, fmt.Errorf("engine: begin: %w", err)
		}
	}
	return tx, nil
}

// ready checks that the transaction can take a statement and sends a
// pending BEGIN.
func (tx *Tx) ready(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	if tx.done || tx.rootDone() {
		return ErrTxDone
	}
	if tx.busy {
		return ErrTxBusy
	}
	if tx.child != nil && !tx.child.done {
		return errors.New("engine: transaction has an open nested transaction; commit or roll it back first")
	}
	root := tx.root()
	if root.pendingBegin != "" {
		s := root.pendingBegin
		root.pendingBegin = ""
		if _, err := tx.c.dc.Exec(ctx, s, nil); err != nil {
			return fmt.Errorf("engine: begin: %w", tx.db.execError(ctx, tx.c, err, false))
		}
	}
	return nil
}

func (tx *Tx) root() *Tx {
	for tx.parent != nil {
		tx = tx.parent
	}
	return tx
}

func (tx *Tx) rootDone() bool {
	for p := tx.parent; p != nil; p = p.parent {
		if p.done {
			return true
		}
	}
	return false
}

// failed notes an error met by rows of the transaction. PostgreSQL keeps
// its own aborted state (the next statement fails; Rollback or a savepoint
// rollback recovers), so nothing is recorded yet.
func (tx *Tx) failed(error) {}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, stmt core.Statement) (Result, error) {
	cs, err := tx.db.compile(stmt)
	if err != nil {
		return Result{}, err
	}
	if err := tx.ready(ctx); err != nil {
		return Result{}, err
	}
	return tx.db.execOn(ctx, tx.c, stmt, &cs, true)
}

// Query runs a query in the transaction. Close the rows before the next
// statement on the transaction.
func (tx *Tx) Query(ctx context.Context, stmt core.Statement) (*Rows, error) {
	r := &Rows{}
	if err := tx.queryInto(ctx, stmt, r); err != nil {
		return nil, err
	}
	return r, nil
}

// QueryFunc runs a query in the transaction and calls fn with its rows,
// then closes them (see DB.QueryFunc): fn must not keep them.
func (tx *Tx) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*Rows) error) error {
	r := getRows()
	defer recycleRows(r)
	if err := tx.queryInto(ctx, stmt, r); err != nil {
		return err
	}
	return finishRows(r, fn(r))
}

func (tx *Tx) queryInto(ctx context.Context, stmt core.Statement, r *Rows) error {
	cs, err := tx.db.compile(stmt)
	if err != nil {
		return err
	}
	if err := tx.ready(ctx); err != nil {
		return err
	}
	r.db, r.c, r.ctx, r.tx = tx.db, tx.c, ctx, tx
	tx.busy = true
	if err := r.run(stmt, &cs, true); err != nil {
		tx.busy = false
		return err
	}
	return nil
}

// QueryRow runs a query expected to return at most one row.
func (tx *Tx) QueryRow(ctx context.Context, stmt core.Statement) *Row {
	r := getRows()
	if err := tx.queryInto(ctx, stmt, r); err != nil {
		putRows(r)
		return &Row{err: err}
	}
	return &Row{rows: r}
}

// Begin starts a nested transaction: a SAVEPOINT. Its Rollback undoes only
// the work done since, and the outer transaction goes on; its Commit
// releases the savepoint (the work becomes part of the outer transaction).
func (tx *Tx) Begin(ctx context.Context) (*Tx, error) {
	if err := tx.ready(ctx); err != nil {
		return nil, err
	}
	tx.nested++
	name := "athanor_sp_" + strconv.Itoa(tx.depth()) + "_" + strconv.Itoa(tx.nested)
	child := &Tx{db: tx.db, c: tx.c, ctx: ctx, parent: tx, opts: tx.opts, savepoint: name}
	if tx.db.hooks.tx != nil {
		child.hctx = tx.db.hooks.txBegin(ctx, TxBeginData{Options: tx.opts, Savepoint: name})
		child.start = time.Now()
	}
	if _, err := tx.c.dc.Exec(ctx, "SAVEPOINT "+name, nil); err != nil {
		err = tx.db.execError(ctx, tx.c, err, false)
		child.end(false, err)
		return nil, fmt.Errorf("engine: savepoint: %w", err)
	}
	tx.child = child
	return child, nil
}

func (tx *Tx) depth() int {
	n := 0
	for p := tx; p.parent != nil; p = p.parent {
		n++
	}
	return n
}

// Commit commits the transaction (or releases the savepoint).
//
// If the connection fails while COMMIT is in flight, the transaction may or
// may not have been committed; the error then matches
// athanor.ErrOutcomeUnknown and must not be retried blindly.
func (tx *Tx) Commit(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext // the transaction stays open
	}
	if err := tx.ready(ctx); err != nil {
		if errors.Is(err, ErrTxDone) {
			return err
		}
		// A pending BEGIN failed: nothing to commit.
		tx.abandon(err)
		return err
	}
	if tx.savepoint != "" {
		_, err := tx.c.dc.Exec(ctx, "RELEASE SAVEPOINT "+tx.savepoint, nil)
		if err != nil {
			err = fmt.Errorf("engine: release savepoint: %w", tx.db.execError(ctx, tx.c, err, false))
		}
		tx.end(true, err)
		return err
	}
	err := tx.commit(ctx)
	tx.end(true, err)
	return err
}

func (tx *Tx) commit(ctx context.Context) error {
	var err error
	if cm, ok := tx.c.dc.(Committer); ok {
		var rolledBack bool
		rolledBack, err = cm.Commit(ctx)
		if err == nil && rolledBack {
			return errors.New("engine: commit: the transaction was rolled back because a statement in it failed")
		}
	} else {
		_, err = tx.c.dc.Exec(ctx, "COMMIT", nil)
	}
	if err == nil {
		return nil
	}
	if tx.c.dc.ServerError(err) {
		// The server answered: the transaction did not commit.
		tx.c.taint()
		return fmt.Errorf("engine: commit: %w", tx.db.classify(err))
	}
	tx.c.taint()
	if ctx.Err() != nil {
		tx.db.cancelled(tx.c)
	}
	return fmt.Errorf("engine: commit outcome unknown: %w: %w", athanor.ErrOutcomeUnknown, tx.db.classify(err))
}

// Rollback rolls the transaction back (or back to the savepoint). After
// Commit it returns ErrTxDone, so `defer tx.Rollback(ctx)` is safe.
func (tx *Tx) Rollback(ctx context.Context) error {
	if tx.done || tx.rootDone() {
		return ErrTxDone
	}
	if ctx == nil {
		// Nothing can be sent without a context: the connection is
		// closed (which rolls the transaction back on the server) rather
		// than held forever.
		tx.root().abandon(ErrNilContext)
		return ErrNilContext
	}
	if tx.child != nil && !tx.child.done {
		_ = tx.child.Rollback(ctx)
	}
	if tx.busy {
		// Rows left open: the connection's state is not worth saving.
		tx.c.taint()
	}
	root := tx.root()
	if tx.savepoint == "" && root.pendingBegin != "" {
		// Nothing was sent: nothing to roll back.
		root.pendingBegin = ""
		tx.end(false, nil)
		return nil
	}
	var err error
	if tx.savepoint != "" {
		_, err = tx.c.dc.Exec(ctx, "ROLLBACK TO SAVEPOINT "+tx.savepoint, nil)
		if err == nil {
			_, err = tx.c.dc.Exec(ctx, "RELEASE SAVEPOINT "+tx.savepoint, nil)
		}
		if err != nil {
			err = fmt.Errorf("engine: rollback to savepoint: %w", tx.db.execError(ctx, tx.c, err, false))
		}
	} else if !tx.c.tainted.Load() {
		_, err = tx.c.dc.Exec(ctx, "ROLLBACK", nil)
		if err != nil {
			// The connection is destroyed, so the server rolls back.
			tx.c.taint()
			err = fmt.Errorf("engine: rollback: %w", tx.db.execError(ctx, tx.c, err, false))
		}
	}
	tx.end(false, err)
	return err
}

// abandon ends a transaction whose connection state is unknown.
func (tx *Tx) abandon(err error) {
	tx.c.taint()
	tx.end(false, err)
}

// end marks tx done, reports it, and returns a top-level connection.
func (tx *Tx) end(commit bool, err error) {
	if tx.done {
		return
	}
	tx.done = true
	if tx.db.hooks.tx != nil {
		tx.db.hooks.txEnd(tx.hctx, TxEndData{Savepoint: tx.savepoint, Commit: commit, Err: err, Duration: time.Since(tx.start)})
	}
	if tx.parent != nil {
		if tx.parent.child == tx {
			tx.parent.child = nil
		}
		return
	}
	if tx.res != nil {
		if after := tx.db.rt.EndSQL(tx.opts); len(after) > 0 && !tx.c.tainted.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			for _, s := range after {
				if _, err := tx.c.dc.Exec(ctx, s, nil); err != nil {
					tx.c.taint()
					break
				}
			}
			cancel()
		}
		tx.db.release(tx.res, tx.ctx)
		tx.res = nil
	}
}

// RetryPolicy bounds RunInTx's retries.
type RetryPolicy struct {
	// MaxAttempts is the number of times fn may run. Default 10.
	MaxAttempts int
	// BaseDelay is the first backoff; it doubles per attempt, with full
	// jitter. Default 2ms.
	BaseDelay time.Duration
	// MaxDelay caps the backoff. Default 250ms.
	MaxDelay time.Duration
}

// DefaultRetryPolicy is what RunInTx uses.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 10, BaseDelay: 2 * time.Millisecond, MaxDelay: 250 * time.Millisecond}

// RunInTx runs fn in a transaction and commits it; if fn returns an error
// the transaction is rolled back and the error returned.
//
// When the transaction fails with a serialization failure, a deadlock or a
// lock timeout (athanor.IsRetryable: PostgreSQL 40001/40P01, MySQL 1213,
// SQLite busy), the whole of fn runs again in a new transaction, after a
// jittered exponential backoff, up to DefaultRetryPolicy.MaxAttempts
// times. fn must therefore have no effects outside the transaction that
// cannot be repeated.
//
// RunInTx never retries after an unknown outcome: if the connection is lost
// while COMMIT is in flight the error matches athanor.ErrOutcomeUnknown and
// is returned at once.
func (db *DB) RunInTx(ctx context.Context, opts TxOptions, fn func(ctx context.Context, tx *Tx) error) error {
	return db.RunInTxRetry(ctx, opts, DefaultRetryPolicy, fn)
}

// RunInTxRetry is RunInTx with an explicit retry policy.
func (db *DB) RunInTxRetry(ctx context.Context, opts TxOptions, p RetryPolicy, fn func(ctx context.Context, tx *Tx) error) error {
	if ctx == nil {
		return ErrNilContext
	}
	p = p.WithDefaults()
	for attempt := 1; ; attempt++ {
		err := db.runOnce(ctx, opts, fn)
		if err == nil {
			return nil
		}
		if errors.Is(err, athanor.ErrOutcomeUnknown) || !athanor.IsRetryable(err) {
			return err
		}
		if attempt >= p.MaxAttempts {
			return fmt.Errorf("engine: transaction failed after %d attempts: %w", attempt, err)
		}
		if werr := p.Backoff(ctx, attempt); werr != nil {
			return fmt.Errorf("engine: retrying transaction: %w (last error: %w)", werr, err)
		}
	}
}

// WithDefaults returns p with its zero fields set from DefaultRetryPolicy.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	return p
}

// Backoff sleeps before the retry that follows failed attempt n (1 for
// the first): BaseDelay doubled per attempt, capped at MaxDelay, with
// jitter over its upper half so that transactions that failed together
// do not retry together. It returns ctx's error if ctx ends first. p
// should have its defaults set (WithDefaults).
func (p RetryPolicy) Backoff(ctx context.Context, n int) error {
	d := p.BaseDelay << min(n-1, 20)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (db *DB) runOnce(ctx context.Context, opts TxOptions, fn func(ctx context.Context, tx *Tx) error) (err error) {
	tx, err := db.Begin(ctx, opts)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			tx.abandon(fmt.Errorf("engine: panic in transaction: %v", r))
			panic(r)
		}
	}()
	if err := fn(ctx, tx); err != nil {
		if rerr := tx.Rollback(ctx); rerr != nil && !errors.Is(rerr, ErrTxDone) {
			tx.abandon(rerr)
		}
		return err
	}
	if tx.done {
		return nil // fn committed or rolled back itself
	}
	return tx.Commit(ctx)
}
