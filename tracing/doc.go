// Package tracing owns Athanor's observability: OpenTelemetry spans and
// metrics, and slow-statement records for log/slog. It plugs into the
// layers below through the interfaces they define — engine.Config.Hook
// (statements, transactions, batches, pool), router.Config.Observer
// (routing decisions) and session.Options.Observer (flushes, and
// relationship loads through loader.Observer). Each start event returns a
// context that carries what the end event needs, so nothing is kept on
// the side. No other package imports tracing or OpenTelemetry: a program
// that does not use tracing links none of it. It does not own what is
// observed, and it uses only the OpenTelemetry API: the application
// chooses the SDK and exporters.
//
// # Smallest use
//
//	tr, err := tracing.New(tracing.Options{
//		TracerProvider: tp, // nil: the global provider
//		MeterProvider:  mp, // nil: the global provider
//		Logger:         slog.Default(),
//		SlowThreshold:  200 * time.Millisecond,
//	})
//	cfg, _ := engine.ParseConfig(dsn)
//	tr.Instrument(cfg) // statement, transaction, batch and pool events of this endpoint
//	primary, _ := engine.OpenConfig(ctx, cfg)
//	// … replicas the same way …
//	r, _ := router.New(router.Config{Groups: groups, Observer: tr})
//	tr.ObservePool("primary", primary)
//	tr.ObserveRouter(r)
//	s := session.New(session.Router(r), session.Options{Observer: tr})
//
// The Tracer itself may also be engine.Config.Hook (or one of an
// engine.MultiHook); Instrument is
// better, as its hook knows the endpoint (server.address, server.port,
// db.namespace, db.system.name) and the router's name for it. When the
// Config leaves the dialect to Open (a mysql:// DSN, which reaches MariaDB
// or MySQL), db.system.name is the one Open chose from the server's
// version (engine.OpenHook): mariadb for a MariaDB server.
//
// # Spans
//
// Each statement is a CLIENT span named "<operation> <table>" ("SELECT
// items", "INSERT orders") after the OpenTelemetry database semantic
// conventions, with db.system.name, db.namespace, db.operation.name,
// db.collection.name, db.query.text (the parameterised SQL: values are
// always bound parameters and never recorded), server.address,
// server.port, db.response.returned_rows (SELECT) or
// athanor.db.rows_affected, and on failure error.type (the error's kind,
// such as unique_violation, timeout or canceled),
// db.response.status_code (SQLSTATE or server error number) and an Error
// status whose description is the error type — never the server's
// message, which may quote a value.
//
// A statement the router routed also carries athanor.route.group,
// athanor.route.role (primary or replica), athanor.route.node,
// athanor.route.reason (router.Reason: replica, caught_up, causal_wait,
// fallback, write, …), athanor.route.replica_lag and
// athanor.route.causal_wait (seconds). The router reports its decision to
// its Observer (router.Config.Observer) and runs the statement with the
// context the Observer returned; the Tracer's context carries the
// decision, and the hook of the chosen node (matched by its host:port
// name) adds it to the first span it starts under that context.
//
// Transactions are spans named TRANSACTION (SAVEPOINT when nested) from
// BEGIN to COMMIT/ROLLBACK (athanor.tx.outcome), batches are BATCH spans
// (db.operation.batch.size, athanor.batch.pipelined), flushes are
// "athanor.flush" spans counting the rows written (athanor.flush.inserts,
// .updates, .deletes), and relationship loads of a session whose
// Observer is the Tracer are "athanor.load Model.Relationship" spans
// (athanor.load.model, .relationship, .rows). Every span is a child of the span in the
// caller's context; a flush's transaction and statements are children of
// the flush.
//
// # Metrics
//
// db.client.operation.duration (histogram, seconds, per operation, table,
// endpoint and error.type); db.client.connection.wait_time and .use_time
// (histograms, from the pool hook); with ObservePool,
// db.client.connection.count by state (idle, used),
// db.client.connection.max and the acquires that waited and their total
// wait; athanor.router.decisions (by group, role, node and reason),
// athanor.router.causal.fallbacks and athanor.router.causal.wait; with
// ObserveRouter, athanor.router.replica.lag and athanor.router.replica.up
// per replica.
//
// # Logs
//
// With Options.Logger and Options.SlowThreshold, a statement that takes at
// least the threshold is logged at Warn with its parameterised SQL,
// endpoint, route, duration, rows, error type and trace/span IDs. Its
// bound values, and the server's error message, are added only with
// Options.LogValues.
//
// # Cost
//
// With no recording tracer (no provider, or the global one before
// otel.SetTracerProvider), no enabled metric and no value logging, the
// statement hooks return their context untouched and allocate nothing:
// a traced ReadByPK costs the same allocations as an untraced one (see
// BenchmarkReadByPK). Passwords are never read: endpoint attributes come
// from the parsed configuration's host, port and database.
package tracing
