package session

// This file is reading sharded models over several shards beyond a
// query's rows (All, in shard.go): Count and Exists, where each shard
// answers for its rows and the session combines the answers, and the
// routing of relationship loads whose statements are on sharded tables
// (the loader's Host.Query and Host.Batch come here for them).

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// shardQuery runs stmt on the shards of set that ctx names through
// router.ShardSet.Query (concurrently, merged on the ORDER BY, cut by
// LIMIT and OFFSET across shards), each shard's read carrying the
// session's causal token. It is refused while the session has a
// transaction open, as loadShards is.
func (s *Session) shardQuery(ctx context.Context, set *router.ShardSet, stmt core.Statement) (*router.ShardRows, error) {
	if s.dialect != nil {
		if _, err := core.Compile(s.dialect, stmt); err != nil {
			return nil, err
		}
	}
	locked := s.readLock(ctx)
	defer s.readUnlock(locked)
	if s.stmtTx(locked) != nil {
		return nil, errShardTx(set)
	}
	return set.Query(s.readCtx(ctx), stmt)
}

// errShardTx is the refusal of a read on several shards inside the
// session's transaction.
func errShardTx(set *router.ShardSet) error {
	return fmt.Errorf("session: a read on several shards of set %q runs outside transactions, and the session has one open (Commit or Rollback first): %w", set.Name(), router.ErrCrossShard)
}

// countStmt is the statement Count runs without Limit and Offset.
func (q *QueryOf[T]) countStmt() *core.SelectStmt {
	return q.base(q.m.SelectFrom(core.Count(core.Star())), false)
}

// countShards is Count on several shards: each shard counts its matching
// rows (a row is on one shard only), the counts are summed, and the
// query's Offset and Limit cut the sum as they would cut the merged rows.
func (q *QueryOf[T]) countShards(ctx context.Context, set *router.ShardSet) (int64, error) {
	stmt := q.countStmt()
	if err := q.prepare(ctx, stmt); err != nil {
		return 0, err
	}
	rows, err := q.s.shardQuery(ctx, set, stmt)
	if err != nil {
		return 0, fmt.Errorf("session: query %s: count: %w", q.m.Name, err)
	}
	defer rows.Close()
	var total int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return 0, fmt.Errorf("session: query %s: count: %w", q.m.Name, err)
		}
		total += n
	}
	if q.hasOffset {
		total = max(0, total-q.offset)
	}
	if q.hasLimit {
		total = max(0, min(total, q.limit))
	}
	return total, nil
}

// existsShards is Exists on several shards: true when any shard has a
// matching row (one EXISTS per shard). Under Limit or Offset it is
// Count's answer, not zero.
func (q *QueryOf[T]) existsShards(ctx context.Context, set *router.ShardSet) (bool, error) {
	if q.hasLimit || q.hasOffset {
		n, err := q.countShards(ctx, set)
		return n > 0, err
	}
	pk := make([]any, 0, len(q.m.PrimaryKey()))
	for _, f := range q.m.PrimaryKey() {
		pk = append(pk, f.Col)
	}
	stmt := core.Select(core.Exists(q.base(q.m.SelectFrom(pk...), false)))
	if err := q.prepare(ctx, stmt); err != nil {
		return false, err
	}
	rows, err := q.s.shardQuery(ctx, set, stmt)
	if err != nil {
		return false, fmt.Errorf("session: query %s: exists: %w", q.m.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if truthy(rows.Values()[0]) {
			return true, nil
		}
	}
	return false, nil
}

// truthy reads a boolean as the drivers give one: a bool (PostgreSQL),
// an integer (MariaDB, SQLite), or its text.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case []byte:
		return string(x) == "1" || string(x) == "true"
	}
	s := fmt.Sprint(v)
	return s == "1" || s == "true"
}

// stmtShardSet is the shard set of the first sharded table stmt names, or
// nil.
func (s *Session) stmtShardSet(stmt core.Statement) *router.ShardSet {
	rb, ok := s.b.(routerBackend)
	if !ok {
		return nil
	}
	for _, t := range stmt.Tables() {
		if set := rb.r.ShardSetOf(t); set != nil {
			return set
		}
	}
	return nil
}

// shardScope is what a relationship load of sharded owners puts in its
// context: the owners' shard set and shards, one key of each shard (to
// route a read inside a transaction), and what is loading (for errors).
// A load statement on a table of the set reads those shards; one on a
// table of another set is refused.
type shardScope struct {
	set    *router.ShardSet
	groups []*router.Group
	keys   []any // keys[i] chooses groups[i]; nil when not known
	from   string
}

type shardScopeKey struct{}

// withShardScope returns ctx scoping relationship loads to the shards of
// owners, objects of the sharded model m (set), named from in errors.
func (s *Session) withShardScope(ctx context.Context, set *router.ShardSet, m *mapper.Model, owners []mapper.Ref, from string) (context.Context, error) {
	sc := &shardScope{set: set, from: from}
	for _, p := range owners {
		g, key, err := s.objectShard(set, m, p)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(sc.groups, g) {
			sc.groups = append(sc.groups, g)
			sc.keys = append(sc.keys, key)
		}
	}
	return context.WithValue(ctx, shardScopeKey{}, sc), nil
}

// withGroupsScope is withShardScope for owners known by their shards
// only (a merged query's: the shards it read).
func withGroupsScope(ctx context.Context, set *router.ShardSet, gs []*router.Group, from string) context.Context {
	return context.WithValue(ctx, shardScopeKey{}, &shardScope{set: set, groups: gs, from: from})
}

// objectShard is the shard of p, a persistent object of the sharded
// model m in the session, and the key that chose it.
func (s *Session) objectShard(set *router.ShardSet, m *mapper.Model, p mapper.Ref) (*router.Group, any, error) {
	e := s.loadedEntry(m, p)
	if e == nil {
		return nil, nil, fmt.Errorf("session: %s: %w", m.Name, ErrDetached)
	}
	key, err := shardKeyOf(e)
	if err != nil {
		return nil, nil, err
	}
	g, err := set.Shard(key)
	if err != nil {
		return nil, nil, fmt.Errorf("session: %s %v: %w", m.Name, key, err)
	}
	return g, key, nil
}

// objectCtx is ctx naming the shard of p, an object of m in the session,
// when m is sharded.
func (s *Session) objectCtx(ctx context.Context, m *mapper.Model, p mapper.Ref) (context.Context, error) {
	if s.shardSet(m) == nil {
		return ctx, nil
	}
	e := s.loadedEntry(m, p)
	if e == nil {
		return nil, fmt.Errorf("session: %s: %w", m.Name, ErrDetached)
	}
	return s.entryCtx(ctx, e)
}

// readShards returns the shards a load statement on a table of set
// reads: the scope's (sharded owners), else the shards ctx names
// (router.WithShardKey, AllShards), else every shard of the set (the
// owners are not sharded: their related rows may be on any shard). keys
// are, when known, one key per shard.
func readShards(ctx context.Context, set *router.ShardSet, stmt core.Statement) ([]*router.Group, []any, error) {
	if sc, ok := ctx.Value(shardScopeKey{}).(*shardScope); ok {
		if sc.set != set {
			return nil, nil, fmt.Errorf("session: load from %s (shard set %q) reads tables %v of shard set %q: rows of another shard set are not on the owners' shards: %w", sc.from, sc.set.Name(), stmt.Tables(), set.Name(), router.ErrCrossShard)
		}
		return sc.groups, sc.keys, nil
	}
	if gs, err := set.For(ctx); err == nil {
		return gs, nil, nil
	}
	return set.Shards(), nil, nil
}

// loadQuery runs stmt, a relationship load's statement on tables of set,
// on each shard it reads (see readShards), concurrently outside a
// transaction, handing each shard's rows to fn in turn: the loader groups
// rows under their owners' keys whichever shard they come from. Every
// table of stmt must be in set (a join with an unsharded table would run
// on each shard, where that table's rows are not).
func (s *Session) loadQuery(ctx context.Context, set *router.ShardSet, stmt core.Statement, fn func(*engine.Rows) error) error {
	rb := s.b.(routerBackend) // stmtShardSet found the set through it
	for _, t := range stmt.Tables() {
		if rb.r.ShardSetOf(t) != set {
			return fmt.Errorf("session: a load statement on tables %v joins table %q, which is not in shard set %q: %w", stmt.Tables(), t, set.Name(), router.ErrCrossGroup)
		}
	}
	gs, keys, err := readShards(ctx, set, stmt)
	if err != nil {
		return err
	}
	if s.dialect != nil {
		if _, err := core.Compile(s.dialect, stmt); err != nil {
			return err
		}
	}
	locked := s.readLock(ctx)
	if s.stmtTx(locked) != nil {
		s.readUnlock(locked)
		// The transaction is on one shard: read there, through it.
		switch {
		case len(gs) != 1:
			return errShardTx(set)
		case keys != nil:
			ctx = router.WithShardKey(ctx, keys[0])
		}
		return s.query(ctx, stmt, fn)
	}
	defer s.readUnlock(locked)
	rctx := s.readCtx(ctx)
	var mu sync.Mutex // fn sees one shard's rows at a time
	eg, ectx := errgroup.WithContext(rctx)
	eg.SetLimit(maxFanOut)
	for _, g := range gs {
		eg.Go(func() error {
			err := g.QueryFunc(ectx, stmt, func(rows *engine.Rows) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(rows)
			})
			if err != nil {
				return fmt.Errorf("shard %q of set %q: %w", g.Name(), set.Name(), err)
			}
			return nil
		})
	}
	return eg.Wait()
}

// loadBatch is Host.Batch for statements some of which are on sharded
// tables: each runs as Host.Query runs it (on its shards, or routed as
// any read), up to maxFanOut at once, fn seeing one at a time.
func (h host) loadBatch(ctx context.Context, stmts []core.Statement, fn func(int, *engine.Rows) error) error {
	var mu sync.Mutex
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(maxFanOut)
	for i, st := range stmts {
		eg.Go(func() error {
			return h.Query(ectx, st, func(rows *engine.Rows) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(i, rows)
			})
		})
	}
	return eg.Wait()
}

// anySharded reports whether a statement of stmts is on a sharded table.
func (s *Session) anySharded(stmts []core.Statement) bool {
	for _, st := range stmts {
		if s.stmtShardSet(st) != nil {
			return true
		}
	}
	return false
}
