package pgxdriver

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/engine"
)

// pgConn is a PostgreSQL connection: a pgx.Conn (pgx's type mapping and
// statement cache, no database/sql).
type pgConn struct {
	c *pgx.Conn
	h engine.Host
	// colPlans keeps the pgx scan plans of each destination layout (the
	// engine's struct plans) as last seen on this connection, so that a
	// repeated query plans nothing (pgx plans every column of every
	// query). Plans belong to this connection's type map, hence the
	// per-connection cache.
	colPlans map[any]*colPlans
	// untyped: the connection's exec mode sends parameters without their
	// types (see plainArgs). Kept here: pgx's Config returns a copy.
	untyped bool
	bufs    sendBufs // see sendBufs
}

// colPlans is the pgx side of a destination layout: the column types it
// was planned for, and the plans.
type colPlans struct {
	oids    []uint32
	formats []int16
	plans   []pgtype.ScanPlan
	types   []reflect.Type
}

// colPlansLimit bounds pgConn.colPlans; when full it is cleared.
const colPlansLimit = 256

func (c *colPlans) matches(fields []pgconn.FieldDescription) bool {
	if len(fields) != len(c.oids) {
		return false
	}
	for i := range fields {
		if fields[i].DataTypeOID != c.oids[i] || fields[i].Format != c.formats[i] {
			return false
		}
	}
	return true
}

// cancelHandler implements ctxwatch.Handler for a pooled connection.
type cancelHandler struct {
	h    engine.Host
	conn *pgconn.PgConn
}

func (h *cancelHandler) HandleCancel(context.Context) {
	h.h.Taint()
	c := h.conn
	// Fail the blocked read or write now: the caller returns promptly.
	if nc := c.Conn(); nc != nil {
		_ = nc.SetDeadline(time.Now())
	}
	h.h.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The server cancels the running statement; its error, if any,
		// is of no use to anyone (the connection is being destroyed).
		_ = c.CancelRequest(ctx)
	})
}

func (h *cancelHandler) HandleUnwatchAfterCancel() {}

// encodeArgs encodes args in text format for parameters of unknown type.
func encodeArgs(tm *pgtype.Map, args []any) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
	}
	args, err := untypedArgs(tm, args)
	if err != nil {
		return nil, err
	}
	vals := make([][]byte, len(args))
	for i, a := range args {
		if a == nil {
			continue
		}
		if v, ok := a.(driver.Valuer); ok {
			dv, err := v.Value()
			if err != nil {
				return nil, fmt.Errorf("argument %d: %w", i+1, err)
			}
			if dv == nil {
				continue
			}
			a = dv
		}
		b, err := tm.Encode(0, pgtype.TextFormatCode, a, nil)
		if err != nil {
			return nil, fmt.Errorf("argument %d (%T): %w", i+1, a, err)
		}
		if b == nil {
			continue
		}
		vals[i] = b
	}
	return vals, nil
}

// maxParams is the extended protocol's limit on a statement's parameters
// (an int16 count).
const maxParams = math.MaxUint16

// tooManyParams is the error of a statement with more parameters than the
// protocol carries. It is raised before anything is sent: pgx would fail
// it only when the rows are read, after preparing it on the server.
func tooManyParams(n int) error {
	return engine.NotSent(fmt.Errorf("engine: statement has %d parameters; PostgreSQL takes at most %d", n, maxParams))
}

// sendError marks an error pgx raised before sending the statement (an
// argument it cannot encode, a wrong argument count) as not sent: such an
// error is neither the server's nor the transport's, and leaves the
// connection open and idle, whereas pgx closes the connection on any
// transport error once something was sent.
func (p *pgConn) sendError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) || p.c.IsClosed() || p.c.PgConn().IsBusy() {
		return err
	}
	return engine.NotSent(err)
}

func (p *pgConn) Exec(ctx context.Context, sql string, args []any) (engine.Result, error) {
	if len(args) > maxParams {
		return engine.Result{}, tooManyParams(len(args))
	}
	if p.untyped {
		var err error
		if args, err = untypedArgs(p.c.TypeMap(), args); err != nil {
			return engine.Result{}, engine.NotSent(err)
		}
	}
	p.reserve(args)
	tag, err := p.c.Exec(ctx, sql, args...)
	if err != nil {
		return engine.Result{}, p.sendError(err)
	}
	return engine.Result{RowsAffected: tag.RowsAffected()}, nil
}

// reserve makes room in the connection's write buffer for the message
// binding args, when they hold arrays of rows (see sendBufs). Sent before
// pgx's own messages, it adds no bytes to them.
func (p *pgConn) reserve(args []any) {
	if p.untyped {
		return // the arrays went to text (untypedArgs)
	}
	if n := argsSize(args); n > minReserve {
		p.c.PgConn().Frontend().Send(reserveMsg{&p.bufs, n})
	}
}

// Commit implements engine.Committer: an aborted transaction's COMMIT is
// answered with ROLLBACK.
func (p *pgConn) Commit(ctx context.Context) (bool, error) {
	tag, err := p.c.Exec(ctx, "COMMIT")
	return err == nil && tag.String() == "ROLLBACK", err
}

func (p *pgConn) Query(ctx context.Context, sql string, args []any, reuse engine.RowSource) (engine.RowSource, error) {
	if len(args) > maxParams {
		return nil, tooManyParams(len(args))
	}
	if p.untyped {
		var err error
		if args, err = untypedArgs(p.c.TypeMap(), args); err != nil {
			return nil, engine.NotSent(err)
		}
	}
	p.reserve(args)
	rows, err := p.c.Query(ctx, sql, args...)
	if err != nil {
		return nil, p.sendError(err)
	}
	r, ok := reuse.(*pgRows)
	if !ok || r == nil {
		r = &pgRows{}
	}
	r.rows = rows
	// pgx has read the result's description before returning: kept
	// here, the engine's column lookups are one call, not two.
	r.fields = rows.FieldDescriptions()
	r.scan = r.scan.reset()
	r.scan.conn = p
	return r, nil
}

// pgRows is the row source of a query. It is kept by the engine's pooled
// Rows and reused by the next query, with its scan buffers.
type pgRows struct {
	rows   pgx.Rows
	fields []pgconn.FieldDescription // rows' columns
	scan   rowScanner
	// self holds &scan, to hand it to pgx without allocating.
	self [1]any
}

func (r *pgRows) Next() bool { return r.rows.Next() }

func (r *pgRows) Scan(dest []any, key any) error {
	if len(dest) == 1 {
		if _, ok := dest[0].(pgx.RowScanner); ok {
			return r.rows.Scan(dest...) // the caller's own row scanner
		}
	}
	r.scan.dest, r.scan.key = dest, key
	if r.self[0] == nil {
		r.self[0] = &r.scan
	}
	err := r.rows.Scan(r.self[:]...)
	r.scan.dest, r.scan.key = nil, nil
	return err
}

func (r *pgRows) Values() ([]any, error) { return r.rows.Values() }

func (r *pgRows) NumColumns() int { return len(r.fields) }

func (r *pgRows) ColumnName(i int) string { return r.fields[i].Name }

func (r *pgRows) Err() error { return r.rows.Err() }

func (r *pgRows) Close() (int64, error) {
	r.rows.Close()
	return r.rows.CommandTag().RowsAffected(), r.rows.Err()
}

// rowScanner scans PostgreSQL rows into dest. pgx hands it the raw row
// (it is a pgx.RowScanner); it plans each column once per result, as pgx
// does, but in buffers kept with the reused row source instead of
// allocated per query, and for a destination layout (key set) it reuses
// the plans the connection made for the same columns before.
type rowScanner struct {
	dest []any
	key  any // the destination layout, or nil
	conn *pgConn
	// plans and types are the current result's plans and the destination
	// type each is for: the connection's cached ones (shared: read-only)
	// or buf and bufTypes.
	plans    []pgtype.ScanPlan
	types    []reflect.Type
	shared   bool
	buf      []pgtype.ScanPlan
	bufTypes []reflect.Type
}

// reset forgets the plans (they belong to one result's columns) and keeps
// the buffers.
func (s rowScanner) reset() rowScanner {
	clear(s.buf)
	clear(s.bufTypes)
	return rowScanner{buf: s.buf[:0], bufTypes: s.bufTypes[:0]}
}

// ScanRow implements pgx.RowScanner.
func (s *rowScanner) ScanRow(rows pgx.Rows) error {
	fields := rows.FieldDescriptions()
	if len(fields) != len(s.dest) {
		return fmt.Errorf("number of field descriptions must equal number of destinations, got %d and %d", len(fields), len(s.dest))
	}
	if len(s.plans) != len(s.dest) {
		s.plan(fields)
	}
	values := rows.RawValues()
	for i, d := range s.dest {
		if d == nil {
			continue
		}
		if t := reflect.TypeOf(d); s.types[i] != t {
			s.own()
			s.plans[i] = rows.Conn().TypeMap().PlanScan(fields[i].DataTypeOID, fields[i].Format, d)
			s.types[i] = t
		}
		if err := s.plans[i].Scan(values[i], d); err != nil {
			return pgx.ScanArgError{ColumnIndex: i, FieldName: fields[i].Name, Err: err}
		}
	}
	return nil
}

// own makes the plans s's own before one is changed.
func (s *rowScanner) own() {
	if !s.shared {
		return
	}
	s.buf = append(s.buf[:0], s.plans...)
	s.bufTypes = append(s.bufTypes[:0], s.types...)
	s.plans, s.types, s.shared = s.buf, s.bufTypes, false
}

// plan sets the plans for the first row of a result: the connection's for
// a layout it has seen with these column types, else new ones, which are
// cached for a layout; other destinations are planned as their columns
// are scanned.
func (s *rowScanner) plan(fields []pgconn.FieldDescription) {
	n := len(s.dest)
	if s.key == nil || s.conn == nil {
		s.plans = slices.Grow(s.buf[:0], n)[:n]
		s.types = slices.Grow(s.bufTypes[:0], n)[:n]
		clear(s.plans)
		clear(s.types)
		s.buf, s.bufTypes, s.shared = s.plans, s.types, false
		return
	}
	c := s.conn.colPlans[s.key]
	if c == nil || !c.matches(fields) {
		m := s.conn.c.TypeMap()
		c = &colPlans{oids: make([]uint32, n), formats: make([]int16, n), plans: make([]pgtype.ScanPlan, n), types: make([]reflect.Type, n)}
		for i, d := range s.dest {
			c.oids[i], c.formats[i] = fields[i].DataTypeOID, fields[i].Format
			c.plans[i] = m.PlanScan(fields[i].DataTypeOID, fields[i].Format, d)
			c.types[i] = reflect.TypeOf(d)
		}
		if s.conn.colPlans == nil || len(s.conn.colPlans) >= colPlansLimit {
			s.conn.colPlans = make(map[any]*colPlans)
		}
		s.conn.colPlans[s.key] = c
	}
	s.plans, s.types, s.shared = c.plans, c.types, true
}

func (p *pgConn) Ping(ctx context.Context) error { return p.c.Ping(ctx) }

func (p *pgConn) Alive() bool { return !p.c.IsClosed() }

func (p *pgConn) Reusable() bool {
	pc := p.c.PgConn()
	return !pc.IsClosed() && !pc.IsBusy() && pc.TxStatus() == 'I'
}

func (p *pgConn) ServerError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && !p.c.IsClosed()
}

// Close closes the connection. One closed mid-statement (after a cancel)
// is drained by pgx in the background until the server has ended the
// statement and hung up; Close waits for that, so the pool slot stays
// taken while the server still runs the statement. A cancel request that
// reached the server before the statement began is ignored by it, so
// while the drain goes on the request is sent again, with backoff, until
// ctx ends.
func (p *pgConn) Close(ctx context.Context) error {
	err := p.c.Close(ctx)
	pc := p.c.PgConn()
	done := pc.CleanupDone()
	for wait := 20 * time.Millisecond; ; wait *= 4 {
		t := time.NewTimer(wait)
		select {
		case <-done:
			t.Stop()
			return err
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		_ = pc.CancelRequest(cctx)
		cancel()
	}
}

var (
	_ engine.Conn      = (*pgConn)(nil)
	_ engine.Committer = (*pgConn)(nil)
	_ engine.RowSource = (*pgRows)(nil)
)
