package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/athanor-orm/athanor/core"
)

// BatchResult is the outcome of one statement of a batch: its error, the
// rows it affected, and the rows it returned (buffered; read them with
// Rows, or with Collect).
type BatchResult struct {
	// Err is this statement's error alone.
	Err error
	// RowsAffected is the number of rows affected or returned.
	RowsAffected int64

	rows BufferedRows // nil: no result set
}

// Rows returns the statement's rows for scanning, like a query's.
func (r *BatchResult) Rows() *Rows {
	if r.Err != nil {
		return &Rows{closed: true, err: r.Err}
	}
	if r.rows == nil {
		return &Rows{buf: noRows{}}
	}
	return &Rows{buf: r.rows}
}

// noRows is the result of a statement that returned no result set.
type noRows struct{}

func (noRows) Len() int                     { return 0 }
func (noRows) NumColumns() int              { return 0 }
func (noRows) ColumnName(int) string        { return "" }
func (noRows) ScanRow(int, []any) error     { return errors.New("engine: scan: no rows") }
func (noRows) RowValues(int) ([]any, error) { return nil, errors.New("engine: scan: no rows") }

// valueRows is buffered rows of Go values (the database/sql drivers').
type valueRows struct {
	cols []string
	rows [][]any
}

func (r *valueRows) Len() int                { return len(r.rows) }
func (r *valueRows) NumColumns() int         { return len(r.cols) }
func (r *valueRows) ColumnName(i int) string { return r.cols[i] }

func (r *valueRows) ScanRow(i int, dest []any) error {
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

func (r *valueRows) RowValues(i int) ([]any, error) { return append([]any(nil), r.rows[i]...), nil }

// batch is a compiled batch: the items handed to the driver, and which
// of them write.
type batch struct {
	items  []BatchItem
	writes []bool
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
	b := db.batchItems(stmts)
	items := b.items
	outs := make([]BatchOut, len(items))
	if len(items) == 0 {
		return []BatchResult{}, nil
	}
	var hctx context.Context
	var start time.Time
	if db.hooks.batch != nil {
		hctx = db.hooks.batchStart(ctx, BatchStartData{Statements: len(items), Pipelined: db.caps.Pipeline})
		start = time.Now()
	}
	var err error
	if db.caps.FanOut && len(items) > 1 {
		err = db.batchFanOut(ctx, items, outs)
	} else {
		res, aerr := db.acquire(ctx)
		if aerr != nil {
			err = aerr
		} else {
			if perr := res.Value().dc.Batch(ctx, "", items, outs); perr != nil {
				err = fmt.Errorf("engine: batch: %w", db.classify(perr))
			}
			db.release(res, ctx)
		}
	}
	out := db.finishBatch(b, outs, true)
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
	b := db.batchItems(stmts)
	items := b.items
	outs := make([]BatchOut, len(items))
	if len(items) == 0 {
		return []BatchResult{}, nil
	}
	var hctx context.Context
	var start time.Time
	if db.hooks.batch != nil {
		hctx = db.hooks.batchStart(ctx, BatchStartData{Statements: len(items), Pipelined: db.caps.Pipeline, InTx: true})
		start = time.Now()
	}
	root := tx.root()
	prefix := root.pendingBegin
	root.pendingBegin = ""
	err := tx.c.dc.Batch(ctx, prefix, items, outs)
	if err != nil {
		if !tx.c.dc.ServerError(err) {
			tx.c.taint()
		}
		err = fmt.Errorf("engine: batch: begin: %w", db.classify(err))
	}
	out := db.finishBatch(b, outs, false)
	if db.hooks.batch != nil {
		db.hooks.batchEnd(hctx, BatchEndData{Failed: countFailed(out), Err: err, Duration: time.Since(start)})
	}
	return out, err
}

func (db *DB) batchItems(stmts []core.Statement) batch {
	b := batch{items: make([]BatchItem, len(stmts)), writes: make([]bool, len(stmts))}
	for i, s := range stmts {
		cs, err := db.compile(s)
		if err != nil {
			b.items[i].Err = fmt.Errorf("engine: batch statement %d: %w", i, err)
			continue
		}
		b.items[i].SQL, b.items[i].Args, b.writes[i] = cs.SQL, cs.Args, cs.Writes
	}
	return b
}

// finishBatch makes the results and classifies per-statement errors.
// Outside a transaction (autocommit) each statement commits by itself, so
// a writing statement whose answer was lost has an unknown outcome.
func (db *DB) finishBatch(b batch, outs []BatchOut, autocommit bool) []BatchResult {
	out := make([]BatchResult, len(outs))
	for i, o := range outs {
		out[i] = BatchResult{Err: o.Err, RowsAffected: o.RowsAffected, rows: o.Rows}
		err := o.Err
		if err == nil {
			continue
		}
		if autocommit && b.writes[i] && db.mayHaveRun(err) {
			out[i].Err = outcomeUnknown(db.classify(err))
			continue
		}
		out[i].Err = db.classify(err)
	}
	return out
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
func (db *DB) batchFanOut(ctx context.Context, items []BatchItem, out []BatchOut) error {
	var g errgroup.Group
	g.SetLimit(max(1, int(db.cfg.MaxConns)/2))
	var acquireErr error
	for i := range items {
		g.Go(func() error {
			res, err := db.acquire(ctx)
			if err != nil {
				out[i].Err = NotSent(err)
				return err
			}
			_ = res.Value().dc.Batch(ctx, "", items[i:i+1], out[i:i+1])
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

// runBatchSequential runs statements one after another on s, buffering
// their rows.
func runBatchSequential(ctx context.Context, s *SQLConn, prefix string, items []BatchItem, out []BatchOut) error {
	if prefix != "" {
		if _, err := s.Exec(ctx, prefix, nil); err != nil {
			if !s.ServerError(err) {
				s.h.Taint()
			}
			return err
		}
	}
	var r sqlRows
	for i := range items {
		it := &items[i]
		if it.Err != nil {
			out[i].Err = it.Err
			continue
		}
		if err := s.querySend(ctx, it.SQL, it.Args, &r); err != nil {
			err = s.sendError(err)
			out[i].Err = err
			var ns *notSentError
			if errors.As(err, &ns) && s.Reusable() {
				continue // refused before sending: the connection is as it was
			}
			if !s.ServerError(err) {
				s.h.Taint()
				// The connection is gone; the rest cannot run on it.
				for j := i + 1; j < len(items); j++ {
					out[j].Err = NotSent(fmt.Errorf("engine: batch statement %d not run: %w", j, err))
				}
				return nil
			}
			continue
		}
		buf := &valueRows{cols: r.cols}
		for r.Next() {
			row := make([]any, len(r.vals))
			for j, v := range r.vals {
				row[j] = sqlValue(r.rows, j, v)
			}
			buf.rows = append(buf.rows, row)
		}
		_, err := r.Close()
		if err != nil {
			out[i].Err = err
			if !s.ServerError(err) {
				s.h.Taint()
			}
			continue
		}
		out[i].Rows = buf
		if len(r.cols) == 0 {
			// No result set: ask the connection how many rows the
			// statement changed.
			var err error
			out[i].RowsAffected, err = s.QueryInt(ctx, s.cfg.RowCountSQL)
			if err != nil && !s.ServerError(err) {
				s.h.Taint()
			}
		} else {
			out[i].RowsAffected = int64(len(buf.rows))
		}
	}
	return nil
}

// toInt64 reads an integer driver value.
func toInt64(v driver.Value) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case []byte:
		return strconv.ParseInt(string(x), 10, 64)
	case string:
		return strconv.ParseInt(x, 10, 64)
	case uint64:
		return int64(x), nil
	}
	return 0, fmt.Errorf("unexpected %T", v)
}
