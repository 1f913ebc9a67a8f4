package integration_test

// Tracing acceptance (issue 8) on PostgreSQL with real replicas: spans and
// attributes of a flush, a write, a replica read, a failed statement and a
// causal fallback, correctly parented; metrics after the workload; and no
// password or bound value in any span, metric, log line or error text.

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/tracing"
)

const (
	trcPassword = "pw-Zq81-never-shown"
	trcSecret   = "secret-value-41c9d2"
)

type trcNote struct {
	_    struct{} `athanor:",table:trc_notes"`
	ID   int64    `athanor:",pk"`
	Body string   `athanor:",size:200,unique"`
}

type trcEnv struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	log    *lockedWriter
	tr     *tracing.Tracer
}

func newTrcEnv(t *testing.T) *trcEnv {
	t.Helper()
	e := &trcEnv{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader(), log: &lockedWriter{b: &bytes.Buffer{}}}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	t.Cleanup(func() {
		_ = e.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	tr, err := tracing.New(tracing.Options{
		TracerProvider: e.tp, MeterProvider: mp,
		Logger:        slog.New(slog.NewJSONHandler(e.log, nil)),
		SlowThreshold: time.Nanosecond, // every statement is "slow": every one is logged
	})
	if err != nil {
		t.Fatal(err)
	}
	e.tr = tr
	return e
}

// lockedWriter lets the test read the log while the router's monitor
// may still be writing to it.
type lockedWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (e *trcEnv) open(t *testing.T, ep testdb.Endpoint) *engine.DB {
	t.Helper()
	ep.Password = trcPassword
	cfg, err := engine.ParseConfig(ep.URL())
	if err != nil {
		t.Fatal(err)
	}
	e.tr.Instrument(cfg)
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s: %v", ep, err)
	}
	return db
}

func trcAttrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// trcSpans returns the spans named name that are children of parent.
func trcSpans(spans tracetest.SpanStubs, name string, parent tracetest.SpanStub) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name && s.Parent.SpanID() == parent.SpanContext.SpanID() {
			out = append(out, s)
		}
	}
	return out
}

func trcOne(t *testing.T, spans tracetest.SpanStubs, name string, parent tracetest.SpanStub) tracetest.SpanStub {
	t.Helper()
	got := trcSpans(spans, name, parent)
	if len(got) != 1 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name)
		}
		t.Fatalf("%d spans %q under %q, want 1 (all: %q)", len(got), name, parent.Name, names)
	}
	return got[0]
}

func trcRoot(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no span %q", name)
	return tracetest.SpanStub{}
}

func wantAttrs(t *testing.T, s tracetest.SpanStub, want map[attribute.Key]any) {
	t.Helper()
	got := trcAttrs(s)
	for k, v := range want {
		if g := got[k].AsInterface(); g != v {
			t.Errorf("span %s: %s = %v (%T), want %v", s.Name, k, g, g, v)
		}
	}
}

func TestTracingPostgres(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindPostgres, 1)
	c := testdb.PG(t)
	env := newTrcEnv(t)
	ctx := context.Background()

	primary := env.open(t, c.Primary)
	var reps []*engine.DB
	for _, ep := range c.Replicas {
		reps = append(reps, env.open(t, ep))
	}
	reg := mapper.NewRegistry()
	model, err := mapper.RegisterIn[trcNote](reg)
	if err != nil {
		t.Fatal(err)
	}
	createORMSchema(t, primary, reg)
	r, err := router.New(router.Config{
		Groups:     []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: reps}},
		Observer:   env.tr,
		CausalWait: 20 * time.Millisecond,
		MaxLag:     -1, // paused replicas stay in service: the causal wait decides
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	poolReg, err := env.tr.ObservePool("primary", primary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = poolReg.Unregister() })
	routerReg, err := env.tr.ObserveRouter(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = routerReg.Unregister() })
	testdb.CaughtUp(t, c)
	notes := model.Table()
	env.spans.Reset()

	// The request: a flush, a replica read, a failed write.
	rctx, request := env.tp.Tracer("test").Start(ctx, "request")
	s := session.New(session.Router(r), session.Options{Registry: reg, Observer: env.tr})
	if err := s.Add(&trcNote{Body: trcSecret}, &trcNote{Body: "plain"}); err != nil {
		t.Fatal(err)
	}
	// Flush opens the session's transaction (a Commit alone would send
	// this one-statement flush without one).
	if err := s.Flush(rctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(rctx); err != nil {
		t.Fatal(err)
	}
	testdb.CaughtUp(t, c)
	var body string
	byBody := core.Select(notes.C("body")).From(notes).Where(core.Eq(notes.C("body"), trcSecret))
	if err := r.QueryRow(rctx, byBody).Scan(&body); err != nil {
		t.Fatal(err)
	}
	_, dupErr := r.Exec(rctx, core.Insert(notes).Columns(notes.C("body")).Values(trcSecret))
	if !errors.Is(dupErr, athanor.ErrUniqueViolation) {
		t.Fatalf("duplicate insert: %v, want a unique violation", dupErr)
	}
	request.End()

	spans := env.spans.GetSpans()
	root := trcRoot(t, spans, "request")
	replicaPorts := map[int64]bool{}
	for _, ep := range c.Replicas {
		replicaPorts[int64(atoi(t, ep.Port))] = true
	}
	primaryPort := int64(atoi(t, c.Primary.Port))

	t.Run("flush", func(t *testing.T) {
		flush := trcOne(t, spans, "athanor.flush", root)
		wantAttrs(t, flush, map[attribute.Key]any{"athanor.flush.inserts": int64(2), "athanor.flush.updates": int64(0), "athanor.flush.deletes": int64(0)})
		tx := trcOne(t, spans, "TRANSACTION", flush)
		wantAttrs(t, tx, map[attribute.Key]any{
			"athanor.route.role": "primary", "athanor.route.reason": "in_transaction",
			"athanor.tx.outcome": "commit", "server.port": primaryPort,
		})
		ins := trcOne(t, spans, "INSERT trc_notes", flush)
		wantAttrs(t, ins, map[attribute.Key]any{
			"db.system.name": "postgresql", "db.operation.name": "INSERT", "db.collection.name": "trc_notes",
			"db.namespace": c.Primary.Database, "server.port": primaryPort, "athanor.db.rows_affected": int64(2),
		})
	})
	t.Run("replica read", func(t *testing.T) {
		sel := trcOne(t, spans, "SELECT trc_notes", root)
		wantAttrs(t, sel, map[attribute.Key]any{
			"db.system.name": "postgresql", "db.operation.name": "SELECT", "db.collection.name": "trc_notes",
			"athanor.route.role": "replica", "athanor.route.reason": "replica", "db.response.returned_rows": int64(1),
			"server.address": "127.0.0.1",
		})
		a := trcAttrs(sel)
		if !replicaPorts[a["server.port"].AsInt64()] {
			t.Errorf("server.port = %d, want a replica's", a["server.port"].AsInt64())
		}
		if a["athanor.route.node"].AsString() != "127.0.0.1:"+a["server.port"].Emit() {
			t.Errorf("route node %q does not name the span's server", a["athanor.route.node"].AsString())
		}
		if _, ok := a["athanor.route.replica_lag"]; !ok {
			t.Error("replica read has no athanor.route.replica_lag")
		}
		if q := a["db.query.text"].AsString(); !strings.Contains(q, "$1") {
			t.Errorf("db.query.text = %q, want placeholders", q)
		}
	})
	t.Run("write and failed statement", func(t *testing.T) {
		ins := trcOne(t, spans, "INSERT trc_notes", root)
		wantAttrs(t, ins, map[attribute.Key]any{
			"athanor.route.role": "primary", "athanor.route.reason": "write", "server.port": primaryPort,
			"error.type": "unique_violation", "db.response.status_code": "23505",
		})
		if ins.Status.Code != codes.Error {
			t.Errorf("status = %v, want Error", ins.Status)
		}
	})

	// A causal fallback: every replica paused, a write, then a read
	// through the writer's context.
	// The replication lock belongs to the test (it gives up the shared
	// hold testdb.PG took for it); the subtest pauses replay under it.
	testdb.LockReplication(t)
	t.Run("causal fallback", func(t *testing.T) {
		for _, ep := range c.Replicas {
			testdb.PauseReplay(t, ep)
		}
		fctx, req := env.tp.Tracer("test").Start(ctx, "fallback request")
		wctx, _ := router.Track(fctx)
		if _, err := r.Exec(wctx, core.Insert(notes).Columns(notes.C("body")).Values("after pause")); err != nil {
			t.Fatal(err)
		}
		after := core.Select(notes.C("body")).From(notes).Where(core.Eq(notes.C("body"), "after pause"))
		if err := r.QueryRow(wctx, after).Scan(&body); err != nil {
			t.Fatalf("read your write: %v", err)
		}
		req.End()
		spans := env.spans.GetSpans()
		root := trcRoot(t, spans, "fallback request")
		sel := trcOne(t, spans, "SELECT trc_notes", root)
		wantAttrs(t, sel, map[attribute.Key]any{
			"athanor.route.role": "primary", "athanor.route.reason": "fallback", "server.port": primaryPort,
		})
		if w := trcAttrs(sel)["athanor.route.causal_wait"].AsFloat64(); w < 0.015 {
			t.Errorf("athanor.route.causal_wait = %vs, want about the 20ms bound", w)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		var rm metricdata.ResourceMetrics
		if err := env.reader.Collect(ctx, &rm); err != nil {
			t.Fatal(err)
		}
		ms := map[string]metricdata.Metrics{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				ms[m.Name] = m
			}
		}
		// Duration histogram: by operation, table and error type.
		counts := map[string]uint64{}
		for _, p := range ms[tracing.MetricOperationDuration].Data.(metricdata.Histogram[float64]).DataPoints {
			op, _ := p.Attributes.Value("db.operation.name")
			tb, _ := p.Attributes.Value("db.collection.name")
			et, _ := p.Attributes.Value("error.type")
			counts[op.AsString()+" "+tb.AsString()+" "+et.AsString()] += p.Count
		}
		for k, want := range map[string]uint64{
			"INSERT trc_notes ":                 2, // the flush's multi-row insert, the write before the fallback
			"INSERT trc_notes unique_violation": 1,
			"SELECT trc_notes ":                 2,
		} {
			if counts[k] != want {
				t.Errorf("duration count %q = %d, want %d (all: %v)", k, counts[k], want, counts)
			}
		}
		// Routing decisions by reason, and the causal fallback.
		reasons := map[string]int64{}
		for _, p := range ms[tracing.MetricRoutingDecisions].Data.(metricdata.Sum[int64]).DataPoints {
			v, _ := p.Attributes.Value("athanor.route.reason")
			reasons[v.AsString()] += p.Value
		}
		for reason, want := range map[string]int64{"in_transaction": 1, "replica": 1, "write": 2, "fallback": 1} {
			if reasons[reason] != want {
				t.Errorf("decisions{reason=%s} = %d, want %d (all: %v)", reason, reasons[reason], want, reasons)
			}
		}
		var fallbacks int64
		for _, p := range ms[tracing.MetricCausalFallbacks].Data.(metricdata.Sum[int64]).DataPoints {
			fallbacks += p.Value
		}
		if fallbacks != 1 {
			t.Errorf("causal fallbacks = %d, want 1", fallbacks)
		}
		// Pool: connections by state, the bound.
		states := map[string]bool{}
		var open int64
		for _, p := range ms[tracing.MetricConnectionCount].Data.(metricdata.Sum[int64]).DataPoints {
			pool, _ := p.Attributes.Value("db.client.connection.pool.name")
			st, _ := p.Attributes.Value("db.client.connection.state")
			if pool.AsString() == "primary" {
				states[st.AsString()] = true
				open += p.Value
			}
		}
		// The workload's connections stay pooled: idle, or used by the
		// router's health probe if it runs at this moment.
		if open < 1 {
			t.Errorf("primary connections (idle + used) = %d, want ≥ 1 after the workload", open)
		}
		if !states["idle"] || !states["used"] {
			t.Errorf("connection states reported: %v, want idle and used", states)
		}
		maxPts := ms[tracing.MetricConnectionMax].Data.(metricdata.Sum[int64]).DataPoints
		if len(maxPts) != 1 || maxPts[0].Value != int64(primary.Stats().MaxConns) {
			t.Errorf("db.client.connection.max = %+v, want %d", maxPts, primary.Stats().MaxConns)
		}
		var waits uint64
		for _, p := range ms[tracing.MetricConnectionWait].Data.(metricdata.Histogram[float64]).DataPoints {
			waits += p.Count
		}
		if waits == 0 {
			t.Error("no db.client.connection.wait_time recorded")
		}
		// Replica lag, one point per replica.
		if n := len(ms[tracing.MetricReplicaLag].Data.(metricdata.Gauge[float64]).DataPoints); n != len(c.Replicas) {
			t.Errorf("replica lag points = %d, want %d", n, len(c.Replicas))
		}
	})

	t.Run("no password or value anywhere", func(t *testing.T) {
		for _, secret := range []string{trcPassword, trcSecret} {
			for _, s := range env.spans.GetSpans() {
				for _, kv := range s.Attributes {
					if strings.Contains(kv.Value.Emit(), secret) {
						t.Errorf("span %s: %s holds %q", s.Name, kv.Key, secret)
					}
				}
				if strings.Contains(s.Status.Description, secret) || strings.Contains(s.Name, secret) {
					t.Errorf("span %s: status or name holds %q", s.Name, secret)
				}
			}
			var rm metricdata.ResourceMetrics
			if err := env.reader.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					for _, kv := range trcMetricAttrs(m) {
						if strings.Contains(kv.Value.Emit(), secret) {
							t.Errorf("metric %s: %s holds %q", m.Name, kv.Key, secret)
						}
					}
				}
			}
			if log := env.log.String(); strings.Contains(log, secret) {
				t.Errorf("log holds %q", secret)
			}
			if strings.Contains(dupErr.Error(), secret) {
				t.Errorf("error text holds %q: %v", secret, dupErr)
			}
		}
		if !strings.Contains(env.log.String(), `"db.query.text":"SELECT`) || !strings.Contains(env.log.String(), `"trace_id"`) {
			t.Error("slow-statement log lacks the SQL or the trace id")
		}
		// An endpoint that cannot be reached: the error names it, not its password.
		bad := c.Primary
		bad.Port, bad.Password = "1", trcPassword
		cfg, err := engine.ParseConfig(bad.URL())
		if err != nil {
			t.Fatal(err)
		}
		env.tr.Instrument(cfg)
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if db, err := engine.OpenConfig(octx, cfg); err == nil {
			db.Close()
			t.Fatal("open of a closed port succeeded")
		} else if strings.Contains(err.Error(), trcPassword) {
			t.Errorf("open error holds the password: %v", err)
		}
	})
}

func trcMetricAttrs(m metricdata.Metrics) []attribute.KeyValue {
	var out []attribute.KeyValue
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	case metricdata.Sum[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes.ToSlice()...)
		}
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("port %q is not a number", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}
