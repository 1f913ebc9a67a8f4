package router

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Tx is a transaction routed as a whole: a read-write transaction runs on
// its group's primary, a read-only one on one replica (honouring the causal
// token in the context) for its whole life. Statements on tables of another
// bind group are refused with ErrCrossGroup: a transaction never crosses
// groups. Like engine.Tx it is used by one goroutine at a time.
type Tx struct {
	g     *Group
	tx    *engine.Tx
	node  *node
	ctx   context.Context // Begin's, for the tracker
	rw    bool
	top   bool
	token Token
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
	n, d := g.primary, Decision{Group: g.name, Node: g.primary.name, Role: RolePrimary, Reason: ReasonInTx}
	if opts.ReadOnly {
		tok, err := g.causalPosition(ctx)
		if err != nil {
			return nil, err
		}
		n, d = g.choose(ctx, tok, nil)
		if n.role == RoleReplica {
			d.Reason = ReasonReadOnlyTx
		}
		if opts.Isolation == engine.IsolationDefault {
			opts.Isolation = engine.RepeatableRead
		}
	}
	tx, err := n.db.Begin(g.decide(ctx, d), opts)
	if err != nil {
		return nil, err
	}
	return &Tx{g: g, tx: tx, node: n, ctx: ctx, rw: !opts.ReadOnly, top: true}, nil
}

func (tx *Tx) check(stmt core.Statement) error {
	g, err := tx.g.r.GroupFor(stmt)
	if err != nil {
		return err
	}
	if g != tx.g {
		return fmt.Errorf("%w: transaction is in %q, statement is on %q", ErrCrossGroup, tx.g.name, g.name)
	}
	return nil
}

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	if err := tx.check(stmt); err != nil {
		return engine.Result{}, err
	}
	return tx.tx.Exec(ctx, stmt)
}

// Query runs a statement that returns rows in the transaction.
func (tx *Tx) Query(ctx context.Context, stmt core.Statement) (*engine.Rows, error) {
	if err := tx.check(stmt); err != nil {
		return nil, err
	}
	return tx.tx.Query(ctx, stmt)
}

// QueryFunc runs a statement in the transaction and calls fn with its
// rows, then closes them (see engine.Tx.QueryFunc).
func (tx *Tx) QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error {
	if err := tx.check(stmt); err != nil {
		return err
	}
	return tx.tx.QueryFunc(ctx, stmt, fn)
}

// QueryRow runs a statement returning at most one row in the transaction.
func (tx *Tx) QueryRow(ctx context.Context, stmt core.Statement) *engine.Row {
	if err := tx.check(stmt); err != nil {
		return engine.ErrRow(err)
	}
	return tx.tx.QueryRow(ctx, stmt)
}

// Batch runs independent statements in the transaction (see engine.Tx.Batch).
func (tx *Tx) Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error) {
	for _, s := range stmts {
		if err := tx.check(s); err != nil {
			return nil, err
		}
	}
	return tx.tx.Batch(ctx, stmts...)
}

// Begin starts a nested transaction: a SAVEPOINT.
func (tx *Tx) Begin(ctx context.Context) (*Tx, error) {
	sp, err := tx.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &Tx{g: tx.g, tx: sp, node: tx.node, ctx: tx.ctx, rw: tx.rw}, nil
}

// Dialect is the dialect of the transaction's primary.
func (tx *Tx) Dialect() core.Dialect { return tx.tx.Dialect() }

// Engine returns the underlying engine transaction.
func (tx *Tx) Engine() *engine.Tx { return tx.tx }

// Node names the node the transaction runs on.
func (tx *Tx) Node() string { return tx.node.name }

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
	if err := tx.tx.Commit(ctx); err != nil {
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
func (tx *Tx) Rollback(ctx context.Context) error { return tx.tx.Rollback(ctx) }

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
	dctx := g.decide(ctx, Decision{Group: g.name, Node: g.primary.name, Role: RolePrimary, Reason: ReasonInTx})
	err := g.primary.db.RunInTx(dctx, opts, func(ctx context.Context, etx *engine.Tx) error {
		return fn(ctx, &Tx{g: g, tx: etx, node: g.primary, ctx: ctx, rw: true})
	})
	if err != nil {
		return Token{}, err
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
