package session

// This file holds the shard key of sharded models as the session uses it:
// which field chooses an object's shard (the primary key, or the field
// tagged shardkey), identity keys that carry that field when it is not the
// primary key (its rows' keys are then unique on one shard only), lookups
// by key that name the shard, and queries routed by their criteria.

import (
	"context"
	"errors"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// ErrShardKeyChanged: the flush would update a persistent object whose
// shard key field changed. Its row is on the shard of the old value, and
// moving it to another shard is not one UPDATE: delete the object and add
// a new one instead.
var ErrShardKeyChanged = errors.New("session: shard key of a persistent object changed")

// shardKeyField is the field whose value chooses the shard of m's rows
// when m's table is sharded: the field tagged shardkey, else a
// single-column primary key; nil for a composite key without one.
func shardKeyField(m *mapper.Model) *mapper.Field {
	if f := m.ShardKey(); f != nil {
		return f
	}
	if pk := m.PrimaryKey(); len(pk) == 1 {
		return pk[0]
	}
	return nil
}

// identShard is m's shard key field when it is outside the primary key:
// then a row's identity is its key and that field's value (which names its
// shard), since two shards may hold the same key. Nil otherwise, and the
// identity is the key alone.
func identShard(m *mapper.Model) *mapper.Field {
	if f := m.ShardKey(); f != nil && !f.PrimaryKey {
		return f
	}
	return nil
}

// identOf is the identity-map key of the object at p: keyOf, with the
// shard key's value for a model whose shard key is not its primary key.
func identOf(m *mapper.Model, p mapper.Ref) idKey {
	sf := identShard(m)
	if sf == nil {
		return keyOf(m, p)
	}
	pk := m.PrimaryKey()
	vals := make([]any, len(pk), len(pk)+1)
	for i, f := range pk {
		vals[i] = f.Value(p)
	}
	return makeKey(m, append(vals, sf.Value(p)))
}

// rowKey is the key of e's row within its table on one shard (keyOf's
// form: the primary key alone), for matching rows read back by key. It is
// e.key except for a model whose identity carries the shard key.
func rowKey(e *entry) idKey {
	if identShard(e.m) == nil {
		return e.key
	}
	pk := e.m.PrimaryKey()
	vals := make([]any, len(pk))
	for i := range pk {
		vals[i] = keyValue(e, i)
	}
	return makeKey(e.m, vals)
}

// shardKeyOf is the shard key of e, which chooses its shard: the value of
// its model's shard key field (shardKeyField). A new object must have it
// set (the shard is chosen before the row is written, so a key the
// database generates cannot choose it). A persistent object's is the value
// it was loaded or written with, where its row is; an object being
// updated with another value fails with ErrShardKeyChanged.
func shardKeyOf(e *entry) (any, error) {
	f := shardKeyField(e.m)
	if f == nil {
		return nil, fmt.Errorf("session: sharded model %s: the shard key is a single-column primary key or a field tagged shardkey (the key has %d columns)", e.m.Name, len(e.m.PrimaryKey()))
	}
	if e.snap.IsZero() {
		if f.IsZero(e.p) {
			what := "primary key"
			if f.ShardKey {
				what = "shard key"
			}
			return nil, fmt.Errorf("session: sharded model %s: %s %s is zero: set it before the flush, as it chooses the object's shard", e.m.Name, what, f.Name)
		}
		return f.Value(e.p), nil
	}
	old := e.snap.Value(f.LoadIndex())
	if f.ShardKey && e.State() != Deleted && !e.snap.Unchanged(e.p, f.LoadIndex()) {
		return nil, fmt.Errorf("session: sharded model %s %s: field %s changed from %v to %v: %w", e.m.Name, e.key, f.Name, old, f.Value(e.p), ErrShardKeyChanged)
	}
	return old, nil // the row's key as the database has it
}

// shardLookup completes Get's lookup by key pk of m, whose shard key is a
// field outside the key: the context's one shard key (router.WithShardKey)
// joins the identity key and the WHERE condition. When m's table is
// sharded the key is required; when it is not, Get without one reads by
// primary key alone and skips the identity map's shortcut (the zero key
// finds nothing), the load then keying the object by its row.
func (s *Session) shardLookup(ctx context.Context, m *mapper.Model, pk []any, where core.Expr) (idKey, core.Expr, error) {
	sf := identShard(m)
	keys, all := router.ShardKeys(ctx)
	if len(keys) != 1 || all {
		if s.shardSet(m) == nil && len(keys) == 0 && !all {
			return idKey{}, where, nil
		}
		return idKey{}, nil, fmt.Errorf("session: %s is sharded by %s: name one value with router.WithShardKey(ctx, %s) (the context names %d, all shards %v): %w", m.Name, sf.Name, sf.Name, len(keys), all, router.ErrNoShardKey)
	}
	sv, err := sf.Key(keys[0])
	if err != nil {
		return idKey{}, nil, fmt.Errorf("session: %s: shard key: %w", m.Name, err)
	}
	fs := m.PrimaryKey()
	vals := make([]any, 0, len(fs)+1)
	for i, f := range fs {
		v, err := f.Key(pk[i])
		if err != nil {
			return idKey{}, nil, fmt.Errorf("session: %s: %w", m.Name, err)
		}
		vals = append(vals, v)
	}
	return makeKey(m, append(vals, sv)), core.And(where, core.Eq(sf.Col, sv)), nil
}

// criteriaCtx returns ctx naming the shards a load of m by stmt reads,
// when m's table is sharded, ctx names none (router.WithShardKey and
// router.AllShards win: they are the caller's explicit choice), and the
// statement's WHERE restricts the shard key column to values (an equality
// or an IN list, among the ANDed criteria; see core.ColumnValues). Without
// such criteria ctx is returned as is, and a sharded read without a key
// fails in the router (router.ErrNoShardKey).
func (s *Session) criteriaCtx(ctx context.Context, m *mapper.Model, stmt core.Statement) context.Context {
	if s.shardSet(m) == nil {
		return ctx
	}
	if keys, all := router.ShardKeys(ctx); all || len(keys) > 0 {
		return ctx
	}
	f := shardKeyField(m)
	if f == nil {
		return ctx
	}
	vals, ok := core.ColumnValues(stmt, f.Col)
	if !ok || len(vals) == 0 {
		return ctx
	}
	for i, v := range vals {
		k, err := f.Key(v) // int 7 and int64 7 on one shard
		if err != nil {
			return ctx
		}
		vals[i] = k
	}
	return router.WithShardKey(ctx, vals...)
}
