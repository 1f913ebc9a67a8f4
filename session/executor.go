package session

import (
	"context"
	"fmt"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// backendOf adapts the executor New is given. A Backend is used as it is;
// an *engine.DB and a *router.Router get DB's and Router's adapters (the
// router's causal tokens and group routing come with it); a transaction
// (*engine.Tx, *router.Tx) runs the session's flushes in savepoints of
// it, so they commit and roll back with the caller's transaction. Any
// other executor runs the session's reads and single-statement flushes,
// and fails a flush that needs a transaction.
func backendOf(ex engine.Executor) Backend {
	switch ex := ex.(type) {
	case engineBackend: // DB(db), the usual: a type compare, before Backend's interface check
		return ex
	case Backend:
		return ex
	case *engine.DB:
		return engineBackend{ex}
	case *router.Router:
		return routerBackend{r: ex}
	case *engine.Tx:
		return txBackend{ex, func(ctx context.Context) (Tx, error) { return engineTx{ex}.Savepoint(ctx) }}
	case *router.Tx:
		return txBackend{ex, func(ctx context.Context) (Tx, error) { return routerTx{ex}.Savepoint(ctx) }}
	}
	return txBackend{ex, func(context.Context) (Tx, error) {
		return nil, fmt.Errorf("session: executor %T cannot begin a transaction for a flush", ex)
	}}
}

// txBackend runs a session on a caller's transaction (or another
// executor): a flush's transaction is a savepoint of it.
type txBackend struct {
	engine.Executor
	savepoint func(context.Context) (Tx, error)
}

// Begin ignores opts: the caller's transaction has its own.
func (b txBackend) Begin(ctx context.Context, _ engine.TxOptions) (Tx, error) {
	return b.savepoint(ctx)
}
