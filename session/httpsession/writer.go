package httpsession

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"time"

	"github.com/athanor-orm/athanor/session"
)

// responseWriter commits or rolls back the request's session when the
// response's status is known, before the header leaves (see the package
// doc). It is used by the handler's goroutine, as any ResponseWriter.
type responseWriter struct {
	w       http.ResponseWriter
	r       *http.Request
	m       *middleware
	s       *session.Session
	start   string      // the session's starting token, as String
	bad     bool        // the request's token was refused
	header0 http.Header // w's header before the handler ran

	settled bool  // the status is known and the session settled
	failed  error // the commit failed; ErrorHandler wrote the response
}

func (rw *responseWriter) Header() http.Header { return rw.w.Header() }

// Unwrap serves http.NewResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter { return rw.w }

func (rw *responseWriter) WriteHeader(code int) {
	if !rw.settled {
		if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
			rw.w.WriteHeader(code) // informational: the final status is to come
			return
		}
		if !rw.settle(code) {
			return
		}
	} else if rw.failed != nil {
		return
	}
	rw.w.WriteHeader(code) // after settling, net/http reports a superfluous call
}

func (rw *responseWriter) Write(p []byte) (int, error) {
	if !rw.settled {
		rw.settle(http.StatusOK)
	}
	if rw.failed != nil {
		return 0, rw.failed
	}
	return rw.w.Write(p) // an implicit 200: Content-Type is still sniffed from p
}

func (rw *responseWriter) Flush() { _ = rw.FlushError() }

// FlushError serves http.ResponseController.Flush: it settles the session
// as a 200 would, then flushes.
func (rw *responseWriter) FlushError() error {
	if !rw.settled {
		if rw.settle(http.StatusOK) {
			rw.w.WriteHeader(http.StatusOK)
		}
	}
	return http.NewResponseController(rw.w).Flush()
}

// Hijack settles the session as a 101 would, then hands over the
// connection.
func (rw *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !rw.settled {
		rw.settle(http.StatusSwitchingProtocols)
	}
	if rw.failed != nil {
		return nil, nil, rw.failed
	}
	return http.NewResponseController(rw.w).Hijack()
}

// settle commits (code < 400) or rolls back the session and puts the
// token in the header. It reports whether the handler's status may be
// written: false when the commit failed and ErrorHandler has written the
// response.
func (rw *responseWriter) settle(code int) bool {
	rw.settled = true
	ctx := rw.r.Context()
	if code >= 400 {
		if err := rw.s.Rollback(ctx); err != nil {
			rw.m.report(rw.r, fmt.Errorf("httpsession: rollback after status %d: %w", code, err))
		}
		rw.setToken()
		return true
	}
	if err := rw.s.Commit(ctx); err != nil {
		err = fmt.Errorf("httpsession: commit before status %d: %w", code, err)
		rw.failed = errors.Join(ErrCommitFailed, err)
		rw.m.report(rw.r, err)
		h := rw.w.Header()
		clear(h)
		maps.Copy(h, rw.header0)
		rw.setToken() // a commit the handler made itself still happened
		rw.m.opts.ErrorHandler(rw.w, rw.r, err)
		return false
	}
	rw.setToken()
	return true
}

// setToken puts the session's token in the response's header: always in
// the header mode's header (when not zero), in a cookie when it changed
// or the request's cookie was refused.
func (rw *responseWriter) setToken() {
	tok := rw.s.Token().String()
	if rw.m.opts.Header != "" && tok != "" {
		rw.w.Header().Set(rw.m.opts.Header, tok)
	}
	if rw.m.opts.Cookie.Name == "" {
		return
	}
	switch {
	case tok != rw.start && tok != "":
		http.SetCookie(rw.w, rw.m.cookie(tok))
	case rw.bad:
		c := rw.m.cookie("")
		c.MaxAge, c.Expires = -1, time.Time{}
		http.SetCookie(rw.w, c)
	}
}

// close closes the session, rolling back what is open, on a context that
// outlives a cancelled request's.
func (rw *responseWriter) close() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(rw.r.Context()), rw.m.opts.CloseTimeout)
	defer cancel()
	if err := rw.s.Close(ctx); err != nil {
		rw.m.report(rw.r, fmt.Errorf("httpsession: close: %w", err))
	}
}
