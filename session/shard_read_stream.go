package session

// This file streams a sharded model's query over several shards: keyset
// pages of one batch, each page one merged read of every shard named
// (router.ShardSet.Query: LIMIT batch on each, the rows merged on the
// order), the next page after the last object yielded. Memory is bounded
// by the shards times the batch, never by the result.

import (
	"context"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// shardPages streams the query over the shards of set that ctx names.
// open: the session has a transaction, in which a read of several shards
// is refused.
func (st *stream[T]) shardPages(ctx context.Context, set *router.ShardSet, open bool) error {
	q := st.q
	if open {
		return st.fail(errShardTx(set))
	}
	keys, err := st.keyset()
	if err != nil {
		return err
	}
	gs, err := set.For(ctx)
	if err != nil {
		return st.fail(err)
	}
	lctx := withGroupsScope(ctx, set, gs, q.m.Name) // the batches' relationship loads
	order := make([]any, len(keys))
	for i, k := range keys {
		order[i] = k.item()
	}
	remaining := int64(-1) // the query's Limit, counted down
	if q.hasLimit {
		remaining = q.limit
	}
	firstPage := true
	for remaining != 0 {
		size := int64(st.n)
		if remaining > 0 {
			size = min(size, remaining)
		}
		sel := q.base(q.selectAll(st.plan), false)
		if st.last != nil {
			sel = sel.Where(keysetAfter(keys, st.last))
		}
		sel = sel.OrderBy(order...).Limit(size)
		if firstPage && q.hasOffset {
			sel = sel.Offset(q.offset)
		}
		firstPage = false
		got, err := st.shardPage(ctx, set, sel, keys)
		if err != nil {
			return st.fail(err)
		}
		if remaining > 0 {
			remaining -= int64(got)
		}
		if err := st.emit(lctx); err != nil {
			if st.stopped {
				return nil
			}
			return st.fail(err)
		}
		if int64(got) < size {
			return nil
		}
	}
	return nil
}

// shardPage reads one merged page into new objects (st.scanned) and
// returns their number; st.last takes the last row's order values.
func (st *stream[T]) shardPage(ctx context.Context, set *router.ShardSet, sel *core.SelectStmt, keys []keysetKey) (int, error) {
	m := st.q.m
	rows, err := st.q.s.shardQuery(ctx, set, sel)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	fields := st.plan.Fields()
	if fields == nil {
		fields = m.LoadFields()
	}
	if st.dest == nil {
		st.dest = make([]any, len(fields))
	}
	n := 0
	var p mapper.Ref
	for rows.Next() {
		_, p = m.New()
		for i, f := range fields {
			st.dest[i] = f.Addr(p)
		}
		if err := rows.Scan(st.dest...); err != nil {
			return 0, fmt.Errorf("%s: %w", m.Name, err)
		}
		st.scanned = append(st.scanned, p)
		n++
	}
	if n > 0 {
		if st.last == nil {
			st.last = make([]any, len(keys))
		}
		for i, k := range keys {
			st.last[i] = k.field.Value(p) // the row's, not a held object's
		}
	}
	return n, nil
}
