package obs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Options configure Setup.
type Options struct {
	// ServiceName is the service.name resource attribute; OTEL_SERVICE_NAME
	// overrides it. Default "conduit".
	ServiceName string
	// Out receives the spans, one JSON document each, when no OTLP
	// endpoint is configured. Nil: os.Stdout. io.Discard turns the
	// stdout exporter into a sink (spans are still made, so trace IDs
	// still reach the logs).
	Out io.Writer
}

// Setup installs an OpenTelemetry SDK TracerProvider as the global
// provider, and the W3C tracecontext and baggage propagators as the
// global propagator. Spans go to an OTLP collector when
// OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set — over gRPC when OTEL_EXPORTER_OTLP_PROTOCOL (or
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) is "grpc", over HTTP/protobuf
// otherwise, the exporters reading the rest of their OTEL_EXPORTER_OTLP_*
// settings themselves — and to Options.Out as JSON when it is not. The
// SDK's own variables (OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, …)
// apply.
//
// Call shutdown before exiting: it flushes the spans still batched and
// stops the exporter. Athanor's tracing package, and HTTP with no
// TracerProvider of its own, use the global provider, so their spans go
// where Setup says.
func Setup(ctx context.Context, o Options) (shutdown func(context.Context) error, err error) {
	exp, err := exporter(ctx, o.Out)
	if err != nil {
		return nil, err
	}
	name := o.ServiceName
	if name == "" {
		name = "conduit"
	}
	// Later options override earlier ones: OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES win over Options.ServiceName.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(attribute.String("service.name", name)),
		resource.WithFromEnv(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("obs: trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// exporter chooses the span exporter from the environment.
func exporter(ctx context.Context, out io.Writer) (sdktrace.SpanExporter, error) {
	if os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		if out == nil {
			out = os.Stdout
		}
		exp, err := stdouttrace.New(stdouttrace.WithWriter(out))
		if err != nil {
			return nil, fmt.Errorf("obs: stdout trace exporter: %w", err)
		}
		return exp, nil
	}
	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch strings.ToLower(proto) {
	case "", "http/protobuf":
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("obs: OTLP/HTTP trace exporter: %w", err)
		}
		return exp, nil
	case "grpc":
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("obs: OTLP/gRPC trace exporter: %w", err)
		}
		return exp, nil
	}
	return nil, fmt.Errorf("obs: OTLP protocol %q: want grpc or http/protobuf", proto)
}
