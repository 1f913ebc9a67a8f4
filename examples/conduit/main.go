// Command conduit is a RealWorld ("Conduit") API backend built on
// Athanor: the API of the RealWorld OpenAPI spec under /api, on embedded
// SQLite with no setup, or on PostgreSQL or MariaDB with replicas.
//
//	go run .                                   # SQLite in ./conduit.db, on :8080
//	go run . -addr :9000 -db postgres://app@db1/conduit -replicas postgres://app@db2/conduit,postgres://app@db3/conduit
//
// Flags fall back to the environment: CONDUIT_ADDR, CONDUIT_DB,
// CONDUIT_REPLICAS (comma-separated), CONDUIT_JWT_SECRET.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/tracing"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

func main() {
	log := obs.Logger(os.Stderr) // JSON, with the trace id of the request
	if err := run(log, os.Args[1:]); err != nil {
		log.Error("conduit", "err", err)
		os.Exit(1)
	}
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// splitList splits a comma-separated list, dropping empty entries.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func run(log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("conduit", flag.ContinueOnError)
	addr := fs.String("addr", getenv("CONDUIT_ADDR", ":8080"), "listen address")
	dsn := fs.String("db", getenv("CONDUIT_DB", ""), "primary DSN (postgres://…, mysql://…, sqlite:///path); default: SQLite in ./conduit.db")
	replicas := fs.String("replicas", getenv("CONDUIT_REPLICAS", ""), "comma-separated replica DSNs")
	primaryReads := fs.Bool("primary-reads", getenv("CONDUIT_PRIMARY_READS", "") != "", "with replicas, let the primary take a share of the reads when it has room (router.Config.PrimaryReads)")
	traces := fs.Bool("traces", getenv("CONDUIT_TRACES", "true") == "true", "print trace spans to stdout when no OTLP endpoint is set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		path, err := filepath.Abs("conduit.db")
		if err != nil {
			return err
		}
		*dsn = "sqlite://" + path
	}
	secret := os.Getenv("CONDUIT_JWT_SECRET")
	if secret == "" {
		log.Warn("CONDUIT_JWT_SECRET is unset: tokens are signed with a random secret and end with this process")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Traces: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else stdout
	// (or nowhere with -traces=false).
	var out io.Writer = io.Discard
	if *traces {
		out = os.Stdout
	}
	shutdownTraces, err := obs.Setup(ctx, obs.Options{ServiceName: "conduit", Out: out})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTraces(sctx); err != nil {
			log.Warn("flushing traces", "err", err)
		}
	}()
	tr, err := tracing.New(tracing.Options{Logger: log, SlowThreshold: 200 * time.Millisecond})
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	app, err := newApp(startCtx, Config{
		DB: *dsn, Replicas: splitList(*replicas), JWTSecret: []byte(secret),
		Logger: log, RequestLogger: log, Tracer: tr,
		RouterConfig: func(rc *router.Config) { rc.PrimaryReads = *primaryReads },
	})
	cancel()
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: *addr, Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", *addr, "replicas", len(splitList(*replicas)))

	select {
	case err = <-errc: // could not listen
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = srv.Shutdown(sctx) // in-flight requests finish, and their sessions commit
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cerr := app.Close(cctx); cerr != nil {
		err = errors.Join(err, fmt.Errorf("close databases: %w", cerr))
	}
	return err
}
