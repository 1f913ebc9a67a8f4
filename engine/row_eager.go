package engine

import (
	"context"

	"github.com/athanor-orm/athanor/core"
)

// ErrRow returns a Row whose Scan returns err. Layers above the engine (the
// router) use it to defer their own errors to Scan, as QueryRow does.
func ErrRow(err error) *Row { return &Row{err: err} }

// QueryRowEager is QueryRow that reads the first row before returning, so
// that every failure of the round trip (a connection lost while the result
// streams in, not only while sending) is in Row.Err, and the caller can
// retry a read elsewhere before handing the row on. The router uses it for
// reads on replicas.
func (db *DB) QueryRowEager(ctx context.Context, stmt core.Statement) *Row {
	r := getRows()
	if err := db.queryInto(ctx, stmt, r); err != nil {
		putRows(r)
		return &Row{err: err}
	}
	if r.Next() {
		return &Row{rows: r, positioned: true}
	}
	err := r.Err()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	putRows(r)
	if err != nil {
		return &Row{err: err}
	}
	return &Row{err: ErrNoRows}
}
