package obs

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Logger returns a JSON logger writing to w whose records carry the
// trace_id and span_id of the span in the context they are logged with
// (slog's *Context methods, LogAttrs), so a log line finds its trace.
func Logger(w io.Writer) *slog.Logger {
	return slog.New(TraceHandler(slog.NewJSONHandler(w, nil)))
}

// TraceHandler wraps h so that each record logged with a context holding
// a valid span context gets trace_id and span_id attributes (hex, as
// trace backends show them). Records without one pass unchanged. Under
// a WithGroup the IDs land in that group, as every attribute added to
// the record does.
func TraceHandler(h slog.Handler) slog.Handler { return traceHandler{h} }

type traceHandler struct{ next slog.Handler }

func (h traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		// Clone: the record may be shared with other handlers.
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{h.next.WithAttrs(as)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.next.WithGroup(name)}
}
