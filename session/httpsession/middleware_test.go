package httpsession_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/athanor-orm/athanor/dialect/postgres" // parses the "pg:" positions of the fake tokens
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/session/httpsession"
)

type hsNote struct {
	_    struct{} `athanor:",table:hs_notes"`
	ID   int64
	Body string `athanor:",size:100,unique"`
}

// env is a SQLite database with the hs_notes table, and a session
// backend whose commits return increasing causal tokens (SQLite has no
// replication positions of its own), so the cookie and header paths run.
type env struct {
	db  *engine.DB
	reg *mapper.Registry
	b   *tokenBackend
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite://"+testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[hsNote](reg); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAll(ctx, reg); err != nil {
		t.Fatal(err)
	}
	return &env{db: db, reg: reg, b: &tokenBackend{Backend: session.DB(db)}}
}

// options are Middleware's options over e.b: Tx options other than the
// defaults make every commit a transaction, whose Commit gives a token.
func (e *env) options() httpsession.Options {
	return httpsession.Options{Session: session.Options{Registry: e.reg, Tx: engine.TxOptions{Isolation: engine.Serializable}}}
}

func (e *env) count(t *testing.T, body string) int {
	t.Helper()
	s := session.New(e.db, session.Options{Registry: e.reg})
	defer s.Close(context.Background())
	n, err := session.Query[hsNote](s).Filter("Body", body).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

type tokenBackend struct {
	session.Backend
	commits atomic.Int64
}

func (b *tokenBackend) Begin(ctx context.Context, opts engine.TxOptions) (session.Tx, error) {
	tx, err := b.Backend.Begin(ctx, opts)
	if err != nil {
		return nil, err
	}
	return tokenTx{tx, b}, nil
}

type tokenTx struct {
	session.Tx
	b *tokenBackend
}

func (t tokenTx) Commit(ctx context.Context) (router.Token, error) {
	if _, err := t.Tx.Commit(ctx); err != nil {
		return router.Token{}, err
	}
	return pgToken(t.b.commits.Add(1)), nil
}

func pgToken(n int64) router.Token {
	p, err := router.ParsePosition(fmt.Sprintf("pg:0/%X", n))
	if err != nil {
		panic(err)
	}
	return router.NewToken(router.DefaultGroup, p)
}

// add is a handler adding a note with the request's "body" form value
// (its INSERT sent, in the session's open transaction), then answering
// with the "status" form value (none: writes nothing).
func add(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		if err := s.Add(&hsNote{Body: r.FormValue("body")}); err != nil {
			t.Error(err)
		}
		if err := s.Flush(r.Context()); err != nil {
			t.Error(err)
		}
		if st := r.FormValue("status"); st != "" {
			var code int
			fmt.Sscan(st, &code)
			w.WriteHeader(code)
			io.WriteString(w, "handler's body")
		}
	}
}

func tokenCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpsession.DefaultCookie {
			return c
		}
	}
	return nil
}

func TestStatusDecidesCommit(t *testing.T) {
	for _, c := range []struct {
		name   string
		status string
		commit bool
		want   int
	}{
		{"201 commits", "201", true, 201},
		{"303 commits", "303", true, 303},
		{"nothing written is an implicit 200 and commits", "", true, 200},
		{"400 rolls back", "400", false, 400},
		{"409 rolls back", "409", false, 409},
		{"500 rolls back", "500", false, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			h := httpsession.Middleware(e.b, e.options())(add(t))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/?body=n1&status="+c.status, nil))
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			if n := e.count(t, "n1"); (n == 1) != c.commit {
				t.Fatalf("%d rows, committed: want %v", n, c.commit)
			}
			ck := tokenCookie(rec)
			if !c.commit {
				if ck != nil {
					t.Fatalf("rolled back, yet a token cookie: %v", ck)
				}
				return
			}
			if ck == nil || ck.Value != pgToken(1).String() {
				t.Fatalf("token cookie %v, want value %s", ck, pgToken(1))
			}
			if ck.Path != "/" || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("cookie defaults: path %q samesite %v", ck.Path, ck.SameSite)
			}
		})
	}
}

// TestCommitFailure: a commit that fails at the first write (a unique
// violation) must not reach the client as the handler's success: the
// error response replaces it, with no token cookie and none of the
// handler's headers.
func TestCommitFailure(t *testing.T) {
	for _, c := range []struct {
		name     string
		handler  func(w http.ResponseWriter, r *http.Request, err error)
		wantCode int
	}{
		{"default 500", nil, 500},
		{"error handler", func(w http.ResponseWriter, r *http.Request, err error) {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, "conflict")
		}, 409},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			s := session.New(e.db, session.Options{Registry: e.reg})
			s.Add(&hsNote{Body: "dup"})
			if err := s.Commit(context.Background()); err != nil {
				t.Fatal(err)
			}
			opts := e.options()
			opts.ErrorHandler = c.handler
			var reported []error
			opts.OnError = func(_ *http.Request, err error) { reported = append(reported, err) }
			var writeErr error
			h := httpsession.Middleware(e.b, opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpsession.From(r.Context()).Add(&hsNote{Body: "dup"})
				w.Header().Set("Location", "/notes/1")
				w.WriteHeader(http.StatusCreated)
				_, writeErr = io.WriteString(w, "created")
			}))
			rec := httptest.NewRecorder()
			rec.Header().Set("X-Outer", "kept") // set by an outer middleware
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
			if rec.Code != c.wantCode {
				t.Fatalf("status %d, want %d", rec.Code, c.wantCode)
			}
			if strings.Contains(rec.Body.String(), "created") {
				t.Fatalf("handler's body reached the client: %q", rec.Body)
			}
			if rec.Header().Get("Location") != "" || rec.Header().Get("X-Outer") != "kept" {
				t.Fatalf("header after a failed commit: %v", rec.Header())
			}
			if ck := tokenCookie(rec); ck != nil {
				t.Fatalf("token cookie after a failed commit: %v", ck)
			}
			if !errors.Is(writeErr, httpsession.ErrCommitFailed) {
				t.Fatalf("handler's write after the failed commit: %v", writeErr)
			}
			if len(reported) != 1 || errors.Is(reported[0], httpsession.ErrCommitFailed) {
				t.Fatalf("OnError told %v, want the commit's error", reported)
			}
			if n := e.count(t, "dup"); n != 1 {
				t.Fatalf("%d rows of dup", n)
			}
		})
	}
}

func TestPanicRollsBackAndRepanics(t *testing.T) {
	e := newEnv(t)
	var s *session.Session
	note := &hsNote{Body: "p"}
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s = httpsession.From(r.Context())
		s.Add(note)
		if err := s.Flush(r.Context()); err != nil { // the INSERT is sent, in an open transaction
			t.Error(err)
		}
		panic("boom")
	}))
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the handler's panic", p)
			}
		}()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	}()
	if n := e.count(t, "p"); n != 0 {
		t.Fatalf("%d rows after a panic", n)
	}
	if _, err := s.Begin(context.Background()); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("session after the request: Begin = %v, want ErrClosed", err)
	}
	if rec.Code != 200 || len(rec.Result().Cookies()) != 0 || rec.Body.Len() != 0 {
		t.Fatalf("a panicking handler's response was written: %d %v", rec.Code, rec.Result().Cookies())
	}
}

// TestCancelledRequestRollsBack: a client gone before the status was
// written leaves nothing committed, and the session closed.
func TestCancelledRequestRollsBack(t *testing.T) {
	e := newEnv(t)
	var reported []error
	opts := e.options()
	opts.OnError = func(_ *http.Request, err error) { reported = append(reported, err) }
	var s *session.Session
	ctx, cancel := context.WithCancel(context.Background())
	h := httpsession.Middleware(e.b, opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s = httpsession.From(r.Context())
		s.Add(&hsNote{Body: "c"})
		if err := s.Flush(r.Context()); err != nil {
			t.Error(err)
		}
		cancel()
		w.WriteHeader(http.StatusCreated)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil).WithContext(ctx))
	if n := e.count(t, "c"); n != 0 {
		t.Fatalf("%d rows committed by a cancelled request", n)
	}
	if rec.Code != 500 || len(reported) == 0 || !errors.Is(reported[0], context.Canceled) {
		t.Fatalf("status %d, reported %v", rec.Code, reported)
	}
	if _, err := s.Begin(context.Background()); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("session after the request: %v", err)
	}
}

// TestAfterStatusWorkIsRolledBack: what the handler changes after the
// status was written is not committed unless it commits itself.
func TestAfterStatusWorkIsRolledBack(t *testing.T) {
	e := newEnv(t)
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		s.Add(&hsNote{Body: "before"})
		w.WriteHeader(http.StatusOK)
		s.Add(&hsNote{Body: "after"})
		if err := s.Flush(r.Context()); err != nil {
			t.Error(err)
		}
		s.Add(&hsNote{Body: "explicit"})
		w.(http.Flusher).Flush()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	for body, want := range map[string]int{"before": 1, "after": 0, "explicit": 0} {
		if n := e.count(t, body); n != want {
			t.Errorf("%s: %d rows, want %d", body, n, want)
		}
	}
}

// TestHandlerCommitsItself: a handler's own commit stands when it then
// answers 4xx, and its token reaches the client.
func TestHandlerCommitsItself(t *testing.T) {
	e := newEnv(t)
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		err := s.RunInTx(r.Context(), func(ctx context.Context, s *session.Session) error {
			return s.Add(&hsNote{Body: "kept"})
		}, session.TxOptions{})
		if err != nil {
			t.Error(err)
		}
		s.Add(&hsNote{Body: "dropped"})
		http.Error(w, "bad", http.StatusUnprocessableEntity)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if e.count(t, "kept") != 1 || e.count(t, "dropped") != 0 {
		t.Fatalf("kept %d, dropped %d", e.count(t, "kept"), e.count(t, "dropped"))
	}
	if ck := tokenCookie(rec); rec.Code != 422 || ck == nil || ck.Value != pgToken(1).String() {
		t.Fatalf("status %d, cookie %v", rec.Code, ck)
	}
}

// TestTokenRoundTrip: the token a response carries comes back with the
// next request and is the next session's starting token, merged with
// its commits; in cookie mode through a client's cookie jar, in header
// mode through the header (and no cookie).
func TestTokenRoundTrip(t *testing.T) {
	for _, mode := range []string{"cookie", "header"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t)
			opts := e.options()
			if mode == "header" {
				opts.Header = "x-athanor-token"
			} else {
				opts.Cookie = http.Cookie{Name: "tok", Path: "/notes", HttpOnly: true, Secure: false, MaxAge: 600, SameSite: http.SameSiteStrictMode}
			}
			var mu sync.Mutex
			var starts []string
			mux := http.NewServeMux()
			mux.Handle("POST /notes", add(t))
			mux.HandleFunc("GET /notes", func(w http.ResponseWriter, r *http.Request) {
				s, ok := session.FromContext(r.Context())
				if !ok {
					t.Error("no session in the request's context")
					return
				}
				mu.Lock()
				starts = append(starts, s.Token().String())
				mu.Unlock()
				io.WriteString(w, "ok")
			})
			srv := httptest.NewServer(httpsession.Middleware(e.b, opts)(mux))
			defer srv.Close()
			jar, _ := cookiejar.New(nil)
			cl := &http.Client{Jar: jar}
			var hdr string
			do := func(method, url string) *http.Response {
				req, _ := http.NewRequest(method, srv.URL+url, nil)
				if hdr != "" {
					req.Header.Set("X-Athanor-Token", hdr)
				}
				resp, err := cl.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if v := resp.Header.Get("X-Athanor-Token"); v != "" {
					hdr = v
				}
				return resp
			}
			resp := do("POST", "/notes?body=a&status=201")
			if mode == "cookie" {
				if len(resp.Cookies()) != 1 {
					t.Fatalf("cookies %v", resp.Cookies())
				}
				ck := resp.Cookies()[0]
				if ck.Name != "tok" || ck.Path != "/notes" || !ck.HttpOnly || ck.MaxAge != 600 || ck.SameSite != http.SameSiteStrictMode {
					t.Fatalf("cookie attributes: %+v", ck)
				}
			} else if len(resp.Cookies()) != 0 || hdr != pgToken(1).String() {
				t.Fatalf("header mode: cookies %v, header %q", resp.Cookies(), hdr)
			}
			do("GET", "/notes")
			do("POST", "/notes?body=b&status=201")
			resp = do("GET", "/notes")
			if mode == "cookie" && len(resp.Cookies()) != 0 {
				t.Fatalf("a request that committed nothing set %v", resp.Cookies())
			}
			if mode == "header" && resp.Header.Get("X-Athanor-Token") != pgToken(2).String() {
				t.Fatalf("header mode: the token is not echoed on a read: %q", resp.Header.Get("X-Athanor-Token"))
			}
			want := []string{pgToken(1).String(), pgToken(2).String()}
			if fmt.Sprint(starts) != fmt.Sprint(want) {
				t.Fatalf("sessions started with %v, want %v", starts, want)
			}
		})
	}
}

// TestMalformedToken: a token that does not parse is reported, the
// request's reads go to the primary (through a router), and the bad
// cookie is replaced.
func TestMalformedToken(t *testing.T) {
	for _, c := range []struct {
		name   string
		header bool
		value  string
		commit bool
	}{
		{"garbage cookie", false, "garbage", false},
		{"bad base64 cookie", false, "v1.!!", false},
		{"unknown position kind", false, "v1." + base64.RawURLEncoding.EncodeToString([]byte("default=xyz:1")), false},
		{"garbage cookie, request commits", false, "garbage", true},
		{"garbage header", true, "v2.abc", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			rt, err := router.New(router.Config{Groups: []router.GroupConfig{{Primary: e.db}}})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			opts := e.options()
			if c.header {
				opts.Header = "X-Token"
			}
			var reported []error
			opts.OnError = func(_ *http.Request, err error) { reported = append(reported, err) }
			var ctxTok router.Token
			h := httpsession.Middleware(rt, opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctxTok, _ = router.TokenFrom(r.Context())
				if c.commit {
					httpsession.From(r.Context()).Add(&hsNote{Body: "x"})
				}
			}))
			req := httptest.NewRequest("GET", "/", nil)
			if c.header {
				req.Header.Set("X-Token", c.value)
			} else {
				req.AddCookie(&http.Cookie{Name: httpsession.DefaultCookie, Value: c.value})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if len(reported) != 1 || !errors.Is(reported[0], router.ErrInvalidToken) {
				t.Fatalf("reported %v, want ErrInvalidToken", reported)
			}
			if ctxTok.Position(router.DefaultGroup).Kind() != router.PositionPrimary {
				t.Fatalf("reads of a request with a bad token carry %v, want the primary position", ctxTok)
			}
			ck := tokenCookie(rec)
			switch {
			case c.header:
				if ck != nil {
					t.Fatalf("header mode set a cookie: %v", ck)
				}
			case c.commit:
				// SQLite through the router has no positions: nothing to
				// send but the replacement of the bad cookie.
				if ck == nil || ck.MaxAge >= 0 || e.count(t, "x") != 1 {
					t.Fatalf("cookie %v, rows %d", ck, e.count(t, "x"))
				}
			default:
				if ck == nil || ck.MaxAge >= 0 {
					t.Fatalf("bad cookie not expired: %v", ck)
				}
			}
		})
	}
}

// TestMalformedTokenWithCommitSetsNewToken: over a backend with tokens,
// a request with a bad cookie that commits replaces the cookie by its
// commit's token.
func TestMalformedTokenWithCommitSetsNewToken(t *testing.T) {
	e := newEnv(t)
	h := httpsession.Middleware(e.b, e.options())(add(t))
	req := httptest.NewRequest("POST", "/?body=m&status=201", nil)
	req.AddCookie(&http.Cookie{Name: httpsession.DefaultCookie, Value: "garbage"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ck := tokenCookie(rec); rec.Code != 201 || ck == nil || ck.Value != pgToken(1).String() {
		t.Fatalf("status %d, cookie %v", rec.Code, ck)
	}
}

// TestFlushAndController: Flush, and http.ResponseController through
// Unwrap, settle the session first.
func TestFlushAndController(t *testing.T) {
	e := newEnv(t)
	var committed int
	var deadlineErr error
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpsession.From(r.Context()).Add(&hsNote{Body: "f"})
		rc := http.NewResponseController(w)
		if err := rc.Flush(); err != nil {
			t.Error(err)
		}
		committed = e.count(t, "f")
		deadlineErr = rc.SetWriteDeadline(time.Time{})
		io.WriteString(w, "streamed")
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if committed != 1 || resp.StatusCode != 200 || string(body) != "streamed" || len(resp.Cookies()) != 1 {
		t.Fatalf("committed %d at flush; status %d body %q cookies %v", committed, resp.StatusCode, body, resp.Cookies())
	}
	if deadlineErr != nil {
		t.Fatalf("SetWriteDeadline through Unwrap: %v", deadlineErr)
	}
}

// TestInformationalStatus: a 103 passes through; the final status
// decides.
func TestInformationalStatus(t *testing.T) {
	e := newEnv(t)
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		httpsession.From(r.Context()).Add(&hsNote{Body: "i"})
		w.WriteHeader(http.StatusConflict)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", nil))
	if e.count(t, "i") != 0 {
		t.Fatal("a 103 committed the session")
	}
}

func TestInvalidCookieNamePanics(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "bad name") {
			t.Fatalf("panic %v", p)
		}
	}()
	httpsession.Middleware(newEnv(t).db, httpsession.Options{Cookie: http.Cookie{Name: "bad name"}})
}

// TestHijackCommitsFirst: a handler taking over the connection (a
// WebSocket upgrade, say) gets it after the session committed.
func TestHijackCommitsFirst(t *testing.T) {
	e := newEnv(t)
	committed := -1
	h := httpsession.Middleware(e.b, e.options())(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpsession.From(r.Context()).Add(&hsNote{Body: "h"})
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		committed = e.count(t, "h")
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		buf.Flush()
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if committed != 1 || string(body) != "hijacked" {
		t.Fatalf("committed %d before the hijack, body %q", committed, body)
	}
}
