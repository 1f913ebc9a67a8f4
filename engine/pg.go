package engine

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
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgtype"

	pgdialect "github.com/athanor-orm/athanor/dialect/postgres"
)

// pgConn is a PostgreSQL connection: a pgx.Conn (pgx's type mapping and
// statement cache, no database/sql).
type pgConn struct {
	c  *pgx.Conn
	pc *conn
	// colPlans keeps the pgx scan plans of each struct plan's columns as
	// last seen on this connection, so that a repeated query plans nothing
	// (pgx plans every column of every query). Plans belong to this
	// connection's type map, hence the per-connection cache.
	colPlans map[*scanPlan]*pgColPlans
}

// pgColPlans is the pgx side of a struct plan: the column types it was
// planned for, and the plans.
type pgColPlans struct {
	oids    []uint32
	formats []int16
	plans   []pgtype.ScanPlan
	types   []reflect.Type
}

// colPlansLimit bounds pgConn.colPlans; when full it is cleared.
const colPlansLimit = 256

func (c *pgColPlans) matches(fields []pgconn.FieldDescription) bool {
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

// connectPG opens one PostgreSQL connection for the pool.
func (db *DB) connectPG(ctx context.Context, pc *conn) (driverConn, error) {
	cfg := db.cfg.Postgres.Copy()
	pg := &pgConn{pc: pc}
	// Replace pgx's handler: on cancel, mark the connection tainted, make
	// blocked reads fail at once, and ask the server to cancel the query
	// (on a side connection, in a goroutine the DB owns). The connection
	// is destroyed on release, so a late cancel request cannot hit the
	// next query.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgCancelHandler{db: db, pc: pc, conn: c}
	}
	// The session's TimeZone is UTC unless the DSN (or PGTZ) names one, so
	// that now()::timestamp, LOCALTIMESTAMP and the text of a TIMESTAMPTZ
	// agree with the UTC wall clocks Athanor writes. It is a startup
	// parameter: no round trip.
	if _, ok := cfg.RuntimeParams["timezone"]; !ok {
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		cfg.RuntimeParams["timezone"] = "UTC"
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The time policy (see the package doc): times are sent to TIMESTAMP
	// and DATE as UTC, and scanned in UTC whatever the machine's zone.
	pgdialect.RegisterTypes(c.TypeMap())
	pg.c = c
	return pg, nil
}

// pgCancelHandler implements ctxwatch.Handler for a pooled connection.
type pgCancelHandler struct {
	db   *DB
	pc   *conn
	conn *pgconn.PgConn
}

func (h *pgCancelHandler) HandleCancel(context.Context) {
	h.pc.taint()
	c := h.conn
	// Fail the blocked read or write now: the caller returns promptly.
	if nc := c.Conn(); nc != nil {
		_ = nc.SetDeadline(time.Now())
	}
	if !h.db.goBackground() {
		return
	}
	go func() {
		defer h.db.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// The server cancels the running statement; its error, if any,
		// is of no use to anyone (the connection is being destroyed).
		_ = c.CancelRequest(ctx)
	}()
}

func (h *pgCancelHandler) HandleUnwatchAfterCancel() {}

// encodePGArgs encodes args in text format for parameters of unknown type.
func encodePGArgs(tm *pgtype.Map, args []any) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
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

// pgMaxParams is the extended protocol's limit on a statement's
// parameters (an int16 count).
const pgMaxParams = math.MaxUint16

// tooManyParams is the error of a statement with more parameters than the
// protocol carries. It is raised before anything is sent: pgx would fail
// it only when the rows are read, after preparing it on the server.
func tooManyParams(n int) error {
	return notSent(fmt.Errorf("engine: statement has %d parameters; PostgreSQL takes at most %d", n, pgMaxParams))
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
	return notSent(err)
}

func (p *pgConn) exec(ctx context.Context, sql string, args []any) (Result, error) {
	if len(args) > pgMaxParams {
		return Result{}, tooManyParams(len(args))
	}
	tag, err := p.c.Exec(ctx, sql, args...)
	if err != nil {
		return Result{}, p.sendError(err)
	}
	return Result{RowsAffected: tag.RowsAffected()}, nil
}

func (p *pgConn) query(ctx context.Context, sql string, args []any, r *Rows) error {
	if len(args) > pgMaxParams {
		return tooManyParams(len(args))
	}
	rows, err := p.c.Query(ctx, sql, args...)
	if err != nil {
		return p.sendError(err)
	}
	r.pg = rows
	r.pgScan = r.pgScan.reset()
	r.pgScan.conn = p
	return nil
}

// pgRowScanner scans PostgreSQL rows into dest. pgx hands it the raw row
// (it is a pgx.RowScanner); it plans each column once per result, as pgx
// does, but in buffers kept with the pooled Rows instead of allocated per
// query, and for struct scans (key set) it reuses the plans the
// connection made for the same columns before.
type pgRowScanner struct {
	dest []any
	key  *scanPlan // the struct plan dest was filled from, or nil
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
func (s pgRowScanner) reset() pgRowScanner {
	clear(s.buf)
	clear(s.bufTypes)
	return pgRowScanner{buf: s.buf[:0], bufTypes: s.bufTypes[:0]}
}

// ScanRow implements pgx.RowScanner.
func (s *pgRowScanner) ScanRow(rows pgx.Rows) error {
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
func (s *pgRowScanner) own() {
	if !s.shared {
		return
	}
	s.buf = append(s.buf[:0], s.plans...)
	s.bufTypes = append(s.bufTypes[:0], s.types...)
	s.plans, s.types, s.shared = s.buf, s.bufTypes, false
}

// plan sets the plans for the first row of a result: the connection's for
// a struct plan it has seen with these column types, else new ones, which
// are cached for a struct plan; other destinations are planned as their
// columns are scanned.
func (s *pgRowScanner) plan(fields []pgconn.FieldDescription) {
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
		c = &pgColPlans{oids: make([]uint32, n), formats: make([]int16, n), plans: make([]pgtype.ScanPlan, n), types: make([]reflect.Type, n)}
		for i, d := range s.dest {
			c.oids[i], c.formats[i] = fields[i].DataTypeOID, fields[i].Format
			c.plans[i] = m.PlanScan(fields[i].DataTypeOID, fields[i].Format, d)
			c.types[i] = reflect.TypeOf(d)
		}
		if s.conn.colPlans == nil || len(s.conn.colPlans) >= colPlansLimit {
			s.conn.colPlans = make(map[*scanPlan]*pgColPlans)
		}
		s.conn.colPlans[s.key] = c
	}
	s.plans, s.types, s.shared = c.plans, c.types, true
}

func (p *pgConn) ping(ctx context.Context) error { return p.c.Ping(ctx) }

func (p *pgConn) alive() bool { return !p.c.IsClosed() }

func (p *pgConn) reusable() bool {
	pc := p.c.PgConn()
	return !pc.IsClosed() && !pc.IsBusy() && pc.TxStatus() == 'I'
}

func (p *pgConn) serverError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && !p.c.IsClosed()
}

// close closes the connection. One closed mid-statement (after a cancel)
// is drained by pgx in the background until the server has ended the
// statement and hung up; close waits for that, so the pool slot stays
// taken while the server still runs the statement. A cancel request that
// reached the server before the statement began is ignored by it, so
// while the drain goes on the request is sent again, with backoff, until
// ctx ends.
func (p *pgConn) close(ctx context.Context) error {
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

// batch sends every statement in one pipeline: each statement is followed
// by a Sync, so a failing statement aborts only itself (outside a
// transaction), and the whole pipeline is flushed once, so the batch costs
// one round trip.
//
// A prefix (a transaction's BEGIN) has its own Sync: pgconn cannot read a
// segment in which the server skipped requests after an error. The BEGIN
// the engine writes cannot fail on the server (only the connection can,
// and then every statement fails with it); if it ever did, the error is
// returned and the connection destroyed.
func (p *pgConn) batch(ctx context.Context, prefix string, items []batchItem, out []BatchResult) error {
	pc := p.c.PgConn()
	tm := p.c.TypeMap()
	pl := pc.StartPipeline(ctx)
	if prefix != "" {
		pl.SendQueryParams(prefix, nil, nil, nil, nil)
		pl.SendPipelineSync()
	}
	sent := make([]bool, len(items))
	for i := range items {
		it := &items[i]
		if it.err != nil {
			continue
		}
		if len(it.args) > pgMaxParams {
			it.err = fmt.Errorf("engine: batch statement %d: %w", i, tooManyParams(len(it.args)))
			continue
		}
		vals, err := encodePGArgs(tm, it.args)
		if err != nil {
			it.err = notSent(fmt.Errorf("engine: batch statement %d: %w", i, err))
			continue
		}
		// Parameters and results in text format with types inferred by
		// the server: no describe round trip is needed, and pgx decodes
		// text for every type.
		pl.SendQueryParams(it.sql, vals, nil, nil, nil)
		pl.SendPipelineSync()
		sent[i] = true
	}
	if err := pl.Flush(); err != nil {
		_ = pl.Close()
		p.pc.taint()
		// Part of the pipeline may have reached the server: every sent
		// statement shares the error.
		for i := range items {
			if sent[i] {
				out[i].Err = err
			} else {
				out[i].Err = items[i].err
			}
			out[i].done = true
		}
		return err
	}
	var prefixErr error
	fail := func(err error) {
		p.pc.taint()
		if prefixErr == nil && prefix != "" {
			prefixErr = err
		}
		for i := range items {
			if sent[i] && out[i].Err == nil && !out[i].done {
				out[i].Err = err
			}
		}
	}
	if prefix != "" {
		if err := pgReadOne(pl, nil); err != nil {
			if !p.serverError(err) {
				fail(err)
				_ = pl.Close()
				return err
			}
			prefixErr = err
			p.pc.taint()
		}
	}
	for i := range items {
		if !sent[i] {
			out[i].Err = items[i].err
			out[i].done = true
			continue
		}
		err := pgReadOne(pl, &out[i])
		out[i].done = true
		if err != nil {
			out[i].Err = err
			if !p.serverError(err) {
				fail(err)
				_ = pl.Close()
				return prefixErr
			}
		}
	}
	if err := pl.Close(); err != nil {
		p.pc.taint()
		if prefixErr == nil && prefix != "" {
			prefixErr = err
		}
	}
	return prefixErr
}

// pgReadOne reads one statement's results and its Sync from the pipeline.
func pgReadOne(pl *pgconn.Pipeline, out *BatchResult) error {
	var stmtErr error
	for {
		res, err := pl.GetResults()
		if err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) {
				stmtErr = err
				continue // the Sync follows
			}
			return err
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			if out == nil {
				if _, err := r.Close(); err != nil {
					stmtErr = err
				}
				continue
			}
			fields := r.FieldDescriptions()
			cols := make([]pgconn.FieldDescription, len(fields))
			copy(cols, fields)
			var rows [][][]byte
			for r.NextRow() {
				vals := r.Values()
				row := make([][]byte, len(vals))
				for j, v := range vals {
					if v != nil {
						row[j] = append(make([]byte, 0, len(v)), v...)
					}
				}
				rows = append(rows, row)
			}
			tag, err := r.Close()
			if err != nil {
				stmtErr = err
				continue
			}
			out.RowsAffected = tag.RowsAffected()
			out.pgFields = cols
			out.pgRows = rows
		case *pgconn.PipelineSync:
			return stmtErr
		case nil:
			return stmtErr
		}
	}
}
