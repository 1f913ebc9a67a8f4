package session

// This file holds statement emission for updates, deletes and
// association rows (inserts are in flush_insert.go, their cached shapes in
// flush_shape.go, batch sizes in flush_batch.go).

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// keyValue is the i-th primary-key value of a persistent entry as the
// database has it (its snapshot), or as the object holds it.
func keyValue(e *entry, i int) any {
	f := e.m.PrimaryKey()[i]
	if !e.snap.IsZero() {
		for j, g := range e.m.Fields() {
			if g == f {
				return e.snap.Value(j)
			}
		}
	}
	return f.Value(e.p)
}

func snapValue(e *entry, f *mapper.Field) any {
	if !e.snap.IsZero() {
		for j, g := range e.m.Fields() {
			if g == f {
				return e.snap.Value(j)
			}
		}
	}
	return f.Value(e.p)
}

// exec runs a statement of the flush.
func (pl *plan) exec(ctx context.Context, stmt core.Statement) (engine.Result, error) {
	pl.s.txMu.Lock()
	defer pl.s.txMu.Unlock()
	return pl.tx.Exec(ctx, stmt)
}

// update writes the changed columns of a persistent entry, checking and
// bumping its version column.
func (pl *plan) update(ctx context.Context, e *entry) error {
	if h := e.m.Inheritance(); h != nil {
		if err := checkKind(e); err != nil {
			return err
		}
		if h.Joined() {
			return pl.updateJoined(ctx, e)
		}
	}
	ch := pl.changed(e)
	if len(ch) == 0 {
		return nil
	}
	m := e.m
	ctx, err := pl.entryCtx(ctx, e)
	if err != nil {
		return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
	}
	// The statement is built in one step from its lists (each builder
	// call would copy the statement and the list it extends).
	fields := m.Fields()
	var setBuf [4]core.Assignment
	var whereBuf [2]core.Expr
	sets, where := setBuf[:0], whereBuf[:0]
	for _, i := range ch {
		v, err := fields[i].Bind(e.p)
		if err != nil {
			return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
		}
		sets = append(sets, core.Set(fields[i].Col, v))
	}
	for i, f := range m.PrimaryKey() {
		where = append(where, core.Eq(f.Col, keyValue(e, i)))
	}
	v := m.Version()
	var next int64
	if v != nil {
		cur := snapValue(e, v)
		n, err := toInt64(cur)
		if err != nil {
			return fmt.Errorf("update %s: version: %w", m.Name, err)
		}
		next = n + 1
		sets = append(sets, core.Set(v.Col, next))
		where = append(where, core.Eq(v.Col, cur))
	}
	res, err := pl.exec(ctx, core.UpdateOf(m.Table(), sets, where...))
	if err != nil {
		return fmt.Errorf("update %s %s: %w", m.Name, e.key, err)
	}
	if res.RowsAffected == 0 {
		// The row is gone (deleted by someone else), or, with a version
		// column, changed by someone else: either way this session's view
		// is stale, and writing nothing silently would lose the change.
		if v == nil {
			return fmt.Errorf("update %s %s: no row matched: %w", m.Name, e.key, athanor.ErrStaleObject)
		}
		return fmt.Errorf("update %s %s: version %v: %w", m.Name, e.key, snapValue(e, v), athanor.ErrStaleObject)
	}
	if v != nil {
		if err := pl.set(e, v, next); err != nil {
			return err
		}
	}
	pl.noteUpdate(e)
	return nil
}

func toInt64(v any) (int64, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(rv.Uint()), nil
	}
	return 0, fmt.Errorf("not an integer: %T", v)
}

// associations writes the association rows that appeared and removes
// the ones that went, and those of deleted objects.
func (pl *plan) associations(ctx context.Context) error {
	var dels []pair
	for k, p := range pl.m2mDel {
		if _, readded := pl.m2mAdd[k]; readded {
			delete(pl.m2mAdd, k)
			continue
		}
		dels = append(dels, p)
	}
	if err := pl.deletePairs(ctx, dels); err != nil {
		return err
	}
	// Rows of deleted objects.
	var deleted []*entry
	for e := range pl.deletes {
		deleted = append(deleted, e)
	}
	slices.SortFunc(deleted, func(a, b *entry) int { return cmp.Compare(a.seq, b.seq) })
	for _, e := range deleted {
		for _, r := range e.m.Relations() {
			if r.Kind != mapper.ManyToMany {
				continue
			}
			stmt := core.Delete(r.Secondary).Where(keyEq(r.SecondaryOwnerCols, e))
			if _, err := pl.exec(ctx, stmt); err != nil {
				return fmt.Errorf("delete from %s: %w", r.Secondary.Name(), err)
			}
		}
	}
	// New rows, per table, batched.
	byTable := map[*core.Table][]pair{}
	var tables []*core.Table
	for _, p := range pl.m2mAdd {
		if pl.deletes[p.a] || pl.deletes[p.b] {
			continue
		}
		if _, ok := byTable[p.t]; !ok {
			tables = append(tables, p.t)
		}
		byTable[p.t] = append(byTable[p.t], p)
	}
	slices.SortFunc(tables, func(a, b *core.Table) int { return strings.Compare(a.Name(), b.Name()) })
	for _, t := range tables {
		ps := byTable[t]
		slices.SortFunc(ps, func(x, y pair) int { return cmp.Or(cmp.Compare(x.a.seq, y.a.seq), cmp.Compare(x.b.seq, y.b.seq)) })
		cols := pairColumns(ps[0])
		w := len(cols)
		for chunk := range slices.Chunk(ps, pl.rowsPerStatement(t, w)) {
			rows, flat := make([][]any, len(chunk)), make([]any, 0, w*len(chunk))
			for i, p := range chunk {
				flat = appendKey(appendKey(flat, p.a), p.b)
				rows[i] = flat[w*i : w*(i+1) : w*(i+1)]
			}
			stmt := core.Insert(t).Columns(cols...).Rows(rows...) // not Values per row: each copies the rows before it
			if _, err := pl.exec(ctx, stmt); err != nil {
				return fmt.Errorf("insert into %s: %w", t.Name(), err)
			}
		}
	}
	return nil
}

func snapKey(e *entry) any { return keyValue(e, 0) }

// delete removes rows of one model: by key lists when unversioned, row by
// row with the version checked otherwise.
func (pl *plan) delete(ctx context.Context, m *mapper.Model, es []*entry) error {
	if h := m.Inheritance(); h != nil && h.Joined() {
		if err := pl.deleteJoined(ctx, m, es); err != nil {
			return err
		}
	}
	if pl.s.shardSet(m) != nil {
		ctxs, parts, err := pl.byShard(ctx, m, es)
		if err != nil {
			return fmt.Errorf("delete %s: %w", m.Name, err)
		}
		for i, part := range parts {
			if err := pl.deleteRows(ctxs[i], m, part); err != nil {
				return err
			}
		}
		return nil
	}
	return pl.deleteRows(ctx, m, es)
}

// deleteRows is delete's statements for es, rows of one shard when m is
// sharded.
func (pl *plan) deleteRows(ctx context.Context, m *mapper.Model, es []*entry) error {
	v := m.Version()
	pk := m.PrimaryKey()
	if v == nil && len(pk) == 1 {
		for chunk := range slices.Chunk(es, pl.rowsPerStatement(m.Table(), 1)) {
			keys := make([]any, len(chunk))
			for i, e := range chunk {
				keys[i] = keyValue(e, 0)
			}
			if _, err := pl.exec(ctx, core.Delete(m.Table()).Where(core.In(pk[0].Col, keys...))); err != nil {
				return fmt.Errorf("delete %s: %w", m.Name, err)
			}
		}
		return nil
	}
	for _, e := range es {
		stmt := core.Delete(m.Table())
		for i, f := range pk {
			stmt = stmt.Where(core.Eq(f.Col, keyValue(e, i)))
		}
		if v != nil {
			stmt = stmt.Where(core.Eq(v.Col, snapValue(e, v)))
		}
		res, err := pl.exec(ctx, stmt)
		if err != nil {
			return fmt.Errorf("delete %s %s: %w", m.Name, e.key, err)
		}
		if v != nil && res.RowsAffected == 0 {
			return fmt.Errorf("delete %s %s: version %v: %w", m.Name, e.key, snapValue(e, v), athanor.ErrStaleObject)
		}
	}
	return nil
}
