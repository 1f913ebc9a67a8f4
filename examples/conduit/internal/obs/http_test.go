package obs_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

// spanAttr returns the value of a span's attribute k.
func spanAttr(s sdktrace.ReadOnlySpan, k string) (attribute.Value, bool) {
	for _, a := range s.Attributes() {
		if string(a.Key) == k {
			return a.Value, true
		}
	}
	return attribute.Value{}, false
}

// logRecords parses the JSON lines of a log buffer.
func logRecords(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestHTTPMiddleware(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer tp.Shutdown(t.Context())
	m := obs.NewMetrics()
	var logs bytes.Buffer

	// handlerSpan is the span context each handler saw in its request.
	var handlerSpan trace.SpanContext
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/articles/{slug}", func(w http.ResponseWriter, r *http.Request) {
		handlerSpan = trace.SpanContextFromContext(r.Context())
		io.WriteString(w, `{"article":{}}`)
	})
	mux.HandleFunc("POST /api/articles", func(w http.ResponseWriter, r *http.Request) {
		handlerSpan = trace.SpanContextFromContext(r.Context())
		w.WriteHeader(http.StatusUnprocessableEntity)
	})
	mux.HandleFunc("GET /api/boom", func(w http.ResponseWriter, r *http.Request) {
		handlerSpan = trace.SpanContextFromContext(r.Context())
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /api/panic", func(w http.ResponseWriter, r *http.Request) {
		handlerSpan = trace.SpanContextFromContext(r.Context())
		panic("handler bug")
	})
	h := obs.HTTP(mux, obs.HTTPOptions{Metrics: m, Logger: obs.Logger(&logs), TracerProvider: tp,
		Propagator: propagation.TraceContext{}})

	const parentTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	for _, tc := range []struct {
		method, path string
		traceparent  string
		wantStatus   int
		wantName     string
		wantRoute    string // label; "" means no http.route attribute
		wantError    bool
		wantPanic    bool
	}{
		{"GET", "/api/articles/how-to", "00-" + parentTrace + "-00f067aa0ba902b7-01", 200, "GET /api/articles/{slug}", "/api/articles/{slug}", false, false},
		{"GET", "/api/articles/other", "", 200, "GET /api/articles/{slug}", "/api/articles/{slug}", false, false},
		{"POST", "/api/articles", "", 422, "POST /api/articles", "/api/articles", false, false},
		{"GET", "/api/boom", "", 500, "GET /api/boom", "/api/boom", true, false},
		{"GET", "/api/panic", "", 500, "GET /api/panic", "/api/panic", true, true},
		{"GET", "/nowhere", "", 404, "GET", "", false, false},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec.Reset()
			logs.Reset()
			handlerSpan = trace.SpanContext{}
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.traceparent != "" {
				req.Header.Set("traceparent", tc.traceparent)
			}
			w := httptest.NewRecorder()
			func() {
				defer func() {
					if p := recover(); (p != nil) != tc.wantPanic {
						t.Fatalf("panic = %v, want a panic: %v", p, tc.wantPanic)
					}
				}()
				h.ServeHTTP(w, req)
			}()
			if !tc.wantPanic && w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tc.wantStatus)
			}

			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans ended, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != tc.wantName || s.SpanKind() != trace.SpanKindServer {
				t.Fatalf("span %q kind %v, want %q server", s.Name(), s.SpanKind(), tc.wantName)
			}
			if tc.wantRoute != "" && handlerSpan.SpanID() != s.SpanContext().SpanID() {
				t.Fatalf("the handler's context holds span %s, not the server span %s", handlerSpan.SpanID(), s.SpanContext().SpanID())
			}
			if tc.traceparent != "" {
				if s.SpanContext().TraceID().String() != parentTrace || s.Parent().SpanID().String() != "00f067aa0ba902b7" || !s.Parent().IsRemote() {
					t.Fatalf("span not continued from traceparent: trace %s parent %s", s.SpanContext().TraceID(), s.Parent().SpanID())
				}
			} else if s.Parent().IsValid() {
				t.Fatalf("span has parent %v without a traceparent", s.Parent())
			}
			if v, _ := spanAttr(s, "http.response.status_code"); v.AsInt64() != int64(tc.wantStatus) {
				t.Fatalf("http.response.status_code = %v, want %d", v.Emit(), tc.wantStatus)
			}
			if v, ok := spanAttr(s, "http.route"); (tc.wantRoute == "" && ok) || (tc.wantRoute != "" && v.AsString() != tc.wantRoute) {
				t.Fatalf("http.route = %q (set: %v), want %q", v.AsString(), ok, tc.wantRoute)
			}
			if (s.Status().Code == codes.Error) != tc.wantError {
				t.Fatalf("span status %v, want error: %v", s.Status(), tc.wantError)
			}

			route := tc.wantRoute
			if route == "" {
				route = "unmatched"
			}
			labels := map[string]string{"method": tc.method, "route": route, "status": itoa(tc.wantStatus)}
			if n := value(t, m, "http_server_request_duration_seconds", labels); n < 1 {
				t.Fatalf("duration histogram count %v", n)
			}
			if v := value(t, m, "http_server_requests_in_flight", nil); v != 0 {
				t.Fatalf("in flight after the request: %v", v)
			}

			recs := logRecords(t, &logs)
			if len(recs) != 1 {
				t.Fatalf("%d log records, want 1: %s", len(recs), logs.String())
			}
			l := recs[0]
			wantLevel := "INFO"
			if tc.wantStatus >= 500 {
				wantLevel = "ERROR"
			}
			if l["msg"] != "request" || l["level"] != wantLevel || l["status"] != float64(tc.wantStatus) ||
				l["route"] != route || l["path"] != tc.path || l["method"] != tc.method ||
				l["trace_id"] != s.SpanContext().TraceID().String() || l["span_id"] != s.SpanContext().SpanID().String() {
				t.Fatalf("log record %v does not match the request (span %s/%s)", l, s.SpanContext().TraceID(), s.SpanContext().SpanID())
			}
		})
	}
	// Two requests on one route are one series.
	if n := value(t, m, "http_server_requests_total", map[string]string{"method": "GET", "route": "/api/articles/{slug}", "status": "200"}); n != 2 {
		t.Fatalf("GET /api/articles/{slug} 200 counted %v times, want 2", n)
	}
	text := scrape(t, m)
	for _, want := range []string{
		`http_server_requests_total{method="POST",route="/api/articles",status="422"} 1`,
		`http_server_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`http_server_request_duration_seconds_bucket{method="GET",route="/api/boom",status="500",le="+Inf"} 1`,
		"go_goroutines ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestHTTPRouteOption(t *testing.T) {
	m := obs.NewMetrics()
	h := obs.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}),
		obs.HTTPOptions{Metrics: m, Route: func(r *http.Request) string { return "/custom" }})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/pot", nil))
	// An unknown method is one label value, not one per client's choice.
	if n := value(t, m, "http_server_requests_total", map[string]string{"method": "_OTHER", "route": "/custom", "status": "200"}); n != 1 {
		t.Fatalf("counted %v", n)
	}
}

func TestPatternRoute(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/articles/{slug}": "/api/articles/{slug}",
		"/api/tags":                "/api/tags",
		"example.com/x":            "example.com/x",
		"":                         "unmatched",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Pattern = pattern
		if got := obs.PatternRoute(r); got != want {
			t.Errorf("PatternRoute(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// The recorder must not hide the writer's optional interfaces.
func TestHTTPFlush(t *testing.T) {
	h := obs.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "part")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the middleware: %v", err)
		}
	}), obs.HTTPOptions{})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !w.Flushed {
		t.Fatal("not flushed")
	}
}
