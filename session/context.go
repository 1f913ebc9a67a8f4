package session

import "context"

// This file binds a session to a context.Context, for request scope: a
// middleware (see package httpsession) opens one session per request and
// hands it to the handlers in the request's context.

type ctxKey struct{}

// NewContext returns a copy of ctx carrying s; FromContext returns it.
func NewContext(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// FromContext returns the session NewContext put in ctx, and whether
// there was one (a nil *Session put there counts as none).
func FromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Session)
	return s, ok && s != nil
}
