package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"
)

// sqlConn is a connection of a database/sql/driver driver (MySQL, SQLite)
// used directly, without database/sql's pool.
type sqlConn struct {
	c   driver.Conn
	pc  *conn
	db  *DB
	nvc driver.NamedValueChecker // nil if the driver has none
	// stmts caches prepared statements by SQL for drivers that need a
	// prepare to bind arguments (MySQL without client-side interpolation).
	stmts     map[string]driver.Stmt
	stmtOrder []string
	closed    bool
	// rowCountSQL asks for the rows changed by the last statement.
	rowCountSQL string
	// argBuf is reused to convert arguments.
	argBuf []driver.NamedValue
	// timeArg is what a time.Time argument is sent as (the dialect's time
	// policy: the UTC instant, in the form the database compares); nil
	// sends it as it is.
	timeArg func(time.Time) driver.Value
}

// stmtCacheSize bounds the per-connection prepared statement cache.
const stmtCacheSize = 256

func newSQLConn(db *DB, pc *conn, c driver.Conn) *sqlConn {
	s := &sqlConn{c: c, pc: pc, db: db, rowCountSQL: db.rt.RowCountSQL(), timeArg: db.rt.TimeArg}
	s.nvc, _ = c.(driver.NamedValueChecker)
	return s
}

// namedArgs converts args to driver values the way database/sql does.
func (s *sqlConn) namedArgs(args []any) ([]driver.NamedValue, error) {
	if len(args) == 0 {
		return nil, nil
	}
	nv := s.argBuf[:0]
	for i, a := range args {
		// Converted in place in the reused buffer: a NamedValue of its own
		// would escape through the checker's pointer, one allocation per
		// argument.
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
		v := &nv[len(nv)-1]
		if err := s.convertArg(v, a); err != nil {
			return nil, &argError{fmt.Errorf("engine: argument %d (%T): %w", i+1, a, err)}
		}
		// After conversion, so that *time.Time, sql.NullTime and any
		// Valuer returning a time are caught too.
		if t, ok := v.Value.(time.Time); ok && s.timeArg != nil {
			v.Value = s.timeArg(t)
		}
	}
	s.argBuf = nv
	return nv, nil
}

// argError is an argument the driver cannot take. It is found before
// anything is sent, so a write that fails with it certainly did not happen:
// SafeToRetry is what execError asks (through pgconn.SafeToRetry) before
// reporting an unknown outcome.
type argError struct{ err error }

func (e *argError) Error() string     { return e.err.Error() }
func (e *argError) Unwrap() error     { return e.err }
func (e *argError) SafeToRetry() bool { return true }

// convertArg sets v.Value to the driver value of a. A value the driver
// refuses that is a map, a struct or a slice is sent as its JSON text (see
// jsonArg and the package doc).
func (s *sqlConn) convertArg(v *driver.NamedValue, a any) error {
	err := s.convertValue(v, a)
	if err == nil {
		return nil
	}
	text, ok, jerr := jsonArg(a)
	if !ok {
		return fmt.Errorf("%w (bind a string, or a type implementing driver.Valuer)", err)
	}
	if jerr != nil {
		return jerr
	}
	v.Value = text
	return nil
}

// convertValue converts a the way database/sql does: the driver's
// NamedValueChecker, else a driver.Valuer's Value, else the default
// conversion.
func (s *sqlConn) convertValue(v *driver.NamedValue, a any) error {
	if s.nvc != nil {
		err := s.nvc.CheckNamedValue(v)
		if err == nil {
			return nil
		}
		if !errors.Is(err, driver.ErrSkip) {
			return err
		}
		v.Value = a // as database/sql: the default conversion starts from the argument
	}
	if vr, ok := a.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return err
		}
		a = dv
	}
	dv, err := driver.DefaultParameterConverter.ConvertValue(a)
	if err != nil {
		return err
	}
	v.Value = dv
	return nil
}

func (s *sqlConn) stmt(ctx context.Context, sql string) (driver.Stmt, error) {
	if st, ok := s.stmts[sql]; ok {
		return st, nil
	}
	var st driver.Stmt
	var err error
	if pc, ok := s.c.(driver.ConnPrepareContext); ok {
		st, err = pc.PrepareContext(ctx, sql)
	} else {
		st, err = s.c.Prepare(sql)
	}
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = make(map[string]driver.Stmt)
	}
	if len(s.stmtOrder) >= stmtCacheSize {
		old := s.stmtOrder[0]
		s.stmtOrder = s.stmtOrder[1:]
		if o := s.stmts[old]; o != nil {
			_ = o.Close()
		}
		delete(s.stmts, old)
	}
	s.stmts[sql] = st
	s.stmtOrder = append(s.stmtOrder, sql)
	return st, nil
}

func (s *sqlConn) exec(ctx context.Context, sql string, args []any) (Result, error) {
	r, err := s.execSend(ctx, sql, args)
	return r, s.sendError(err)
}

// sendError marks the errors raised before the statement was sent as not
// sent: the driver's refusal of a packet over max_allowed_packet (which it
// checks before writing), and driver.ErrBadConn, which database/sql/driver
// reserves for a statement that did not reach the server.
func (s *sqlConn) sendError(err error) error {
	if err != nil && (errors.Is(err, driver.ErrBadConn) || s.db.rt.NotSent(err)) {
		return notSent(err)
	}
	return err
}

func (s *sqlConn) execSend(ctx context.Context, sql string, args []any) (Result, error) {
	nv, err := s.namedArgs(args)
	if err != nil {
		return Result{}, notSent(err)
	}
	var res driver.Result
	if ex, ok := s.c.(driver.ExecerContext); ok {
		res, err = ex.ExecContext(ctx, sql, nv)
		if errors.Is(err, driver.ErrSkip) {
			err = nil
			res = nil
		} else if err != nil {
			return Result{}, err
		}
	}
	if res == nil {
		var st driver.Stmt
		st, err = s.stmt(ctx, sql)
		if err != nil {
			return Result{}, err
		}
		se, ok := st.(driver.StmtExecContext)
		if !ok {
			return Result{}, fmt.Errorf("engine: driver statement %T cannot take a context", st)
		}
		res, err = se.ExecContext(ctx, nv)
		if err != nil {
			return Result{}, err
		}
	}
	var r Result
	if n, err := res.RowsAffected(); err == nil {
		r.RowsAffected = n
	}
	if id, err := res.LastInsertId(); err == nil {
		r.LastInsertID = id
	}
	return r, nil
}

func (s *sqlConn) query(ctx context.Context, sql string, args []any, r *Rows) error {
	return s.sendError(s.querySend(ctx, sql, args, r))
}

func (s *sqlConn) querySend(ctx context.Context, sql string, args []any, r *Rows) error {
	nv, err := s.namedArgs(args)
	if err != nil {
		return notSent(err)
	}
	var rows driver.Rows
	if q, ok := s.c.(driver.QueryerContext); ok {
		rows, err = q.QueryContext(ctx, sql, nv)
		if errors.Is(err, driver.ErrSkip) {
			err = nil
			rows = nil
		} else if err != nil {
			return err
		}
	}
	if rows == nil {
		st, err := s.stmt(ctx, sql)
		if err != nil {
			return err
		}
		sq, ok := st.(driver.StmtQueryContext)
		if !ok {
			return fmt.Errorf("engine: driver statement %T cannot take a context", st)
		}
		rows, err = sq.QueryContext(ctx, nv)
		if err != nil {
			return err
		}
	}
	r.sq.init(rows)
	return nil
}

// batch runs the statements one after another on this connection.
func (s *sqlConn) batch(ctx context.Context, prefix string, items []batchItem, out []BatchResult) error {
	return runBatchSequential(ctx, s, prefix, items, out)
}

func (s *sqlConn) ping(ctx context.Context) error {
	if p, ok := s.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	_, err := s.exec(ctx, "SELECT 1", nil)
	return err
}

func (s *sqlConn) alive() bool {
	if v, ok := s.c.(driver.Validator); ok && !v.IsValid() {
		return false
	}
	if r, ok := s.c.(driver.SessionResetter); ok {
		// go-sql-driver/mysql checks the socket here without blocking.
		if err := r.ResetSession(context.Background()); err != nil {
			return false
		}
	}
	return true
}

func (s *sqlConn) reusable() bool {
	if v, ok := s.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (s *sqlConn) serverError(err error) bool { return s.db.serverErr(err) }

func (s *sqlConn) close(context.Context) error {
	if s.closed {
		return nil
	}
	s.closed = true
	for _, st := range s.stmts {
		_ = st.Close()
	}
	s.stmts = nil
	return s.c.Close()
}

// sqlRows adapts driver.Rows.
type sqlRows struct {
	rows driver.Rows
	cols []string
	vals []driver.Value
	err  error
}

func (r *sqlRows) init(rows driver.Rows) {
	r.rows = rows
	r.cols = rows.Columns()
	if cap(r.vals) >= len(r.cols) {
		r.vals = r.vals[:len(r.cols)]
	} else {
		r.vals = make([]driver.Value, len(r.cols))
	}
	r.err = nil
}

func (r *sqlRows) next() bool {
	if r.rows == nil || r.err != nil {
		return false
	}
	clear(r.vals)
	if err := r.rows.Next(r.vals); err != nil {
		if err != io.EOF {
			r.err = err
		}
		return false
	}
	return true
}

func (r *sqlRows) close() error {
	if r.rows == nil {
		return r.err
	}
	err := r.rows.Close()
	r.rows = nil
	if r.err == nil {
		r.err = err
	}
	return r.err
}
