package engine

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/core"
)

// Driver names the database family an engine talks to.
type Driver string

const (
	// Postgres is PostgreSQL through pgx/v5 (no database/sql).
	Postgres Driver = "postgres"
	// MySQL is MySQL or MariaDB through go-sql-driver/mysql.
	MySQL Driver = "mysql"
	// SQLite is SQLite through modernc.org/sqlite (pure Go).
	SQLite Driver = "sqlite"
)

// Config describes one endpoint and its pool. ParseConfig fills it from a
// DSN; it may then be adjusted before OpenConfig. A zero Config is safe to
// pass to OpenConfig (it fails with an error, it does not panic), and every
// zero pool field means "use the default".
//
// The pool settings may also be given as DSN query parameters, which
// ParseConfig removes before the driver sees the DSN:
//
//	pool_max_conns=10
//	pool_min_conns=2
//	pool_max_conn_lifetime=1h
//	pool_max_conn_lifetime_jitter=5m
//	pool_max_conn_idle_time=30m
//	pool_health_check_period=1m
type Config struct {
	// Driver is the database family. Set by ParseConfig from the scheme.
	Driver Driver

	// Postgres is the pgx connection configuration (Driver Postgres). The
	// engine installs its own context-watcher handler so that a cancelled
	// query is also cancelled on the server, and sets the session TimeZone
	// to UTC unless RuntimeParams has timezone (the time policy).
	Postgres *pgx.ConnConfig
	// MySQL is the go-sql-driver configuration (Driver MySQL). ParseTime
	// is on unless the DSN says parseTime=false. Loc must be nil or UTC,
	// and the session time_zone is '+00:00' unless Params sets time_zone
	// (the time policy; see the package doc).
	MySQL *mysql.Config
	// SQLite is the modernc.org/sqlite DSN: a file path or a file: URI,
	// with the driver's underscore parameters (Driver SQLite).
	SQLite string

	// Dialect renders statements. Nil picks the driver's dialect; on MySQL
	// the server version decides between MySQL and MariaDB at Open.
	Dialect core.Dialect

	// MaxConns bounds the pool. Default: max(4, GOMAXPROCS); 1 for an
	// in-memory SQLite database (each connection would see its own).
	MaxConns int32
	// MinConns is kept open by the background health check. Default 0.
	MinConns int32
	// MaxConnLifetime is how long a connection may live before the pool
	// closes it (when idle). Default 1h; negative means forever.
	MaxConnLifetime time.Duration
	// MaxConnLifetimeJitter adds a random [0, jitter) to each connection's
	// lifetime so that connections opened together do not all close
	// together. Default 0.
	MaxConnLifetimeJitter time.Duration
	// MaxConnIdleTime closes a connection idle for longer. Default 30m;
	// negative means never.
	MaxConnIdleTime time.Duration
	// HealthCheckPeriod is how often idle connections are checked (lifetime,
	// idle time, liveness) and MinConns restored. Default 1m.
	HealthCheckPeriod time.Duration

	// Hooks receive events. Each value may implement any of QueryHook,
	// PoolHook, TxHook and BatchHook; the engine type-asserts them once at
	// Open. With no hooks the hot paths do no extra work.
	Hooks []any
}

// ParseConfig parses a DSN into a Config:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//	mysql://user:pass@host:3306/db?tls=true             (also mariadb://)
//	sqlite:///abs/path.db, sqlite://rel/path.db, sqlite::memory:
//	file:path.db?..., /abs/path.db, rel/path.db          (SQLite)
//
// PostgreSQL DSNs are parsed by pgx (so every libpq keyword and
// environment variable it knows applies). MySQL query parameters are
// go-sql-driver/mysql's DSN parameters. Errors never contain the password.
func ParseConfig(dsn string) (*Config, error) {
	dsn = strings.TrimSpace(dsn)
	scheme := ""
	if i := strings.Index(dsn, "://"); i > 0 {
		scheme = strings.ToLower(dsn[:i])
	} else if strings.HasPrefix(dsn, "sqlite:") {
		scheme = "sqlite"
	}
	switch scheme {
	case "postgres", "postgresql":
		return parsePostgres(dsn)
	case "mysql", "mariadb":
		return parseMySQL(dsn, scheme == "mariadb")
	case "sqlite", "sqlite3", "":
		return parseSQLite(dsn)
	case "file":
		return parseSQLite(dsn)
	default:
		return nil, fmt.Errorf("engine: parse dsn: unknown scheme %q (want postgres, mysql or sqlite)", scheme)
	}
}

// String describes the endpoint without its password, e.g.
// "postgres://app@db:5432/shop".
func (c *Config) String() string {
	if c == nil {
		return "<nil>"
	}
	switch c.Driver {
	case Postgres:
		if c.Postgres == nil {
			return "postgres://"
		}
		u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(c.Postgres.Host, strconv.Itoa(int(c.Postgres.Port))), Path: "/" + c.Postgres.Database}
		if c.Postgres.User != "" {
			u.User = url.User(c.Postgres.User)
		}
		return u.String()
	case MySQL:
		if c.MySQL == nil {
			return "mysql://"
		}
		u := url.URL{Scheme: "mysql", Host: c.MySQL.Addr, Path: "/" + c.MySQL.DBName}
		if c.MySQL.User != "" {
			u.User = url.User(c.MySQL.User)
		}
		return u.String()
	case SQLite:
		p := c.SQLite
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return "sqlite://" + p
	}
	return "engine.Config{}"
}

// poolParams lists the DSN query parameters that configure the pool.
var poolParams = []string{
	"pool_max_conns", "pool_min_conns", "pool_max_conn_lifetime",
	"pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time", "pool_health_check_period",
}

// takePoolParams removes the pool parameters from q and applies them to c.
func (c *Config) takePoolParams(q url.Values) error {
	for _, name := range poolParams {
		vs, ok := q[name]
		if !ok {
			continue
		}
		delete(q, name)
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		switch name {
		case "pool_max_conns", "pool_min_conns":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n < 0 {
				return fmt.Errorf("engine: parse dsn: %s=%q is not a non-negative integer", name, v)
			}
			if name == "pool_max_conns" {
				c.MaxConns = int32(n)
			} else {
				c.MinConns = int32(n)
			}
		default:
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("engine: parse dsn: %s=%q is not a duration", name, v)
			}
			switch name {
			case "pool_max_conn_lifetime":
				c.MaxConnLifetime = d
			case "pool_max_conn_lifetime_jitter":
				c.MaxConnLifetimeJitter = d
			case "pool_max_conn_idle_time":
				c.MaxConnIdleTime = d
			case "pool_health_check_period":
				c.HealthCheckPeriod = d
			}
		}
	}
	return nil
}

// splitQuery separates a DSN into the part before '?' and its parsed query.
// It never echoes the DSN in an error.
func splitQuery(dsn string) (string, url.Values, error) {
	base, raw, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", nil, fmt.Errorf("engine: parse dsn: malformed query string: %w", stripURLError(err))
	}
	return base, q, nil
}

// stripURLError drops the URL (which may hold a password) from a url.Error.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func parsePostgres(dsn string) (*Config, error) {
	base, q, err := splitQuery(dsn)
	if err != nil {
		return nil, err
	}
	c := &Config{Driver: Postgres}
	if err := c.takePoolParams(q); err != nil {
		return nil, err
	}
	rest := base
	if len(q) > 0 {
		rest += "?" + q.Encode()
	}
	pc, err := pgx.ParseConfig(rest)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("engine: parse postgres dsn: %w", err)
	}
	c.Postgres = pc
	return c, nil
}

func parseMySQL(dsn string, mariadb bool) (*Config, error) {
	base, q, err := splitQuery(dsn)
	if err != nil {
		return nil, err
	}
	c := &Config{Driver: MySQL}
	if err := c.takePoolParams(q); err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("engine: parse mysql dsn: %w", stripURLError(err))
	}
	host := u.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if u.Port() == "" {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	if _, ok := q["parseTime"]; !ok {
		q.Set("parseTime", "true")
	}
	// RowsAffected of an UPDATE counts the rows matched, as on PostgreSQL
	// and SQLite, not only the rows whose values changed: the session
	// relies on it to tell "row gone" from "row already had these values".
	if _, ok := q["clientFoundRows"]; !ok {
		q.Set("clientFoundRows", "true")
	}
	// The user and password are set on the parsed config, never put into
	// a DSN string that an error could echo.
	mc, err := mysql.ParseDSN("tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/") + "?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("engine: parse mysql dsn: %w", err)
	}
	if u.User != nil {
		mc.User = u.User.Username()
		mc.Passwd, _ = u.User.Password()
	}
	c.MySQL = mc
	if mariadb {
		c.Dialect = mariaDBDialect()
	}
	return c, nil
}

func parseSQLite(dsn string) (*Config, error) {
	path := dsn
	switch {
	case strings.HasPrefix(path, "sqlite3://"):
		path = strings.TrimPrefix(path, "sqlite3://")
	case strings.HasPrefix(path, "sqlite://"):
		path = strings.TrimPrefix(path, "sqlite://")
	case strings.HasPrefix(path, "sqlite:"):
		path = strings.TrimPrefix(path, "sqlite:")
	}
	if path == "" {
		return nil, fmt.Errorf("engine: parse sqlite dsn: no database path")
	}
	base, q, err := splitQuery(path)
	if err != nil {
		return nil, err
	}
	c := &Config{Driver: SQLite}
	if err := c.takePoolParams(q); err != nil {
		return nil, err
	}
	memory := base == ":memory:" || strings.Contains(base, "mode=memory") || q.Get("mode") == "memory"
	// Defaults that make a pooled SQLite behave: wait on locks rather than
	// fail at once, enforce foreign keys, and let readers run beside the
	// writer.
	if _, ok := q["_busy_timeout"]; !ok && !hasPragma(q, "busy_timeout") {
		q.Set("_busy_timeout", "5000")
	}
	if _, ok := q["_foreign_keys"]; !ok && !hasPragma(q, "foreign_keys") {
		q.Set("_foreign_keys", "1")
	}
	if _, ok := q["_journal_mode"]; !ok && !hasPragma(q, "journal_mode") && !memory {
		q.Set("_journal_mode", "WAL")
	}
	if _, ok := q["_time_format"]; !ok {
		q.Set("_time_format", "sqlite")
	}
	c.SQLite = base + "?" + q.Encode()
	if memory && c.MaxConns == 0 {
		c.MaxConns = 1
	}
	return c, nil
}

func hasPragma(q url.Values, name string) bool {
	for _, p := range q["_pragma"] {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), name) {
			return true
		}
	}
	return false
}

// withDefaults returns a copy of c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.MaxConns <= 0 {
		c.MaxConns = int32(max(4, runtime.GOMAXPROCS(0)))
	}
	if c.MinConns > c.MaxConns {
		c.MinConns = c.MaxConns
	}
	if c.MaxConnLifetime == 0 {
		c.MaxConnLifetime = time.Hour
	}
	if c.MaxConnIdleTime == 0 {
		c.MaxConnIdleTime = 30 * time.Minute
	}
	if c.HealthCheckPeriod <= 0 {
		c.HealthCheckPeriod = time.Minute
	}
	return c
}
