package integration_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/session/httpsession"
)

type hsEntry struct {
	_    struct{} `athanor:",table:hs_entries"`
	ID   int64
	Body string `athanor:",size:100"`
}

// hsService is a small HTTP service over a router: POST /entries adds an
// entry (201, its id in the body), GET /entries/{id} reads it (404 when
// the read does not find it), answering with the role of the node that
// served the read in X-Served-By.
func hsService() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /entries", func(w http.ResponseWriter, r *http.Request) {
		s := httpsession.From(r.Context())
		e := &hsEntry{Body: r.FormValue("body")}
		if err := s.Add(e); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := s.Flush(r.Context()); err != nil { // the id, for the body
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated) // commits, then sends the cookie
		fmt.Fprint(w, e.ID)
	})
	mux.HandleFunc("GET /entries/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		var d router.Decision
		n, err := session.Query[hsEntry](httpsession.From(r.Context())).Filter("ID", id).All(router.WithDecision(r.Context(), &d))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("X-Served-By", d.Role.String())
		if len(n) == 0 {
			http.Error(w, "not found", 404)
			return
		}
		io.WriteString(w, n[0].Body)
	})
	return mux
}

// hsClient posts and gets through one client with a cookie jar: the
// token travels only in the cookie the jar sends back.
type hsClient struct {
	t   *testing.T
	url string
	c   *http.Client
}

func (c hsClient) do(req *http.Request) (int, string, string) {
	c.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header.Get("X-Served-By")
}

func (c hsClient) post(body string) int64 {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.url+"/entries?body="+body, nil)
	code, out, _ := c.do(req)
	if code != http.StatusCreated {
		c.t.Fatalf("POST %s: %d %s", body, code, out)
	}
	id, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

func (c hsClient) get(id int64) (code int, body, role string) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.url+"/entries/"+strconv.FormatInt(id, 10), nil)
	return c.do(req)
}

// routerSees waits (at most 30 s) until the router's monitor has seen n
// replicas up and at the token the client's cookie holds.
func (c hsClient) routerSees(rt *router.Router, n int) {
	c.t.Helper()
	u, err := url.Parse(c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	var tok router.Token
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == httpsession.DefaultCookie {
			if tok, err = router.ParseToken(ck.Value); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	want := tok.Position(router.DefaultGroup)
	if want.IsZero() {
		c.t.Fatal("the client holds no token")
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		seen := 0
		for _, r := range rt.Group(router.DefaultGroup).Replicas() {
			if r.Up && r.Position.Covers(want) {
				seen++
			}
		}
		if seen == n {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("after 30 s the router sees %d of %d replicas at %s", seen, n, want)
		}
	}
}

func newHSClient(t *testing.T, url string) hsClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return hsClient{t: t, url: url, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// TestHTTPSessionReadYourWrites is issue 18's acceptance test for request
// scope: through a router and the middleware, a POST writes a row and the
// next GET (a new request, a new session, the token only from the cookie
// the client's jar sent) reads it, 200 times with every replica's replay
// paused. Beforehand, with replay running, reads whose token the replicas
// have reached go to replicas: the test proves routing, not primary-only
// reads. A token of another replication scheme is refused and the request
// reads from the primary.
func TestHTTPSessionReadYourWrites(t *testing.T) {
	families := []struct {
		name  string
		c     func(t testing.TB) testdb.Cluster
		other string // a position of the other family's scheme
	}{{"postgres", testdb.PG, "mariadb:0-1-5"}, {"mariadb", testdb.MySQL, "pg:0/16B3748"}}
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			ctx := context.Background()
			c := f.c(t)
			if len(c.Replicas) == 0 {
				t.Skip("no replicas")
			}
			primary, _ := openORM(t, c.Primary.URL())
			reg := mapper.NewRegistry()
			if _, err := mapper.RegisterIn[hsEntry](reg); err != nil {
				t.Fatal(err)
			}
			if err := primary.CreateAll(ctx, reg); err != nil {
				t.Fatal(err)
			}
			var replicas []*engine.DB
			for _, r := range c.Replicas {
				db, _ := openORM(t, r.URL())
				replicas = append(replicas, db)
			}
			var replicaReads atomic.Int64
			rt, err := router.New(router.Config{
				Groups:     []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
				CausalWait: 10 * time.Millisecond,
				Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
					if d.Role == router.RoleReplica {
						replicaReads.Add(1)
					}
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close() })
			var reported atomic.Int64
			mw := httpsession.Middleware(rt, httpsession.Options{
				Session: session.Options{Registry: reg},
				OnError: func(r *http.Request, err error) { reported.Add(1); t.Logf("%s %s: %v", r.Method, r.URL, err) },
			})
			srv := httptest.NewServer(mw(hsService()))
			t.Cleanup(srv.Close)
			cl := newHSClient(t, srv.URL)

			// Replay running: once the replicas have caught up with the
			// client's write, its reads go to replicas.
			id := cl.post("warm")
			testdb.CaughtUp(t, c)
			cl.routerSees(rt, len(c.Replicas)) // no read then waits on CausalWait, which a loaded machine may exceed
			before := replicaReads.Load()
			for range 2 * len(c.Replicas) {
				if code, body, role := cl.get(id); code != 200 || body != "warm" || role != router.RoleReplica.String() {
					t.Fatalf("caught-up GET: %d %q served by %s, want 200 \"warm\" from a replica", code, body, role)
				}
			}
			if got := replicaReads.Load() - before; got < int64(2*len(c.Replicas)) {
				t.Fatalf("observer saw %d replica reads, want %d", got, 2*len(c.Replicas))
			}

			// A token of another replication scheme cannot be known to be
			// reached: the request reads from the primary, and is told so.
			p, err := router.ParsePosition(f.other)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/entries/"+strconv.FormatInt(id, 10), nil)
			req.AddCookie(&http.Cookie{Name: httpsession.DefaultCookie, Value: router.NewToken(router.DefaultGroup, p).String()})
			if code, body, role := (hsClient{t, srv.URL, http.DefaultClient}).do(req); code != 200 || body != "warm" || role != router.RolePrimary.String() {
				t.Fatalf("GET with a %s token: %d %q served by %s, want 200 from the primary", f.other, code, body, role)
			}
			if reported.Swap(0) != 1 {
				t.Fatal("the foreign token was not reported")
			}

			// Replay paused on every replica: each write is read back by
			// the next request, through the cookie alone.
			testdb.LockReplication(t)
			for _, r := range c.Replicas {
				testdb.PauseReplay(t, r)
			}
			replicaServed := 0
			for i := range 200 {
				body := fmt.Sprintf("w%d", i)
				id := cl.post(body)
				code, got, role := cl.get(id)
				if code != 200 || got != body {
					t.Fatalf("write %d: GET %d returned %d %q (served by %s), want 200 %q: a stale read", i, id, code, got, role, body)
				}
				if role == router.RoleReplica.String() {
					replicaServed++
				}
			}
			if replicaServed != 0 {
				t.Fatalf("%d reads served by paused replicas", replicaServed)
			}
			if n := reported.Load(); n != 0 {
				t.Fatalf("%d errors reported", n)
			}
		})
	}
}
