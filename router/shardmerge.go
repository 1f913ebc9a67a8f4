package router

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Query runs a read on the shards the context names (WithShardKey: the
// keys' shards; AllShards: every shard), concurrently (at most
// ShardConfig.MaxConcurrent at once), each read routed in its shard as
// Group.Query routes it (a replica that has reached the shard's position
// in the causal token, or the primary). A statement that writes is run
// only on a single shard (else ErrCrossShard).
//
// On several shards, a core.Select's rows are merged: each shard runs it
// with LIMIT raised to LIMIT+OFFSET and no OFFSET, the sorted streams are
// merged on the ORDER BY terms, then OFFSET and LIMIT are applied. Each
// ORDER BY term must be a column of the result (ErrShardMerge otherwise).
// Values compare by type: integers and floats numerically, strings and
// []byte by bytes, times in time order, booleans false first; NULLs by
// the term's NullsFirst/NullsLast, else as the dialect sorts them
// (PostgreSQL: larger than any value; MariaDB and SQLite: smaller).
// Strings compare in byte order, which is the database's order only
// under a binary collation (PostgreSQL "C", MariaDB *_bin): order a text
// merge key with such a collation. A shard whose rows are out of the
// merge's order is reported (ErrShardMerge), never merged wrongly.
// Aggregates, GROUP BY and DISTINCT are evaluated per shard: the merged
// rows are the shards' rows, not one aggregate over all shards. Other
// statements' rows are concatenated in shard order.
func (s *ShardSet) Query(ctx context.Context, stmt core.Statement) (*ShardRows, error) {
	gs, err := s.For(ctx)
	if err != nil {
		return nil, err
	}
	if stmt.Writes() && len(gs) > 1 {
		if _, err := s.one(ctx, "a writing query"); err != nil {
			return nil, err
		}
	}
	sel, _ := stmt.(*core.SelectStmt)
	var limit, offset int64
	var hasLimit bool
	per := stmt
	if sel != nil && len(gs) > 1 {
		var hasOffset bool
		limit, hasLimit, offset, hasOffset = sel.Paging()
		if hasOffset {
			ps := sel.Offset(0)
			if hasLimit {
				ps = ps.Limit(limit + offset)
			}
			per = ps
		}
	}
	results := make([]shardResult, len(gs))
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(s.maxConcurrent)
	for i, g := range gs {
		eg.Go(func() error {
			err := g.QueryFunc(ectx, per, func(rows *engine.Rows) error {
				// An empty result's rows are closed already (their
				// connection back in the pool): its columns are read only
				// while a row holds the connection.
				var res shardResult
				var cols []string
				for rows.Next() {
					if cols == nil {
						cols = rows.Columns()
						res.cols = cols
					}
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for j := range vals {
						ptrs[j] = &vals[j]
					}
					if err := rows.Scan(ptrs...); err != nil {
						return err
					}
					res.rows = append(res.rows, vals)
				}
				results[i] = res
				return rows.Err()
			})
			if err != nil {
				return fmt.Errorf("router: shard %q of set %q: %w", g.name, s.name, err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	out := &ShardRows{}
	for _, r := range results {
		if r.cols != nil {
			out.cols = r.cols
			break
		}
	}
	if out.cols == nil {
		return out, nil // no shard had a row
	}
	if sel == nil || len(gs) == 1 {
		for _, r := range results {
			out.rows = append(out.rows, r.rows...)
		}
		return out, nil
	}
	keys, err := mergeKeys(sel, out.cols, gs[0].Primary().Dialect())
	if err != nil {
		return nil, fmt.Errorf("%w: shard set %q: %w", ErrShardMerge, s.name, err)
	}
	merged, err := mergeSorted(results, keys, gs)
	if err != nil {
		return nil, fmt.Errorf("%w: shard set %q: %w", ErrShardMerge, s.name, err)
	}
	if offset > 0 {
		merged = merged[min(offset, int64(len(merged))):]
	}
	if hasLimit && int64(len(merged)) > limit {
		merged = merged[:limit]
	}
	out.rows = merged
	return out, nil
}

type shardResult struct {
	cols []string
	rows [][]any
}

// mergeKey is one ORDER BY term as the merge applies it.
type mergeKey struct {
	col        int
	desc       bool
	nullsFirst bool
}

func mergeKeys(sel *core.SelectStmt, cols []string, d core.Dialect) ([]mergeKey, error) {
	// PostgreSQL sorts NULL as larger than every value; MariaDB, MySQL
	// and SQLite as smaller.
	nullsLarge := d != nil && strings.HasPrefix(d.Name(), "postgres")
	var keys []mergeKey
	for n, it := range sel.OrderItems() {
		c, ok := it.Expr().(*core.Column)
		if !ok {
			return nil, fmt.Errorf("ORDER BY term %d is not a column; order by a column of the result", n+1)
		}
		idx := -1
		for i, name := range cols {
			if name == c.Name {
				if idx >= 0 {
					return nil, fmt.Errorf("ORDER BY column %q appears twice in the result", c.Name)
				}
				idx = i
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("ORDER BY column %q is not in the result; select it", c.Name)
		}
		k := mergeKey{col: idx, desc: it.Descending()}
		first, last := it.Nulls()
		switch {
		case first:
			k.nullsFirst = true
		case last:
			k.nullsFirst = false
		default:
			k.nullsFirst = nullsLarge == k.desc
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// compareRows orders a and b on keys.
func compareRows(a, b []any, keys []mergeKey) (int, error) {
	for _, k := range keys {
		x, y := a[k.col], b[k.col]
		var c int
		switch {
		case x == nil && y == nil:
			continue
		case x == nil:
			c = -1
			if !k.nullsFirst {
				c = 1
			}
			return c, nil
		case y == nil:
			c = 1
			if !k.nullsFirst {
				c = -1
			}
			return c, nil
		}
		c, err := compareValues(x, y)
		if err != nil {
			return 0, err
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c, nil
		}
	}
	return 0, nil
}

// compareValues compares two non-NULL values of comparable types.
func compareValues(x, y any) (int, error) {
	vx, vy := reflect.ValueOf(x), reflect.ValueOf(y)
	switch {
	case vx.CanInt() && vy.CanInt():
		return cmp.Compare(vx.Int(), vy.Int()), nil
	case vx.CanUint() && vy.CanUint():
		return cmp.Compare(vx.Uint(), vy.Uint()), nil
	case vx.CanInt() && vy.CanUint():
		if vx.Int() < 0 {
			return -1, nil
		}
		return cmp.Compare(uint64(vx.Int()), vy.Uint()), nil
	case vx.CanUint() && vy.CanInt():
		c, err := compareValues(y, x)
		return -c, err
	case isNumber(vx) && isNumber(vy):
		return cmp.Compare(toFloat(vx), toFloat(vy)), nil
	}
	switch a := x.(type) {
	case string:
		if b, ok := y.(string); ok {
			return strings.Compare(a, b), nil
		}
	case []byte:
		if b, ok := y.([]byte); ok {
			return bytes.Compare(a, b), nil
		}
	case time.Time:
		if b, ok := y.(time.Time); ok {
			return a.Compare(b), nil
		}
	case bool:
		if b, ok := y.(bool); ok {
			switch {
			case a == b:
				return 0, nil
			case !a:
				return -1, nil
			}
			return 1, nil
		}
	case [16]byte:
		if b, ok := y.([16]byte); ok {
			return bytes.Compare(a[:], b[:]), nil
		}
	}
	return 0, fmt.Errorf("cannot compare a %T with a %T", x, y)
}

func isNumber(v reflect.Value) bool {
	return v.CanInt() || v.CanUint() || v.CanFloat()
}

func toFloat(v reflect.Value) float64 {
	switch {
	case v.CanInt():
		return float64(v.Int())
	case v.CanUint():
		return float64(v.Uint())
	}
	return v.Float()
}

// mergeSorted is a k-way merge of the shards' sorted rows; ties keep
// shard order. A shard's rows out of order are an error.
func mergeSorted(results []shardResult, keys []mergeKey, gs []*Group) ([][]any, error) {
	h := &mergeHeap{keys: keys}
	total := 0
	for i, r := range results {
		for j := 1; j < len(r.rows); j++ {
			c, err := compareRows(r.rows[j-1], r.rows[j], keys)
			if err != nil {
				return nil, err
			}
			if c > 0 {
				return nil, fmt.Errorf("shard %q returned rows %d and %d out of the merge's order (a non-binary collation on a text ORDER BY column?)", gs[i].name, j, j+1)
			}
		}
		total += len(r.rows)
		if len(r.rows) > 0 {
			h.items = append(h.items, cursor{shard: i, rows: r.rows})
		}
	}
	heap.Init(h)
	out := make([][]any, 0, total)
	for h.Len() > 0 {
		if h.err != nil {
			return nil, h.err
		}
		c := &h.items[0]
		out = append(out, c.rows[c.pos])
		c.pos++
		if c.pos == len(c.rows) {
			heap.Pop(h)
		} else {
			heap.Fix(h, 0)
		}
	}
	return out, h.err
}

type cursor struct {
	shard int
	rows  [][]any
	pos   int
}

type mergeHeap struct {
	items []cursor
	keys  []mergeKey
	err   error // the first comparison error
}

func (h *mergeHeap) Len() int { return len(h.items) }
func (h *mergeHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	c, err := compareRows(a.rows[a.pos], b.rows[b.pos], h.keys)
	if err != nil && h.err == nil {
		h.err = err
	}
	if c != 0 {
		return c < 0
	}
	return a.shard < b.shard
}
func (h *mergeHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *mergeHeap) Push(x any)    { h.items = append(h.items, x.(cursor)) }
func (h *mergeHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// ShardRows is the merged result of ShardSet.Query, held in memory.
// Iterate with Next and Scan (or Values).
type ShardRows struct {
	cols []string
	rows [][]any
	i    int
}

// Columns names the result's columns (nil when no shard had a row).
func (r *ShardRows) Columns() []string { return r.cols }

// Len is the number of rows.
func (r *ShardRows) Len() int { return len(r.rows) }

// Next advances to the next row.
func (r *ShardRows) Next() bool {
	if r.i >= len(r.rows) {
		return false
	}
	r.i++
	return true
}

// Values returns the current row's values as the driver gave them.
func (r *ShardRows) Values() []any { return r.rows[r.i-1] }

// Scan copies the current row into dest, one pointer per column: a *any
// takes the value as it is; another pointer takes a value of its type
// or convertible to it without loss (integers that fit, any number into
// a float, strings, []byte into a string); NULL sets the pointed-to value
// to its zero value only when it is a pointer or an interface.
func (r *ShardRows) Scan(dest ...any) error {
	if r.i == 0 || r.i > len(r.rows) {
		return fmt.Errorf("router: ShardRows.Scan without a current row")
	}
	row := r.rows[r.i-1]
	if len(dest) != len(row) {
		return fmt.Errorf("router: ShardRows.Scan: %d destinations for %d columns", len(dest), len(row))
	}
	for i, d := range dest {
		if err := assign(d, row[i]); err != nil {
			return fmt.Errorf("router: ShardRows.Scan: column %q: %w", r.cols[i], err)
		}
	}
	return nil
}

// Err is always nil: every shard's rows were read when Query returned.
func (r *ShardRows) Err() error { return nil }

// Close releases the rows.
func (r *ShardRows) Close() error { r.rows = nil; r.i = 0; return nil }

func assign(dest, v any) error {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return fmt.Errorf("destination %T is not a non-nil pointer", dest)
	}
	e := dv.Elem()
	if v == nil {
		switch e.Kind() {
		case reflect.Pointer, reflect.Interface:
			e.SetZero()
			return nil
		}
		return fmt.Errorf("NULL into %s", e.Type())
	}
	sv := reflect.ValueOf(v)
	if e.Kind() == reflect.Pointer {
		p := reflect.New(e.Type().Elem())
		if err := assign(p.Interface(), v); err != nil {
			return err
		}
		e.Set(p)
		return nil
	}
	switch {
	case sv.Type().AssignableTo(e.Type()):
		e.Set(sv)
	case sv.Kind() == reflect.String && e.Kind() == reflect.String,
		e.CanFloat() && isNumber(sv):
		e.Set(sv.Convert(e.Type()))
	case e.Kind() == reflect.String && sv.Kind() == reflect.Slice && sv.Type().Elem().Kind() == reflect.Uint8:
		e.SetString(string(sv.Bytes())) // MariaDB's driver gives text as bytes
	case e.CanInt() && sv.CanInt() && !e.OverflowInt(sv.Int()),
		e.CanInt() && sv.CanUint() && sv.Uint() <= 1<<63-1 && !e.OverflowInt(int64(sv.Uint())),
		e.CanUint() && sv.CanUint() && !e.OverflowUint(sv.Uint()),
		e.CanUint() && sv.CanInt() && sv.Int() >= 0 && !e.OverflowUint(uint64(sv.Int())):
		e.Set(sv.Convert(e.Type()))
	default:
		return fmt.Errorf("cannot store a %T in %s", v, e.Type())
	}
	return nil
}
