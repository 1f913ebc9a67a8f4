package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"

	"github.com/jackc/puddle/v2"

	"github.com/athanor-orm/athanor/core"
)

// Rows is the result of a query. Iterate with Next and Scan, then Close
// (Next returning false closes it too); the connection goes back to the
// pool on Close. A Rows is used by one goroutine.
type Rows struct {
	db  *DB
	res *puddle.Resource[*conn] // nil inside a transaction or for batch results
	c   *conn
	ctx context.Context
	tx  *Tx

	// src is the driver's rows of the current query; kept after Close
	// (for Columns, and for the driver to reuse on the next query).
	src  RowSource
	live bool         // src belongs to the current, unclosed query
	buf  BufferedRows // a batch statement's buffered rows
	bi   int          // next row in buf

	err    error
	closed bool
	n      int64
	// autoWrite: the statement writes and runs outside a transaction.
	autoWrite bool
	// ahead: the first row has been read ahead (queryAhead); Next
	// returns it without advancing.
	ahead bool
	// cancelRead ends the context of a bounded read (queryAhead); Close
	// calls it once the connection is back in the pool.
	cancelRead context.CancelCauseFunc

	// dest is reused to hold field pointers while scanning a struct.
	dest  [16]any
	destS []any

	// plan is the struct plan of planType for this result's columns.
	plan     *scanPlan
	planType *typeInfo

	// key identifies the destination layout of the scan in progress
	// for the driver (RowSource.Scan): the struct plan, or the typeInfo
	// of a single value.
	key any

	// scratch is a zeroed value of type scratchType.typ that One scans
	// into, so that its result does not escape to the heap. Kept across
	// uses of a pooled Rows: a caller reading one type in a loop
	// allocates it once.
	scratch     unsafe.Pointer
	scratchType *typeInfo

	// hook state (unused without hooks)
	hctx  context.Context
	began time.Time
	sql   string
}

var rowsPool = sync.Pool{New: func() any { return new(Rows) }}

func getRows() *Rows { return rowsPool.Get().(*Rows) }

func putRows(r *Rows) {
	*r = Rows{
		src:         r.src,
		destS:       r.destS[:0],
		scratch:     r.scratch,
		scratchType: r.scratchType,
	}
	rowsPool.Put(r)
}

// recycleRows closes r (a no-op when fn already did, and what returns the
// connection if fn panicked) and pools it.
func recycleRows(r *Rows) {
	r.Close()
	putRows(r)
}

// finishRows closes r after fn and returns fn's error, else r's.
func finishRows(r *Rows, fnErr error) error {
	err := r.Close()
	if fnErr != nil {
		return fnErr
	}
	return err
}

// scratchFor returns r's scratch value for ti, zeroed.
func (r *Rows) scratchFor(ti *typeInfo) unsafe.Pointer {
	if r.scratchType != ti {
		r.scratch = reflect.New(ti.typ).UnsafePointer()
		r.scratchType = ti
	}
	return r.scratch
}

// start runs the query on r.c.
func (r *Rows) run(stmt core.Statement, cs *core.Compiled, inTx bool) error {
	db := r.db
	if db.hooks.query != nil {
		r.hctx = db.hooks.queryStart(r.ctx, QueryStartData{Statement: stmt, SQL: cs.SQL, Args: len(cs.Args), Writes: cs.Writes, InTx: inTx})
		r.began = time.Now()
		r.sql = cs.SQL
	}
	sql := cs.SQL
	if r.c.bounder != nil {
		sql = r.c.bounder.BoundSQL(r.ctx, sql, cs.Writes)
	}
	// A writing statement outside a transaction (INSERT … RETURNING)
	// commits by itself: its lost answer is an unknown outcome, whether
	// the connection fails now or while its rows are read.
	r.autoWrite = cs.Writes && !inTx
	src, err := r.c.dc.Query(r.ctx, sql, cs.Args, r.src)
	if err != nil {
		err = db.execError(r.ctx, r.c, err, r.autoWrite)
		if db.hooks.query != nil {
			db.hooks.queryEnd(r.hctx, QueryEndData{SQL: r.sql, Err: err, Duration: time.Since(r.began)})
		}
		r.closed = true
		r.err = err
		return err
	}
	r.src, r.live = src, true
	return nil
}

// Next advances to the next row. It returns false at the end or on an
// error (see Err), and then closes the rows.
func (r *Rows) Next() bool {
	if r.ahead {
		r.ahead = false
		return true
	}
	if r.closed {
		return false
	}
	var ok bool
	if r.buf != nil {
		ok = r.bi < r.buf.Len()
		if ok {
			r.bi++
		}
	} else {
		ok = r.src.Next()
	}
	if ok {
		r.n++
		return true
	}
	r.Close()
	return false
}

// Err returns the error met while iterating, if any.
func (r *Rows) Err() error {
	if r.closed {
		return r.err
	}
	if r.live {
		if err := r.src.Err(); err != nil {
			return r.db.classify(err)
		}
	}
	return nil
}

// Close releases the rows and their connection. It is safe to call more
// than once; it returns the iteration error, if any.
func (r *Rows) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	r.ahead = false
	var err error
	var affected int64
	if r.live {
		r.live = false
		affected, err = r.src.Close()
	}
	if err != nil && r.c != nil {
		err = r.db.execError(r.ctx, r.c, err, r.autoWrite)
	} else if r.c != nil {
		err = r.c.lateRead(r.ctx)
	}
	r.err = err
	if r.db != nil && r.db.hooks.query != nil && r.buf == nil {
		r.db.hooks.queryEnd(r.hctx, QueryEndData{SQL: r.sql, Rows: affected, Err: err, Duration: time.Since(r.began)})
	}
	if r.tx != nil {
		r.tx.busy = false
		if err != nil {
			r.tx.failed(err)
		}
	}
	if r.res != nil {
		r.db.release(r.res, r.ctx)
		r.res = nil
	}
	r.c = nil
	if r.cancelRead != nil {
		r.cancelRead(nil)
		r.cancelRead = nil
	}
	return err
}

// Columns returns the column names.
func (r *Rows) Columns() []string {
	n := r.numCols()
	cols := make([]string, n)
	for i := range n {
		cols[i] = r.colName(i)
	}
	return cols
}

// noColumns is the columns of rows with no result.
type noColumns struct{}

func (noColumns) NumColumns() int       { return 0 }
func (noColumns) ColumnName(int) string { return "" }

func (r *Rows) numCols() int {
	switch {
	case r.buf != nil:
		return r.buf.NumColumns()
	case r.src != nil:
		return r.src.NumColumns()
	}
	return 0
}

func (r *Rows) colName(i int) string {
	if r.buf != nil {
		return r.buf.ColumnName(i)
	}
	return r.src.ColumnName(i)
}

// Scan copies the current row into dest. With one argument that points to
// a struct, the columns are matched to its fields (see the package doc);
// with one argument pointing to a map[string]any, each column is stored
// under its name; otherwise dest holds one pointer per column, in order,
// and a nil destination skips its column (so a row may be scanned in
// parts, by calling Scan again with other destinations), on every
// driver.
func (r *Rows) Scan(dest ...any) error {
	if r.closed {
		if r.err != nil {
			return r.err
		}
		return errors.New("engine: scan: rows are closed")
	}
	if len(dest) == 1 {
		t := reflect.TypeOf(dest[0])
		if t == nil || t.Kind() != reflect.Pointer {
			return fmt.Errorf("engine: scan: destination %T is not a pointer", dest[0])
		}
		// Only a struct or a map is scanned as a whole row (see
		// buildTypeInfo): a plain value needs no type lookup.
		if k := t.Elem().Kind(); k == reflect.Struct || k == reflect.Map || k == reflect.Pointer {
			ti, err := typeInfoFor(t.Elem())
			if err != nil {
				return err
			}
			switch ti.kind {
			case targetStruct:
				return r.scanStruct(ti, (*eface)(unsafe.Pointer(&dest[0])).data)
			case targetMap:
				return r.scanMap(dest[0])
			}
		}
	}
	return r.scanValues(dest)
}

// ScanLayout copies the current row into dest, one pointer per column in
// order (a nil one skips its column), as Scan does for such a dest but
// never reading one pointer to a struct or map as the whole row. key is a
// comparable value that comes only with destinations of these types in
// this order, on every call (a caller scanning its own layout many times,
// an ORM loading one model, uses a value of a type of its own): the driver
// may then keep its per-column plans from one result to the next, as it
// does for the struct scans of Scan, One and All, instead of planning each
// result's columns again.
func (r *Rows) ScanLayout(key any, dest ...any) error {
	if r.closed {
		if r.err != nil {
			return r.err
		}
		return errors.New("engine: scan: rows are closed")
	}
	r.key = key
	err := r.scanValues(dest)
	r.key = nil
	return err
}

// scanInto scans the current row into *T at p, for the generic helpers.
func (r *Rows) scanInto(ti *typeInfo, p unsafe.Pointer) error {
	ref := fieldRef{ptrTyp: ti.ptrWord}
	switch ti.kind {
	case targetStruct:
		return r.scanStruct(ti, p)
	case targetMap:
		return r.scanMap(ref.ptr(p))
	case targetPtrStruct:
		pp := (*unsafe.Pointer)(p)
		if *pp == nil {
			*pp = reflect.New(ti.elem.typ).UnsafePointer()
		}
		return r.scanStruct(ti.elem, *pp)
	}
	// One value of one type: ti identifies the layout, so the driver
	// may keep its plan for the column as it does a struct's.
	r.dest[0] = ref.ptr(p)
	r.key = ti
	err := r.scanValues(r.dest[:1])
	r.key = nil
	r.dest[0] = nil
	return err
}

func (r *Rows) scanStruct(ti *typeInfo, base unsafe.Pointer) error {
	// The columns do not change within a result: look the plan up on the
	// first row only.
	p := r.plan
	if r.planType != ti {
		var err error
		// The driver's rows name the columns: asked directly, not
		// through r, which would add a call per column.
		var src columnSource = noColumns{}
		switch {
		case r.buf != nil:
			src = r.buf
		case r.src != nil:
			src = r.src
		}
		if p, err = ti.plan(src); err != nil {
			return err
		}
		r.plan, r.planType = p, ti
	}
	n := len(p.fields)
	var dest []any
	if n <= len(r.dest) {
		dest = r.dest[:n]
	} else {
		if cap(r.destS) < n {
			r.destS = make([]any, n)
		}
		dest = r.destS[:n]
	}
	for i := range p.fields {
		dest[i] = p.fields[i].ptr(base)
	}
	r.key = p
	err := r.scanValues(dest)
	r.key = nil
	clear(dest)
	return err
}

func (r *Rows) scanValues(dest []any) error {
	var err error
	if r.buf != nil {
		err = r.buf.ScanRow(r.bi-1, dest)
	} else {
		err = r.src.Scan(dest, r.key)
	}
	if err != nil && r.db != nil {
		return r.db.classify(err)
	}
	return err
}

func (r *Rows) scanMap(d any) error {
	mp, ok := d.(*map[string]any)
	if !ok {
		rv := reflect.ValueOf(d).Elem()
		if rv.IsNil() {
			rv.Set(reflect.MakeMap(rv.Type()))
		}
		vals, err := r.values()
		if err != nil {
			return err
		}
		for i, v := range vals {
			var ev reflect.Value
			if v == nil {
				ev = reflect.Zero(rv.Type().Elem())
			} else {
				ev = reflect.ValueOf(v)
			}
			rv.SetMapIndex(reflect.ValueOf(r.colName(i)).Convert(rv.Type().Key()), ev)
		}
		return nil
	}
	if *mp == nil {
		*mp = make(map[string]any, r.numCols())
	}
	vals, err := r.values()
	if err != nil {
		return err
	}
	for i, v := range vals {
		(*mp)[r.colName(i)] = v
	}
	return nil
}

// values returns the current row as Go values.
func (r *Rows) values() ([]any, error) {
	if r.buf != nil {
		return r.buf.RowValues(r.bi - 1)
	}
	v, err := r.src.Values()
	if err != nil && r.db != nil {
		return nil, r.db.classify(err)
	}
	return v, nil
}

// Row is the result of QueryRow.
type Row struct {
	rows *Rows
	err  error
}

// Scan scans the first row like Rows.Scan and closes the rows. It returns
// ErrNoRows when there is no row.
func (r *Row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	rows := r.rows
	r.rows = nil
	if rows == nil {
		return errors.New("engine: row already scanned")
	}
	defer putRows(rows)
	if !rows.Next() {
		if err := rows.Close(); err != nil {
			return err
		}
		return ErrNoRows
	}
	err := rows.Scan(dest...)
	cerr := rows.Close()
	if err != nil {
		return err
	}
	return cerr
}

// Err returns the error of running the query, if it failed before any row.
func (r *Row) Err() error { return r.err }

// Querier runs queries: *DB and *Tx implement it (and so may a router).
type Querier interface {
	Query(ctx context.Context, stmt core.Statement) (*Rows, error)
}

// rowsQuerier is the allocation-free path of *DB and *Tx.
type rowsQuerier interface {
	queryInto(ctx context.Context, stmt core.Statement, r *Rows) error
}

// All runs stmt and scans every row into a T: a struct (columns matched to
// fields), a map[string]any, or a single-column value.
//
//	users, err := engine.All[User](ctx, db, core.Select(users).Where(...))
func All[T any](ctx context.Context, q Querier, stmt core.Statement) ([]T, error) {
	if rq, ok := q.(rowsQuerier); ok {
		r := getRows()
		defer putRows(r)
		if err := rq.queryInto(ctx, stmt, r); err != nil {
			return nil, err
		}
		return collect[T](r, nil, limitCap[T](stmt))
	}
	rows, err := q.Query(ctx, stmt)
	if err != nil {
		return nil, err
	}
	return collect[T](rows, nil, limitCap[T](stmt))
}

// presizeBytes bounds the result array All allocates before reading.
const presizeBytes = 16 << 10

// limitCap is how many rows All makes room for before reading the rows
// of stmt: its LIMIT, when it is a SELECT with one (a page read usually
// fills its page), so the result is one allocation, not one per
// doubling; but never more than presizeBytes of them, so that a large
// limit that few rows meet costs little. Otherwise none: append grows
// the result as rows come.
func limitCap[T any](stmt core.Statement) int {
	s, ok := stmt.(*core.SelectStmt)
	if !ok || s == nil {
		return 0
	}
	limit, has, _, _ := s.Paging()
	if !has || limit <= 0 {
		return 0
	}
	size := max(unsafe.Sizeof(*new(T)), 1)
	return int(min(limit, int64(presizeBytes/size)))
}

// One runs stmt and scans its first row into a T (see All). It returns
// ErrNoRows when there is no row.
func One[T any](ctx context.Context, q Querier, stmt core.Statement) (T, error) {
	var out T
	var rows *Rows
	if rq, ok := q.(rowsQuerier); ok {
		rows = getRows()
		defer putRows(rows)
		if err := rq.queryInto(ctx, stmt, rows); err != nil {
			return out, err
		}
	} else {
		var err error
		if rows, err = q.Query(ctx, stmt); err != nil {
			return out, err
		}
	}
	// A pooled Rows remembers the type its last One scanned into: a
	// caller reading one type in a loop looks it up once.
	ti := rows.scratchType
	if t := reflect.TypeFor[T](); ti == nil || ti.typ != t {
		var err error
		if ti, err = typeInfoFor(t); err != nil {
			rows.Close()
			return out, err
		}
	}
	if !rows.Next() {
		if err := rows.Close(); err != nil {
			return out, err
		}
		return out, ErrNoRows
	}
	// Scanning hands field pointers to the driver, which would move out
	// to the heap; scan into the rows' scratch value and copy instead.
	p := (*T)(rows.scratchFor(ti))
	err := rows.scanInto(ti, unsafe.Pointer(p))
	out = *p
	var zero T
	*p = zero
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return out, err
}

// Collect scans every remaining row of rows into a T (see All) and closes
// rows.
func Collect[T any](rows *Rows) ([]T, error) { return CollectNamed[T](rows, nil) }

// CollectNamed is Collect with names naming the columns of struct fields
// without a `db` tag (nil: the snake_case of the field name).
func CollectNamed[T any](rows *Rows, names FieldNamer) ([]T, error) {
	return collect[T](rows, names, 0)
}

// collect is CollectNamed with room for n rows made before reading.
func collect[T any](rows *Rows, names FieldNamer, n int) ([]T, error) {
	defer rows.Close()
	ti, err := typeInfoNamed(reflect.TypeFor[T](), names)
	if err != nil {
		return nil, err
	}
	var out []T
	for rows.Next() {
		if out == nil && n > 0 {
			out = make([]T, 0, n)
		}
		var zero T
		out = append(out, zero)
		p := &out[len(out)-1]
		if err := rows.scanInto(ti, unsafe.Pointer(p)); err != nil {
			return nil, err
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if n > 0 && len(out) < cap(out)/2 {
		// Fewer rows than the room made: the caller keeps no more
		// spare room than append would have left.
		out = append([]T(nil), out...)
	}
	return out, nil
}
