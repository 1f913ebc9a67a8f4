package engine

import (
	"errors"

	"github.com/athanor-orm/athanor"
)

var (
	// ErrNoRows is returned by QueryRow's Scan and One when the query
	// returned no row. It is athanor.ErrNoRows (which wraps sql.ErrNoRows).
	ErrNoRows = athanor.ErrNoRows
	// ErrClosed is returned by a DB after Close.
	ErrClosed = errors.New("engine: database is closed")
	// ErrTxDone is returned by a transaction after Commit or Rollback, or
	// by a nested transaction whose parent has ended.
	ErrTxDone = errors.New("engine: transaction has already been committed or rolled back")
	// ErrTxBusy is returned when a statement is sent on a transaction
	// while the rows of a previous query on it are still open.
	ErrTxBusy = errors.New("engine: transaction is busy: close the open rows first")
)
