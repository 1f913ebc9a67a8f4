package router

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor"
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

// ErrPartialCommit: a MultiTx committed on some shards and not on
// others. The error is a *MultiCommitError, which tells them apart.
var ErrPartialCommit = errors.New("router: multi-shard commit applied on some shards only")

// MultiCommitError reports a MultiTx's Commit that failed on a shard:
// the shards before it in commit order committed (durable, and Token
// covers them), the failed shard's COMMIT was refused (rolled back) or
// its answer lost (Unknown, Err matching athanor.ErrOutcomeUnknown), and
// every shard after it was rolled back. It matches ErrPartialCommit when
// a shard committed; otherwise nothing was applied, unless a shard is
// Unknown.
type MultiCommitError struct {
	// Committed lists the shards (bind group names) that committed, in
	// commit order.
	Committed []string
	// RolledBack lists the shards rolled back: the failed one when its
	// COMMIT was refused, and every shard after it.
	RolledBack []string
	// Unknown names the shard whose COMMIT was sent and its answer lost;
	// empty otherwise.
	Unknown []string
	// Token is the causal token of the committed shards.
	Token Token
	// Err is the failed COMMIT's error.
	Err error
}

func (e *MultiCommitError) Error() string {
	var b strings.Builder
	b.WriteString("router: multi-shard commit")
	if len(e.Committed) > 0 {
		fmt.Fprintf(&b, " applied on some shards only: committed %s", strings.Join(e.Committed, ", "))
	} else {
		b.WriteString(": nothing committed")
	}
	if len(e.Unknown) > 0 {
		fmt.Fprintf(&b, "; outcome unknown on %s", strings.Join(e.Unknown, ", "))
	}
	if len(e.RolledBack) > 0 {
		fmt.Fprintf(&b, "; rolled back %s", strings.Join(e.RolledBack, ", "))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *MultiCommitError) Unwrap() error { return e.Err }

// Is makes a commit that applied on some shards match ErrPartialCommit.
func (e *MultiCommitError) Is(target error) bool {
	return target == ErrPartialCommit && len(e.Committed) > 0
}

// MultiTx is a best-effort transaction over several shards: one Tx per
// shard, begun when first used, committed one shard after another in
// shard order. It is NOT atomic: a failure part-way leaves the earlier
// shards committed and the later ones rolled back, and Commit's
// *MultiCommitError says which.
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
// failure it rolls the rest back and returns a *MultiCommitError (see
// it), which matches ErrPartialCommit when an earlier shard committed.
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
		err := tx.Commit(ctx)
		if err == nil {
			committed = append(committed, tx.g.name)
			m.tok = m.tok.Merge(tx.Token())
			continue
		}
		me := &MultiCommitError{Committed: committed, Token: m.tok, Err: fmt.Errorf("shard %q: %w", tx.g.name, err)}
		if errors.Is(err, athanor.ErrOutcomeUnknown) {
			me.Unknown = []string{tx.g.name}
		} else {
			me.RolledBack = []string{tx.g.name}
		}
		for _, rest := range m.txs[i+1:] {
			if rest != nil {
				_ = rest.Rollback(ctx)
				me.RolledBack = append(me.RolledBack, rest.g.name)
			}
		}
		return me
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
