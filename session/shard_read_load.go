package session

// This file is relationship loading for sharded models: a query with
// loader options over several shards (its objects read merged, then
// their relationships loaded shard by shard), and the scope of a lazy
// Load of sharded owners. The statements themselves are routed by
// loadQuery (shard_read.go).

import (
	"context"
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

// runPlan runs a query with loader options: stmt is its statement, with
// the plan's Joined relationships. For a sharded model whose context
// names one shard and whose statement is all on tables of its set, the
// statement runs there as it is (joins included); over several shards,
// or with a Joined relationship outside the set, see planShards. An
// unsharded model's Joined relationship into a sharded table is refused.
func (q *QueryOf[T]) runPlan(ctx context.Context, plan *loader.Plan, stmt *core.SelectStmt) ([]mapper.Ref, error) {
	s := q.s
	set := s.stmtShardSet(stmt)
	if set == nil {
		return plan.Run(ctx, host{s}, stmt)
	}
	own := s.shardSet(q.m)
	if own == nil {
		if s.stmtShardSet(q.base(q.m.SelectFrom(), true)) == nil {
			return nil, fmt.Errorf("relationship %s: %w", relPathTo(q.m, set, s), errJoinedShard(set))
		}
		return plan.Run(ctx, host{s}, stmt) // the query's own join: routed as any
	}
	gs, err := own.For(ctx)
	if err != nil {
		return nil, err
	}
	ctx = withGroupsScope(ctx, own, gs, q.m.Name)
	if len(gs) == 1 && s.inSet(own, stmt) {
		return plan.Run(ctx, host{s}, stmt)
	}
	return q.planShards(ctx, own, plan)
}

// errJoinedShard refuses a Joined load from an unsharded model into a
// sharded one: the join would need every shard's rows on the owner's
// database.
func errJoinedShard(set *router.ShardSet) error {
	return fmt.Errorf("loaded Joined into a table of shard set %q from an unsharded model: a join cannot span databases (load it with loader.SelectIn, which reads each shard): %w", set.Name(), router.ErrCrossGroup)
}

// inSet reports whether every table of stmt is in set.
func (s *Session) inSet(set *router.ShardSet, stmt core.Statement) bool {
	rb := s.b.(routerBackend)
	for _, t := range stmt.Tables() {
		if rb.r.ShardSetOf(t) != set {
			return false
		}
	}
	return true
}

// relPathTo names the first relationship path from m (breadth first, a
// few steps deep) whose target's table is in set, for errors.
func relPathTo(m *mapper.Model, set *router.ShardSet, s *Session) string {
	rb := s.b.(routerBackend)
	type step struct {
		m    *mapper.Model
		path string
	}
	queue := []step{{m, m.Name}}
	seen := map[*mapper.Model]bool{m: true}
	for depth := 0; depth < 4 && len(queue) > 0; depth++ {
		var next []step
		for _, st := range queue {
			for _, r := range st.m.Relations() {
				p := st.path + "." + r.Name
				if rb.r.ShardSetOf(r.Target.Table().FullName()) == set {
					return p
				}
				if !seen[r.Target] {
					seen[r.Target] = true
					next = append(next, step{r.Target, p})
				}
			}
		}
		queue = next
	}
	return m.Name + ".?"
}

// planShards runs a query with loader options on the shards of set that
// ctx names: its objects are read as All reads them without options
// (merged across shards on the ORDER BY, LIMIT and OFFSET applied across
// them, the plan's column options applied), then the plan's
// relationships are loaded for them as Session.Load loads them: each
// statement on a table of the set runs on the shards read (each shard's
// related rows are found there, the owners' keys in every shard's IN
// list), one on an unsharded table once. A Joined relationship is thus
// loaded as SelectIn, one statement per shard instead of a join.
func (q *QueryOf[T]) planShards(ctx context.Context, set *router.ShardSet, plan *loader.Plan) ([]mapper.Ref, error) {
	s, m := q.s, q.m
	stmt := q.base(q.selectAll(plan), true)
	rows, err := s.shardQuery(ctx, set, stmt)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fields := plan.Fields()
	if fields == nil {
		fields = m.LoadFields()
	}
	dest := make([]any, len(fields))
	var scanned []mapper.Ref
	for rows.Next() {
		_, p := m.New()
		for i, f := range fields {
			dest[i] = f.Addr(p)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		scanned = append(scanned, p)
	}
	roots := make([]mapper.Ref, len(scanned))
	hooks := s.opts.Events != nil && s.opts.Events.anyLoad
	var fresh []mapper.Ref
	locked := s.readLock(ctx) // a running flush publishes what it wrote first
	for i, p := range scanned {
		roots[i] = s.adoptLoaded(m, p)
		if hooks && roots[i] == p {
			fresh = append(fresh, p)
		}
	}
	s.readUnlock(locked)
	if len(fresh) > 0 {
		s.loadHooks(ctx, m, fresh)
	}
	if err := plan.Load(ctx, host{s}, distinct(roots)); err != nil {
		return roots, err
	}
	if plan.Raise() {
		host{s}.MarkRaise(roots)
	}
	return roots, nil
}

// distinct is ps without repeats, in first-seen order.
func distinct(ps []mapper.Ref) []mapper.Ref {
	seen := make(map[mapper.Ref]bool, len(ps))
	out := make([]mapper.Ref, 0, len(ps))
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// loadScope is the context of Session.Load's load of r for owners,
// objects of m: for a sharded m, scoped to the owners' shards (see
// withShardScope); a relationship into another shard set is refused.
func (s *Session) loadScope(ctx context.Context, m *mapper.Model, r *mapper.Relation, owners []mapper.Ref) (context.Context, error) {
	set := s.shardSet(m)
	if set == nil {
		return ctx, nil
	}
	if ts := s.shardSet(r.Target); ts != nil && ts != set {
		return nil, fmt.Errorf("target %s is in shard set %q, %s in %q: related rows of another shard set are not on the owners' shards: %w", r.Target.Name, ts.Name(), m.Name, set.Name(), router.ErrCrossShard)
	}
	return s.withShardScope(ctx, set, m, owners, m.Name+"."+r.Name)
}
