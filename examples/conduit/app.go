package main

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"  // mysql://, mariadb://
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"    // postgres://
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite:// (the default)
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/migrate"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
	"github.com/athanor-orm/athanor/session/httpsession"
	"github.com/athanor-orm/athanor/tracing"

	"github.com/athanor-orm/athanor/examples/conduit/internal/obs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Config configures an App. Only DB is needed; the zero values of the
// others are production defaults.
type Config struct {
	// DB is the primary's DSN: sqlite:///path/conduit.db,
	// postgres://…, mysql://… (MariaDB).
	DB string
	// Replicas are the replicas' DSNs; reads go to them through the
	// router, with the client's causal token (a cookie) so a client
	// reads its own writes.
	Replicas []string
	// JWTSecret signs the API tokens (HS256); empty: a random secret,
	// so tokens do not survive a restart.
	JWTSecret []byte
	// TokenTTL is the lifetime of an API token; default 72h.
	TokenTTL time.Duration
	// BcryptCost is the password hashing cost; default
	// bcrypt.DefaultCost. Tests lower it.
	BcryptCost int
	// RouterConfig, if set, adjusts the router's configuration before
	// the router is built (policy, observer, CausalWait, …).
	RouterConfig func(*router.Config)
	// Hook, if set, is the engine hook of every node (statements,
	// transactions, pool events): tracing and statement counts plug in
	// here.
	Hook engine.QueryHook
	// Strict runs every request's session in strict mode: a relationship
	// load that no query planned fails (see session.Options.Strict).
	Strict bool
	// Middleware wrap the whole handler, the first outermost: where
	// telemetry (traces, metrics, logs) plugs in.
	Middleware []func(http.Handler) http.Handler
	// Logger receives errors; default slog.Default().
	Logger *slog.Logger
	// Tracer, if set, traces every node's statements and the router's
	// decisions (spans nest under the request's span from obs.HTTP).
	Tracer *tracing.Tracer
	// RequestLogger, if set, gets one record per request (method, route,
	// status, duration, trace id).
	RequestLogger *slog.Logger
	// Metrics, if set, is where the app's Prometheus metrics go; nil: a
	// registry of its own. Either way they are served on /metrics.
	Metrics *obs.Metrics
}

// App is the Conduit API over one database (and its replicas).
type App struct {
	cfg     Config
	reg     *mapper.Registry
	router  *router.Router
	handler http.Handler
	log     *slog.Logger
	tables  struct{ users, follows, favorites, tags *core.Table }
}

// newApp opens the databases, applies the migrations on the primary
// (waiting for the replicas to replay them) and builds the handler.
func newApp(ctx context.Context, cfg Config) (*App, error) {
	if cfg.DB == "" {
		return nil, errors.New("conduit: Config.DB is empty: give a DSN (sqlite:///path, postgres://…, mysql://…)")
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 72 * time.Hour
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	if len(cfg.JWTSecret) == 0 {
		cfg.JWTSecret = make([]byte, 32)
		rand.Read(cfg.JWTSecret)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = obs.NewMetrics()
	}
	reg, err := newRegistry()
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, reg: reg, log: cfg.Logger}
	for _, t := range []struct {
		dst **core.Table
		get func(*mapper.Registry) (*core.Table, error)
	}{
		{&a.tables.users, mapper.TableOf[User]}, {&a.tables.follows, mapper.TableOf[Follow]},
		{&a.tables.favorites, mapper.TableOf[Favorite]}, {&a.tables.tags, mapper.TableOf[Tag]},
	} {
		if *t.dst, err = t.get(reg); err != nil {
			return nil, fmt.Errorf("conduit: %w", err)
		}
	}
	if a.router, err = openRouter(ctx, cfg, reg); err != nil {
		return nil, err
	}
	if err := a.migrate(ctx); err != nil {
		a.router.Close()
		return nil, err
	}
	a.handler = a.wrap(a.routes())
	return a, nil
}

// openRouter opens the primary and the replicas and puts them behind a
// router (a single node too: the handlers have one executor type, and
// the lead's health page reads the router's nodes).
func openRouter(ctx context.Context, cfg Config, reg *mapper.Registry) (*router.Router, error) {
	open := func(dsn string) (*engine.DB, error) {
		ec, err := engine.ParseConfig(dsn)
		if err != nil {
			return nil, fmt.Errorf("conduit: database DSN: %w", err)
		}
		ec.Hook = cfg.Hook
		if cfg.Tracer != nil {
			cfg.Tracer.Instrument(ec)
		}
		db, err := engine.OpenConfig(ctx, ec)
		if err != nil {
			return nil, fmt.Errorf("conduit: open %s: %w", ec, err)
		}
		return db, nil
	}
	primary, err := open(cfg.DB)
	if err != nil {
		return nil, err
	}
	g := router.GroupConfig{Name: router.DefaultGroup, Primary: primary}
	closeAll := func() {
		primary.Close()
		for _, r := range g.Replicas {
			r.Close()
		}
	}
	for _, dsn := range cfg.Replicas {
		r, err := open(dsn)
		if err != nil {
			closeAll()
			return nil, err
		}
		g.Replicas = append(g.Replicas, r)
	}
	rc := router.Config{Groups: []router.GroupConfig{g}, Binds: reg.Binds(), Observer: cfg.Metrics}
	if cfg.Tracer != nil {
		rc.Observer = router.MultiObserver(cfg.Tracer, cfg.Metrics)
	}
	if cfg.RouterConfig != nil {
		cfg.RouterConfig(&rc)
	}
	rt, err := router.New(rc)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("conduit: router: %w", err)
	}
	cfg.Metrics.WatchRouter(rt)
	return rt, nil
}

// migrate applies the embedded migrations on the primary; through the
// router the run waits until the replicas have replayed them.
func (a *App) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return err
	}
	m, err := migrate.New(a.router, migrate.Config{FS: sub, Table: "conduit_migrations"})
	if err != nil {
		return fmt.Errorf("conduit: migrations: %w", err)
	}
	if _, err := m.Up(ctx); err != nil {
		return fmt.Errorf("conduit: migrations: %w", err)
	}
	return nil
}

// wrap is the one place the handler is wrapped: the request-scoped
// session inside, then Config.Middleware (telemetry) outside it.
func (a *App) wrap(api *http.ServeMux) http.Handler {
	scoped := httpsession.Middleware(a.router, httpsession.Options{
		Session: session.Options{Registry: a.reg, Strict: a.cfg.Strict},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.log.ErrorContext(r.Context(), "commit failed", "method", r.Method, "path", r.URL.Path, "err", err)
			writeJSON(w, http.StatusInternalServerError, errorBody("internal error"))
		},
		OnError: func(r *http.Request, err error) {
			a.log.WarnContext(r.Context(), "request session", "method", r.Method, "path", r.URL.Path, "err", err)
		},
	})
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", obs.Health(a.router))
	mux.Handle("GET /metrics", a.cfg.Metrics.Handler())
	mux.Handle("/api/", scoped(api))
	// The request's span, metrics and log are outside the session, so
	// they cover its commit; the route is the API pattern that matched
	// (bounded, so it can label metrics).
	var h http.Handler = obs.HTTP(mux, obs.HTTPOptions{
		Metrics: a.cfg.Metrics,
		Logger:  a.cfg.RequestLogger,
		Route: func(r *http.Request) string {
			_, p := mux.Handler(r)
			if p == "/api/" {
				_, p = api.Handler(r)
			}
			if _, path, ok := strings.Cut(p, " "); ok {
				return path
			}
			return p
		},
	})
	for i := len(a.cfg.Middleware) - 1; i >= 0; i-- {
		h = a.cfg.Middleware[i](h)
	}
	return h
}

// Handler is the app's HTTP handler: the API under /api, /healthz (every
// database node's state, lag and pool) and /metrics (Prometheus).
func (a *App) Handler() http.Handler { return a.handler }

// Router is the router behind the app (for health and metrics).
func (a *App) Router() *router.Router { return a.router }

// Close closes the databases.
func (a *App) Close(ctx context.Context) error {
	return a.router.Close()
}
