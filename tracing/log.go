package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/engine"
)

// logSlow writes one Warn record for a statement that took at least
// Options.SlowThreshold: the parameterised SQL, never a value unless
// Options.LogValues. st is nil when neither spans nor metrics nor value
// logging made QueryStart keep state.
func (t *Tracer) logSlow(ctx context.Context, e *endpoint, st *stmtState, d engine.QueryEndData) {
	l := t.opts.Logger
	if !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	attrs := make([]slog.Attr, 0, 16)
	if e.system != "" {
		attrs = append(attrs, slog.String(string(keySystem), e.system))
	}
	if e.host != "" {
		attrs = append(attrs, slog.String(string(keyServerAddress), e.host), slog.Int(string(keyServerPort), e.port))
	}
	if e.namespace != "" {
		attrs = append(attrs, slog.String(string(keyNamespace), e.namespace))
	}
	if st != nil {
		if st.op != "" {
			attrs = append(attrs, slog.String(string(keyOperation), st.op))
		}
		if st.table != "" {
			attrs = append(attrs, slog.String(string(keyCollection), st.table))
		}
		if st.route {
			attrs = append(attrs,
				slog.String(string(keyRouteRole), st.dec.Role.String()),
				slog.String(string(keyRouteNode), st.dec.Node),
				slog.String(string(keyRouteReason), string(st.dec.Reason)))
		}
	}
	if !t.opts.OmitQueryText {
		attrs = append(attrs, slog.String(string(keyQueryText), d.SQL))
	}
	attrs = append(attrs, slog.Duration("duration", d.Duration), slog.Int64("rows", d.Rows))
	if d.Err != nil {
		typ, code := errorType(d.Err)
		attrs = append(attrs, slog.String(string(keyErrorType), typ))
		if code != "" {
			attrs = append(attrs, slog.String(string(keyStatusCode), code))
		}
		if t.opts.LogValues {
			// A server message may quote a bound value: only on request.
			attrs = append(attrs, slog.String("error", d.Err.Error()))
		}
	}
	if t.opts.LogValues && st != nil && st.stmt != nil {
		if cs, err := core.Compile(e.logDialect(), st.stmt); err == nil {
			attrs = append(attrs, slog.Any("args", cs.Args))
		}
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs, slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	l.LogAttrs(ctx, slog.LevelWarn, "athanor: slow statement", attrs...)
}

// logDialect is the dialect that renders the logged statement's
// arguments (their order does not depend on the server's version).
func (e *endpoint) logDialect() core.Dialect {
	if e.dialect != nil {
		return e.dialect
	}
	switch e.driver {
	case engine.MySQL:
		return mysql.Dialect
	case engine.SQLite:
		return sqlite.Dialect
	}
	return postgres.Dialect
}
