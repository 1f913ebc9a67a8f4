package session

// This file brings the objects a session holds up to date after a bulk
// UPDATE or DELETE (bulk.go): by evaluating the criteria in memory
// (SyncEvaluate) or by reading the affected keys and values from the
// server (SyncFetch).

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// synced is an object the statement affected, and for an update an
// object of its model (src) holding the new values in the assigned
// fields.
type synced struct {
	e   *entry
	src mapper.Ref
}

// column returns the index in Fields of T's column c, or -1 for a column
// of another table (or of T's table under an alias: a joined one).
func (b *bulk) column(c *core.Column) int {
	t := b.m.Table()
	ct := c.Table()
	if ct != t && (ct == nil || ct.Alias() != "" || ct.FullName() != t.FullName()) {
		return -1
	}
	for i, f := range b.m.Fields() {
		if f.Column == c.Name {
			return i
		}
	}
	return -1
}

// known reports a column evaluable in memory: a deferred one is not, as
// a held object may lack it (its snapshot holds a zero value).
func (b *bulk) known(c *core.Column) bool {
	i := b.column(c)
	return i >= 0 && !b.m.Fields()[i].Deferred
}

// evaluable reports whether the criteria and assignments can be
// evaluated in memory, whatever the values.
func (b *bulk) evaluable() error {
	if b.joined {
		return fmt.Errorf("criteria through joined relationships: %w", core.ErrNotEvaluable)
	}
	if err := core.CheckEvaluable(core.And(b.preds...), b.known); err != nil {
		return err
	}
	for _, a := range b.sets {
		if !a.expr {
			continue
		}
		if a.f.IsJSON() {
			return fmt.Errorf("expression for JSON field %s: %w", a.f.Name, core.ErrNotEvaluable)
		}
		if err := core.CheckEvaluable(a.val.(core.Expr), b.known); err != nil {
			return fmt.Errorf("value of %s: %w", a.f.Name, err)
		}
	}
	return nil
}

// held returns the objects of T the session holds with a row: persistent
// ones, and deleted ones not flushed yet.
func (b *bulk) held() []*entry {
	var out []*entry
	b.s.objs.each(func(e *entry) {
		if e.m == b.m {
			if st := e.State(); st == Persistent || st == Deleted {
				out = append(out, e)
			}
		}
	})
	slices.SortFunc(out, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
	return out
}

// row gives e's column values as the database has them (its snapshot),
// or as the object holds them when the snapshot is unknown.
func (b *bulk) row(e *entry) func(*core.Column) (any, bool) {
	fields := b.m.Fields()
	return func(c *core.Column) (any, bool) {
		i := b.column(c)
		if i < 0 {
			return nil, false
		}
		if !e.snap.IsZero() {
			return e.snap.Value(i), true
		}
		return fields[i].Value(e.p), true
	}
}

// evaluate finds the held objects the criteria match, and for an update
// their new values, before anything is sent.
func (b *bulk) evaluate() ([]synced, error) {
	where := core.And(b.preds...)
	var out []synced
	for _, e := range b.held() {
		row := b.row(e)
		ok, err := core.Evaluate(where, row)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.key, err)
		}
		if !ok {
			continue
		}
		if b.op == "delete" {
			out = append(out, synced{e: e})
			continue
		}
		_, src := b.m.New()
		for _, a := range b.sets {
			v := a.raw
			if a.expr {
				if v, err = core.EvaluateValue(a.val.(core.Expr), row); err != nil {
					return nil, fmt.Errorf("%s: value of %s: %w", e.key, a.f.Name, err)
				}
				if err := storable(a.f, v); err != nil {
					return nil, fmt.Errorf("%s: %w: %w", e.key, err, core.ErrNotEvaluable)
				}
			}
			if err := a.f.Set(src, v); err != nil {
				return nil, fmt.Errorf("%s: %w: %w", e.key, err, core.ErrNotEvaluable)
			}
		}
		out = append(out, synced{e: e, src: src})
	}
	return out, nil
}

// storable refuses a value the field would hold otherwise than the
// column does: a fraction in an integer field (the server rounds, or on
// SQLite keeps the REAL), a number out of the field's range (which a
// conversion would wrap).
func storable(f *mapper.Field, v any) error {
	t := f.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return nil
	}
	var bad bool
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch rv.Kind() {
		case reflect.Float32, reflect.Float64:
			bad = true
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			bad = reflect.Zero(t).OverflowInt(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			bad = rv.Uint() > 1<<63-1 || reflect.Zero(t).OverflowInt(int64(rv.Uint()))
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch rv.Kind() {
		case reflect.Float32, reflect.Float64:
			bad = true
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			bad = rv.Int() < 0 || reflect.Zero(t).OverflowUint(uint64(rv.Int()))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			bad = reflect.Zero(t).OverflowUint(rv.Uint())
		}
	}
	if bad {
		return fmt.Errorf("field %s (%s) cannot hold %T %v", f.Name, f.Type, v, v)
	}
	return nil
}

// fetch runs the statement and reads back which rows it affected, for
// the objects held of them: with RETURNING where the dialect has it,
// else by selecting (and locking) the keys first and updating or
// deleting by key, then, for an update, reading the new values of the
// held objects' rows.
func (b *bulk) fetch(ctx context.Context, tx Tx) (int64, []synced, error) {
	s := b.s
	stmt := b.statement(b.where)
	byKey := map[idKey]*entry{}
	for _, e := range b.held() {
		byKey[rowKey(e)] = e
	}
	if len(byKey) == 0 {
		// Nothing held to bring up to date.
		res, err := txExec(s, ctx, tx, stmt)
		return res.RowsAffected, nil, err
	}
	f := s.featuresOf(b.m.Table())
	pk := b.m.PrimaryKey()
	cols := make([]any, 0, len(pk)+len(b.sets))
	for _, k := range pk {
		cols = append(cols, k.Col)
	}
	if b.op == "update" {
		for _, a := range b.sets {
			cols = append(cols, a.f.Col)
		}
	}
	switch {
	case b.op == "update" && f.ReturningUpdate:
		return b.scanAffected(ctx, tx, stmt.(*core.UpdateStmt).Returning(cols...), byKey)
	case b.op == "delete" && f.ReturningDelete:
		return b.scanAffected(ctx, tx, stmt.(*core.DeleteStmt).Returning(cols...), byKey)
	}
	// The keys first, locked so that the statement by key meets the same
	// rows.
	keysCols := cols[:len(pk)]
	sel := core.Select(keysCols...).From(b.m.Table()).Where(b.where...)
	if f.Locking {
		sel = sel.ForUpdate()
	}
	var keys [][]any
	_, sp := b.m.New()
	err := txQuery(s, ctx, tx, sel, func(rows *engine.Rows) error {
		dest := make([]any, len(pk))
		for rows.Next() {
			for i, k := range pk {
				dest[i] = k.Addr(sp)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			key := make([]any, len(pk))
			for i, k := range pk {
				key[i] = k.Value(sp)
			}
			keys = append(keys, key)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, nil, err
	}
	var n int64
	var heldKeys [][]any
	var out []synced
	for chunk := range slices.Chunk(keys, b.keysPerStatement()) {
		res, err := txExec(s, ctx, tx, b.statement([]core.Expr{keyIn(pk, chunk)}))
		if err != nil {
			return 0, nil, err
		}
		n += res.RowsAffected
	}
	for _, key := range keys {
		e := byKey[makeKey(b.m, key)]
		if e == nil {
			continue
		}
		if b.op == "delete" {
			out = append(out, synced{e: e})
		} else {
			heldKeys = append(heldKeys, key)
		}
	}
	for chunk := range slices.Chunk(heldKeys, b.keysPerStatement()) {
		reread := core.Select(cols...).From(b.m.Table()).Where(keyIn(pk, chunk))
		_, got, err := b.scanAffected(ctx, tx, reread, byKey)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, got...)
	}
	return n, out, nil
}

// scanAffected runs stmt, whose rows are T's key columns then the
// assigned columns, and returns the number of rows and the held objects
// among them with their new values.
func (b *bulk) scanAffected(ctx context.Context, tx Tx, stmt core.Statement, byKey map[idKey]*entry) (int64, []synced, error) {
	pk := b.m.PrimaryKey()
	fields := make([]*mapper.Field, 0, len(pk)+len(b.sets))
	fields = append(fields, pk...)
	if b.op == "update" {
		for _, a := range b.sets {
			fields = append(fields, a.f)
		}
	}
	var n int64
	var out []synced
	_, sp := b.m.New()
	err := txQuery(b.s, ctx, tx, stmt, func(rows *engine.Rows) error {
		dest := make([]any, len(fields))
		for rows.Next() {
			for i, f := range fields {
				dest[i] = f.Addr(sp)
			}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			n++
			e := byKey[keyOf(b.m, sp)]
			if e == nil {
				continue
			}
			if b.op == "delete" {
				out = append(out, synced{e: e})
				continue
			}
			_, src := b.m.New()
			for _, f := range fields[len(pk):] {
				if err := f.Set(src, f.Value(sp)); err != nil {
					return err
				}
			}
			out = append(out, synced{e: e, src: src})
		}
		return rows.Err()
	})
	return n, out, err
}

// keysPerStatement bounds the keys of one statement by key.
func (b *bulk) keysPerStatement() int {
	n := b.s.opts.BatchSize
	if b.s.dialect != nil {
		if mp := b.s.featuresOf(b.m.Table()).MaxParams; mp > 0 {
			// Room for the assignments' parameters too.
			n = min(n, max(1, (mp-len(b.sets)*4)/len(b.m.PrimaryKey())))
		}
	}
	return n
}

// keyIn is the predicate matching the rows of keys.
func keyIn(pk []*mapper.Field, keys [][]any) core.Expr {
	if len(pk) == 1 {
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = k[0]
		}
		return core.In(pk[0].Col, vals...)
	}
	ors := make([]core.Expr, len(keys))
	for i, k := range keys {
		ands := make([]core.Expr, len(pk))
		for j, f := range pk {
			ands[j] = core.Eq(f.Col, k[j])
		}
		ors[i] = core.And(ands...)
	}
	return core.Or(ors...)
}

// apply brings the affected objects up to date, journaling the changes.
// An update's values go into each object's snapshot (the row as the
// database has it now) and into the field unless the field holds an
// unflushed change (possible with Options.NoAutoflush), which the next
// flush then writes over the bulk value. A delete's objects leave the
// session, Detached. The caller holds flushMu and txLock.
func (b *bulk) apply(log *journal, affected []synced) {
	s := b.s
	setIdx := make([]int, len(b.sets))
	for j, as := range b.sets {
		setIdx[j] = as.i
	}
	for _, a := range affected {
		e := a.e
		log.save(s, e)
		if b.op == "delete" {
			s.ids.remove(e.key, e)
			s.objs.remove(e.p)
			e.setState(Detached)
			continue
		}
		old := e.snap
		for _, as := range b.sets {
			f := as.f
			if old.IsZero() || old.Unchanged(e.p, as.i) {
				log.writes = append(log.writes, fieldWrite{p: e.p, f: f, old: f.Value(e.p)})
				_ = f.Set(e.p, f.Value(a.src)) // a value of the field's own type
			}
		}
		if !old.IsZero() {
			e.snap = old.Retake(a.src, setIdx) // the journal keeps old as it is
		}
	}
}
