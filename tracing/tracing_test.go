package tracing_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/tracing"
)

const secret = "s3cr3t-value-7f1c"

var items = core.MustTable(core.TableDef{Name: "items", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "note", Type: core.String(200), Unique: true},
}})

type harness struct {
	spans  *tracetest.InMemoryExporter
	reader *sdkmetric.ManualReader
	tr     *tracing.Tracer
	tp     *sdktrace.TracerProvider
	log    *bytes.Buffer
}

func newHarness(t *testing.T, opts tracing.Options) *harness {
	t.Helper()
	h := &harness{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader(), log: &bytes.Buffer{}}
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() {
		_ = h.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	opts.TracerProvider, opts.MeterProvider = h.tp, mp
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(h.log, nil))
	}
	tr, err := tracing.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.tr = tr
	return h
}

// sqliteDB opens an instrumented SQLite engine with the items table.
func sqliteDB(t *testing.T, tr *tracing.Tracer) *engine.DB {
	t.Helper()
	cfg, err := engine.ParseConfig("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	if tr != nil {
		tr.Instrument(cfg)
	}
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(context.Background(), core.CreateTable(items)); err != nil {
		t.Fatal(err)
	}
	return db
}

func ins(id int, note string) *core.InsertStmt {
	return core.Insert(items).Columns(items.C("id"), items.C("note")).Values(id, note)
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func find(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	t.Fatalf("no span %q; have %q", name, names)
	return tracetest.SpanStub{}
}

func TestStatementSpans(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	db := sqliteDB(t, h.tr)
	ctx, parent := h.tp.Tracer("test").Start(context.Background(), "request")
	if _, err := db.Exec(ctx, ins(1, secret)); err != nil {
		t.Fatal(err)
	}
	var note string
	if err := db.QueryRow(ctx, core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), 1))).Scan(&note); err != nil {
		t.Fatal(err)
	}
	parent.End()
	spans := h.spans.GetSpans()

	tests := []struct {
		name string
		want map[attribute.Key]any
	}{
		{"INSERT items", map[attribute.Key]any{
			"db.system.name": "sqlite", "db.operation.name": "INSERT", "db.collection.name": "items",
			"athanor.db.rows_affected": int64(1),
		}},
		{"SELECT items", map[attribute.Key]any{
			"db.system.name": "sqlite", "db.operation.name": "SELECT", "db.collection.name": "items",
			"db.response.returned_rows": int64(1),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := find(t, spans, tc.name)
			got := attrs(s)
			for k, v := range tc.want {
				if got[k].AsInterface() != v {
					t.Errorf("%s = %v, want %v", k, got[k].AsInterface(), v)
				}
			}
			if q := got["db.query.text"].AsString(); q == "" || strings.Contains(q, secret) {
				t.Errorf("db.query.text = %q: want the parameterised SQL", q)
			}
			if s.Parent.SpanID() != parent.SpanContext().SpanID() {
				t.Errorf("parent = %v, want the request span", s.Parent.SpanID())
			}
			if s.SpanKind.String() != "client" {
				t.Errorf("kind = %v, want client", s.SpanKind)
			}
		})
	}
	noSecret(t, h)
}

func TestFailedStatement(t *testing.T) {
	h := newHarness(t, tracing.Options{SlowThreshold: time.Nanosecond})
	db := sqliteDB(t, h.tr)
	ctx := context.Background()
	if _, err := db.Exec(ctx, ins(1, secret)); err != nil {
		t.Fatal(err)
	}
	_, err := db.Exec(ctx, ins(2, secret))
	if !errors.Is(err, athanor.ErrUniqueViolation) {
		t.Fatalf("err = %v, want a unique violation", err)
	}
	spans := h.spans.GetSpans()
	s := spans[len(spans)-1]
	a := attrs(s)
	if got := a["error.type"].AsString(); got != "unique_violation" {
		t.Errorf("error.type = %q, want unique_violation", got)
	}
	if a["db.response.status_code"].AsString() == "" {
		t.Error("db.response.status_code missing")
	}
	if s.Status.Code != codes.Error || s.Status.Description != "unique_violation" {
		t.Errorf("status = %+v", s.Status)
	}
	if !strings.Contains(h.log.String(), `"error.type":"unique_violation"`) {
		t.Errorf("slow log lacks the error type: %s", h.log)
	}
	noSecret(t, h)
}

// noSecret checks that the secret value is in no span, metric or log line.
func noSecret(t *testing.T, h *harness) {
	t.Helper()
	for _, s := range h.spans.GetSpans() {
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.Emit(), secret) {
				t.Errorf("span %s: %s holds the secret", s.Name, kv.Key)
			}
		}
		if strings.Contains(s.Status.Description, secret) || strings.Contains(s.Name, secret) {
			t.Errorf("span %s: status or name holds the secret", s.Name)
		}
		for _, ev := range s.Events {
			for _, kv := range ev.Attributes {
				if strings.Contains(kv.Value.Emit(), secret) {
					t.Errorf("span %s: event %s holds the secret", s.Name, ev.Name)
				}
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, kv := range metricAttrs(m) {
				if strings.Contains(kv.Value.Emit(), secret) {
					t.Errorf("metric %s: %s holds the secret", m.Name, kv.Key)
				}
			}
		}
	}
	if strings.Contains(h.log.String(), secret) {
		t.Errorf("log holds the secret: %s", h.log)
	}
}

func metricAttrs(m metricdata.Metrics) []attribute.KeyValue {
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

func TestSlowLogValuesOnlyOnRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values bool
	}{{"values off", false}, {"values on", true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tracing.Options{SlowThreshold: time.Nanosecond, LogValues: tc.values})
			db := sqliteDB(t, h.tr)
			if _, err := db.Exec(context.Background(), ins(1, secret)); err != nil {
				t.Fatal(err)
			}
			log := h.log.String()
			if !strings.Contains(log, "athanor: slow statement") || !strings.Contains(log, `INSERT INTO`) {
				t.Fatalf("no slow-statement record with the SQL: %s", log)
			}
			if got := strings.Contains(log, secret); got != tc.values {
				t.Errorf("value in log = %v, want %v: %s", got, tc.values, log)
			}
		})
	}
}

func TestSlowLogThreshold(t *testing.T) {
	h := newHarness(t, tracing.Options{SlowThreshold: time.Hour})
	db := sqliteDB(t, h.tr)
	if _, err := db.Exec(context.Background(), ins(1, "x")); err != nil {
		t.Fatal(err)
	}
	if h.log.Len() != 0 {
		t.Errorf("fast statement logged: %s", h.log)
	}
}

func TestDurationHistogram(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	db := sqliteDB(t, h.tr)
	ctx := context.Background()
	for i := range 3 {
		if _, err := db.Exec(ctx, ins(i, "n"+string(rune('a'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != tracing.MetricOperationDuration {
				continue
			}
			if m.Unit != "s" {
				t.Errorf("unit %q, want s", m.Unit)
			}
			for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				op, _ := p.Attributes.Value("db.operation.name")
				tb, _ := p.Attributes.Value("db.collection.name")
				if op.AsString() == "INSERT" && tb.AsString() == "items" {
					n += p.Count
				}
			}
		}
	}
	if n != 3 {
		t.Errorf("INSERT items count = %d, want 3", n)
	}
}

func TestTransactionAndFlushNesting(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	db := sqliteDB(t, h.tr)
	ctx := h.tr.FlushStart(context.Background(), session.FlushStartData{})
	tx, err := db.Begin(ctx, engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, core.Insert(items).Columns(items.C("id"), items.C("note")).Values(1, "a").Values(2, "b")); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, core.Update(items).Set(items.C("note"), "c").Where(core.Eq(items.C("id"), 1))); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, core.Delete(items).Where(core.Eq(items.C("id"), 2))); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h.tr.FlushEnd(ctx, session.FlushEndData{})
	spans := h.spans.GetSpans()
	flush := find(t, spans, "athanor.flush")
	a := attrs(flush)
	if a["athanor.flush.inserts"].AsInt64() != 2 || a["athanor.flush.updates"].AsInt64() != 1 || a["athanor.flush.deletes"].AsInt64() != 1 {
		t.Errorf("flush counts = %v/%v/%v, want 2/1/1", a["athanor.flush.inserts"].AsInt64(),
			a["athanor.flush.updates"].AsInt64(), a["athanor.flush.deletes"].AsInt64())
	}
	txs := find(t, spans, "TRANSACTION")
	if attrs(txs)["athanor.tx.outcome"].AsString() != "commit" {
		t.Errorf("tx outcome = %v", attrs(txs)["athanor.tx.outcome"])
	}
	for _, name := range []string{"TRANSACTION", "INSERT items", "UPDATE items", "DELETE items"} {
		if s := find(t, spans, name); s.Parent.SpanID() != flush.SpanContext.SpanID() {
			t.Errorf("%s is not a child of the flush span", name)
		}
	}
}

func TestBatchSpan(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	db := sqliteDB(t, h.tr)
	_, err := db.Batch(context.Background(), ins(1, "a"), core.Select(items.C("id")).From(items))
	if err != nil {
		t.Fatal(err)
	}
	a := attrs(find(t, h.spans.GetSpans(), "BATCH"))
	if a["db.operation.batch.size"].AsInt64() != 2 || a["db.operation.name"].AsString() != "BATCH" {
		t.Errorf("batch attributes = %v", a)
	}
}

// TestRoutedDecisionReachesSpan drives the hooks as the router and engine
// do: Routed, then the chosen node's QueryStart with the same context.
func TestRoutedDecisionReachesSpan(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	mk := func(port string) any {
		cfg, err := engine.ParseConfig("postgres://app:" + secret + "@db" + port + ":" + port + "/shop")
		if err != nil {
			t.Fatal(err)
		}
		return h.tr.Hook(cfg)
	}
	primary, replica := mk("5432").(engine.QueryHook), mk("5433").(engine.QueryHook)
	stmt := core.Select(items.C("note")).From(items)
	ctx := context.Background()
	run := func(ctx context.Context, hook engine.QueryHook) {
		hctx := hook.QueryStart(ctx, engine.QueryStartData{Statement: stmt, SQL: "SELECT 1"})
		hook.QueryEnd(hctx, engine.QueryEndData{SQL: "SELECT 1"})
	}
	rctx := h.tr.Routed(ctx, router.Decision{Group: "default", Node: "db5433:5433", Role: router.RoleReplica, Reason: router.ReasonCaughtUp, Lag: 2 * time.Second})
	pctx := h.tr.Routed(ctx, router.Decision{Group: "default", Node: "db5432:5432", Role: router.RolePrimary, Reason: router.ReasonFallback, Wait: 100 * time.Millisecond})
	run(pctx, primary)
	run(rctx, replica)
	run(rctx, replica) // the decision went to the first span: no route attributes
	run(pctx, replica) // another node's decision: none either
	spans := h.spans.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 4", len(spans))
	}
	p, r, none, other := attrs(spans[0]), attrs(spans[1]), attrs(spans[2]), attrs(spans[3])
	if p["athanor.route.reason"].AsString() != "fallback" || p["athanor.route.role"].AsString() != "primary" ||
		p["athanor.route.causal_wait"].AsFloat64() != 0.1 || p["server.port"].AsInt64() != 5432 {
		t.Errorf("primary span: %v", p)
	}
	if r["athanor.route.reason"].AsString() != "caught_up" || r["athanor.route.node"].AsString() != "db5433:5433" ||
		r["athanor.route.replica_lag"].AsFloat64() != 2 || r["server.address"].AsString() != "db5433" {
		t.Errorf("replica span: %v", r)
	}
	if _, ok := none["athanor.route.reason"]; ok {
		t.Errorf("second span under one decision has a route: %v", none)
	}
	if _, ok := other["athanor.route.reason"]; ok {
		t.Errorf("span of another node has a route: %v", other)
	}
	noSecret(t, h)
}

func TestRoutingMetrics(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	ctx := context.Background()
	for range 3 {
		h.tr.Routed(ctx, router.Decision{Group: "default", Node: "r1", Role: router.RoleReplica, Reason: router.ReasonReplica})
	}
	h.tr.Routed(ctx, router.Decision{Group: "default", Node: "p", Role: router.RolePrimary, Reason: router.ReasonFallback, Wait: time.Millisecond})
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if s, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, p := range s.DataPoints {
					reason, _ := p.Attributes.Value("athanor.route.reason")
					got[m.Name+"/"+reason.AsString()] += p.Value
				}
			}
		}
	}
	want := map[string]int64{
		tracing.MetricRoutingDecisions + "/replica":  3,
		tracing.MetricRoutingDecisions + "/fallback": 1,
		tracing.MetricCausalFallbacks + "/":          1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}

// TestNoProviderAllocatesNothing: without a recording tracer, an enabled
// metric or value logging, the statement hooks allocate nothing.
func TestNoProviderAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts tracing.Options
	}{
		{"global providers", tracing.Options{}},
		{"noop provider", tracing.Options{TracerProvider: noop.NewTracerProvider()}},
		{"slow log, fast statement", tracing.Options{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)), SlowThreshold: time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := tracing.New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _ := engine.ParseConfig("postgres://app@db:5432/shop")
			hooks := []engine.QueryHook{tr, tr.Hook(cfg).(engine.QueryHook)}
			stmt := core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), 1))
			stmt.Tables()
			ctx := context.Background()
			d := router.Decision{Group: "default", Node: "db:5432", Role: router.RolePrimary, Reason: router.ReasonWrite}
			for _, hk := range hooks {
				allocs := testing.AllocsPerRun(1000, func() {
					rctx := tr.Routed(ctx, d)
					hctx := hk.QueryStart(rctx, engine.QueryStartData{Statement: stmt, SQL: "SELECT"})
					hk.QueryEnd(hctx, engine.QueryEndData{SQL: "SELECT", Rows: 1, Duration: time.Microsecond})
				})
				if allocs != 0 {
					t.Errorf("%T: %v allocs per statement, want 0", hk, allocs)
				}
			}
		})
	}
}

func TestStartLoad(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	// Without a recording span in ctx and no global provider: no span.
	ctx, l := tracing.StartLoad(context.Background(), "Author", "Books")
	l.End(0, nil)
	if ctx != context.Background() {
		t.Error("StartLoad without a tracer changed the context")
	}
	pctx, parent := h.tp.Tracer("test").Start(context.Background(), "query")
	_, l = tracing.StartLoad(pctx, "Author", "Books")
	l.End(3, nil)
	parent.End()
	s := find(t, h.spans.GetSpans(), "athanor.load Author.Books")
	if s.Parent.SpanID() != parent.SpanContext().SpanID() || attrs(s)["athanor.load.rows"].AsInt64() != 3 {
		t.Errorf("load span: parent %v, attrs %v", s.Parent.SpanID(), attrs(s))
	}
}

// TestLoadObserver: as the session's loader.Observer, the Tracer starts a
// load span under the caller's and ends it with the context it returned.
func TestLoadObserver(t *testing.T) {
	h := newHarness(t, tracing.Options{})
	pctx, parent := h.tp.Tracer("test").Start(context.Background(), "query")
	lctx := h.tr.LoadStart(pctx, loader.LoadStartData{Model: "Author", Relationship: "Books"})
	if lctx == pctx {
		t.Fatal("LoadStart kept nothing in the context")
	}
	h.tr.LoadEnd(lctx, loader.LoadEndData{Model: "Author", Relationship: "Books", Rows: 2, Err: errors.New("boom")})
	parent.End()
	s := find(t, h.spans.GetSpans(), "athanor.load Author.Books")
	a := attrs(s)
	if s.Parent.SpanID() != parent.SpanContext().SpanID() || a["athanor.load.rows"].AsInt64() != 2 ||
		a["athanor.load.model"].AsString() != "Author" || a["athanor.load.relationship"].AsString() != "Books" || s.Status.Code != codes.Error {
		t.Errorf("load span: parent %v, attrs %v, status %v", s.Parent.SpanID(), a, s.Status)
	}
}
