package session

import "context"

// Observer is told of the session's flushes, so that tracing can give each
// one a span under which its transaction and statements nest.
// tracing.Tracer implements it; set it as Options.Observer. Its methods
// must be fast and safe for concurrent use.
type Observer interface {
	// FlushStart is called when a flush is about to write; the context it
	// returns carries the flush's statements.
	FlushStart(ctx context.Context) context.Context
	// FlushEnd is called with the context FlushStart returned, once the
	// flush has succeeded or been rolled back.
	FlushEnd(ctx context.Context, err error)
}

// observeFlush reports a flush to Options.Observer. It replaces *ctx with
// the observer's context and returns what to run when the flush ends:
//
//	defer s.observeFlush(&ctx)(&err)
func (s *Session) observeFlush(ctx *context.Context) func(*error) {
	o := s.opts.Observer
	if o == nil {
		return noFlushEnd
	}
	fctx := o.FlushStart(*ctx)
	*ctx = fctx
	return func(err *error) { o.FlushEnd(fctx, *err) }
}

func noFlushEnd(*error) {}
