package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"
)

// SQLConfig configures the adapter of a database/sql/driver connection
// (NewSQLConn).
type SQLConfig struct {
	// Runtime answers ServerError and NotSent for the driver's errors.
	Runtime Runtime
	// TimeArg is what a time.Time argument is bound as (the time policy);
	// nil sends it as it is.
	TimeArg func(time.Time) driver.Value
	// RowCountSQL asks for the rows changed by the last statement (for a
	// batch statement without a result set).
	RowCountSQL string
}

// SQLConn is a Conn over a connection of a database/sql/driver driver
// (MySQL, SQLite), used directly, without database/sql's pool: the
// engine's part of driver/mysqldriver and driver/sqlitedriver.
type SQLConn struct {
	c   driver.Conn
	h   Host
	cfg *SQLConfig
	nvc driver.NamedValueChecker // nil if the driver has none
	// stmts caches prepared statements by SQL for drivers that need a
	// prepare to bind arguments (MySQL without client-side interpolation).
	stmts     map[string]driver.Stmt
	stmtOrder []string
	closed    bool
	// argBuf is reused to convert arguments.
	argBuf []driver.NamedValue
}

// stmtCacheSize bounds the per-connection prepared statement cache.
const stmtCacheSize = 256

// NewSQLConn adapts c, a connection opened for the pooled connection h.
func NewSQLConn(c driver.Conn, h Host, cfg *SQLConfig) *SQLConn {
	s := &SQLConn{c: c, h: h, cfg: cfg}
	s.nvc, _ = c.(driver.NamedValueChecker)
	return s
}

// DriverConn returns the driver's connection.
func (s *SQLConn) DriverConn() driver.Conn { return s.c }

// QueryValue runs a query without arguments and returns the first column
// of its first row.
func (s *SQLConn) QueryValue(ctx context.Context, sql string) (driver.Value, error) {
	var r sqlRows
	if err := s.querySend(ctx, sql, nil, &r); err != nil {
		return nil, err
	}
	defer r.Close()
	if !r.Next() {
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.ErrUnexpectedEOF
	}
	if len(r.vals) == 0 {
		return nil, errors.New("engine: query returned no column")
	}
	return r.vals[0], nil
}

// QueryInt runs a query without arguments whose first column is an
// integer (a row count, a connection id) and returns it.
func (s *SQLConn) QueryInt(ctx context.Context, sql string) (int64, error) {
	v, err := s.QueryValue(ctx, sql)
	if err != nil {
		return 0, err
	}
	return toInt64(v)
}

// namedArgs converts args to driver values the way database/sql does.
func (s *SQLConn) namedArgs(args []any) ([]driver.NamedValue, error) {
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
		if t, ok := v.Value.(time.Time); ok && s.cfg.TimeArg != nil {
			v.Value = s.cfg.TimeArg(t)
		}
	}
	s.argBuf = nv
	return nv, nil
}

// argError is an argument the driver cannot take. It is found before
// anything is sent, so a write that fails with it certainly did not happen:
// it is marked NotSent before execError sees it.
type argError struct{ err error }

func (e *argError) Error() string     { return e.err.Error() }
func (e *argError) Unwrap() error     { return e.err }
func (e *argError) SafeToRetry() bool { return true }

// convertArg sets v.Value to the driver value of a. A value the driver
// refuses that is a map, a struct or a slice is sent as its JSON text (see
// jsonArg and the package doc).
func (s *SQLConn) convertArg(v *driver.NamedValue, a any) error {
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
func (s *SQLConn) convertValue(v *driver.NamedValue, a any) error {
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

func (s *SQLConn) stmt(ctx context.Context, sql string) (driver.Stmt, error) {
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

// Exec implements Conn.
func (s *SQLConn) Exec(ctx context.Context, sql string, args []any) (Result, error) {
	r, err := s.execSend(ctx, sql, args)
	return r, s.sendError(err)
}

// sendError marks the errors raised before the statement was sent as not
// sent: the driver's refusal of a packet over max_allowed_packet (which it
// checks before writing), and driver.ErrBadConn, which database/sql/driver
// reserves for a statement that did not reach the server.
func (s *SQLConn) sendError(err error) error {
	if err != nil && (errors.Is(err, driver.ErrBadConn) || s.cfg.Runtime.NotSent(err)) {
		return NotSent(err)
	}
	return err
}

func (s *SQLConn) execSend(ctx context.Context, sql string, args []any) (Result, error) {
	nv, err := s.namedArgs(args)
	if err != nil {
		return Result{}, NotSent(err)
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

// Query implements Conn.
func (s *SQLConn) Query(ctx context.Context, sql string, args []any, reuse RowSource) (RowSource, error) {
	r, ok := reuse.(*sqlRows)
	if !ok || r == nil {
		r = &sqlRows{}
	}
	if err := s.querySend(ctx, sql, args, r); err != nil {
		return nil, s.sendError(err)
	}
	return r, nil
}

func (s *SQLConn) querySend(ctx context.Context, sql string, args []any, r *sqlRows) error {
	nv, err := s.namedArgs(args)
	if err != nil {
		return NotSent(err)
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
	r.init(rows)
	return nil
}

// Batch implements Conn: the statements run one after another.
func (s *SQLConn) Batch(ctx context.Context, prefix string, items []BatchItem, out []BatchOut) error {
	return runBatchSequential(ctx, s, prefix, items, out)
}

// Ping implements Conn.
func (s *SQLConn) Ping(ctx context.Context) error {
	if p, ok := s.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	_, err := s.Exec(ctx, "SELECT 1", nil)
	return err
}

// Alive implements Conn.
func (s *SQLConn) Alive() bool {
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

// Reusable implements Conn.
func (s *SQLConn) Reusable() bool {
	if v, ok := s.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// ServerError implements Conn.
func (s *SQLConn) ServerError(err error) bool {
	_, ok := s.cfg.Runtime.ServerError(err)
	return ok
}

// Close implements Conn.
func (s *SQLConn) Close(context.Context) error {
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

// sqlRows adapts driver.Rows to RowSource.
type sqlRows struct {
	rows driver.Rows
	cols []string
	vals []driver.Value
	err  error
	n    int64 // rows read
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
	r.n = 0
}

func (r *sqlRows) Next() bool {
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
	r.n++
	return true
}

func (r *sqlRows) Scan(dest []any, _ any) error {
	if len(dest) != len(r.vals) {
		return fmt.Errorf("engine: scan: %d destinations for %d columns", len(dest), len(r.vals))
	}
	for i, d := range dest {
		if d == nil {
			continue
		}
		if err := convertAssign(d, r.vals[i]); err != nil {
			return fmt.Errorf("engine: scan column %q: %w", r.cols[i], err)
		}
	}
	return nil
}

func (r *sqlRows) Values() ([]any, error) {
	out := make([]any, len(r.vals))
	for i, v := range r.vals {
		out[i] = sqlValue(r.rows, i, v)
	}
	return out, nil
}

func (r *sqlRows) NumColumns() int         { return len(r.cols) }
func (r *sqlRows) ColumnName(i int) string { return r.cols[i] }
func (r *sqlRows) Err() error              { return r.err }

func (r *sqlRows) Close() (int64, error) {
	if r.rows == nil {
		return r.n, r.err
	}
	err := r.rows.Close()
	r.rows = nil
	if r.err == nil {
		r.err = err
	}
	return r.n, r.err
}

// sqlValue turns a driver value into the Go value a map scan stores:
// text columns become strings and integers sent as text become int64.
func sqlValue(rows driver.Rows, i int, v driver.Value) any {
	b, ok := v.([]byte)
	if !ok {
		if t, ok := v.(time.Time); ok {
			return t.UTC() // the time policy: times come back in UTC
		}
		return v
	}
	if tn, ok := rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		switch tn.ColumnTypeDatabaseTypeName(i) {
		case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "BIT", "GEOMETRY":
			return append([]byte(nil), b...)
		case "INT", "BIGINT", "TINYINT", "SMALLINT", "MEDIUMINT", "YEAR", "INTEGER":
			var n int64
			if err := convertAssign(&n, b); err == nil {
				return n
			}
		case "UNSIGNED INT", "UNSIGNED BIGINT", "UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT":
			var n uint64
			if err := convertAssign(&n, b); err == nil {
				return n
			}
		case "FLOAT", "DOUBLE", "REAL":
			var f float64
			if err := convertAssign(&f, b); err == nil {
				return f
			}
		}
	}
	return string(b)
}

var (
	_ Conn      = (*SQLConn)(nil)
	_ RowSource = (*sqlRows)(nil)
)
