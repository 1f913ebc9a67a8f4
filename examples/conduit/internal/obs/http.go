package obs

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the HTTP server spans.
const ScopeName = "github.com/athanor-orm/athanor/examples/conduit/internal/obs"

// HTTPOptions configure HTTP. Every field is optional.
type HTTPOptions struct {
	// Metrics counts the requests and their durations. Nil: no metrics.
	Metrics *Metrics
	// Logger gets one record per request ("request", with method, route,
	// path, status, bytes, duration and, through TraceHandler, the trace
	// id): Info, or Error for a 5xx. Nil: no request log.
	Logger *slog.Logger
	// TracerProvider makes the server spans. Nil: the global provider
	// (see Setup), looked up per request.
	TracerProvider trace.TracerProvider
	// Propagator reads the caller's trace context from the request
	// headers. Nil: the global propagator (see Setup).
	Propagator propagation.TextMapPropagator
	// Route names the route of a request once it has been served; the
	// name must be of bounded variety, as it labels metrics. Nil: the
	// pattern http.ServeMux matched (Request.Pattern) without its method,
	// or "unmatched".
	Route func(*http.Request) string
}

// HTTP wraps next with a SERVER span per request, request metrics and a
// request log. The span is the parent of every span started with the
// request's context: Athanor's statement spans nest under it when the
// handler passes r.Context() on. Its name is "METHOD route" (OpenTelemetry
// HTTP conventions), known once next has routed the request; with the
// default Route, next should be (or lead to, without replacing the
// request) the http.ServeMux that matches it.
func HTTP(next http.Handler, o HTTPOptions) http.Handler {
	return &httpHandler{next: next, o: o}
}

type httpHandler struct {
	next http.Handler
	o    HTTPOptions
}

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	prop := h.o.Propagator
	if prop == nil {
		prop = otel.GetTextMapPropagator()
	}
	tp := h.o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	method := methodLabel(r.Method)
	ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := tp.Tracer(ScopeName).Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", method),
			attribute.String("url.path", r.URL.Path),
			attribute.String("url.scheme", scheme(r)),
			attribute.String("client.address", clientAddress(r)),
			attribute.String("user_agent.original", r.UserAgent()),
		))
	if h.o.Metrics != nil {
		h.o.Metrics.inFlight.Inc()
	}
	rec := &recorder{ResponseWriter: w}
	req := r.WithContext(ctx)
	defer func() {
		// Finish on a panic too, as a 500, and let it go on up.
		p := recover()
		if p != nil && rec.status == 0 {
			rec.status = http.StatusInternalServerError
		}
		h.finish(req, rec, span, start, method)
		if p != nil {
			panic(p)
		}
	}()
	h.next.ServeHTTP(rec, req)
}

func (h *httpHandler) finish(req *http.Request, rec *recorder, span trace.Span, start time.Time, method string) {
	elapsed := time.Since(start)
	status := rec.status
	if status == 0 {
		status = http.StatusOK // the handler wrote nothing
	}
	route := h.route(req)
	if route != "unmatched" {
		span.SetName(method + " " + route)
		span.SetAttributes(attribute.String("http.route", route))
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if status >= 500 {
		span.SetStatus(codes.Error, "")
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(status)))
	}
	span.End()
	if m := h.o.Metrics; m != nil {
		m.inFlight.Dec()
		code := strconv.Itoa(status)
		m.requests.WithLabelValues(method, route, code).Inc()
		m.duration.WithLabelValues(method, route, code).Observe(elapsed.Seconds())
	}
	if l := h.o.Logger; l != nil {
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		l.LogAttrs(req.Context(), level, "request",
			slog.String("method", req.Method),
			slog.String("route", route),
			slog.String("path", req.URL.Path),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		)
	}
}

func (h *httpHandler) route(r *http.Request) string {
	if h.o.Route != nil {
		if s := h.o.Route(r); s != "" {
			return s
		}
		return "unmatched"
	}
	return PatternRoute(r)
}

// PatternRoute is the default HTTPOptions.Route: the pattern the
// http.ServeMux matched, without its method ("/api/articles/{slug}" for
// "GET /api/articles/{slug}"), or "unmatched".
func PatternRoute(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = strings.TrimLeft(p[i+1:], " \t")
	}
	if p == "" {
		return "unmatched"
	}
	return p
}

// methodLabel bounds the method label: a client may send any token.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return m
	}
	return "_OTHER"
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func clientAddress(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// recorder notes the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers that assert http.Flusher flush.
func (w *recorder) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap gives http.ResponseController the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
