package session

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
)

// insert writes new rows of one model: grouped by the columns they set,
// in multi-row INSERTs of at most BatchSize rows (fewer where the
// dialect's parameter limit requires), reading generated keys and server
// defaults back.
func (pl *plan) insert(ctx context.Context, m *mapper.Model, es []*entry) error {
	if v := m.Version(); v != nil {
		for _, e := range es {
			if v.IsZero(e.p) {
				if err := pl.set(e, v, int64(1)); err != nil {
					return err
				}
			}
		}
	}
	if m.Inheritance() != nil {
		if done, err := pl.insertInherited(ctx, m, es); done || err != nil {
			return err
		}
	}
	if pl.s.shardSet(m) != nil {
		ctxs, parts, err := pl.byShard(ctx, m, es)
		if err != nil {
			return fmt.Errorf("insert %s: %w", m.Name, err)
		}
		for i, part := range parts {
			if err := pl.insertRows(ctxs[i], m, part); err != nil {
				return err
			}
		}
		return nil
	}
	return pl.insertRows(ctx, m, es)
}

// insertRows is insert's statements for es, rows of one shard when m is
// sharded.
func (pl *plan) insertRows(ctx context.Context, m *mapper.Model, es []*entry) error {
	if len(es) == 1 {
		return pl.insertRow(ctx, m, insertShapeFor(m, es[0]), es)
	}
	// Rows with the same columns left to the server go in one statement.
	shapes, groups := insertGroups(m, es)
	for i, sh := range shapes {
		rows := groups[i]
		if !pl.s.returningOf(m.Table()) && sh.autoOmitted && !pl.s.opts.ConsecutiveIDs {
			for _, e := range rows {
				if err := pl.insertChunk(ctx, m, sh, []*entry{e}); err != nil {
					return err
				}
			}
			continue
		}
		// (insertChunk splits a chunk further for the parameter limit.)
		for chunk := range slices.Chunk(rows, pl.s.opts.BatchSize) {
			if err := pl.insertChunk(ctx, m, sh, chunk); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertGroups splits es by shape, in order of first appearance. Rows
// usually share one: es itself is then the only group.
func insertGroups(m *mapper.Model, es []*entry) ([]*insertShape, [][]*entry) {
	first := insertShapeFor(m, es[0])
	k := 1
	for k < len(es) && insertShapeFor(m, es[k]) == first {
		k++
	}
	if k == len(es) {
		return []*insertShape{first}, [][]*entry{es}
	}
	shapes := []*insertShape{first}
	groups := [][]*entry{slices.Clip(es[:k])}
	at := map[*insertShape]int{first: 0}
	for _, e := range es[k:] {
		sh := insertShapeFor(m, e)
		i, ok := at[sh]
		if !ok {
			i = len(shapes)
			at[sh] = i
			shapes = append(shapes, sh)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], e)
	}
	return shapes, groups
}

// insertChunk inserts es, rows of shape sh (at most BatchSize): in one
// statement when unnest takes them, else in as many VALUES statements as
// the parameter limit requires.
func (pl *plan) insertChunk(ctx context.Context, m *mapper.Model, sh *insertShape, es []*entry) error {
	if len(es) == 1 {
		return pl.insertRow(ctx, m, sh, es)
	}
	// Each row's values are those of the snapshot the object will have
	// once inserted, all taken in one block, and bound from there: as
	// arrays (unnest) straight from the snapshots, as VALUES from rows
	// gathered for it.
	snaps := make([]mapper.Snapshot, len(es))
	blocks := insertShapes.Get(m).snaps // a copy: a new Slab
	blocks.Expect(len(es))
	for j, e := range es {
		snaps[j] = m.SnapshotIn(e.p, blocks.Next())
		blocks.Keep()
	}
	src := &snapRows{snaps: snaps, fields: sh.fieldIdx}
	if err := src.bad(sh); err != nil {
		return fmt.Errorf("insert %s: %w", m.Name, err)
	}
	base, returning := pl.insertBase(m, sh)
	if stmt := pl.unnest(m.Table(), sh, base, src); stmt != nil {
		return pl.sendInsert(ctx, m, sh, returning, stmt, es, snaps)
	}
	// VALUES: one slice per row (the statement keeps them), backed by
	// one array, in as many statements as the parameter limit needs.
	cols := sh.cols
	rows := make([][]any, len(es))
	flat := make([]any, len(es)*len(cols))
	for j := range es {
		rows[j] = flat[j*len(cols) : (j+1)*len(cols) : (j+1)*len(cols)]
		for c := range cols {
			rows[j][c] = src.Value(j, c)
		}
	}
	per := len(es)
	if per > 1 {
		per = pl.rowsPerStatement(m.Table(), len(cols))
	}
	for a := 0; a < len(es); a += per {
		b := min(a+per, len(es))
		if err := pl.sendInsert(ctx, m, sh, returning, base.Rows(rows[a:b]...), es[a:b], snaps[a:b]); err != nil {
			return err
		}
	}
	return nil
}

// insertRow is insertChunk for one row, which unnest never takes: the
// template's one-row statement (see core.InsertStmt.Row), which keeps a
// copy of the values, so they are gathered in an array on the stack.
func (pl *plan) insertRow(ctx context.Context, m *mapper.Model, sh *insertShape, es []*entry) error {
	var buf [16]any
	var vals []any
	if len(sh.cols) <= len(buf) {
		vals = buf[:len(sh.cols)]
	} else {
		vals = make([]any, len(sh.cols))
	}
	snaps := [1]mapper.Snapshot{pl.s.snapshotFor(m, es[0])}
	src := snapRows{snaps: snaps[:], fields: sh.fieldIdx}
	if err := src.bad(sh); err != nil {
		return fmt.Errorf("insert %s: %w", m.Name, err)
	}
	for c := range vals {
		vals[c] = src.Value(0, c)
	}
	base, returning := pl.insertBase(m, sh)
	return pl.sendInsert(ctx, m, sh, returning, base.Row(vals...), es, snaps[:])
}

// insertBase is the template of the INSERTs of shape sh, and whether it
// returns the columns the server generates (where there are any and the
// dialect can).
func (pl *plan) insertBase(m *mapper.Model, sh *insertShape) (*core.InsertStmt, bool) {
	if len(sh.ret) > 0 && pl.s.returningOf(m.Table()) {
		return sh.returning, true
	}
	return sh.plain, false
}

// sendInsert runs stmt, the INSERT of es (whose snapshots, taken for it,
// are snaps), and stores in es what the database generated: keys and
// defaults, read back from RETURNING when returning is set (see
// insertBase).
func (pl *plan) sendInsert(ctx context.Context, m *mapper.Model, sh *insertShape, returning bool, stmt core.Statement, es []*entry, snaps []mapper.Snapshot) error {
	cols, ret := sh.cols, sh.ret
	if !returning {
		res, err := pl.exec(ctx, stmt)
		if err != nil {
			return fmt.Errorf("insert %s: %w", m.Name, err)
		}
		if sh.autoOmitted {
			// MySQL: the first generated key; consecutive for the rest
			// (see Options.ConsecutiveIDs).
			auto := m.AutoIncrement()
			for i, e := range es {
				if err := pl.set(e, auto, res.LastInsertID+int64(i)); err != nil {
					return err
				}
			}
		}
		pl.presnap(m, cols, snaps, es)
		return nil
	}
	// RETURNING the generated columns, with the key to match rows.
	retCols := sh.retCols
	n := len(es)
	// One row returning only generated columns (the key among them):
	// the row returned is that row, and nothing is matched. It is
	// scanned straight into the object, whose fields are journaled
	// first, so a failure part-way puts them back.
	var into *entry
	if n == 1 && len(retCols) == len(ret) {
		into = es[0]
		for _, f := range ret {
			pl.log.writes = append(pl.log.writes, fieldWrite{p: into.p, f: f, old: f.Value(into.p)})
		}
		pl.dropMemos(into)
	}
	err := func() error {
		pl.s.txMu.Lock()
		defer pl.s.txMu.Unlock()
		// The plan's own callback (see scanPending): a closure would
		// escape, and be allocated per statement.
		pl.ret.sh, pl.ret.n, pl.ret.into = sh, n, into
		return pl.tx.QueryFunc(ctx, stmt, pl.scan)
	}()
	cs, got := pl.ret.cs, pl.ret.rows // see scanReturned
	pl.ret.cs, pl.ret.sh, pl.ret.into = nil, nil, nil
	if err != nil {
		return fmt.Errorf("insert %s: %w", m.Name, err)
	}
	if got != len(es) {
		return fmt.Errorf("insert %s: %d rows returned for %d inserted", m.Name, got, len(es))
	}
	if into == nil {
		if err := pl.matchReturned(m, sh, cs, es); err != nil {
			return err
		}
	}
	pl.presnap(m, cols, snaps, es)
	return nil
}

// matchReturned hands the rows RETURNING gave for an INSERT of es (read
// into cs, see scanReturned) to their objects: generated keys in key
// order, else by the keys the rows were inserted with.
func (pl *plan) matchReturned(m *mapper.Model, sh *insertShape, cs []mapper.Column, es []*entry) error {
	ret, retCols, pkPos := sh.ret, sh.retCols, sh.pkPos
	val := func(i, j int) any { return cs[j].Value(i) } // returned row i's column j
	var match []int                                     // entry i gets returned row match[i]; nil: row i
	if sh.autoOmitted {
		// Generated keys are increasing in VALUES order; sort what came
		// back (RETURNING promises no order) and hand them out in order.
		match = keyOrder(len(es), func(a, b int) int { return compareKey(val(a, pkPos[0]), val(b, pkPos[0])) })
	} else {
		match = make([]int, len(es))
		byKey := map[idKey]int{}
		for i := range len(es) {
			kv := make([]any, len(pkPos))
			for j, p := range pkPos {
				kv[j] = val(i, p)
			}
			byKey[makeKey(m, kv)] = i
		}
		for i, e := range es {
			j, ok := byKey[keyOf(m, e.p)]
			if !ok {
				return fmt.Errorf("insert %s: returned rows do not match the keys inserted", m.Name)
			}
			match[i] = j
		}
	}
	pl.log.writes = slices.Grow(pl.log.writes, len(es)*len(ret)) // a write per generated value
	for i, e := range es {
		r := i
		if match != nil {
			r = match[i]
		}
		for j, f := range retCols[:len(ret)] { // ret is retCols' prefix
			if err := pl.set(e, f, val(r, j)); err != nil {
				return fmt.Errorf("insert %s: %w", m.Name, err)
			}
		}
	}
	return nil
}

// keyOrder returns the n rows RETURNING gave, as indexes, in the order
// of their keys (cmp compares rows a and b): nil when they came back in
// it, as they usually do (no sort, no allocation).
func keyOrder(n int, cmp func(a, b int) int) []int {
	for i := 1; i < n; i++ {
		if cmp(i, i-1) < 0 {
			order := make([]int, n)
			for j := range order {
				order[j] = j
			}
			slices.SortFunc(order, cmp)
			return order
		}
	}
	return nil
}

// scanPending is scanReturned of the INSERT sendInsert is running
// (pl.ret.sh, pl.ret.n): the callback plan.scan holds.
func (pl *plan) scanPending(rs *engine.Rows) error {
	return pl.scanReturned(rs, pl.ret.sh, pl.ret.n)
}

// scanReturned reads the rows RETURNING gave for an INSERT of n rows of
// shape sh into pl.ret.cs, one Column per column of sh.retCols, and
// counts them in pl.ret.rows.
func (pl *plan) scanReturned(rs *engine.Rows, sh *insertShape, n int) error {
	retCols := sh.retCols
	// Each returned column is scanned into a typed array of one value
	// per inserted row: one allocation per column (none for a small
	// plain one, see returnBufs.bufs), values not boxed one by one; or,
	// for one row, into its object (pl.ret.into, see sendInsert). Where
	// there are few columns, the columns and the scan destinations are
	// the plan's (the scan would move them to the heap).
	var cs []mapper.Column
	var dest []any
	if len(retCols) <= len(pl.ret.dest) {
		cs, dest = pl.ret.cols[:len(retCols)], pl.ret.dest[:len(retCols)]
	} else {
		cs, dest = make([]mapper.Column, len(retCols)), make([]any, len(retCols))
	}
	into := pl.ret.into
	for i, f := range retCols {
		switch {
		case into != nil:
			dest[i] = f.Addr(into.p)
		case i < len(pl.ret.bufs):
			cs[i] = f.NewColumnIn(n, &pl.ret.bufs[i])
		default:
			cs[i] = f.NewColumn(n)
		}
	}
	j := 0
	for ; rs.Next(); j++ {
		if j == n {
			return fmt.Errorf("more rows returned than the %d inserted", n)
		}
		if into == nil {
			for i := range cs {
				dest[i] = cs[i].Addr(j)
			}
		}
		if err := rs.ScanLayout(returnLayout{sh}, dest...); err != nil {
			return err
		}
	}
	// Handed out through the plan: a variable of sendInsert's set here
	// would be moved to the heap.
	pl.ret.cs, pl.ret.rows = cs, j
	return rs.Err()
}

// returnLayout keys the scans of the RETURNING columns of an INSERT of
// shape sh, one pointer per column of sh.retCols (see
// engine.Rows.ScanLayout).
type returnLayout struct{ sh *insertShape }

// returnBufs hold what an INSERT scans RETURNING into (see
// scanReturned), where the scan would move a variable to the heap, and
// hand the columns read over to sendInsert.
type returnBufs struct {
	dest [2]any           // scan destinations
	cols [2]mapper.Column // the columns of an INSERT of few generated ones
	// bufs hold the first columns where their values are small and
	// plain (a generated integer key): sendInsert has set them in the
	// objects before the next INSERT scans into them again.
	bufs [2]mapper.ColumnBuf
	cs   []mapper.Column // the columns read, from the scan to sendInsert
	rows int             // the rows read
	// The INSERT being read: its shape and rows (see scanPending), and
	// the entry of its one row when scanned into its object.
	sh   *insertShape
	n    int
	into *entry
}

// presnap records the snapshots inserted rows will have after the flush:
// snaps, taken before the INSERT and sent as its values (cols, in m's
// field order), with the other fields (generated ones the INSERT set)
// taken again; finish uses them unless a later set drops them.
func (pl *plan) presnap(m *mapper.Model, cols []*mapper.Field, snaps []mapper.Snapshot, es []*entry) {
	if pl.snaps == nil && (len(es) > 1 || pl.snap1e != nil) {
		pl.snaps = make(map[*entry]mapper.Snapshot, len(es))
	}
	fields := m.Fields()
	for j, e := range es {
		c := 0
		for i, f := range fields {
			if c < len(cols) && cols[c] == f {
				c++
				continue
			}
			snaps[j].Resnap(e.p, i) // not shared yet
		}
		if pl.snaps == nil {
			pl.snap1e, pl.snap1 = e, snaps[j]
		} else {
			pl.snaps[e] = snaps[j]
		}
	}
}

// compareKey orders integer (or string) key values.
func compareKey(a, b any) int {
	switch x := a.(type) { // the usual key types, without reflection
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case int:
		if y, ok := b.(int); ok {
			return cmp.Compare(x, y)
		}
	case int32:
		if y, ok := b.(int32); ok {
			return cmp.Compare(x, y)
		}
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	switch va.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(va.Int(), vb.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cmp.Compare(va.Uint(), vb.Uint())
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
