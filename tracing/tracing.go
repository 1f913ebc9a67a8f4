package tracing

import (
	"context"
	"log/slog"
	"net"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// ScopeName is the instrumentation scope of Athanor's tracer and meter.
const ScopeName = "github.com/athanor-orm/athanor/tracing"

// Options configure a Tracer. The zero value traces through the global
// OpenTelemetry providers and logs nothing.
type Options struct {
	// TracerProvider makes the spans. Nil: otel.GetTracerProvider(),
	// looked up again whenever the global provider changes. While the
	// provider is a no-op (the global default, or trace/noop) no span is
	// started and the hooks return at once.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the instruments. Nil: otel.GetMeterProvider().
	MeterProvider metric.MeterProvider

	// Logger receives slow-statement records (and nothing else). Nil: no
	// logging.
	Logger *slog.Logger
	// SlowThreshold is the duration from which a statement is logged at
	// Warn level. Zero or negative: no slow-statement log.
	SlowThreshold time.Duration
	// LogValues adds the bound values of a slow statement, and the
	// server's error message of a failed one, to its log record. Off by
	// default: values (and messages that may echo them) never leave the
	// process unless this is set. Spans and metrics never carry values,
	// whatever this says.
	LogValues bool

	// OmitQueryText leaves db.query.text off the spans. The text is the
	// parameterised SQL and holds no bound value; set this when raw SQL
	// fragments (core.Raw) may carry literals of their own.
	OmitQueryText bool
}

// Tracer turns engine, router and session events into spans, metrics and
// log records. One Tracer serves any number of engines and routers; it is
// safe for concurrent use.
//
// It implements engine.QueryHook, engine.PoolHook, engine.TxHook,
// engine.BatchHook (set it as engine.Config.Hook, or better call
// Instrument, which adds a hook that also knows the endpoint's address),
// router.Observer (set it as router.Config.Observer), session.Observer
// (set it as session.Options.Observer) and loader.Observer (the session
// hands it its relationship loads).
type Tracer struct {
	opts Options

	// fixed is the tracer when Options.TracerProvider was given; otherwise
	// global follows otel.GetTracerProvider().
	fixed  *tracerState
	global atomic.Pointer[tracerState]

	meter metric.Meter
	inst  instruments

	namesMu sync.RWMutex
	names   map[nameKey]string // span names by operation and table; guarded by namesMu

	bare endpoint // the hook used when the Tracer itself is Config.Hook
}

// tracerState is a trace.Tracer and whether it can record at all.
type tracerState struct {
	tp trace.TracerProvider
	tr trace.Tracer
	on bool
}

// New returns a Tracer. It fails only when the meter provider refuses to
// create an instrument.
//
//	tr, err := tracing.New(tracing.Options{Logger: slog.Default(), SlowThreshold: 200 * time.Millisecond})
func New(opts Options) (*Tracer, error) {
	t := &Tracer{opts: opts, names: map[nameKey]string{}}
	t.bare.t = t
	if opts.TracerProvider != nil {
		t.fixed = newTracerState(opts.TracerProvider)
	}
	mp := opts.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t.meter = mp.Meter(ScopeName)
	if err := t.inst.init(t.meter); err != nil {
		return nil, err
	}
	return t, nil
}

func newTracerState(tp trace.TracerProvider) *tracerState {
	return &tracerState{tp: tp, tr: tp.Tracer(ScopeName), on: !isNoopProvider(tp)}
}

// isNoopProvider reports whether tp can never record a span: the
// trace/noop provider, or the global default before
// otel.SetTracerProvider (an unexported type; matched by name).
func isNoopProvider(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		return true
	}
	return reflect.TypeOf(tp).String() == "*global.tracerProvider"
}

// tracer returns the current tracer and whether it can record. It does
// not allocate unless the global provider changed since the last call.
func (t *Tracer) tracer() *tracerState {
	if t.fixed != nil {
		return t.fixed
	}
	tp := otel.GetTracerProvider()
	st := t.global.Load()
	if st == nil || !sameProvider(st.tp, tp) {
		st = newTracerState(tp)
		t.global.Store(st)
	}
	return st
}

func sameProvider(a, b trace.TracerProvider) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb {
		return false
	}
	if !ta.Comparable() {
		return false
	}
	return a == b
}

// Instrument adds to cfg.Hook (through engine.MultiHook) a hook of t
// bound to cfg's endpoint, so
// that statement spans carry db.system.name, server.address, server.port
// and db.namespace, and pool metrics carry the pool's name. Call it after
// engine.ParseConfig and before engine.OpenConfig:
//
//	cfg, _ := engine.ParseConfig(dsn)
//	tr.Instrument(cfg)
//	db, _ := engine.OpenConfig(ctx, cfg)
//
// Nothing of the password is read.
func (t *Tracer) Instrument(cfg *engine.Config) {
	if cfg == nil {
		return
	}
	cfg.Hook = engine.MultiHook(cfg.Hook, t.endpointFor(cfg))
}

// Hook returns the hook Instrument would add, for callers that assemble
// engine.Config.Hook themselves. It implements every engine hook
// interface.
func (t *Tracer) Hook(cfg *engine.Config) engine.QueryHook { return t.endpointFor(cfg) }

func (t *Tracer) endpointFor(cfg *engine.Config) *endpoint {
	if cfg == nil {
		return &endpoint{t: t}
	}
	e := &endpoint{t: t}
	// A server endpoint (SQLite has a file, no server).
	if ep := cfg.Endpoint(); ep.Host != "" {
		e.host, e.port, e.namespace = ep.Host, ep.Port, ep.Database
	}
	if e.host != "" && e.port != 0 {
		// The router names a node host:port unless told otherwise; the
		// same name lets a routing decision find this endpoint's span.
		e.node = net.JoinHostPort(e.host, strconv.Itoa(e.port))
	}
	e.poolName = e.node
	if e.namespace != "" {
		e.poolName += "/" + e.namespace
	}
	e.learn(cfg.Dialect, string(cfg.Driver))
	return e
}

// learn records the endpoint's dialect (nil: not known yet) and the
// attributes every span and metric of it carries.
func (e *endpoint) learn(d core.Dialect, driver string) {
	f := &facts{dialect: d, system: systemName(d, driver)}
	if f.system != "" {
		f.attrs = append(f.attrs, keySystem.String(f.system))
	}
	if e.namespace != "" {
		f.attrs = append(f.attrs, keyNamespace.String(e.namespace))
	}
	if e.host != "" {
		f.attrs = append(f.attrs, keyServerAddress.String(e.host))
	}
	if e.port != 0 {
		f.attrs = append(f.attrs, keyServerPort.Int(e.port))
	}
	e.known.Store(f)
}

// Opened implements engine.OpenHook: a Config that left the dialect to
// Open (a mysql:// DSN, which may reach MariaDB or MySQL) gets its
// db.system.name from the server's answer.
func (e *endpoint) Opened(d engine.OpenedData) {
	if d.Dialect == nil {
		return
	}
	if f := e.facts(); f.dialect == nil || f.dialect.Name() != d.Dialect.Name() {
		e.learn(d.Dialect, "")
	}
}

// otelSystems spells dialect names as OpenTelemetry's db.system.name
// values where they differ.
var otelSystems = map[string]string{"postgres": "postgresql"}

// systemName is the db.system.name of dialect d: its name, which tells
// MariaDB from MySQL (a wrapping dialect's too), or, when the dialect is
// not known yet (chosen by Open from the server's version, see Opened),
// the driver family's.
func systemName(d core.Dialect, driver string) string {
	name := driver
	if d != nil {
		name = d.Name()
	}
	if s, ok := otelSystems[name]; ok {
		return s
	}
	return name
}

// endpoint is the hook of one engine: the Tracer plus what it knows of the
// endpoint. The zero endpoint (Tracer.bare) knows nothing of it.
type endpoint struct {
	t         *Tracer
	host      string
	port      int
	namespace string
	node      string // host:port, as the router names it
	poolName  string
	known     atomic.Pointer[facts] // nil: nothing known (Tracer.bare)
}

// facts is what an endpoint knows of its server's kind, replaced as a
// whole when Open tells the dialect (see Opened).
type facts struct {
	system  string
	dialect core.Dialect         // for Options.LogValues; nil: not known before Open
	attrs   []attribute.KeyValue // system, namespace, address, port
}

var noFacts facts

// facts returns what e knows; never nil.
func (e *endpoint) facts() *facts {
	if f := e.known.Load(); f != nil {
		return f
	}
	return &noFacts
}

// Hooks of the bare Tracer delegate to its endpoint-less hook.

// QueryStart implements engine.QueryHook.
func (t *Tracer) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	return t.bare.QueryStart(ctx, d)
}

// QueryEnd implements engine.QueryHook.
func (t *Tracer) QueryEnd(ctx context.Context, d engine.QueryEndData) { t.bare.QueryEnd(ctx, d) }

// TxBegin implements engine.TxHook.
func (t *Tracer) TxBegin(ctx context.Context, d engine.TxBeginData) context.Context {
	return t.bare.TxBegin(ctx, d)
}

// TxEnd implements engine.TxHook.
func (t *Tracer) TxEnd(ctx context.Context, d engine.TxEndData) { t.bare.TxEnd(ctx, d) }

// BatchStart implements engine.BatchHook.
func (t *Tracer) BatchStart(ctx context.Context, d engine.BatchStartData) context.Context {
	return t.bare.BatchStart(ctx, d)
}

// BatchEnd implements engine.BatchHook.
func (t *Tracer) BatchEnd(ctx context.Context, d engine.BatchEndData) { t.bare.BatchEnd(ctx, d) }

// AcquireStart implements engine.PoolHook.
func (t *Tracer) AcquireStart(ctx context.Context, d engine.AcquireStartData) context.Context {
	return t.bare.AcquireStart(ctx, d)
}

// AcquireEnd implements engine.PoolHook.
func (t *Tracer) AcquireEnd(ctx context.Context, d engine.AcquireEndData) { t.bare.AcquireEnd(ctx, d) }

// Released implements engine.PoolHook.
func (t *Tracer) Released(d engine.ReleaseData) { t.bare.Released(d) }

var (
	_ engine.QueryHook = (*Tracer)(nil)
	_ engine.PoolHook  = (*Tracer)(nil)
	_ engine.TxHook    = (*Tracer)(nil)
	_ engine.BatchHook = (*Tracer)(nil)
	_ router.Observer  = (*Tracer)(nil)
	_ session.Observer = (*Tracer)(nil)
	_ loader.Observer  = (*Tracer)(nil)
	_ engine.QueryHook = (*endpoint)(nil)
	_ engine.PoolHook  = (*endpoint)(nil)
	_ engine.TxHook    = (*endpoint)(nil)
	_ engine.BatchHook = (*endpoint)(nil)
)
