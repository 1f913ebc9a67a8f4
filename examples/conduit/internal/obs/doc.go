// Package obs is the Conduit server's observability: OpenTelemetry
// traces, Prometheus metrics, JSON logs that carry the trace id, and a
// health endpoint reporting each database node.
//
//   - Setup installs the OpenTelemetry SDK as the global TracerProvider
//     (stdout exporter by default, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT
//     is set) and the tracecontext and baggage propagators.
//   - HTTP wraps the handler (the http.ServeMux) with a SERVER span per
//     request named after the matched route pattern, request metrics and
//     a request log. Athanor's tracing.Tracer, given the same provider
//     (nil: the global one), starts each statement's span under the span
//     of the context it runs with, so statements run with r.Context()
//     nest under their request's span.
//   - Logger is a slog JSON logger that adds trace_id and span_id from the
//     context (TraceHandler wraps any other handler the same way).
//   - Metrics is a Prometheus registry of its own, served by its Handler:
//     HTTP metrics from HTTP; routing counters through its Routed method
//     (a router.Observer); and, read from the router at scrape time, each
//     node's pool, whether the router has it in service, and each
//     replica's lag (WatchRouter; WatchDB for a lone engine).
//   - Health serves each node's role, health, lag and pool as JSON, 200
//     while every primary answers a ping and 503 otherwise (HealthDB for
//     a lone engine).
//
// Wiring, for a router over a primary and its replicas:
//
//	shutdown, err := obs.Setup(ctx, obs.Options{ServiceName: "conduit"})
//	defer shutdown(context.Background())
//	log := obs.Logger(os.Stderr)
//	tr, _ := tracing.New(tracing.Options{Logger: log, SlowThreshold: 200 * time.Millisecond})
//	cfg, _ := engine.ParseConfig(dsn)
//	tr.Instrument(cfg) // the same for each replica's config
//	primary, _ := engine.OpenConfig(ctx, cfg)
//	m := obs.NewMetrics()
//	r, _ := router.New(router.Config{Groups: groups, Observer: router.MultiObserver(tr, m)})
//	m.WatchRouter(r)
//	mux := http.NewServeMux()
//	mux.Handle("GET /metrics", m.Handler())
//	mux.Handle("GET /healthz", obs.Health(r))
//	// … the API's routes …
//	srv := &http.Server{Handler: obs.HTTP(mux, obs.HTTPOptions{Metrics: m, Logger: log})}
//
// # Metrics
//
// HTTP: http_server_requests_total and
// http_server_request_duration_seconds (by method, route, status) and
// http_server_requests_in_flight. Routing:
// athanor_router_decisions_total (group, node, role, reason),
// athanor_router_reads_total (group, role: reads served by the primary
// against the replicas) and athanor_router_causal_wait_seconds (group,
// reason causal_wait or fallback). Per node (group, node, role):
// athanor_db_pool_connections (state idle, in_use, constructing),
// athanor_db_pool_max_connections, athanor_db_pool_acquires_total,
// athanor_db_pool_acquire_waits_total,
// athanor_db_pool_acquire_wait_seconds_total,
// athanor_db_pool_canceled_acquires_total,
// athanor_db_pool_destroyed_connections_total and, for routed nodes,
// athanor_router_node_up; per replica (group, node):
// athanor_router_replica_lag_seconds. The Go runtime and process
// collectors are registered too.
//
// Trace and log attributes never hold a request's body or query string;
// statement spans hold parameterised SQL only (see Athanor's tracing
// package).
package obs
