package obs_test

// Metrics, health and trace nesting over real servers: a router over a
// PostgreSQL primary and two replicas, or a MariaDB primary and its
// replica (internal/testdb), and a lone SQLite engine.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/tracing"
)

var obsItems = core.MustTable(core.TableDef{Name: "obs_items", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "note", Type: core.String(64)},
}})

type family struct {
	name     string
	kind     testdb.Kind
	cluster  func(testing.TB) testdb.Cluster
	replicas int
}

var families = []family{
	{"postgres", testdb.KindPostgres, testdb.PG, 2},
	{"mariadb", testdb.KindMySQL, testdb.MySQL, 1},
}

// get fetches url and decodes a JSON body into v when v is not nil.
func get(t *testing.T, url string, v any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return res.StatusCode
}

func TestRouterObserved(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			testdb.RequireReplicas(t, f.kind, f.replicas)
			c := f.cluster(t)
			ctx := t.Context()

			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			defer tp.Shutdown(context.Background())
			tr, err := tracing.New(tracing.Options{TracerProvider: tp})
			if err != nil {
				t.Fatal(err)
			}
			open := func(e testdb.Endpoint) *engine.DB {
				cfg, err := engine.ParseConfig(e.URL())
				if err != nil {
					t.Fatal(err)
				}
				tr.Instrument(cfg)
				db, err := engine.OpenConfig(ctx, cfg)
				if err != nil {
					t.Fatalf("open %s: %v", e, err)
				}
				return db
			}
			gc := router.GroupConfig{Name: router.DefaultGroup, Primary: open(c.Primary)}
			for _, e := range c.Replicas {
				gc.Replicas = append(gc.Replicas, open(e))
				gc.ReplicaNames = append(gc.ReplicaNames, e.Addr())
			}
			m := obs.NewMetrics()
			r, err := router.New(router.Config{Groups: []router.GroupConfig{gc}, Observer: router.MultiObserver(tr, m)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			m.WatchRouter(r)
			if _, err := r.Exec(ctx, core.CreateTable(obsItems)); err != nil {
				t.Fatal(err)
			}
			testdb.CaughtUp(t, c)

			count := func(w http.ResponseWriter, req *http.Request, ctx context.Context) {
				var n int64
				if err := r.QueryRow(ctx, core.Select(core.Count(core.Star())).From(obsItems)).Scan(&n); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
			}
			mux := http.NewServeMux()
			mux.HandleFunc("POST /items", func(w http.ResponseWriter, req *http.Request) {
				ins := core.Insert(obsItems).Columns(obsItems.C("id"), obsItems.C("note")).Values(1, "a")
				if _, err := r.Exec(req.Context(), ins); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
			})
			mux.HandleFunc("GET /items", func(w http.ResponseWriter, req *http.Request) { count(w, req, req.Context()) })
			// A token no replica can have reached: the read falls back to
			// the primary.
			mux.HandleFunc("GET /items/fresh", func(w http.ResponseWriter, req *http.Request) {
				count(w, req, router.WithToken(req.Context(), router.NewToken(router.DefaultGroup, router.PrimaryPosition())))
			})
			mux.Handle("GET /healthz", obs.Health(r))
			mux.Handle("GET /metrics", m.Handler())
			srv := httptest.NewServer(obs.HTTP(mux, obs.HTTPOptions{Metrics: m, TracerProvider: tp}))
			defer srv.Close()

			res, err := http.Post(srv.URL+"/items", "", nil)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("POST /items: %v %v", res, err)
			}
			res.Body.Close()
			const reads = 10
			for range reads {
				if code := get(t, srv.URL+"/items", nil); code != 200 {
					t.Fatalf("GET /items: %d", code)
				}
			}
			if code := get(t, srv.URL+"/items/fresh", nil); code != 200 {
				t.Fatalf("GET /items/fresh: %d", code)
			}

			// Routing: the write on the primary, the plain reads on
			// replicas (or the primary while none is in service), the
			// fresh read a fallback to the primary.
			if n := value(t, m, "athanor_router_decisions_total", map[string]string{"reason": "write", "role": "primary", "node": c.Primary.Addr()}); n < 2 {
				t.Errorf("writes (CREATE TABLE, INSERT) counted %v", n)
			}
			if n := value(t, m, "athanor_router_decisions_total", map[string]string{"reason": "fallback", "role": "primary"}); n != 1 {
				t.Errorf("fallbacks counted %v, want 1", n)
			}
			if n := value(t, m, "athanor_router_causal_wait_seconds", map[string]string{"group": "default", "reason": "fallback"}); n != 1 {
				t.Errorf("causal wait histogram holds %v fallbacks, want 1", n)
			}
			onReplicas := value(t, m, "athanor_router_reads_total", map[string]string{"group": "default", "role": "replica"})
			onPrimary := value(t, m, "athanor_router_reads_total", map[string]string{"group": "default", "role": "primary"})
			if onReplicas+onPrimary != reads+1 || onPrimary < 1 || onReplicas < reads/2 {
				t.Errorf("reads: %v on replicas, %v on the primary; want %d in all, most on replicas", onReplicas, onPrimary, reads+1)
			}

			// Per node: pool, up, lag.
			nodes := append([]testdb.Endpoint{c.Primary}, c.Replicas...)
			for i, e := range nodes {
				role := "replica"
				if i == 0 {
					role = "primary"
				}
				l := map[string]string{"group": "default", "node": e.Addr(), "role": role}
				if v := value(t, m, "athanor_db_pool_max_connections", l); v < 1 {
					t.Errorf("%s: max connections %v", e.Addr(), v)
				}
				if v := value(t, m, "athanor_db_pool_acquires_total", l); v < 1 {
					t.Errorf("%s: %v acquires", e.Addr(), v)
				}
				// Every node served a query, so it opened a connection; the
				// pool may have closed it since (a probe cancelled under
				// load breaks its connection), which the destroyed counter
				// then shows. The states are summed from one gather (the
				// node's probes move its connection between idle and in use
				// between two), and the counter is polled briefly: the pool
				// closes a connection in a goroutine of its own, which may
				// count it after the connection has left the states.
				var open, destroyed float64
				for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					open = 0
					for _, s := range gather(t, m, "athanor_db_pool_connections") {
						if s.labels["node"] == e.Addr() && s.labels["role"] == role {
							open += s.value
						}
					}
					destroyed = value(t, m, "athanor_db_pool_destroyed_connections_total", l)
					if open+destroyed >= 1 || time.Now().After(deadline) {
						break
					}
				}
				if open > value(t, m, "athanor_db_pool_max_connections", l) || open+destroyed < 1 {
					t.Errorf("%s: %v open connections, %v destroyed", e.Addr(), open, destroyed)
				}
				if v := value(t, m, "athanor_router_node_up", l); v != 1 {
					t.Errorf("%s: up = %v", e.Addr(), v)
				}
				if role == "replica" {
					if v := value(t, m, "athanor_router_replica_lag_seconds", map[string]string{"group": "default", "node": e.Addr()}); v < 0 || v > 30 {
						t.Errorf("%s: lag %vs", e.Addr(), v)
					}
				}
			}
			if n := len(gather(t, m, "athanor_router_replica_lag_seconds")); n != f.replicas {
				t.Errorf("%d lag series, want %d (replicas only)", n, f.replicas)
			}
			text := scrape(t, m)
			for _, want := range []string{
				`athanor_db_pool_max_connections{group="default",node="` + c.Primary.Addr() + `",role="primary"}`,
				`athanor_router_replica_lag_seconds{group="default",node="` + c.Replicas[0].Addr() + `"}`,
				`http_server_requests_total{method="GET",route="/items",status="200"} 10`,
			} {
				if !strings.Contains(text, want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}

			// Health: every node, with its role; the primary answers.
			var rep obs.HealthReport
			if code := get(t, srv.URL+"/healthz", &rep); code != 200 || rep.Status != "ok" {
				t.Fatalf("/healthz: %d %+v", code, rep)
			}
			if len(rep.Nodes) != 1+f.replicas {
				t.Fatalf("/healthz lists %d nodes, want %d: %+v", len(rep.Nodes), 1+f.replicas, rep.Nodes)
			}
			for i, n := range rep.Nodes {
				wantRole, wantNode := "replica", nodes[i].Addr()
				if i == 0 {
					wantRole = "primary"
				}
				if n.Role != wantRole || n.Node != wantNode || n.Group != "default" || !n.Healthy || n.Error != "" ||
					n.Pool.Max < 1 || n.Pool.Total < n.Pool.Idle+n.Pool.InUse || n.LagSeconds < 0 || (wantRole == "primary" && n.LagSeconds != 0) {
					t.Errorf("node %d: %+v, want %s %s, healthy, with its pool", i, n, wantRole, wantNode)
				}
			}

			// Traces: each statement's span is a child of its request's
			// server span, and carries the routing decision.
			server := map[trace.SpanID]string{}
			for _, s := range spans.Ended() {
				if s.SpanKind() == trace.SpanKindServer {
					server[s.SpanContext().SpanID()] = s.Name()
				}
			}
			roles := map[string]int{}
			for _, s := range spans.Ended() {
				coll, _ := spanAttr(s, "db.collection.name")
				op, _ := spanAttr(s, "db.operation.name")
				if s.SpanKind() != trace.SpanKindClient || coll.AsString() != "obs_items" || strings.HasPrefix(op.AsString(), "CREATE") {
					continue
				}
				parent := server[s.Parent().SpanID()]
				want := "GET /items"
				switch op.AsString() {
				case "INSERT":
					want = "POST /items"
				case "SELECT":
				default:
					t.Errorf("span %q: operation %q", s.Name(), op.AsString())
				}
				if parent != want && !(want == "GET /items" && parent == "GET /items/fresh") {
					t.Errorf("span %q: parent %q, want the server span %q", s.Name(), parent, want)
				}
				role, _ := spanAttr(s, "athanor.route.role")
				roles[op.AsString()+" "+role.AsString()]++
			}
			if roles["INSERT primary"] != 1 || roles["SELECT primary"] < 1 || roles["SELECT primary"]+roles["SELECT replica"] != reads+1 {
				t.Errorf("statement spans by operation and route role: %v", roles)
			}
		})
	}
}

func TestSQLiteObserved(t *testing.T) {
	ctx := t.Context()
	path := testdb.SQLite(t)
	db, err := engine.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	m := obs.NewMetrics()
	m.WatchDB("conduit.db", db)
	if _, err := db.Exec(ctx, core.CreateTable(obsItems)); err != nil {
		t.Fatal(err)
	}
	l := map[string]string{"group": "default", "node": "conduit.db", "role": "primary"}
	if v := value(t, m, "athanor_db_pool_acquires_total", l); v < 1 {
		t.Errorf("acquires %v", v)
	}
	if v := value(t, m, "athanor_db_pool_max_connections", l); v < 1 {
		t.Errorf("max connections %v", v)
	}
	// Without a router there is no routing view of the node.
	if n := len(gather(t, m, "athanor_router_node_up")) + len(gather(t, m, "athanor_router_replica_lag_seconds")); n != 0 {
		t.Errorf("%d router series for a lone engine", n)
	}

	h := obs.HealthDB("conduit.db", db)
	check := func(wantCode int) obs.HealthReport {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		var rep obs.HealthReport
		if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		if w.Code != wantCode || w.Header().Get("Content-Type") != "application/json" || len(rep.Nodes) != 1 {
			t.Fatalf("/healthz: %d %s %+v, want %d and one node", w.Code, w.Header().Get("Content-Type"), rep, wantCode)
		}
		return rep
	}
	if rep := check(200); rep.Status != "ok" || rep.Nodes[0] != (obs.NodeHealth{Group: "default", Node: "conduit.db", Role: "primary",
		Healthy: true, Pool: rep.Nodes[0].Pool}) || rep.Nodes[0].Pool.Max < 1 {
		t.Fatalf("healthy SQLite: %+v", rep)
	}
	// A primary that cannot be reached makes the service unavailable.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if rep := check(503); rep.Status != "unavailable" || rep.Nodes[0].Healthy || rep.Nodes[0].Error == "" {
		t.Fatalf("closed engine: %+v", rep)
	}

	// A router over SQLite (no replicas) reports its one node the same way.
	rdb, err := engine.Open(ctx, "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := router.New(router.Config{Groups: []router.GroupConfig{{Primary: rdb}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep := obs.CheckRouter(ctx, r)
	if rep.Status != "ok" || len(rep.Nodes) != 1 || rep.Nodes[0].Role != "primary" || !rep.Nodes[0].Healthy {
		t.Fatalf("router over SQLite: %+v", rep)
	}
}
