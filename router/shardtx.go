package router

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Exec runs stmt on the one shard the context's key names (see
// Group.Exec). A key list spanning several shards, or AllShards, is
// refused with ErrCrossShard: run the statement on each shard yourself
// (Shards) when that is what you mean.
func (s *ShardSet) Exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	g, err := s.one(ctx, "exec")
	if err != nil {
		return engine.Result{}, err
	}
	return g.Exec(ctx, stmt)
}

// Begin starts a transaction on the one shard the context's key names
// (see Group.Begin); keys of several shards are refused with
// ErrCrossShard.
func (s *ShardSet) Begin(ctx context.Context, opts engine.TxOptions) (*Tx, error) {
	g, err := s.one(ctx, "transaction")
	if err != nil {
		return nil, err
	}
	return g.Begin(ctx, opts)
}

// ErrPartialCommit: a MultiTx committed on some shards and not on others.
var ErrPartialCommit = errors.New("router: multi-shard commit applied on some shards only")

// MultiTx is a best-effort transaction over several shards: one Tx per
// shard, begun when first used, committed one shard after another. It is
// NOT atomic: a failure part-way leaves the earlier shards committed (the
// error matches ErrPartialCommit and names them) and the later ones
// rolled back.
type MultiTx struct {
	set  *ShardSet
	opts engine.TxOptions
	txs  []*Tx // by shard index
	tok  Token
	done bool
}

// BeginMulti opts into a multi-shard transaction (see MultiTx); no
// shard's transaction begins before MultiTx.On asks for it.
func (s *ShardSet) BeginMulti(ctx context.Context, opts engine.TxOptions) (*MultiTx, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return nil, err
	}
	return &MultiTx{set: s, opts: opts, txs: make([]*Tx, len(s.shards))}, nil
}

// On returns the transaction on key's shard, beginning it if needed.
func (m *MultiTx) On(ctx context.Context, key any) (*Tx, error) {
	if m.done {
		return nil, errors.New("router: multi-shard transaction already ended")
	}
	i, err := m.set.index(key)
	if err != nil {
		return nil, err
	}
	if m.txs[i] == nil {
		tx, err := m.set.shards[i].Begin(ctx, m.opts)
		if err != nil {
			return nil, err
		}
		m.txs[i] = tx
	}
	return m.txs[i], nil
}

// Commit commits each shard's transaction in shard order. On the first
// failure it rolls the rest back and returns an error matching
// ErrPartialCommit when an earlier shard had committed.
func (m *MultiTx) Commit(ctx context.Context) error {
	if m.done {
		return errors.New("router: multi-shard transaction already ended")
	}
	m.done = true
	var committed []string
	for i, tx := range m.txs {
		if tx == nil {
			continue
		}
		if err := tx.Commit(ctx); err != nil {
			for _, rest := range m.txs[i+1:] {
				if rest != nil {
					_ = rest.Rollback(ctx)
				}
			}
			if len(committed) > 0 {
				return fmt.Errorf("%w: committed on %s, failed on %s: %w", ErrPartialCommit, strings.Join(committed, ", "), tx.g.name, err)
			}
			return fmt.Errorf("router: multi-shard commit on %s: %w", tx.g.name, err)
		}
		committed = append(committed, tx.g.name)
		m.tok = m.tok.Merge(tx.Token())
	}
	return nil
}

// Rollback rolls back every shard's transaction.
func (m *MultiTx) Rollback(ctx context.Context) error {
	if m.done {
		return nil
	}
	m.done = true
	var errs []error
	for _, tx := range m.txs {
		if tx != nil {
			errs = append(errs, tx.Rollback(ctx))
		}
	}
	return errors.Join(errs...)
}

// Token is the causal token of the committed shards' commits, after Commit.
func (m *MultiTx) Token() Token { return m.tok }
