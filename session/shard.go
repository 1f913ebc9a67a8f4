package session

// This file holds what the session knows of sharded models: a model whose
// table is in a router shard set (router.ShardConfig.Tables) has its rows
// on the shard its shard key chooses (its primary key, or the field tagged
// shardkey: see shard_key.go), and every statement of the flush and every
// load by key names that key in its context, so that the router
// (GroupForContext) sends it to that shard, a bind group like any other
// (see groups.go).

import (
	"context"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// ErrCrossShardWrite: a transaction of a session without
// Options.MultiGroup was about to write to a second shard. It wraps
// router.ErrCrossShard.
var ErrCrossShardWrite = fmt.Errorf("session: transaction writes to more than one shard (set Options.MultiGroup to commit each shard's transaction in turn, not atomically): %w", router.ErrCrossShard)

// shardSet is the shard set of m's table, or nil when the session does not
// run on a router or the table is not sharded.
func (s *Session) shardSet(m *mapper.Model) *router.ShardSet {
	rb, ok := s.b.(routerBackend)
	if !ok {
		return nil
	}
	return rb.r.ShardSetOf(m.Table().FullName())
}

// byShard splits es, objects of the sharded model m, by shard, in the
// order the shards first appear, each with a context naming its key.
// For a model that is not sharded it returns es whole, with ctx.
func (pl *plan) byShard(ctx context.Context, m *mapper.Model, es []*entry) ([]context.Context, [][]*entry, error) {
	set := pl.s.shardSet(m)
	if set == nil {
		return []context.Context{ctx}, [][]*entry{es}, nil
	}
	var ctxs []context.Context
	var parts [][]*entry
	at := map[*router.Group]int{}
	for _, e := range es {
		key, err := shardKeyOf(e)
		if err != nil {
			return nil, nil, err
		}
		g, err := set.Shard(key)
		if err != nil {
			return nil, nil, fmt.Errorf("session: %s %v: %w", m.Name, key, err)
		}
		i, ok := at[g]
		if !ok {
			i = len(parts)
			at[g] = i
			ctxs = append(ctxs, router.WithShardKey(ctx, key))
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], e)
	}
	return ctxs, parts, nil
}

// entryCtx is ctx naming e's shard key when e's model is sharded.
func (pl *plan) entryCtx(ctx context.Context, e *entry) (context.Context, error) {
	return pl.s.entryCtx(ctx, e)
}

// entryCtx is ctx naming e's shard key when e's model is sharded.
func (s *Session) entryCtx(ctx context.Context, e *entry) (context.Context, error) {
	if s.shardSet(e.m) == nil {
		return ctx, nil
	}
	key, err := shardKeyOf(e)
	if err != nil {
		return nil, err
	}
	return router.WithShardKey(ctx, key), nil
}

// spansShards reports whether es, new objects of one model, are on more
// than one shard: such a flush is not one statement.
func (pl *plan) spansShards(es []*entry) bool {
	if len(es) < 2 {
		return false
	}
	set := pl.s.shardSet(es[0].m)
	if set == nil {
		return false
	}
	var first *router.Group
	for _, e := range es {
		key, err := shardKeyOf(e)
		if err != nil {
			return true // the flush's transaction path reports it
		}
		g, err := set.Shard(key)
		if err != nil {
			return true
		}
		if first == nil {
			first = g
		} else if g != first {
			return true
		}
	}
	return false
}

// getCtx is the context of a load by primary key pk of m: naming the
// key's shard when m is sharded by its primary key. (A model sharded by
// another field takes the shard key from ctx, see shardLookup.)
func (s *Session) getCtx(ctx context.Context, m *mapper.Model, pk []any) context.Context {
	if len(pk) != 1 || m.ShardKey() != nil || s.shardSet(m) == nil {
		return ctx
	}
	return router.WithShardKey(ctx, pk[0])
}

// multiShard returns the shard set of stmt's sharded table when ctx names
// more than one of its shards (router.AllShards, or router.WithShardKey
// with keys of several shards): such a load reads every shard named and
// merges their rows (see loadShards). Otherwise nil: the statement goes to
// one group, the shard of the key for a sharded table.
func (s *Session) multiShard(ctx context.Context, stmt core.Statement) *router.ShardSet {
	rb, ok := s.b.(routerBackend)
	if !ok {
		return nil
	}
	for _, t := range stmt.Tables() {
		if set := rb.r.ShardSetOf(t); set != nil {
			if gs, err := set.For(ctx); err == nil && len(gs) > 1 {
				return set
			}
			return nil
		}
	}
	return nil
}

// loadShards runs lr's load on the shards of set that ctx names, through
// router.ShardSet.Query: concurrently, each shard's read carrying the
// session's causal token, the rows merged on the statement's ORDER BY and
// cut by its LIMIT and OFFSET. It runs outside any transaction, so it is
// refused while the session has one open (a transaction is on one shard
// unless Options.MultiGroup, and its writes are not on the replicas).
func (s *Session) loadShards(ctx context.Context, set *router.ShardSet, stmt core.Statement, lr *loadRun) error {
	if s.dialect != nil {
		if _, err := core.Compile(s.dialect, stmt); err != nil {
			return err
		}
	}
	locked := s.readLock(ctx)
	defer s.readUnlock(locked)
	if s.stmtTx(locked) != nil {
		return fmt.Errorf("session: a read on several shards of set %q runs outside transactions, and the session has one open (Commit or Rollback first): %w", set.Name(), router.ErrCrossShard)
	}
	rows, err := set.Query(s.readCtx(ctx), stmt)
	if err != nil {
		return err
	}
	defer rows.Close()
	return lr.scanShards(rows)
}

// scanShards is scan over merged shard rows.
func (lr *loadRun) scanShards(rows *router.ShardRows) error {
	s, m := lr.s, lr.m
	fields := m.LoadFields()
	lr.dest = slices.Grow(lr.dest[:0], len(fields))[:len(fields)]
	for rows.Next() {
		p := m.Ref(lr.objs.Next())
		for i, f := range fields {
			lr.dest[i] = f.Addr(p)
		}
		if err := rows.Scan(lr.dest...); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		got := s.adoptLoadedIn(m, p, lr.lb, &lr.blocks)
		if got == p {
			lr.objs.Keep()
			if lr.hooks {
				lr.fresh = append(lr.fresh, p)
			}
		} else {
			lr.objs.Discard()
		}
		lr.out = append(lr.out, got)
	}
	return rows.Err()
}
