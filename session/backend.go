package session

import (
	"context"
	"errors"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// Backend is what a Session runs on: reads outside a transaction, and a
// read-write transaction on the primary for flushes. New adapts any
// engine.Executor to one (see backendOf); DB and Router are conveniences,
// and tests may supply their own.
type Backend interface {
	// Dialect is the dialect of the primary the session writes to;
	// QueryFunc's fn does not keep the rows.
	engine.Executor
	// Begin starts a read-write transaction on the primary.
	Begin(ctx context.Context, opts engine.TxOptions) (Tx, error)
}

// Tx is a transaction of a Backend, used by one goroutine at a time (the
// session serialises its statements).
type Tx interface {
	QueryFunc(ctx context.Context, stmt core.Statement, fn func(*engine.Rows) error) error
	Exec(ctx context.Context, stmt core.Statement) (engine.Result, error)
	// Savepoint starts a nested transaction.
	Savepoint(ctx context.Context) (Tx, error)
	// Commit commits and returns the causal token of the commit (zero
	// where there is none: a single engine, a group without replicas, a
	// savepoint).
	Commit(ctx context.Context) (router.Token, error)
	Rollback(ctx context.Context) error
}

// DB adapts a single engine.DB as a session backend.
func DB(db *engine.DB) Backend { return engineBackend{db} }

type engineBackend struct{ db *engine.DB }

func (b engineBackend) Dialect() core.Dialect { return b.db.Dialect() }
func (b engineBackend) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	return b.db.QueryFunc(ctx, s, fn)
}
func (b engineBackend) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	return b.db.Exec(ctx, s)
}
func (b engineBackend) Query(ctx context.Context, s core.Statement) (*engine.Rows, error) {
	return b.db.Query(ctx, s)
}
func (b engineBackend) QueryRow(ctx context.Context, s core.Statement) *engine.Row {
	return b.db.QueryRow(ctx, s)
}
func (b engineBackend) Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error) {
	return b.db.Batch(ctx, stmts...)
}
func (b engineBackend) Begin(ctx context.Context, opts engine.TxOptions) (Tx, error) {
	tx, err := b.db.Begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	return engineTx{tx}, nil
}

type engineTx struct{ tx *engine.Tx }

func (t engineTx) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	return t.tx.QueryFunc(ctx, s, fn)
}
func (t engineTx) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	return t.tx.Exec(ctx, s)
}
func (t engineTx) Savepoint(ctx context.Context) (Tx, error) {
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return engineTx{sp}, nil
}
func (t engineTx) Commit(ctx context.Context) (router.Token, error) {
	return router.Token{}, t.tx.Commit(ctx)
}
func (t engineTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }

// Router adapts a router as a session backend: reads go to replicas (and
// honour the session's causal token), the session's transaction runs on
// the primary of each bind group it uses, one transaction per group (see
// "Several bind groups" in the package doc), and after Commit the
// session's Token is the causal token of its commits.
func Router(r *router.Router) Backend { return routerBackend{r: r} }

type routerBackend struct {
	r    *router.Router
	conf *groupConf // set by New; nil: a single group, no token
}

func (b routerBackend) Dialect() core.Dialect { return b.r.Dialect() }
func (b routerBackend) Query(ctx context.Context, s core.Statement) (*engine.Rows, error) {
	return b.r.Query(ctx, s)
}
func (b routerBackend) QueryRow(ctx context.Context, s core.Statement) *engine.Row {
	return b.r.QueryRow(ctx, s)
}
func (b routerBackend) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	return b.r.QueryFunc(ctx, s, fn)
}
func (b routerBackend) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	return b.r.Exec(ctx, s)
}

// Batch runs a batch of one bind group through the router. Statements of
// several groups (a load of relationships whose models are bound to
// different groups) run as one batch per group; see splitBatch.
func (b routerBackend) Batch(ctx context.Context, stmts ...core.Statement) ([]engine.BatchResult, error) {
	var first *router.Group
	for i, st := range stmts {
		g, err := b.r.GroupFor(st)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = g
		} else if g != first {
			return b.splitBatch(ctx, stmts)
		}
	}
	return b.r.Batch(ctx, stmts...)
}

// splitBatch runs one batch per bind group, in the order the groups
// first appear; the results keep the statements' order.
func (b routerBackend) splitBatch(ctx context.Context, stmts []core.Statement) ([]engine.BatchResult, error) {
	var order []*router.Group
	idx := map[*router.Group][]int{}
	for i, st := range stmts {
		g, _ := b.r.GroupFor(st) // Batch checked every statement
		if _, ok := idx[g]; !ok {
			order = append(order, g)
		}
		idx[g] = append(idx[g], i)
	}
	out := make([]engine.BatchResult, len(stmts))
	for _, g := range order {
		sub := make([]core.Statement, len(idx[g]))
		for j, i := range idx[g] {
			sub[j] = stmts[i]
		}
		res, err := b.r.Batch(ctx, sub...)
		if err != nil {
			return nil, err
		}
		for j, i := range idx[g] {
			out[i] = res[j]
		}
	}
	return out, nil
}

func (b routerBackend) Begin(ctx context.Context, opts engine.TxOptions) (Tx, error) {
	conf := b.conf
	if conf == nil {
		conf = &groupConf{}
	}
	return newGroupTx(ctx, b.r, conf, opts), nil
}

// commitToken is the token of a write stmt just committed outside a
// transaction (see Session.Commit's single-statement path).
// A statement on a sharded table takes its shard's token: ctx is the
// statement's, naming its shard key.
func (b routerBackend) commitToken(ctx context.Context, stmt core.Statement) router.Token {
	g, err := b.r.GroupForContext(ctx, stmt)
	if err != nil || g == nil {
		return router.Token{}
	}
	return g.CommitToken(ctx)
}

// tokenSource is a Backend whose autocommit writes yield causal tokens.
type tokenSource interface {
	commitToken(ctx context.Context, stmt core.Statement) router.Token
}

// autoTx runs a flush of one statement without a transaction: the
// statement is atomic by itself, and the commit costs no round trips of
// its own. It remembers the last statement, whose group gives the token.
type autoTx struct {
	b       Backend
	last    core.Statement
	lastCtx context.Context // last's, which names its shard key
}

func (t *autoTx) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	t.last, t.lastCtx = s, ctx
	return t.b.QueryFunc(ctx, s, fn)
}
func (t *autoTx) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	t.last, t.lastCtx = s, ctx
	return t.b.Exec(ctx, s)
}
func (t *autoTx) Savepoint(context.Context) (Tx, error) {
	return nil, errors.New("session: internal error: savepoint in a single-statement flush")
}
func (t *autoTx) Commit(context.Context) (router.Token, error) { return router.Token{}, nil }
func (t *autoTx) Rollback(context.Context) error               { return nil }

type routerTx struct{ tx *router.Tx }

func (t routerTx) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	return t.tx.QueryFunc(ctx, s, fn)
}
func (t routerTx) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	return t.tx.Exec(ctx, s)
}
func (t routerTx) Savepoint(ctx context.Context) (Tx, error) {
	sp, err := t.tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return routerTx{sp}, nil
}
func (t routerTx) Commit(ctx context.Context) (router.Token, error) {
	if err := t.tx.Commit(ctx); err != nil {
		return router.Token{}, err
	}
	return t.tx.Token(), nil
}
func (t routerTx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
