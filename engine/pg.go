package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
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
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Timestamps scan in UTC whatever the machine's zone (the dialect's
	// time policy; see dialect/postgres types.go).
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

func (p *pgConn) exec(ctx context.Context, sql string, args []any) (Result, error) {
	tag, err := p.c.Exec(ctx, sql, args...)
	if err != nil {
		return Result{}, err
	}
	return Result{RowsAffected: tag.RowsAffected()}, nil
}

func (p *pgConn) query(ctx context.Context, sql string, args []any, r *Rows) error {
	rows, err := p.c.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	r.pg = rows
	return nil
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

func (p *pgConn) close(ctx context.Context) error { return p.c.Close(ctx) }

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
		vals, err := encodePGArgs(tm, it.args)
		if err != nil {
			it.err = fmt.Errorf("engine: batch statement %d: %w", i, err)
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
