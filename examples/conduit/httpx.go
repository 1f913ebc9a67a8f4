package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/session/httpsession"
)

// apiError is an error with its HTTP status and the messages of the
// spec's GenericErrorModel ({"errors": {"body": [...]}}).
type apiError struct {
	status int
	msgs   []string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.status, strings.Join(e.msgs, "; ")) }

func unprocessable(msgs ...string) error { return &apiError{http.StatusUnprocessableEntity, msgs} }
func notFound(what string) error {
	return &apiError{http.StatusNotFound, []string{what + " not found"}}
}
func forbidden(msg string) error    { return &apiError{http.StatusForbidden, []string{msg}} }
func unauthorized(msg string) error { return &apiError{http.StatusUnauthorized, []string{msg}} }

type errorsJSON struct {
	Errors struct {
		Body []string `json:"body"`
	} `json:"errors"`
}

func errorBody(msgs ...string) errorsJSON {
	var e errorsJSON
	e.Errors.Body = msgs
	return e
}

// writeJSON writes v with status. Writing the status commits the
// request's session (httpsession) when it is below 400.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // a commit failure already answered 500
}

// authMode says what a route needs of the Authorization header.
type authMode int

const (
	authOptional authMode = iota // a valid token identifies the caller; none is anonymous
	authRequired                 // 401 without a valid token
)

// call is one request: its session and, once authenticated, its user.
type call struct {
	a   *App
	r   *http.Request
	ctx context.Context
	s   *session.Session
	me  *User
}

// handlerFunc answers a request with a status and a body, or an error.
type handlerFunc func(c *call) (int, any, error)

// route adapts a handlerFunc: authentication, a transaction on the
// primary for writes (so a write's reads see the rows it changes and
// lock what they must), and the mapping of errors to the spec's bodies.
func (a *App) route(mode authMode, write bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{a: a, r: r, ctx: r.Context(), s: httpsession.From(r.Context())}
		status, body, err := a.serve(c, mode, write, fn)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				a.log.ErrorContext(c.ctx, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
				ae = &apiError{http.StatusInternalServerError, []string{"internal error"}}
			}
			if ae.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", "Token")
			}
			writeJSON(w, ae.status, errorBody(ae.msgs...))
			return
		}
		if status == http.StatusNoContent {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	})
}

func (a *App) serve(c *call, mode authMode, write bool, fn handlerFunc) (int, any, error) {
	uid, err := a.tokenUser(c.r)
	if err != nil {
		return 0, nil, err
	}
	if uid == 0 && mode == authRequired {
		return 0, nil, unauthorized("missing authorization token")
	}
	if write {
		if _, err := c.s.Begin(c.ctx); err != nil {
			return 0, nil, err
		}
	}
	if uid != 0 {
		if c.me, err = a.loadUser(c, uid, write); err != nil {
			return 0, nil, err
		}
	}
	return fn(c)
}

// loadUser reads the token's user. A token is proof the user existed;
// a read that misses it (a replica behind a client that brought no
// causal cookie) asks the primary before answering 401.
func (a *App) loadUser(c *call, id int64, inTx bool) (*User, error) {
	u, err := session.Get[User](c.ctx, c.s, id)
	if errors.Is(err, athanor.ErrNoRows) && !inTx {
		u, err = session.Query[User](c.s).Filter("ID", id).First(onPrimary(c.ctx))
	}
	if errors.Is(err, athanor.ErrNoRows) {
		return nil, unauthorized("the token's user does not exist")
	}
	return u, err
}

// onPrimary is ctx with a causal token no replica covers: reads given
// it go to the primary, outside any transaction.
func onPrimary(ctx context.Context) context.Context {
	return router.WithToken(ctx, router.NewToken(router.DefaultGroup, router.PrimaryPosition()))
}

// tokenUser returns the user id of the request's "Authorization: Token
// <jwt>" header, 0 without one; a header that is not a valid token is
// a 401.
func (a *App) tokenUser(r *http.Request) (int64, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return 0, nil
	}
	scheme, raw, ok := strings.Cut(h, " ")
	if !ok || (!strings.EqualFold(scheme, "Token") && !strings.EqualFold(scheme, "Bearer")) {
		return 0, unauthorized("authorization header must be: Token <jwt>")
	}
	tok, err := jwt.ParseWithClaims(strings.TrimSpace(raw), &jwt.RegisteredClaims{}, func(*jwt.Token) (any, error) {
		return a.cfg.JWTSecret, nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired())
	if err != nil {
		return 0, unauthorized("invalid token")
	}
	sub, err := tok.Claims.GetSubject()
	if err != nil {
		return 0, unauthorized("invalid token")
	}
	id, err := strconv.ParseInt(sub, 10, 64)
	if err != nil || id <= 0 {
		return 0, unauthorized("invalid token")
	}
	return id, nil
}

// newToken signs a token for u.
func (a *App) newToken(u *User) (string, error) {
	now := time.Now()
	claims := jwt.RegisteredClaims{
		Subject:   strconv.FormatInt(u.ID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(a.cfg.TokenTTL)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.cfg.JWTSecret)
}

// decode reads the request's JSON body into v; a body that is not JSON
// of v's shape is a 422.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return unprocessable("body is not valid JSON: " + err.Error())
	}
	return nil
}

// timeJSON is the spec's date-time: ISO 8601, UTC, milliseconds.
func timeJSON(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// now is the current time at the precision the API shows and every
// database keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// pageOf reads limit (default 20, at least 1) and offset (default 0).
func pageOf(r *http.Request) (limit, offset int64, err error) {
	limit, offset = 20, 0
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.ParseInt(v, 10, 64); err != nil || limit < 1 {
			return 0, 0, unprocessable("limit must be an integer of at least 1")
		}
		limit = min(limit, 1000)
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.ParseInt(v, 10, 64); err != nil || offset < 0 {
			return 0, 0, unprocessable("offset must be an integer of at least 0")
		}
	}
	return limit, offset, nil
}
