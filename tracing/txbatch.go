package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/engine"
)

// txKey and batchKey find the span a TxBegin or BatchStart started, in the
// context the engine hands back to TxEnd or BatchEnd.
type (
	txKey    struct{}
	batchKey struct{}
)

// TxBegin implements engine.TxHook: a span named TRANSACTION (SAVEPOINT
// for a nested one) covers the transaction from BEGIN to COMMIT or
// ROLLBACK.
func (e *endpoint) TxBegin(ctx context.Context, d engine.TxBeginData) context.Context {
	ts := e.t.tracer()
	if !ts.on {
		return ctx
	}
	name := "TRANSACTION"
	attrs := make([]attribute.KeyValue, 0, 14)
	attrs = append(attrs, e.facts().attrs...)
	if d.Savepoint != "" {
		name = "SAVEPOINT"
		attrs = append(attrs, keyTxSavepoint.String(d.Savepoint))
	}
	attrs = append(attrs, keyTxIsolation.String(d.Options.Isolation.String()), keyTxReadOnly.Bool(d.Options.ReadOnly))
	if dec, ok := takeRoute(ctx, e.node); ok {
		attrs = appendRoute(attrs, dec)
	}
	ctx, span := ts.tr.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, txKey{}, span)
}

// TxEnd implements engine.TxHook.
func (e *endpoint) TxEnd(ctx context.Context, d engine.TxEndData) {
	span, ok := ctx.Value(txKey{}).(trace.Span)
	if !ok {
		return
	}
	outcome := "rollback"
	if d.Commit {
		outcome = "commit"
	}
	span.SetAttributes(keyTxOutcome.String(outcome))
	if d.Err != nil {
		typ, code := errorType(d.Err)
		setError(span, typ, code)
	}
	span.End()
}

// BatchStart implements engine.BatchHook: a span named BATCH covers the
// statements sent together (db.operation.batch.size of them).
func (e *endpoint) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	t := e.t
	ts := t.tracer()
	if !ts.on {
		if t.inst.duration.Enabled(ctx) {
			return context.WithValue(ctx, batchKey{}, trace.Span(nil))
		}
		return ctx
	}
	attrs := make([]attribute.KeyValue, 0, 16)
	attrs = append(attrs, e.facts().attrs...)
	attrs = append(attrs, keyOperation.String("BATCH"), keyBatchSize.Int(d.Statements), keyBatchPipelined.Bool(d.Pipelined))
	if dec, ok := takeRoute(ctx, e.node); ok {
		attrs = appendRoute(attrs, dec)
	}
	ctx, span := ts.tr.Start(ctx, "BATCH", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return context.WithValue(ctx, batchKey{}, span)
}

// BatchEnd implements engine.BatchHook.
func (e *endpoint) BatchEnd(ctx context.Context, d engine.BatchEndData) {
	v := ctx.Value(batchKey{})
	if v == nil {
		return
	}
	typ, code := errorType(d.Err)
	if span, ok := v.(trace.Span); ok && span != nil {
		span.SetAttributes(keyBatchFailed.Int(d.Failed))
		if d.Err != nil {
			setError(span, typ, code)
		}
		span.End()
	}
	if e.t.inst.duration.Enabled(ctx) {
		e.t.inst.recordDuration(ctx, e, "BATCH", "", typ, code, d.Duration)
	}
}

// AcquireStart implements engine.PoolHook; the wait is measured by the
// engine, so nothing is kept.
func (e *endpoint) AcquireStart(ctx context.Context, _ engine.AcquireStartData) context.Context {
	return ctx
}

// AcquireEnd implements engine.PoolHook: the wait goes to the
// db.client.connection.wait_time histogram.
func (e *endpoint) AcquireEnd(ctx context.Context, d engine.AcquireEndData) {
	if e.t.inst.connWait.Enabled(ctx) {
		e.t.inst.connWait.Record(ctx, d.Wait.Seconds(), e.poolOption())
	}
}

// Released implements engine.PoolHook: the time held goes to the
// db.client.connection.use_time histogram.
func (e *endpoint) Released(d engine.ReleaseData) {
	ctx := context.Background()
	if e.t.inst.connUse.Enabled(ctx) {
		e.t.inst.connUse.Record(ctx, d.Held.Seconds(), e.poolOption())
	}
}
