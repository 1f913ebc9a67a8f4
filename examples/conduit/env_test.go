package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// backend is one database setup the API tests run on.
type backend struct {
	name string
	// dsns gives a fresh primary DSN and replica DSNs for a test.
	dsns func(t *testing.T) (primary string, replicas []string, c testdb.Cluster)
}

// backends are SQLite always, PostgreSQL with two replicas and MariaDB
// with its replica (skipped without servers, failed under CI=true).
var backends = []backend{
	{"sqlite", func(t *testing.T) (string, []string, testdb.Cluster) {
		return "sqlite://" + testdb.SQLite(t), nil, testdb.Cluster{}
	}},
	{"postgres", func(t *testing.T) (string, []string, testdb.Cluster) {
		testdb.RequireReplicas(t, testdb.KindPostgres, 2)
		c := testdb.PG(t)
		return c.Primary.URL(), urls(c.Replicas[:2]), c
	}},
	{"mariadb", func(t *testing.T) (string, []string, testdb.Cluster) {
		testdb.RequireReplicas(t, testdb.KindMySQL, 1)
		c := testdb.MySQL(t)
		return c.Primary.URL(), urls(c.Replicas[:1]), c
	}},
}

func urls(es []testdb.Endpoint) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.URL())
	}
	return out
}

// forEachBackend runs fn as a parallel subtest per backend, the test
// itself parallel to the others: each has databases of its own.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, b, nil))
		})
	}
}

// countKey holds the statement counter of a request in its context.
type countKey struct{}

// stmtCounter is an engine hook counting the statements of requests
// whose context holds a counter: the router's health probes, which run
// outside requests, are not counted, nor are the replica-position polls
// of a causal wait (statements on no table), which depend on replication
// timing, not on the request.
type stmtCounter struct{}

func (stmtCounter) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	if d.Statement == nil || len(d.Statement.Tables()) == 0 {
		return ctx
	}
	if n, ok := ctx.Value(countKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
	return ctx
}
func (stmtCounter) QueryEnd(context.Context, engine.QueryEndData) {}
func (stmtCounter) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	if n, ok := ctx.Value(countKey{}).(*atomic.Int64); ok {
		n.Add(int64(d.Statements))
	}
	return ctx
}
func (stmtCounter) BatchEnd(context.Context, engine.BatchEndData) {}

// env is an app on a fresh database and an HTTP client whose cookie jar
// carries the causal token. Every user of a test shares that jar, so
// each request reads what the test wrote before it, from a replica
// that has it or from the primary.
type env struct {
	t       *testing.T
	app     *App
	srv     *httptest.Server
	client  *http.Client
	cluster testdb.Cluster
	last    atomic.Int64 // statements of the last request
}

func newEnv(t *testing.T, b backend, adjust func(*Config)) *env {
	t.Helper()
	primary, replicas, cluster := b.dsns(t)
	e := &env{t: t, cluster: cluster}
	cfg := Config{
		DB: primary, Replicas: replicas, JWTSecret: []byte("test-secret"), BcryptCost: bcrypt.MinCost,
		Hook: stmtCounter{}, Strict: true,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Middleware: []func(http.Handler) http.Handler{func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := new(atomic.Int64)
				h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), countKey{}, n)))
				e.last.Store(n.Load())
			})
		}},
	}
	if adjust != nil {
		adjust(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	app, err := newApp(ctx, cfg)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	e.app = app
	e.srv = httptest.NewServer(app.Handler())
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	t.Cleanup(func() {
		e.srv.Close()
		if err := app.Close(context.Background()); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return e
}

// testWriter sends the app's warnings to the test log.
type testWriter struct{ t *testing.T }

var logMu sync.Mutex

func (w testWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// resp is a decoded response.
type resp struct {
	status int
	body   map[string]any
	raw    string
}

// do sends a request as the user of token ("" for none) with body
// encoded as JSON (a string is sent as it is).
func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(req, token)
}

// send sends req as the user of token and decodes the response.
func (e *env) send(req *http.Request, token string) resp {
	e.t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: %d, body is not a JSON object: %v\n%s", req.Method, req.URL.Path, res.StatusCode, err, raw)
		}
	}
	return r
}

// must checks the status and returns the response.
func (e *env) must(want int, method, path, token string, body any) resp {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.status, want, r.raw)
	}
	return r
}

// fails checks an error response: its status, and for a body the
// spec's GenericErrorModel holding a message containing want.
func (e *env) fails(status int, want, method, path, token string, body any) {
	e.t.Helper()
	r := e.must(status, method, path, token, body)
	errs, _ := r.body["errors"].(map[string]any)
	msgs, _ := errs["body"].([]any)
	if len(msgs) == 0 {
		e.t.Fatalf("%s %s: %d without errors.body: %s", method, path, status, r.raw)
	}
	for _, m := range msgs {
		if s, _ := m.(string); strings.Contains(s, want) {
			return
		}
	}
	e.t.Fatalf("%s %s: errors %v lack %q", method, path, msgs, want)
}

// register creates a user and returns its token.
func (e *env) register(name string) string {
	e.t.Helper()
	r := e.must(201, "POST", "/api/users", "", map[string]any{"user": map[string]any{
		"username": name, "email": name + "@example.com", "password": "pw-" + name}})
	return r.body["user"].(map[string]any)["token"].(string)
}

// article creates an article and returns its slug.
func (e *env) article(token, title string, tags ...string) string {
	e.t.Helper()
	if tags == nil {
		tags = []string{}
	}
	r := e.must(201, "POST", "/api/articles", token, map[string]any{"article": map[string]any{
		"title": title, "description": "about " + title, "body": "body of " + title, "tagList": tags}})
	return r.body["article"].(map[string]any)["slug"].(string)
}
