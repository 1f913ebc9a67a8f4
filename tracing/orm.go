package tracing

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// FlushStart implements session.Observer: it starts an "athanor.flush"
// span, under which the flush's transaction and statements nest. The rows
// its INSERT, UPDATE and DELETE statements write are counted (through
// the engine hooks of t) into athanor.flush.inserts, .updates and
// .deletes.
func (t *Tracer) FlushStart(ctx context.Context, _ session.FlushStartData) context.Context {
	ts := t.tracer()
	if !ts.on {
		return ctx
	}
	fs := &flushState{start: time.Now()}
	ctx, fs.span = ts.tr.Start(ctx, "athanor.flush", trace.WithSpanKind(trace.SpanKindInternal))
	return context.WithValue(ctx, flushKey{}, fs)
}

// FlushEnd implements session.Observer.
func (t *Tracer) FlushEnd(ctx context.Context, d session.FlushEndData) {
	err := d.Err
	fs, ok := ctx.Value(flushKey{}).(*flushState)
	if !ok {
		return
	}
	fs.span.SetAttributes(
		keyFlushInserts.Int64(fs.inserts.Load()),
		keyFlushUpdates.Int64(fs.updates.Load()),
		keyFlushDeletes.Int64(fs.deletes.Load()),
	)
	if err != nil {
		typ, code := errorType(err)
		setError(fs.span, typ, code)
	}
	fs.span.End()
}

// Load is the span of one relationship load; the zero Load does nothing.
type Load struct{ span trace.Span }

// StartLoad starts the span of loading one relationship of a model for
// the loader ("athanor.load Author.Books"), under the span in ctx; the
// load's statements nest under it through the returned context:
//
//	ctx, l := tracing.StartLoad(ctx, "Author", "Books")
//	n, err := load(ctx)
//	l.End(n, err)
//
// The span is made by the provider of the span in ctx (so by the Tracer's
// provider when the caller is a traced session), else by the global one.
// When neither records, ctx is returned as is and nothing is allocated.
func StartLoad(ctx context.Context, model, relationship string) (context.Context, Load) {
	tp := trace.SpanFromContext(ctx).TracerProvider()
	if !trace.SpanFromContext(ctx).IsRecording() {
		tp = otel.GetTracerProvider()
		if isNoopProvider(tp) {
			return ctx, Load{}
		}
	}
	ctx, span := tp.Tracer(ScopeName).Start(ctx, "athanor.load "+model+"."+relationship,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(keyLoadModel.String(model), keyLoadRelation.String(relationship)))
	return ctx, Load{span: span}
}

// StartLoad is the package's StartLoad with t's provider, for callers that
// hold the Tracer.
func (t *Tracer) StartLoad(ctx context.Context, model, relationship string) (context.Context, Load) {
	ts := t.tracer()
	if !ts.on {
		return ctx, Load{}
	}
	ctx, span := ts.tr.Start(ctx, "athanor.load "+model+"."+relationship,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(keyLoadModel.String(model), keyLoadRelation.String(relationship)))
	return ctx, Load{span: span}
}

// loadKey finds the Load a LoadStart started, for LoadEnd.
type loadKey struct{}

// LoadStart implements loader.Observer: it starts the span of loading one
// relationship ("athanor.load Author.Books"), as Tracer.StartLoad does.
func (t *Tracer) LoadStart(ctx context.Context, d loader.LoadStartData) context.Context {
	lctx, l := t.StartLoad(ctx, d.Model, d.Relationship)
	if l.span == nil {
		return ctx
	}
	return context.WithValue(lctx, loadKey{}, l)
}

// LoadEnd implements loader.Observer.
func (t *Tracer) LoadEnd(ctx context.Context, d loader.LoadEndData) {
	if l, ok := ctx.Value(loadKey{}).(Load); ok {
		l.End(d.Rows, d.Err)
	}
}

// End ends the load's span with the number of rows loaded and its error.
func (l Load) End(rows int, err error) {
	if l.span == nil {
		return
	}
	attrs := []attribute.KeyValue{keyLoadRows.Int(rows)}
	l.span.SetAttributes(attrs...)
	if err != nil {
		typ, code := errorType(err)
		setError(l.span, typ, code)
	}
	l.span.End()
}
