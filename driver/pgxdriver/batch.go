package pgxdriver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/engine"
)

// Batch sends every statement in one pipeline: each statement is followed
// by a Sync, so a failing statement aborts only itself (outside a
// transaction), and the whole pipeline is flushed once, so the batch costs
// one round trip.
//
// A prefix (a transaction's BEGIN) has its own Sync: pgconn cannot read a
// segment in which the server skipped requests after an error. The BEGIN
// the engine writes cannot fail on the server (only the connection can,
// and then every statement fails with it); if it ever did, the error is
// returned and the connection destroyed.
func (p *pgConn) Batch(ctx context.Context, prefix string, items []engine.BatchItem, out []engine.BatchOut) error {
	pc := p.c.PgConn()
	tm := p.c.TypeMap()
	pl := pc.StartPipeline(ctx)
	if prefix != "" {
		pl.SendQueryParams(prefix, nil, nil, nil, nil)
		pl.SendPipelineSync()
	}
	sent := make([]bool, len(items))
	done := make([]bool, len(items))
	for i := range items {
		it := &items[i]
		if it.Err != nil {
			continue
		}
		if len(it.Args) > maxParams {
			it.Err = fmt.Errorf("engine: batch statement %d: %w", i, tooManyParams(len(it.Args)))
			continue
		}
		vals, err := encodeArgs(tm, it.Args)
		if err != nil {
			it.Err = engine.NotSent(fmt.Errorf("engine: batch statement %d: %w", i, err))
			continue
		}
		// Parameters and results in text format with types inferred by
		// the server: no describe round trip is needed, and pgx decodes
		// text for every type.
		pl.SendQueryParams(it.SQL, vals, nil, nil, nil)
		pl.SendPipelineSync()
		sent[i] = true
	}
	if err := pl.Flush(); err != nil {
		_ = pl.Close()
		p.h.Taint()
		// Part of the pipeline may have reached the server: every sent
		// statement shares the error.
		for i := range items {
			if sent[i] {
				out[i].Err = err
			} else {
				out[i].Err = items[i].Err
			}
		}
		return err
	}
	var prefixErr error
	fail := func(err error) {
		p.h.Taint()
		if prefixErr == nil && prefix != "" {
			prefixErr = err
		}
		for i := range items {
			if sent[i] && out[i].Err == nil && !done[i] {
				out[i].Err = err
			}
		}
	}
	if prefix != "" {
		if err := readOne(pl, nil); err != nil {
			if !p.ServerError(err) {
				fail(err)
				_ = pl.Close()
				return err
			}
			prefixErr = err
			p.h.Taint()
		}
	}
	for i := range items {
		if !sent[i] {
			out[i].Err = items[i].Err
			done[i] = true
			continue
		}
		err := readOne(pl, &out[i])
		done[i] = true
		if err != nil {
			out[i].Err = err
			if !p.ServerError(err) {
				fail(err)
				_ = pl.Close()
				return prefixErr
			}
		}
	}
	if err := pl.Close(); err != nil {
		p.h.Taint()
		if prefixErr == nil && prefix != "" {
			prefixErr = err
		}
	}
	return prefixErr
}

// readOne reads one statement's results and its Sync from the pipeline.
func readOne(pl *pgconn.Pipeline, out *engine.BatchOut) error {
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
			b := &bufferedRows{fields: make([]pgconn.FieldDescription, len(fields))}
			copy(b.fields, fields)
			for r.NextRow() {
				vals := r.Values()
				row := make([][]byte, len(vals))
				for j, v := range vals {
					if v != nil {
						row[j] = append(make([]byte, 0, len(v)), v...)
					}
				}
				b.rows = append(b.rows, row)
			}
			tag, err := r.Close()
			if err != nil {
				stmtErr = err
				continue
			}
			out.RowsAffected = tag.RowsAffected()
			out.Rows = b
		case *pgconn.PipelineSync:
			return stmtErr
		case nil:
			return stmtErr
		}
	}
}

// batchTypes decodes batch results after their connection went back to
// the pool (a connection's own type map is not safe to share). Results
// are in text format, which the standard types all decode; times come
// back in UTC, as from a connection (RegisterTypes).
var batchTypes = struct {
	mu sync.Mutex
	m  *pgtype.Map // guarded by mu
}{m: newBatchTypes()}

func newBatchTypes() *pgtype.Map {
	m := pgtype.NewMap()
	RegisterTypes(m)
	return m
}

// bufferedRows is a batch statement's rows: raw values as the server sent
// them (text format).
type bufferedRows struct {
	fields []pgconn.FieldDescription
	rows   [][][]byte
}

func (r *bufferedRows) Len() int                { return len(r.rows) }
func (r *bufferedRows) NumColumns() int         { return len(r.fields) }
func (r *bufferedRows) ColumnName(i int) string { return r.fields[i].Name }

func (r *bufferedRows) ScanRow(i int, dest []any) error {
	row := r.rows[i]
	if len(dest) != len(row) {
		return fmt.Errorf("engine: scan: %d destinations for %d columns", len(dest), len(row))
	}
	batchTypes.mu.Lock()
	defer batchTypes.mu.Unlock()
	for j, f := range r.fields {
		if dest[j] == nil {
			continue // skipped, as Rows.Scan documents
		}
		if err := batchTypes.m.Scan(f.DataTypeOID, f.Format, row[j], dest[j]); err != nil {
			return fmt.Errorf("engine: scan column %q: %w", f.Name, err)
		}
	}
	return nil
}

func (r *bufferedRows) RowValues(i int) ([]any, error) {
	row := r.rows[i]
	out := make([]any, len(row))
	batchTypes.mu.Lock()
	defer batchTypes.mu.Unlock()
	for j, f := range r.fields {
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
