package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

func TestLoggerTraceIDs(t *testing.T) {
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	spanCtx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))

	for _, tc := range []struct {
		name      string
		ctx       context.Context
		with      func(*slog.Logger) *slog.Logger
		wantTrace bool
		wantAttrs map[string]any
	}{
		{name: "span", ctx: spanCtx, wantTrace: true},
		{name: "no span", ctx: context.Background()},
		{name: "invalid span context", ctx: trace.ContextWithSpanContext(context.Background(), trace.SpanContext{})},
		{name: "with attrs", ctx: spanCtx, wantTrace: true,
			with:      func(l *slog.Logger) *slog.Logger { return l.With("user", "ada") },
			wantAttrs: map[string]any{"user": "ada"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := obs.Logger(&buf)
			if tc.with != nil {
				l = tc.with(l)
			}
			l.InfoContext(tc.ctx, "hello", "n", 1)
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("not one JSON record: %q: %v", buf.String(), err)
			}
			if rec["msg"] != "hello" || rec["n"] != float64(1) || rec["level"] != "INFO" {
				t.Fatalf("record lost its own fields: %v", rec)
			}
			if tc.wantTrace {
				if rec["trace_id"] != tid.String() || rec["span_id"] != sid.String() {
					t.Fatalf("trace_id, span_id = %v, %v; want %s, %s", rec["trace_id"], rec["span_id"], tid, sid)
				}
			} else if _, ok := rec["trace_id"]; ok {
				t.Fatalf("trace_id without a valid span: %v", rec)
			}
			for k, v := range tc.wantAttrs {
				if rec[k] != v {
					t.Fatalf("%s = %v, want %v", k, rec[k], v)
				}
			}
		})
	}
}
