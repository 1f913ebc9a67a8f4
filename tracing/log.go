package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/core"
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
	if sys := e.facts().system; sys != "" {
		attrs = append(attrs, slog.String(string(keySystem), sys))
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
// arguments: the engine's, when the Config named it; else (the engine
// picks it at Open) argsDialect, which lists the arguments in the order
// they are written, one per placeholder.
func (e *endpoint) logDialect() core.Dialect {
	if d := e.facts().dialect; d != nil {
		return d
	}
	return argsDialect{}
}

// argsDialect renders statements only to list their arguments for a log
// record: it accepts every construct and is never sent to a server.
type argsDialect struct{}

func (argsDialect) Name() string { return "args" }
func (argsDialect) Features() core.Features {
	return core.Features{ReturningInsert: true, ReturningUpdate: true, ReturningDelete: true,
		Upsert: core.UpsertOnConflict, NullsOrder: true, ILike: true, Locking: true, ShareLock: "FOR SHARE",
		SkipLocked: true, NoWait: true, SetOpAll: true, FullJoin: true, RightJoin: true,
		UpdateFrom: core.JoinFrom, DeleteUsing: core.JoinFrom, ModifyingCTE: true, DMLWith: true}
}
func (argsDialect) AppendPlaceholder(b []byte, _ int) []byte { return append(b, '?') }
func (argsDialect) AppendIdent(b []byte, name string) ([]byte, error) {
	return strconv.AppendQuote(b, name), nil
}
func (argsDialect) AppendLiteral(b []byte, v any) ([]byte, error) {
	return fmt.Appendf(b, "%#v", v), nil
}
func (argsDialect) ColumnType(c *core.Column) (string, error) { return c.Type.Kind.String(), nil }
func (argsDialect) CastType(t core.Type) (string, error)      { return t.Kind.String(), nil }
func (argsDialect) AutoIncrement(*core.Column) (string, bool, error) {
	return "", false, nil
}
