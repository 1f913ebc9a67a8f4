package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

// Setup changes the global provider and propagator: the test puts them back.
func TestSetupStdout(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	var out bytes.Buffer
	shutdown, err := obs.Setup(t.Context(), obs.Options{ServiceName: "conduit-test", Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	// The middleware with no provider of its own uses the global one, and
	// the global propagator continues the caller's trace with its baggage.
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("baggage", "tenant=acme")
	var sawBaggage string
	h := obs.HTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		carrier := propagation.HeaderCarrier{}
		otel.GetTextMapPropagator().Inject(r.Context(), carrier)
		sawBaggage = carrier.Get("baggage")
	}), obs.HTTPOptions{})
	h.ServeHTTP(httptest.NewRecorder(), req)
	if sawBaggage != "tenant=acme" {
		t.Fatalf("baggage in the handler's context = %q", sawBaggage)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var span struct {
		Name        string
		SpanContext struct{ TraceID string }
		Resource    []struct {
			Key   string
			Value struct{ Value any }
		}
	}
	if err := json.NewDecoder(&out).Decode(&span); err != nil {
		t.Fatalf("stdout exporter output %q: %v", out.String(), err)
	}
	if span.Name != "GET" || span.SpanContext.TraceID != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("exported span %q in trace %s", span.Name, span.SpanContext.TraceID)
	}
	service := ""
	for _, kv := range span.Resource {
		if kv.Key == "service.name" {
			service, _ = kv.Value.Value.(string)
		}
	}
	if service != "conduit-test" {
		t.Fatalf("service.name = %q; output %s", service, out.String())
	}
}

func TestSetupOTLPProtocol(t *testing.T) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })
	// The exporters connect lazily: nothing listens there, and no span
	// is made, so shutdown has nothing to send.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
	for _, tc := range []struct{ proto, wantErr string }{
		{"", ""},
		{"http/protobuf", ""},
		{"grpc", ""},
		{"http/json", `OTLP protocol "http/json"`},
	} {
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", tc.proto)
		var out bytes.Buffer
		shutdown, err := obs.Setup(t.Context(), obs.Options{Out: &out})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("protocol %q: err = %v, want %q", tc.proto, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("protocol %q: %v", tc.proto, err)
		}
		if err := shutdown(context.Background()); err != nil {
			t.Fatalf("protocol %q: shutdown: %v", tc.proto, err)
		}
		if out.Len() != 0 {
			t.Fatalf("protocol %q: the stdout exporter ran as well: %s", tc.proto, out.String())
		}
	}
}
