package httpsession

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// DefaultCookie is the token cookie's name when Options names neither a
// cookie nor a header.
const DefaultCookie = "athanor_token"

// Options configure Middleware. The zero value carries the token in a
// cookie named DefaultCookie.
type Options struct {
	// Session are the options of each request's session; the request's
	// token is merged into Session.Token.
	Session session.Options
	// Cookie, when its Name is set, is the cookie carrying the token: the
	// Set-Cookie sent has its Name, Path (default "/"), Domain, Expires,
	// MaxAge, Secure, HttpOnly, SameSite (default Lax) and Partitioned;
	// its Value is the token. With neither Cookie.Name nor Header set, the
	// name is DefaultCookie.
	Cookie http.Cookie
	// Header, when set, names the request header read for the token and
	// the response header that returns it (e.g. "X-Athanor-Token").
	Header string
	// ErrorHandler writes the response of a request whose commit failed
	// (err wraps the commit's error); default: 500 with the status text.
	// It writes to the connection's ResponseWriter, whose header holds
	// what it held before the handler ran.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// OnError, if set, is told of every error the middleware meets:
	// tokens that do not parse (wrapping router.ErrInvalidToken), failed
	// commits, failed rollbacks and closes. It must not write a response.
	OnError func(r *http.Request, err error)
	// CloseTimeout bounds the rollback of the session's Close at the end
	// of the request, which does not end with the request's context;
	// default 5s.
	CloseTimeout time.Duration
}

// From returns the session of the request whose context is ctx, or nil
// outside Middleware. It is session.FromContext without the boolean.
func From(ctx context.Context) *session.Session {
	s, _ := session.FromContext(ctx)
	return s
}

// Middleware opens a session over ex (session.New(ex, opts.Session), with
// the request's token) for each request, puts it in the request's context
// (From, session.FromContext), and commits or rolls it back as the package
// doc describes. It panics on a nil ex or an invalid Options.Cookie, as
// http.Handle does on an invalid pattern: a configuration error, found at
// start-up.
func Middleware(ex engine.Executor, opts Options) func(http.Handler) http.Handler {
	if ex == nil {
		panic("httpsession: Middleware needs an executor (an *engine.DB, a *router.Router, …), got nil")
	}
	m := &middleware{ex: ex, opts: opts}
	m.rt, _ = ex.(*router.Router)
	if m.opts.Cookie.Name == "" && m.opts.Header == "" {
		m.opts.Cookie.Name = DefaultCookie
	}
	if m.opts.Cookie.Name != "" {
		if m.opts.Cookie.Path == "" {
			m.opts.Cookie.Path = "/"
		}
		if m.opts.Cookie.SameSite == 0 {
			m.opts.Cookie.SameSite = http.SameSiteLaxMode
		}
		c := m.cookie("v1.AA")
		if err := c.Valid(); err != nil {
			panic(fmt.Sprintf("httpsession: invalid token cookie %q: %v", m.opts.Cookie.Name, err))
		}
	}
	if m.opts.Header != "" {
		m.opts.Header = textproto.CanonicalMIMEHeaderKey(m.opts.Header)
	}
	if m.opts.ErrorHandler == nil {
		m.opts.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}
	}
	if m.opts.CloseTimeout <= 0 {
		m.opts.CloseTimeout = 5 * time.Second
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.serve(next, w, r) })
	}
}

type middleware struct {
	ex   engine.Executor
	rt   *router.Router // ex, when it is a router: to check tokens and read from primaries
	opts Options
}

func (m *middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tok, err := m.requestToken(r)
	if err != nil {
		m.report(r, err)
		tok = router.Token{}
		if p := m.primaries(); !p.IsZero() {
			ctx = router.WithToken(ctx, p)
		}
	}
	so := m.opts.Session
	so.Token = so.Token.Merge(tok)
	s := session.New(m.ex, so)
	r = r.WithContext(session.NewContext(ctx, s))
	rw := &responseWriter{w: w, r: r, m: m, s: s, start: so.Token.String(), bad: err != nil, header0: w.Header().Clone()}
	// No recover: a panic goes on, with its stack, once the session is
	// closed (rolled back).
	defer rw.close()
	next.ServeHTTP(rw, r)
	if !rw.settled {
		if rw.settle(http.StatusOK) {
			w.WriteHeader(http.StatusOK)
		}
	}
}

func (m *middleware) report(r *http.Request, err error) {
	if m.opts.OnError != nil {
		m.opts.OnError(r, err)
	}
}

// requestToken merges the tokens of the request's cookies and headers.
func (m *middleware) requestToken(r *http.Request) (router.Token, error) {
	var tok router.Token
	add := func(where, s string) error {
		t, err := router.ParseToken(s)
		if err == nil {
			err = m.check(t)
		}
		if err != nil {
			return fmt.Errorf("httpsession: token in %s: %w", where, err)
		}
		tok = tok.Merge(t)
		return nil
	}
	if m.opts.Cookie.Name != "" {
		for _, c := range r.CookiesNamed(m.opts.Cookie.Name) {
			if err := add("cookie "+m.opts.Cookie.Name, c.Value); err != nil {
				return router.Token{}, err
			}
		}
	}
	if m.opts.Header != "" {
		for _, v := range r.Header.Values(m.opts.Header) {
			if err := add("header "+m.opts.Header, v); err != nil {
				return router.Token{}, err
			}
		}
	}
	return tok, nil
}

// check refuses a token holding, for a group of the router, a position of
// another kind than the group's replication: the router would refuse
// every read carrying it (router.ErrInvalidToken).
func (m *middleware) check(t router.Token) error {
	if m.rt == nil {
		return nil
	}
	for _, name := range t.Groups() {
		g := m.rt.Group(name)
		if g == nil {
			continue // the router ignores groups it does not have
		}
		kind := t.Position(name).Kind()
		repl, ok := g.Primary().Dialect().(core.Replication)
		if !ok || kind == router.PositionPrimary || string(kind) == repl.PositionScheme() {
			continue
		}
		return fmt.Errorf("%w: group %q replicates by %s positions, the token holds a %s position",
			router.ErrInvalidToken, name, repl.PositionScheme(), kind)
	}
	return nil
}

// primaries is a token sending every read of the router to a primary.
func (m *middleware) primaries() router.Token {
	var t router.Token
	if m.rt == nil {
		return t
	}
	for _, g := range m.rt.Groups() {
		t = t.Merge(router.NewToken(g.Name(), router.PrimaryPosition()))
	}
	return t
}

// cookie is the token cookie holding value.
func (m *middleware) cookie(value string) *http.Cookie {
	c := m.opts.Cookie
	return &http.Cookie{Name: c.Name, Value: value, Path: c.Path, Domain: c.Domain, Expires: c.Expires, MaxAge: c.MaxAge,
		Secure: c.Secure, HttpOnly: c.HttpOnly, SameSite: c.SameSite, Partitioned: c.Partitioned}
}

// ErrCommitFailed: the commit at the response's first write failed, and
// ErrorHandler's response replaced the handler's. The handler's writes
// after that return an error matching it and the commit's error.
var ErrCommitFailed = errors.New("httpsession: commit failed; the error response replaced the handler's")
