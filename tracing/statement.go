package tracing

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// Attribute keys. The db.*, server.* and error.type keys are the
// OpenTelemetry database semantic conventions (stable since semconv
// v1.33); the athanor.* keys are Athanor's own.
const (
	keySystem         = attribute.Key("db.system.name")
	keyNamespace      = attribute.Key("db.namespace")
	keyOperation      = attribute.Key("db.operation.name")
	keyCollection     = attribute.Key("db.collection.name")
	keyQueryText      = attribute.Key("db.query.text")
	keyReturnedRows   = attribute.Key("db.response.returned_rows")
	keyStatusCode     = attribute.Key("db.response.status_code")
	keyBatchSize      = attribute.Key("db.operation.batch.size")
	keyServerAddress  = attribute.Key("server.address")
	keyServerPort     = attribute.Key("server.port")
	keyErrorType      = attribute.Key("error.type")
	keyPoolName       = attribute.Key("db.client.connection.pool.name")
	keyConnState      = attribute.Key("db.client.connection.state")
	keyRowsAffected   = attribute.Key("athanor.db.rows_affected")
	keyRouteGroup     = attribute.Key("athanor.route.group")
	keyRouteRole      = attribute.Key("athanor.route.role")
	keyRouteNode      = attribute.Key("athanor.route.node")
	keyRouteReason    = attribute.Key("athanor.route.reason")
	keyRouteLag       = attribute.Key("athanor.route.replica_lag")
	keyRouteWait      = attribute.Key("athanor.route.causal_wait")
	keyRouteSkipped   = attribute.Key("athanor.route.skipped")
	keyTxSavepoint    = attribute.Key("athanor.tx.savepoint")
	keyTxIsolation    = attribute.Key("athanor.tx.isolation")
	keyTxReadOnly     = attribute.Key("athanor.tx.read_only")
	keyTxOutcome      = attribute.Key("athanor.tx.outcome")
	keyBatchPipelined = attribute.Key("athanor.batch.pipelined")
	keyBatchFailed    = attribute.Key("athanor.batch.failed")
	keyFlushInserts   = attribute.Key("athanor.flush.inserts")
	keyFlushUpdates   = attribute.Key("athanor.flush.updates")
	keyFlushDeletes   = attribute.Key("athanor.flush.deletes")
	keyLoadModel      = attribute.Key("athanor.load.model")
	keyLoadRelation   = attribute.Key("athanor.load.relationship")
	keyLoadRows       = attribute.Key("athanor.load.rows")
)

// stmtKey finds a statement's state in the context QueryStart returned.
type stmtKey struct{}

// stmtState is what QueryStart learnt, for QueryEnd.
type stmtState struct {
	span  trace.Span // nil when spans are off
	op    string
	table string
	stmt  core.Statement // kept only with Options.LogValues
	dec   router.Decision
	route bool // dec is set
}

// QueryStart implements engine.QueryHook. With no span to record, no
// metric enabled and no values to log it returns ctx untouched and
// allocates nothing.
func (e *endpoint) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	t := e.t
	ts := t.tracer()
	if !ts.on && !t.opts.LogValues && !t.inst.duration.Enabled(ctx) {
		return ctx
	}
	st := &stmtState{}
	st.op, st.table = operation(d.Statement, d.SQL)
	if t.opts.LogValues {
		st.stmt = d.Statement
	}
	if ts.on {
		st.dec, st.route = takeRoute(ctx, e.node)
		attrs := make([]attribute.KeyValue, 0, 16)
		attrs = append(attrs, e.facts().attrs...)
		if st.op != "" {
			attrs = append(attrs, keyOperation.String(st.op))
		}
		if st.table != "" {
			attrs = append(attrs, keyCollection.String(st.table))
		}
		if !t.opts.OmitQueryText {
			attrs = append(attrs, keyQueryText.String(d.SQL))
		}
		if st.route {
			attrs = appendRoute(attrs, st.dec)
		}
		ctx, st.span = ts.tr.Start(ctx, t.spanName(e, st.op, st.table),
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	}
	return context.WithValue(ctx, stmtKey{}, st)
}

// QueryEnd implements engine.QueryHook.
func (e *endpoint) QueryEnd(ctx context.Context, d engine.QueryEndData) {
	t := e.t
	st, _ := ctx.Value(stmtKey{}).(*stmtState)
	if t.opts.Logger != nil && t.opts.SlowThreshold > 0 && d.Duration >= t.opts.SlowThreshold {
		t.logSlow(ctx, e, st, d)
	}
	if st == nil {
		return
	}
	errType, code := errorType(d.Err)
	if fs, ok := ctx.Value(flushKey{}).(*flushState); ok && d.Err == nil {
		fs.count(st.op, d.Rows)
	}
	if st.span != nil {
		if st.op == "SELECT" {
			st.span.SetAttributes(keyReturnedRows.Int64(d.Rows))
		} else {
			st.span.SetAttributes(keyRowsAffected.Int64(d.Rows))
		}
		if d.Err != nil {
			setError(st.span, errType, code)
		}
		st.span.End()
	}
	if t.inst.duration.Enabled(ctx) {
		t.inst.recordDuration(ctx, e, st.op, st.table, errType, code, d.Duration)
	}
}

// setError marks a span failed. The description is the error's type, not
// its message: a server message may echo a bound value.
func setError(s trace.Span, errType, code string) {
	attrs := []attribute.KeyValue{keyErrorType.String(errType)}
	if code != "" {
		attrs = append(attrs, keyStatusCode.String(code))
	}
	s.SetAttributes(attrs...)
	s.SetStatus(codes.Error, errType)
}

func appendRoute(attrs []attribute.KeyValue, d router.Decision) []attribute.KeyValue {
	attrs = append(attrs,
		keyRouteGroup.String(d.Group),
		keyRouteRole.String(d.Role.String()),
		keyRouteNode.String(d.Node),
		keyRouteReason.String(string(d.Reason)),
	)
	if d.Role == router.RoleReplica {
		attrs = append(attrs, keyRouteLag.Float64(d.Lag.Seconds()))
	}
	if d.Wait > 0 {
		attrs = append(attrs, keyRouteWait.Float64(d.Wait.Seconds()))
	}
	if d.Skipped > 0 {
		attrs = append(attrs, keyRouteSkipped.Int(d.Skipped))
	}
	return attrs
}

// operation names what a statement does, from its type (never by parsing
// SQL), and its first table. Raw SQL and SQL text are named by their
// first keyword when it is a known one.
func operation(s core.Statement, sql string) (op, table string) {
	switch s.(type) {
	case *core.SelectStmt, *core.CompoundStmt:
		op = "SELECT"
	case *core.InsertStmt, *core.InsertRow:
		op = "INSERT"
	case *core.UpdateStmt:
		op = "UPDATE"
	case *core.DeleteStmt:
		op = "DELETE"
	case *core.CreateTableStmt:
		op = "CREATE TABLE"
	case *core.DropTableStmt:
		op = "DROP TABLE"
	case *core.CreateIndexStmt:
		op = "CREATE INDEX"
	case *core.AlterForeignKeyStmt:
		op = "ALTER TABLE"
	default:
		op = firstKeyword(sql)
	}
	if s != nil {
		if ts := s.Tables(); len(ts) > 0 {
			table = ts[0]
		}
	}
	return op, table
}

var keywords = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "VALUES", "CREATE", "DROP", "ALTER",
	"TRUNCATE", "SET", "SHOW", "CALL", "EXPLAIN", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "LOCK", "COPY", "ANALYZE", "VACUUM"}

// firstKeyword returns the statement's first word when it is a known SQL
// keyword (a constant: nothing of the text is kept), else "".
func firstKeyword(sql string) string {
	sql = strings.TrimLeft(sql, " \t\r\n(")
	end := 0
	for end < len(sql) && (sql[end]|0x20 >= 'a' && sql[end]|0x20 <= 'z') {
		end++
	}
	w := sql[:end]
	for _, k := range keywords {
		if strings.EqualFold(w, k) {
			return k
		}
	}
	return ""
}

type nameKey struct {
	system, op, table string
}

// spanName is "<operation> <table>", or the part that is known, or the
// database system; cached so a hot statement does not build a string.
func (t *Tracer) spanName(e *endpoint, op, table string) string {
	sys := e.facts().system
	k := nameKey{sys, op, table}
	t.namesMu.RLock()
	n, ok := t.names[k]
	t.namesMu.RUnlock()
	if ok {
		return n
	}
	switch {
	case op != "" && table != "":
		n = op + " " + table
	case op != "":
		n = op
	case table != "":
		n = table
	case sys != "":
		n = sys
	default:
		n = "athanor.query"
	}
	t.namesMu.Lock()
	if len(t.names) < 4096 {
		t.names[k] = n
	}
	t.namesMu.Unlock()
	return n
}

// errorType classifies err for error.type (a low-cardinality name) and
// db.response.status_code (the server's code, when there is one).
func errorType(err error) (typ, code string) {
	if err == nil {
		return "", ""
	}
	var dbe *athanor.DBError
	if errors.As(err, &dbe) {
		code = dbe.Code
		if dbe.Kind != nil {
			return kindName(dbe.Kind), code
		}
		if code != "" {
			return code, code
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout", code
	case errors.Is(err, context.Canceled):
		return "canceled", code
	case errors.Is(err, athanor.ErrOutcomeUnknown):
		return "outcome_unknown", code
	case errors.Is(err, engine.ErrClosed):
		return "closed", code
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return kindName(k), code
		}
	}
	return "_OTHER", code
}

var kinds = []error{athanor.ErrConnectionLost, athanor.ErrNoHealthyReplica, athanor.ErrUniqueViolation,
	athanor.ErrForeignKeyViolation, athanor.ErrNotNullViolation, athanor.ErrCheckViolation,
	athanor.ErrSerialization, athanor.ErrDeadlock, athanor.ErrLockTimeout, athanor.ErrReadOnly,
	athanor.ErrStaleObject}

// kindName turns "athanor: unique violation" into "unique_violation".
func kindName(k error) string {
	s := strings.TrimPrefix(k.Error(), "athanor: ")
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// flushKey finds a flush's state in the contexts under its span.
type flushKey struct{}

// flushState counts the rows a flush's statements wrote.
type flushState struct {
	span                      trace.Span
	start                     time.Time
	inserts, updates, deletes atomic.Int64
}

func (f *flushState) count(op string, rows int64) {
	switch op {
	case "INSERT":
		f.inserts.Add(rows)
	case "UPDATE":
		f.updates.Add(rows)
	case "DELETE":
		f.deletes.Add(rows)
	}
}
