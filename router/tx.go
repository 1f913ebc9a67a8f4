package router

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Tx is a transaction routed as a whole: a read-write transaction runs on
// its group's primary, a read-only one on one replica (honouring the causal
// token in the context) for its whole life. Statements on tables of another
// bind group are refused with ErrCrossGroup: a transaction never crosses
// groups. Like engine.Tx it is used by one goroutine at a time.
//
// A read-only transaction on a replica is bounded as a read is: its BEGIN,
// and each statement up to its first answer, by Config.ReadTimeout. Past
// it the statement fails with an error matching engine.ErrFirstRowTimeout
// and the replica is out of service until a probe answers. While nothing
// has run in the transaction yet, a replica that times out or fails with
// a connection error is left for another replica or the primary, and the
// statement runs there; later, the transaction's snapshot is lost with its
// connection and the error is the caller's.
type Tx struct {
	g     *Group
	tx    *engine.Tx
	node  *node
	ctx   context.Context // Begin's, for the tracker
	rw    bool
	top   bool
	token Token
	// bound is ReadTimeout for a read-only transaction on a replica, else 0.
	bound time.Duration
	// st is shared by a transaction and its savepoints.
	st *txState
}

// txState is what a bounded read-only transaction keeps for its whole
// life, savepoints included.
type txState struct {
	tok  Position         // the causal position its node was chosen for
	opts engine.TxOptions // to begin again on another node
	// fresh: no statement has been sent yet, so the transaction may still
	// move to another node.
	fresh bool
	// cancels end the contexts of BEGIN and of the bounded statements;
	// called when the transaction ends (the engine keeps BEGIN's until
	// then, and a query's rows keep theirs until closed).
	cancels []context.CancelCauseFunc
	// busy: a read-write transaction counted in its primary's InFlight
	// (the primary's load, for LeastLoaded) until it ends.
	busy bool
}

// Begin starts a transaction in the default group (see Group.Begin).
func (r *Router) Begin(ctx context.Context, opts engine.TxOptions) (*Tx, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	return r.routes.Load().defaultGrp.Begin(ctx, opts)
}

// Begin starts a transaction in g. A ReadOnly transaction runs on a replica
// that has reached the causal token in ctx (or on the primary, as a read
// would), at REPEATABLE READ unless another level is asked for, so it sees
// one consistent snapshot. Any other transaction runs on the primary.
func (g *Group) Begin(ctx context.Context, opts engine.TxOptions) (*Tx, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	if !opts.ReadOnly {
		if err := g.namePrimary(ctx); err != nil {
			return nil, err
		}
		d := Decision{Group: g.name, Node: g.primary.Name(), Role: RolePrimary, Reason: ReasonInTx}
		tx, err := g.primary.db.Begin(g.decide(ctx, d), opts)
		if err != nil {
			return nil, g.primaryError(err)
		}
		g.primary.inFlight.Add(1)
		return &Tx{g: g, tx: tx, node: g.primary, ctx: ctx, rw: true, top: true, st: &txState{busy: true}}, nil
	}
	tok, err := g.causalPosition(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Isolation == engine.IsolationDefault {
		opts.Isolation = engine.RepeatableRead
	}
	tx := &Tx{g: g, ctx: ctx, top: true, st: &txState{tok: tok, opts: opts, fresh: true}}
	if err := tx.begin(nil); err != nil {
		return nil, err
	}
	return tx, nil
}

// begin starts the engine transaction of a read-only tx on the node chosen
// for a read needing its causal position, never one of tried. A replica
// that does not answer within ReadTimeout, or fails with a connection
// error, is taken out of service and the next node tried, finally the
// primary.
func (tx *Tx) begin(tried []*node) error {
	g, ctx := tx.g, tx.ctx
	for {
		n, d := g.choose(ctx, tx.st.tok, tried)
		switch {
		case len(tried) > 0:
			d.Reason = ReasonRetry
		case n.role == RoleReplica:
			d.Reason = ReasonReadOnlyTx
		}
		var bound time.Duration
		if n.role == RoleReplica && g.r.cfg.ReadTimeout > 0 {
			bound = g.r.cfg.ReadTimeout
		}
		// The engine keeps BEGIN's context for the transaction's life: it
		// is cancelled when the transaction ends, or by the bound.
		bctx, cancel := context.WithCancelCause(ctx)
		inTime := func() bool { return true }
		if bound > 0 {
			t := time.AfterFunc(bound, func() { cancel(engine.ErrFirstRowTimeout) })
			inTime = t.Stop
		}
		etx, err := n.db.Begin(g.decide(bctx, d), tx.st.opts)
		if inTime() {
			if err == nil {
				tx.tx, tx.node, tx.bound = etx, n, bound
				tx.st.cancels = append(tx.st.cancels, cancel)
				return nil
			}
		} else {
			if err == nil { // in as the bound passed: its context is gone
				abandon(etx, bound)
				err = context.Cause(bctx)
			}
			if ctx.Err() == nil {
				err = timedOut(n, bound, err)
			}
		}
		cancel(nil)
		if n.role == RolePrimary || ctx.Err() != nil || !tx.leave(n, err) {
			return err
		}
		tried = append(tried, n)
	}
}

// leave takes n out of service when err says it is unreachable or frozen,
// and reports whether it did: the work may then go elsewhere.
func (tx *Tx) leave(n *node, err error) bool {
	switch {
	case errors.Is(err, engine.ErrFirstRowTimeout), connectionFailure(err):
		n.markDown(err)
	default:
		return false
	}
	return true
}

// timedOut is the error of work on n that outlasted bound and failed
// with err (the bound's own cause, or what the driver made of it).
func timedOut(n *node, bound time.Duration, err error) error {
	if errors.Is(err, engine.ErrFirstRowTimeout) {
		return fmt.Errorf("router: replica %s: %w (%v)", n.name, err, bound)
	}
	return fmt.Errorf("router: replica %s: %w (%v): %w", n.name, engine.ErrFirstRowTimeout, bound, err)
}

// abandon rolls back a transaction whose connection is lost or stuck; the
// engine destroys the connection. bound limits a ROLLBACK that must go
// over it.
func abandon(etx *engine.Tx, bound time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), max(bound, time.Second))
	defer cancel()
	_ = etx.Rollback(ctx)
}

// txAttempt runs one statement on the engine transaction etx with ctx.
// answered, called when the statement's first answer is in (QueryFunc:
// before fn), stops the bound and reports whether it had not passed;
// delivered reports that rows reached the caller.
type txAttempt func(ctx context.Context, etx *engine.Tx, answered func() bool) (delivered bool, err error)

// run runs a statement of the transaction. In a read-only transaction on
// a replica its first answer is bounded by ReadTimeout; a first statement
// that times out or loses its connection before any row reached the
// caller moves the transaction to another node and runs there.
// A scoped op is done with its context when it returns; the others'
// (Query, QueryRow) hand on rows that keep it.
func (tx *Tx) run(ctx context.Context, scoped bool, op txAttempt) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	for {
		if tx.bound <= 0 {
			_, err := op(ctx, tx.tx, func() bool { return true })
			tx.st.fresh = false
			if tx.rw && err != nil {
				err = tx.g.primaryError(err)
			}
			return err
		}
		actx, cancel := context.WithCancelCause(ctx)
		t := time.AfterFunc(tx.bound, func() { cancel(engine.ErrFirstRowTimeout) })
		var once sync.Once
		inTime := false
		answered := func() bool {
			once.Do(func() { inTime = t.Stop() })
			return inTime
		}
		delivered, err := op(actx, tx.tx, answered)
		answered()
		if scoped {
			cancel(nil)
		} else { // rows hold actx until closed: it ends with the transaction
			tx.st.cancels = append(tx.st.cancels, cancel)
		}
		if err == nil {
			tx.st.fresh = false
			return nil
		}
		if !inTime && ctx.Err() == nil {
			err = timedOut(tx.node, tx.bound, err)
		}
		fresh := tx.st.fresh && tx.top && !delivered
		tx.st.fresh = false
		if ctx.Err() != nil || !tx.leave(tx.node, err) || !fresh {
			return err
		}
		// Nothing ran in the transaction: begin it again elsewhere.
		old := tx.node
		abandon(tx.tx, tx.bound)
		tx.end()
		if berr := tx.begin([]*node{old}); berr != nil {
			return fmt.Errorf("%w; moving the transaction: %w", err, berr)
		}
		tx.st.fresh = true
	}
}

// end cancels the contexts the transaction kept.
func (tx *Tx) end() {
	for _, c := range tx.st.cancels {
		c(nil)
	}
	tx.st.cancels = nil
	if tx.st.busy {
		tx.st.busy = false
		tx.node.inFlight.Add(-1)
	}
}

func (tx *Tx) check(stmt core.Statement) error {
	// A sharded table's statements reach a shard of its set by key, so
	// the table is checked against its set, not against the default group
	// GroupFor gives it. Other tables: their group must be the
	// transaction's, or both shards (whatever shard group their tables
	// are bound to).
	rt := tx.g.r.routes.Load()
	tables := stmt.Tables()
	if len(tables) == 0 {
		tables = []string{""} // the default group's, as GroupFor has it
	}
	for _, t := range tables {
		if set := rt.sharded[t]; set != nil {
			if !set.Has(tx.g) {
				return fmt.Errorf("%w: transaction is in %q, table %q is in shard set %q", ErrCrossGroup, tx.g.name, t, set.name)
			}
			continue
		}
		g, ok := rt.binds[t]
		if !ok {
			g = rt.defaultGrp
		}
		if g != tx.g && !(g.shard && tx.g.shard) {
			return fmt.Errorf("%w: transaction is in %q, statement is on %q", ErrCrossGroup, tx.g.name, g.name)
		}
	}
	return nil
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	if err := tx.check(stmt); err != nil {
		return engine.Result{}, err
	}
	var res engine.Result
	err := tx.run(ctx, true, func(ctx context.Context, etx *engine.Tx, _ func() bool) (bool, error) {
		var err error
		res, err = etx.Exec(ctx, stmt)
		return false, err
	})
	return res, err
}

// Query runs a statement that returns rows in the transaction.
func (tx *Tx) Query(ctx context.Context, stmt core.Statement) (*engine.Rows, error) {
	if err := tx.check(stmt); err != nil {
		return nil, err
	}
	var rows *engine.Rows
	err := tx.run(ctx, false, func(ctx context.Context, etx *engine.Tx, answered func() bool) (bool, error) {
		var err error
		rows, err = etx.Query(ctx, stmt)
		if err == nil && !answered() {
			// In as the bound passed (the driver may defer the error to
			// the rows): their context is cancelled.
			rows.Close()
			rows, err = nil, context.Cause(ctx)
		}
		return false, err
	})
	return rows, err
}

// QueryFunc runs a statement in the transaction and calls fn with its
// rows, then closes them (see engine.Tx.QueryFunc).
func (tx *Tx) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	if err := tx.check(stmt); err != nil {
		return err
	}
	return tx.run(ctx, true, func(ctx context.Context, etx *engine.Tx, answered func() bool) (bool, error) {
		ran := false
		err := etx.QueryFunc(ctx, stmt, func(rows *engine.Rows) error {
			if !answered() {
				return context.Cause(ctx)
			}
			ran = true
			return fn(rows)
		})
		return ran, err
	})
}

// QueryRow runs a statement returning at most one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, stmt core.Statement) *engine.Row {
	if err := tx.check(stmt); err != nil {
		return engine.ErrRow(err)
	}
	var row *engine.Row
	err := tx.run(ctx, false, func(ctx context.Context, etx *engine.Tx, answered func() bool) (bool, error) {
		row = etx.QueryRow(ctx, stmt)
		if row.Err() == nil && !answered() {
			// In as the bound passed (the driver may defer the error to
			// the row): its context is cancelled. Scan releases it.
			_ = row.Scan()
			return false, context.Cause(ctx)
		}
		return false, row.Err()
	})
	if err != nil {
		return engine.ErrRow(err)
	}
	return row
}

// Batch runs independent statements in the transaction (see engine.Tx.Batch).
func (tx *Tx) Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error) {
	for _, s := range stmts {
		if err := tx.check(s); err != nil {
			return nil, err
		}
	}
	var res []engine.BatchResult
	err := tx.run(ctx, true, func(ctx context.Context, etx *engine.Tx, _ func() bool) (bool, error) {
		var err error
		res, err = etx.Batch(ctx, stmts...)
		return false, err
	})
	return res, err
}

// Begin starts a nested transaction: a SAVEPOINT.
func (tx *Tx) Begin(ctx context.Context) (*Tx, error) {
	var sp *engine.Tx
	err := tx.run(ctx, true, func(ctx context.Context, etx *engine.Tx, _ func() bool) (bool, error) {
		var err error
		sp, err = etx.Begin(ctx)
		return false, err
	})
	if err != nil {
		return nil, err
	}
	return &Tx{g: tx.g, tx: sp, node: tx.node, ctx: tx.ctx, rw: tx.rw, bound: tx.bound, st: tx.st}, nil
}

// Dialect is the dialect of the transaction's primary.
func (tx *Tx) Dialect() core.Dialect { return tx.tx.Dialect() }

// Engine returns the underlying engine transaction.
func (tx *Tx) Engine() *engine.Tx { return tx.tx }

// Node names the node the transaction runs on.
func (tx *Tx) Node() string { return tx.node.Name() }

// Commit commits. After a read-write top-level transaction in a group with
// replicas, it asks the primary for its position, which becomes Token and
// is added to the Tracker of Begin's context, if any. Should that question
// fail after a successful COMMIT, Commit still returns nil (the write is
// committed: an error would invite a retry that writes twice), Token holds
// PrimaryPosition for the group, so reads carrying it go to the primary
// until a later commit's position replaces it, and the tracker asks again
// at its next read.
func (tx *Tx) Commit(ctx context.Context) error {
	if err := engine.CheckContext(ctx); err != nil {
		return err
	}
	err := tx.tx.Commit(ctx)
	if tx.top {
		tx.end()
	}
	if err != nil {
		if tx.rw {
			err = tx.g.primaryError(err)
		}
		return err
	}
	if tx.top && tx.rw {
		tx.token = tx.g.commitToken(ctx, tx.ctx)
	}
	return nil
}

// commitToken returns the token of a commit just made on g's primary and
// records it in the tracker of the contexts. When the primary cannot be
// asked, the token holds PrimaryPosition: a zero token would let the
// next reads go to a replica that lacks the commit.
func (g *Group) commitToken(ctx context.Context, ctxs ...context.Context) Token {
	if len(g.replicas) == 0 {
		return Token{}
	}
	trs := make([]*Tracker, 0, 2)
	for _, c := range append(ctxs, ctx) {
		if tr := trackerFrom(c); tr != nil && !containsTracker(trs, tr) {
			trs = append(trs, tr)
		}
	}
	p, err := g.primaryPosition(ctx)
	if err != nil {
		for _, tr := range trs {
			tr.markPending(g)
		}
		return NewToken(g.name, PrimaryPosition())
	}
	t := NewToken(g.name, p)
	for _, tr := range trs {
		tr.Observe(t)
	}
	return t
}

// CommitToken returns a token covering every write committed on g's
// primary so far, for writes committed outside a Tx (a single autocommit
// statement through Router.Exec or Router.Query), and adds it to the
// Tracker of ctx, if any. It is zero in a group without replicas, where
// no read can be stale; when the primary cannot be asked it holds
// PrimaryPosition (the Tracker then asks again at its next read). A nil
// context gives the zero token.
func (g *Group) CommitToken(ctx context.Context) Token {
	if ctx == nil {
		return Token{}
	}
	return g.commitToken(ctx)
}

func containsTracker(trs []*Tracker, tr *Tracker) bool {
	for _, x := range trs {
		if x == tr {
			return true
		}
	}
	return false
}

// Token is the causal token of the committed transaction: a read carrying
// it sees the transaction's writes. Zero before Commit, for read-only
// transactions, and in groups without replicas; PrimaryPosition for the
// group when the commit's position could not be read (see Commit).
func (tx *Tx) Token() Token { return tx.token }

// Rollback rolls back.
func (tx *Tx) Rollback(ctx context.Context) error {
	err := tx.tx.Rollback(ctx)
	if tx.top {
		tx.end()
	}
	return err
}

// RunInTx runs fn in a transaction of the default group (see Group.RunInTx).
func (r *Router) RunInTx(ctx context.Context, opts engine.TxOptions, fn func(ctx context.Context, tx *Tx) error) (Token, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return Token{}, err
	}
	return r.routes.Load().defaultGrp.RunInTx(ctx, opts, fn)
}

// RunInTx runs fn in a read-write transaction on g's primary with the
// engine's retry rules (engine.DB.RunInTx: whole-function retry on
// serialization failure and deadlock, never after an unknown outcome), and
// returns the commit's causal token.
func (g *Group) RunInTx(ctx context.Context, opts engine.TxOptions, fn func(ctx context.Context, tx *Tx) error) (Token, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return Token{}, err
	}
	if opts.ReadOnly {
		return Token{}, errors.New("router: RunInTx is for read-write transactions; use Begin with ReadOnly")
	}
	if err := g.namePrimary(ctx); err != nil {
		return Token{}, err
	}
	dctx := g.decide(ctx, Decision{Group: g.name, Node: g.primary.Name(), Role: RolePrimary, Reason: ReasonInTx})
	g.primary.inFlight.Add(1) // the primary's load, for LeastLoaded
	err := g.primary.db.RunInTx(dctx, opts, func(ctx context.Context, etx *engine.Tx) error {
		return fn(ctx, &Tx{g: g, tx: etx, node: g.primary, ctx: ctx, rw: true, st: &txState{}})
	})
	g.primary.inFlight.Add(-1)
	if err != nil {
		return Token{}, g.primaryError(err)
	}
	return g.commitToken(ctx), nil
}

// causalPosition is the position a read in g through ctx must see: the
// context's token and its tracker's, pending writes resolved.
func (g *Group) causalPosition(ctx context.Context) (Position, error) {
	var tok Position
	if t, ok := TokenFrom(ctx); ok {
		var err error
		if tok, err = g.tokenPosition(t); err != nil {
			return Position{}, err
		}
	}
	if tr := trackerFrom(ctx); tr != nil {
		if err := tr.resolve(ctx, g); err != nil {
			return Position{}, err
		}
		tp, err := g.tokenPosition(tr.Token())
		if err != nil {
			return Position{}, err
		}
		tok = tok.Merge(tp)
	}
	return tok, nil
}
