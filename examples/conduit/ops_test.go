package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestOpsEndpoints: /healthz lists every database node with its role and
// /metrics carries the HTTP series labelled by API route, the routing
// counters and each node's pool, on every backend.
func TestOpsEndpoints(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		tok := e.register("ops")
		e.article(tok, "Observed", "ops")
		e.must(200, "GET", "/api/articles?tag=ops", "", nil)

		h := e.do("GET", "/healthz", "", nil)
		if h.status != 200 {
			t.Fatalf("/healthz: %d %s", h.status, h.raw)
		}
		var rep struct {
			Status string `json:"status"`
			Nodes  []struct {
				Role    string `json:"role"`
				Healthy bool   `json:"healthy"`
			} `json:"nodes"`
		}
		if err := json.Unmarshal([]byte(h.raw), &rep); err != nil {
			t.Fatalf("/healthz body %q: %v", h.raw, err)
		}
		roles := map[string]int{}
		for _, n := range rep.Nodes {
			roles[n.Role]++
			if !n.Healthy {
				t.Errorf("/healthz: unhealthy node in %s", h.raw)
			}
		}
		replicas := len(e.app.cfg.Replicas)
		if rep.Status != "ok" || roles["primary"] != 1 || roles["replica"] != replicas {
			t.Fatalf("/healthz = %s; want status ok, 1 primary and %d replicas", h.raw, replicas)
		}

		res, err := e.client.Get(e.srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("/metrics: %d, %v", res.StatusCode, err)
		}
		metrics := string(body)
		for _, want := range []string{
			`http_server_requests_total{method="GET",route="/api/articles",status="200"}`,
			`http_server_requests_total{method="POST",route="/api/articles",status="201"}`,
			`athanor_router_decisions_total`,
			`athanor_db_pool_max_connections`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if replicas > 0 && !strings.Contains(metrics, "athanor_router_replica_lag_seconds") {
			t.Errorf("/metrics lacks the replicas' lag")
		}
	})
}
