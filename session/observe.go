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

// observeFlush reports a flush to Options.Observer. It returns the
// observer's context and what to call with the flush's error when it
// ends; end is nil without an observer (so that ctx does not escape to
// the heap for nothing):
//
//	ctx, end := s.observeFlush(ctx)
//	if end != nil {
//		defer func() { end(err) }()
//	}
func (s *Session) observeFlush(ctx context.Context) (context.Context, func(error)) {
	o := s.opts.Observer
	if o == nil {
		return ctx, nil
	}
	fctx := o.FlushStart(ctx)
	return fctx, func(err error) { o.FlushEnd(fctx, err) }
}
