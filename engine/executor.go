package engine

import (
	"context"

	"github.com/athanor-orm/athanor/core"
)

// Executor runs statements on one endpoint or transaction. *DB and *Tx
// satisfy it, and so do router.Router and router.Tx, so code that only
// runs statements (the session, the loader, CreateAll) takes an Executor
// and works inside a caller's transaction as well as on a pool.
type Executor interface {
	// Dialect is the dialect statements are compiled for.
	Dialect() core.Dialect
	Exec(ctx context.Context, stmt core.Statement) (Result, error)
	Query(ctx context.Context, stmt core.Statement) (*Rows, error)
	// QueryFunc runs stmt and calls fn with its rows, closing them after.
	QueryFunc(ctx context.Context, stmt core.Statement, fn func(*Rows) error) error
	QueryRow(ctx context.Context, stmt core.Statement) *Row
	Batch(ctx context.Context, stmts ...core.Statement) ([]BatchResult, error)
}

// Dialect is the dialect of the transaction's database.
func (tx *Tx) Dialect() core.Dialect { return tx.db.dialect }
