// Package pgxdriver plugs PostgreSQL into the engine through pgx/v5,
// without database/sql. Import it for its side effect, as with
// database/sql drivers:
//
//	import _ "github.com/athanor-orm/athanor/driver/pgxdriver"
//
// Then engine.Open and engine.ParseConfig accept postgres:// and
// postgresql:// URLs and libpq keyword/value strings, parsed by pgx (every
// libpq keyword and environment variable pgx knows applies), and
// engine.Config.Postgres holds a *pgx.ConnConfig. A program that does not
// import this package links no pgx.
//
// Each connection is a pgx.Conn, with pgx's statement cache and type map.
// Opening installs a context-watcher handler on a copy of the config: when
// a statement's context ends, the connection is marked broken, its
// blocked read fails at once, and a cancel request is sent to the server
// from a goroutine the DB owns (the connection is then destroyed, so a
// late cancel cannot hit the next statement). The session TimeZone is UTC
// unless RuntimeParams sets timezone, and RegisterTypes prepares each
// connection's type map for the time policy (see the engine package doc).
//
// Batches travel in one round trip (pipeline mode, a Sync after each
// statement), a transaction's BEGIN is sent with its first statement, and
// rows are scanned with per-result scan plans, kept per connection for
// struct scans.
//
// Classify maps pgx errors onto athanor's error kinds; the engine calls it
// on every error, so user code matches kinds with errors.Is and the pgx
// error with errors.As into a *pgconn.PgError.
//
// # PgBouncer
//
// Through PgBouncer in transaction pooling mode, each transaction (and each
// statement outside one) of a connection may run on another server
// connection, and PgBouncer 1.18 carries no prepared statement from one to
// the next. pgx's default exec mode (cache_statement) prepares a named
// statement once per connection and reuses it, so statements fail there;
// such a failure matches ErrNamedStatementLost, whose message names the
// fix. A pooler is not detected (the protocol does not show one):
// say so in the DSN with pgbouncer=true (PgBouncerParam; also in
// keyword/value form), which the server never sees:
//
//	db, err := engine.Open(ctx, "postgres://app@pgbouncer:6432/shop?pgbouncer=true")
//
// It makes pgx's default mode cache_describe: statement descriptions are
// still cached per connection (a new statement text costs one describe
// round trip, once), and every statement travels as one unnamed
// Parse/Bind/Describe/Execute/Sync that any server connection can run. A
// cached description whose statement's result columns changed (after DDL)
// fails that statement once, and pgx describes it again. An explicit
// default_query_exec_mode of exec or simple_protocol is kept; describe_exec,
// whose describe and execute may reach two server connections, is refused.
// Setting DefaultQueryExecMode to pgx.QueryExecModeCacheDescribe on
// Config.Postgres does the same.
//
// Batches keep their single round trip: their statements are unnamed, each
// followed by a Sync, and PgBouncer returns their results in order. A
// transaction holds one server
// connection from BEGIN to COMMIT, so everything inside one works:
// savepoints, SET LOCAL, pg_advisory_xact_lock (migrate's lock). Session
// state does not survive between transactions: SET outside a transaction,
// session advisory locks, LISTEN, temporary tables kept across
// transactions, prepared statements of the caller's own. The engine, the
// router and migrate use none of them outside a transaction; the session
// TimeZone (UTC) is a startup parameter that PgBouncer sets on every server
// connection it lends.
package pgxdriver

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/athanor-orm/athanor/core"
	pgdialect "github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/engine"
)

func init() { engine.Register(Runtime) }

// Runtime is the PostgreSQL runtime, registered with the engine on
// import; it may also be set as engine.Config.Runtime.
var Runtime engine.Runtime = runtime{}

type runtime struct{}

func (runtime) Driver() engine.Driver { return engine.Postgres }

// Configure parses d.Raw with pgx.ParseConfig. The pool parameters are
// unknown to pgx, which keeps them as runtime parameters: they are handed
// back to the engine in d.Query.
func (runtime) Configure(c *engine.Config, d *engine.DSN) error {
	pc, err := pgx.ParseConfig(d.Raw)
	if err != nil {
		return parseError(err)
	}
	if err := applyPgBouncer(pc); err != nil {
		return err
	}
	for name, v := range pc.RuntimeParams {
		if engine.IsPoolParam(name) {
			if d.Query == nil {
				d.Query = map[string][]string{}
			}
			d.Query[name] = []string{v}
			delete(pc.RuntimeParams, name)
		}
	}
	c.Postgres = pc
	return nil
}

// config returns c's *pgx.ConnConfig.
func config(c *engine.Config) (*pgx.ConnConfig, error) {
	pc, ok := c.Postgres.(*pgx.ConnConfig)
	if !ok || pc == nil {
		if c.Postgres == nil {
			return nil, errors.New("postgres config is missing (use ParseConfig)")
		}
		return nil, fmt.Errorf("postgres config is a %T, want *pgx.ConnConfig", c.Postgres)
	}
	return pc, nil
}

func (runtime) Endpoint(c *engine.Config) engine.Endpoint {
	pc, err := config(c)
	if err != nil {
		return engine.Endpoint{}
	}
	return engine.Endpoint{Host: pc.Host, Port: int(pc.Port), User: pc.User, Database: pc.Database}
}

func (runtime) Classify(err error) error { return Classify(err) }

func (runtime) ServerError(err error) (int, bool) {
	var pgErr *pgconn.PgError
	return 0, errors.As(err, &pgErr)
}

// NotSent reports what pgx knows was not sent (pgconn.SafeToRetry).
func (runtime) NotSent(err error) bool { return pgconn.SafeToRetry(err) }

// Interrupted reports query_canceled (57014), also a statement_timeout.
func (runtime) Interrupted(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "57014"
}

func (runtime) Capabilities() engine.Capabilities {
	return engine.Capabilities{Pipeline: true, DeferBegin: true}
}

func (runtime) BeginSQL(opts engine.TxOptions) ([]string, error) {
	if opts.ForeignKeysOff {
		return nil, fmt.Errorf("TxOptions.ForeignKeysOff: %w on PostgreSQL (no per-transaction switch without superuser)", core.ErrUnsupported)
	}
	s := "BEGIN"
	if l := opts.Isolation; l != engine.IsolationDefault && l.String() != engine.IsolationDefault.String() {
		s += " ISOLATION LEVEL " + l.String()
	}
	if opts.ReadOnly {
		s += " READ ONLY"
	}
	return []string{s}, nil
}

func (runtime) EndSQL(engine.TxOptions) []string { return nil }

func (runtime) Open(c *engine.Config, h engine.Host) (engine.Connector, error) {
	pc, err := config(c)
	if err != nil {
		return nil, err
	}
	return &connector{cfg: pc, db: h}, nil
}

// connector opens the pgx connections of one DB.
type connector struct {
	cfg *pgx.ConnConfig
	db  engine.Host
}

// Connect opens one PostgreSQL connection for the pool.
func (k *connector) Connect(ctx context.Context, h engine.Host) (engine.Conn, error) {
	cfg := k.cfg.Copy()
	// Replace pgx's handler: on cancel, mark the connection tainted, make
	// blocked reads fail at once, and ask the server to cancel the query
	// (on a side connection, in a goroutine the DB owns). The connection
	// is destroyed on release, so a late cancel request cannot hit the
	// next query.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &cancelHandler{h: h, conn: c}
	}
	// The session's TimeZone is UTC unless the DSN (or PGTZ) names one, so
	// that now()::timestamp, LOCALTIMESTAMP and the text of a TIMESTAMPTZ
	// agree with the UTC wall clocks Athanor writes. It is a startup
	// parameter: no round trip.
	if _, ok := cfg.RuntimeParams["timezone"]; !ok {
		if cfg.RuntimeParams == nil {
			cfg.RuntimeParams = map[string]string{}
		}
		cfg.RuntimeParams["timezone"] = "UTC"
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The time policy (see the engine package doc): times are sent to
	// TIMESTAMP and DATE as UTC, and scanned in UTC whatever the
	// machine's zone.
	p := &pgConn{c: c, h: h, untyped: untypedParams(cfg.DefaultQueryExecMode)}
	registerTypes(c.TypeMap(), &p.bufs)
	return p, nil
}

func (k *connector) Dialect(context.Context, engine.Conn) (core.Dialect, error) {
	return pgdialect.Dialect, nil
}

func (k *connector) Close() error { return nil }

// parseError rewrites a pgx parse error without the connection string:
// pgx masks passwords only on a best-effort basis, and its inner errors may
// quote pieces of a malformed string, so quoted text is dropped too. The
// pgx error is not wrapped, since its text may show the password.
func parseError(err error) error {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return errors.New("engine: parse postgres dsn: invalid connection string")
	}
	bare := *pe
	bare.ConnString = ""
	msg := strings.TrimPrefix(bare.Error(), "cannot parse ``: ")
	if inner := errors.Unwrap(pe); inner != nil {
		msg = strings.TrimSuffix(msg, " ("+inner.Error()+")") + ": " + dropQuoted(inner.Error())
	}
	return errors.New("engine: parse postgres dsn: " + dropQuoted(msg))
}

// dropQuoted replaces every double-quoted or backquoted part of s with an
// ellipsis.
func dropQuoted(s string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c != quote {
				continue
			}
			// One punctuation mark ("=", "]") says what is missing and
			// is no secret; anything else is elided.
			if j := strings.LastIndexByte(s[:i], quote); i-j == 2 && isPunct(s[j+1]) {
				b.WriteByte(s[j+1])
			} else {
				b.WriteString("…")
			}
			b.WriteByte(c)
			quote = 0
		case c == '"' || c == '`':
			quote = c
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if quote != 0 {
		b.WriteString("…")
	}
	return b.String()
}

func isPunct(c byte) bool { return strings.IndexByte("=:[]/@?&,'", c) >= 0 }
