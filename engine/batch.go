package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/sync/errgroup"

	"github.com/athanor-orm/athanor/core"
	pgdialect "github.com/athanor-orm/athanor/dialect/postgres"
)

// BatchResult is the outcome of one statement of a batch: its error, the
// rows it affected, and the rows it returned (buffered; read them with
// Rows, or with Collect).
type BatchResult struct {
	// Err is this statement's error alone.
	Err error
	// RowsAffected is the number of rows affected or returned.
	RowsAffected int64

	// PostgreSQL: raw values as the server sent them (text format).
	pgFields []pgconn.FieldDescription
	pgRows   [][][]byte
	// MySQL, SQLite: converted values.
	cols []string
	rows [][]any

	done bool
}

// batchTypes decodes PostgreSQL batch results after their connection went
// back to the pool (a connection's own type map is not safe to share).
// Results are in text format, which the standard types all decode; times
// come back in UTC, as from a connection (the dialect's RegisterTypes).
var batchTypes = struct {
	mu sync.Mutex
	m  *pgtype.Map // guarded by mu
}{m: newBatchTypes()}

func newBatchTypes() *pgtype.Map {
	m := pgtype.NewMap()
	pgdialect.RegisterTypes(m)
	return m
}

type batchItem struct {
	sql    string
	args   []any
	writes bool
	err    error // compile error
}

// Rows returns the statement's rows for scanning, like a query's.
func (r *BatchResult) Rows() *Rows {
	if r.Err != nil {
		return &Rows{closed: true, err: r.Err}
	}
	return &Rows{buf: r}
}

func (r *BatchResult) numRows() int {
	if r.pgFields != nil {
		return len(r.pgRows)
	}
	return len(r.rows)
}

func (r *BatchResult) numCols() int {
	if r.pgFields != nil {
		return len(r.pgFields)
	}
	return len(r.cols)
}

func (r *BatchResult) colName(i int) string {
	if r.pgFields != nil {
		return r.pgFields[i].Name
	}
	return r.cols[i]
}

func (r *BatchResult) scanRow(i int, dest []any) error {
	if r.pgFields != nil {
		row := r.pgRows[i]
		if len(dest) != len(row) {
			return fmt.Errorf("engine: scan: %d destinations for %d columns", len(dest), len(row))
		}
		batchTypes.mu.Lock()
		defer batchTypes.mu.Unlock()
		for j, f := range r.pgFields {
			if dest[j] == nil {
				continue // skipped, as Rows.Scan documents
			}
			if err := batchTypes.m.Scan(f.DataTypeOID, f.Format, row[j], dest[j]); err != nil {
				return fmt.Errorf("engine: scan column %q: %w", f.Name, err)
			}
		}
		return nil
	}
	row := r.rows[i]
	if len(dest) != len(row) {
		return fmt.Errorf("engine: scan: %d destinations for %d columns", len(dest), len(row))
	}
	for j, v := range row {
		if dest[j] == nil {
			continue
		}
		if err := convertAssign(dest[j], v); err != nil {
			return fmt.Errorf("engine: scan column %q: %w", r.cols[j], err)
		}
	}
	return nil
}

func (r *BatchResult) rowValues(i int) ([]any, error) {
	if r.pgFields != nil {
		row := r.pgRows[i]
		out := make([]any, len(row))
		batchTypes.mu.Lock()
		defer batchTypes.mu.Unlock()
		for j, f := range r.pgFields {
			if row[j] == nil {
				continue
			}
			if dt, ok := batchTypes.m.TypeForOID(f.DataTypeOID); ok {
				v, err := dt.Codec.DecodeValue(batchTypes.m, f.DataTypeOID, f.Format, row[j])
				if err != nil {
					return nil, fmt.Errorf("engine: decode column %q: %w", f.Name, err)
				}
				out[j] = v
			} else {
				out[j] = string(row[j])
			}
		}
		return out, nil
	}
	return append([]any(nil), r.rows[i]...), nil
}

// Batch runs independent statements and returns one result per statement,
// in order. On PostgreSQL they travel in one round trip (pipeline mode, a
// Sync after each, so one statement's failure does not affect the others).
// On MySQL they run concurrently on pooled connections; on SQLite one
// after another. The returned error is for the batch as a whole (no
// connection); statement errors are in the results.
//
// The statements must not depend on each other: they may run in any order
// or at once. Use Tx.Batch to run them in one transaction.
func (db *DB) Batch(ctx context.Context, stmts ...core.Statement) ([]BatchResult, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	items := db.batchItems(stmts)
	out := make([]BatchResult, len(items))
	if len(items) == 0 {
		return out, nil
	}
	var hctx context.Context
	var start time.Time
	pipelined := db.driver == Postgres
	if db.hooks.batch != nil {
		hctx = db.hooks.batchStart(ctx, BatchStartData{Statements: len(items), Pipelined: pipelined})
		start = time.Now()
	}
	var err error
	if db.driver == MySQL && len(items) > 1 {
		err = db.batchFanOut(ctx, items, out)
	} else {
		res, aerr := db.acquire(ctx)
		if aerr != nil {
			err = aerr
		} else {
			if perr := res.Value().dc.batch(ctx, "", items, out); perr != nil {
				err = fmt.Errorf("engine: batch: %w", db.classify(perr))
			}
			db.release(res, ctx)
		}
	}
	db.finishBatch(ctx, items, out, true)
	if db.hooks.batch != nil {
		db.hooks.batchEnd(hctx, BatchEndData{Failed: countFailed(out), Err: err, Duration: time.Since(start)})
	}
	return out, err
}

// Batch runs the statements in the transaction, in order, and returns one
// result per statement. On PostgreSQL they travel in one round trip, with
// the transaction's BEGIN if it has not been sent yet. Inside a
// transaction a failed statement aborts the transaction on PostgreSQL, so
// the statements after it fail too.
func (tx *Tx) Batch(ctx context.Context, stmts ...core.Statement) ([]BatchResult, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	if tx.done || tx.rootDone() {
		return nil, ErrTxDone
	}
	if tx.busy {
		return nil, ErrTxBusy
	}
	db := tx.db
	items := db.batchItems(stmts)
	out := make([]BatchResult, len(items))
	if len(items) == 0 {
		return out, nil
	}
	var hctx context.Context
	var start time.Time
	if db.hooks.batch != nil {
		hctx = db.hooks.batchStart(ctx, BatchStartData{Statements: len(items), Pipelined: db.driver == Postgres, InTx: true})
		start = time.Now()
	}
	root := tx.root()
	prefix := root.pendingBegin
	root.pendingBegin = ""
	err := tx.c.dc.batch(ctx, prefix, items, out)
	if err != nil {
		if !tx.c.dc.serverError(err) {
			tx.c.taint()
		}
		err = fmt.Errorf("engine: batch: begin: %w", db.classify(err))
	}
	db.finishBatch(ctx, items, out, false)
	if db.hooks.batch != nil {
		db.hooks.batchEnd(hctx, BatchEndData{Failed: countFailed(out), Err: err, Duration: time.Since(start)})
	}
	return out, err
}

func (db *DB) batchItems(stmts []core.Statement) []batchItem {
	items := make([]batchItem, len(stmts))
	for i, s := range stmts {
		cs, err := db.compile(s)
		if err != nil {
			items[i].err = fmt.Errorf("engine: batch statement %d: %w", i, err)
			continue
		}
		items[i].sql, items[i].args, items[i].writes = cs.SQL, cs.Args, cs.Writes
	}
	return items
}

// finishBatch classifies per-statement errors. Outside a transaction
// (autocommit) each statement commits by itself, so a writing statement
// whose answer was lost has an unknown outcome.
func (db *DB) finishBatch(ctx context.Context, items []batchItem, out []BatchResult, autocommit bool) {
	for i := range out {
		err := out[i].Err
		if err == nil {
			continue
		}
		if autocommit && items[i].writes && db.mayHaveRun(err) {
			out[i].Err = outcomeUnknown(db.classify(err))
			continue
		}
		out[i].Err = db.classify(err)
	}
}

func countFailed(out []BatchResult) int {
	n := 0
	for i := range out {
		if out[i].Err != nil {
			n++
		}
	}
	return n
}

// batchFanOut runs statements on several pooled connections at once.
func (db *DB) batchFanOut(ctx context.Context, items []batchItem, out []BatchResult) error {
	var g errgroup.Group
	g.SetLimit(max(1, int(db.cfg.MaxConns)/2))
	var acquireErr error
	for i := range items {
		g.Go(func() error {
			res, err := db.acquire(ctx)
			if err != nil {
				out[i].Err = notSent(err)
				out[i].done = true
				return err
			}
			_ = res.Value().dc.batch(ctx, "", items[i:i+1], out[i:i+1])
			db.release(res, ctx)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		acquireErr = err
	}
	if acquireErr != nil && errors.Is(acquireErr, ErrClosed) {
		return acquireErr
	}
	return nil
}

// runBatchSequential runs statements one after another on dc, buffering
// their rows.
func runBatchSequential(ctx context.Context, s *sqlConn, prefix string, items []batchItem, out []BatchResult) error {
	if prefix != "" {
		if _, err := s.exec(ctx, prefix, nil); err != nil {
			if !s.serverError(err) {
				s.pc.taint()
			}
			return err
		}
	}
	for i := range items {
		it := &items[i]
		out[i].done = true
		if it.err != nil {
			out[i].Err = it.err
			continue
		}
		var r Rows
		if err := s.query(ctx, it.sql, it.args, &r); err != nil {
			out[i].Err = err
			var ns *notSentError
			if errors.As(err, &ns) && s.reusable() {
				continue // refused before sending: the connection is as it was
			}
			if !s.serverError(err) {
				s.pc.taint()
				// The connection is gone; the rest cannot run on it.
				for j := i + 1; j < len(items); j++ {
					out[j].Err = notSent(fmt.Errorf("engine: batch statement %d not run: %w", j, err))
					out[j].done = true
				}
				return nil
			}
			continue
		}
		out[i].cols = r.sq.cols
		for r.sq.next() {
			row := make([]any, len(r.sq.vals))
			for j, v := range r.sq.vals {
				row[j] = sqlValue(r.sq.rows, j, v)
			}
			out[i].rows = append(out[i].rows, row)
		}
		err := r.sq.close()
		if err != nil {
			out[i].Err = err
			if !s.serverError(err) {
				s.pc.taint()
			}
			continue
		}
		if len(r.sq.cols) == 0 {
			// No result set: ask the connection how many rows the
			// statement changed.
			if err := queryScalar(ctx, s, s.rowCountSQL, func(v driver.Value) error {
				n, err := toInt64(v)
				out[i].RowsAffected = n
				return err
			}); err != nil && !s.serverError(err) {
				s.pc.taint()
			}
		} else {
			out[i].RowsAffected = int64(len(out[i].rows))
		}
	}
	return nil
}
