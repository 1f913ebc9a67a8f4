package session

import (
	"context"

	"github.com/athanor-orm/athanor/loader"
)

// Observer is told of the session's flushes, so that tracing can give each
// one a span under which its transaction and statements nest. The session
// defines it and knows nothing of what implements it (tracing.Tracer is
// one); set it as Options.Observer. When it also implements
// loader.Observer, the session's relationship loads are reported to it
// too. Its methods must be fast and safe for concurrent use.
type Observer interface {
	// FlushStart is called when a flush is about to write; the context it
	// returns carries the flush's statements.
	FlushStart(ctx context.Context, data FlushStartData) context.Context
	// FlushEnd is called with the context FlushStart returned, once the
	// flush has succeeded or been rolled back.
	FlushEnd(ctx context.Context, data FlushEndData)
}

// FlushStartData describes a flush about to write. Fields may be added,
// never removed.
type FlushStartData struct {
	// Commit reports that the flush ends with the commit of the session's
	// transaction (Commit, as opposed to Flush).
	Commit bool
}

// FlushEndData describes a finished flush.
type FlushEndData struct {
	// Err is the flush's error; nil when it succeeded.
	Err error
}

// observeFlush reports a flush to Options.Observer. It returns the
// observer's context and what to call with the flush's error when it
// ends; end is nil without an observer (so that ctx does not escape to
// the heap for nothing):
//
//	ctx, end := s.observeFlush(ctx, commit)
//	if end != nil {
//		defer func() { end(err) }()
//	}
func (s *Session) observeFlush(ctx context.Context, commit bool) (context.Context, func(error)) {
	o := s.opts.Observer
	if o == nil {
		return ctx, nil
	}
	fctx := o.FlushStart(ctx, FlushStartData{Commit: commit})
	return fctx, func(err error) { o.FlushEnd(fctx, FlushEndData{Err: err}) }
}

var _ loader.ObservedHost = host{}

// LoadObserver implements loader.ObservedHost: the session's Observer
// when it observes loads too.
func (h host) LoadObserver() loader.Observer {
	lo, _ := h.s.opts.Observer.(loader.Observer)
	return lo
}
