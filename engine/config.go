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

	"github.com/athanor-orm/athanor/core"
)

// Driver names the database family an engine talks to.
type Driver string

const (
	// Postgres is PostgreSQL through pgx/v5, no database/sql (import
	// driver/pgxdriver).
	Postgres Driver = "postgres"
	// MySQL is MySQL or MariaDB through go-sql-driver/mysql (import
	// driver/mysqldriver).
	MySQL Driver = "mysql"
	// SQLite is SQLite through modernc.org/sqlite, pure Go (import
	// driver/sqlitedriver).
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

	// Postgres is the pgx connection configuration, a *pgx.ConnConfig
	// (Driver Postgres; set by ParseConfig through driver/pgxdriver, which
	// documents it).
	Postgres any
	// MySQL is the go-sql-driver configuration, a *mysql.Config (Driver
	// MySQL; set by ParseConfig through driver/mysqldriver, which
	// documents it). ParseTime is on unless the DSN says parseTime=false.
	// Loc must be nil or UTC, and the session time_zone is '+00:00'
	// unless Params sets time_zone (the time policy; see the package doc).
	MySQL any
	// SQLite is the modernc.org/sqlite DSN: a file path or a file: URI,
	// with the driver's underscore parameters (Driver SQLite).
	SQLite string

	// Runtime is the config's driver. Nil takes the one its driver
	// package registered (see Runtime).
	Runtime Runtime

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

	// Hook receives the engine's events: every statement, and also
	// transactions, batches and pool acquires when it implements TxHook,
	// BatchHook or PoolHook, which the engine asserts once, at Open.
	// MultiHook combines several. Nil: the hot paths do no hook work.
	Hook QueryHook
}

// ParseConfig parses a DSN into a Config:
//
//	postgres://user:pass@host:5432/db?sslmode=disable   (also postgresql://)
//	host=db port=5432 user=app password=secret dbname=shop   (PostgreSQL keyword/value)
//	mysql://user:pass@host:3306/db?tls=true             (also mariadb://)
//	sqlite:///abs/path.db, sqlite://rel/path.db, sqlite::memory:, :memory:
//	file:path.db?...                                     (SQLite URI)
//
// A DSN in none of these forms is an error: a bare file path is not taken
// for SQLite (a mistyped DSN would otherwise create a file named after it).
//
// PostgreSQL DSNs are parsed by pgx (so every libpq keyword and
// environment variable it knows applies). MySQL query parameters are
// go-sql-driver/mysql's DSN parameters. In the URL forms the user and
// password end at the first '@' before any '/', as in libpq: percent-encode
// '@', '/', ':' (in the user), spaces and '%' in them.
//
// Errors never contain the password, nor any other part of the DSN that
// could be one: they name what is wrong ("invalid port") without quoting
// the text.
func ParseConfig(dsn string) (*Config, error) {
	dsn = strings.TrimSpace(dsn)
	scheme := ""
	if i := strings.Index(dsn, "://"); i > 0 && isSchemeName(dsn[:i]) {
		scheme = strings.ToLower(dsn[:i])
	} else if hasPrefixFold(dsn, "sqlite:") {
		scheme = "sqlite"
	} else if hasPrefixFold(dsn, "file:") || dsn == ":memory:" {
		scheme = "file"
	} else if isKeywordValue(dsn) {
		scheme = "keyword/value"
	}
	switch scheme {
	case "postgres", "postgresql", "keyword/value":
		return parsePostgres(dsn, scheme)
	case "mysql", "mariadb":
		return parseMySQL(dsn, scheme)
	case "sqlite", "sqlite3", "file":
		return parseSQLite(dsn, scheme)
	case "":
		return nil, errors.New("engine: parse dsn: no scheme (want postgres://, mysql://, mariadb://, sqlite://, file:, :memory: or a PostgreSQL keyword/value string such as \"host=db dbname=shop\")")
	default:
		return nil, fmt.Errorf("engine: parse dsn: unknown scheme %q (want postgres, mysql, mariadb or sqlite)", scheme)
	}
}

// isSchemeName reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, '+', '-', '.'), so that a password holding "://" is
// never quoted back as a scheme.
func isSchemeName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isKeywordValue reports whether dsn starts like a libpq keyword/value
// string: a keyword of lower-case letters and underscores, then '='.
func isKeywordValue(dsn string) bool {
	i := 0
	for i < len(dsn) && (dsn[i] >= 'a' && dsn[i] <= 'z' || dsn[i] == '_') {
		i++
	}
	if i == 0 {
		return false
	}
	return strings.HasPrefix(strings.TrimLeft(dsn[i:], " \t"), "=")
}

// String describes the endpoint without its password, e.g.
// "postgres://app@db:5432/shop".
func (c *Config) String() string {
	if c == nil {
		return "<nil>"
	}
	if c.Driver == "" {
		return "engine.Config{}"
	}
	e := c.Endpoint()
	if e.Host == "" && e.Port == 0 && e.User == "" {
		// A file database (SQLite), or a config without its driver's part.
		return string(c.Driver) + "://" + e.Database
	}
	host := e.Host
	if e.Port != 0 {
		host = net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
	}
	u := url.URL{Scheme: string(c.Driver), Host: host, Path: "/" + e.Database}
	if e.User != "" {
		u.User = url.User(e.User)
	}
	return u.String()
}

// poolParams lists the DSN query parameters that configure the pool.
var poolParams = []string{
	"pool_max_conns", "pool_min_conns", "pool_max_conn_lifetime",
	"pool_max_conn_lifetime_jitter", "pool_max_conn_idle_time", "pool_health_check_period",
}

// IsPoolParam reports whether name is one of the DSN's pool parameters
// (pool_max_conns, …), which the engine takes: a driver that parses a
// whole DSN hands them back in DSN.Query.
func IsPoolParam(name string) bool {
	for _, p := range poolParams {
		if p == name {
			return true
		}
	}
	return false
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
// Its errors quote nothing from the DSN.
func splitQuery(dsn string) (string, url.Values, error) {
	base, raw, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		// url.ParseQuery's errors quote the malformed text.
		return "", nil, errors.New("engine: parse dsn: malformed query string (percent-encode '%' in values)")
	}
	return base, q, nil
}

// splitURL splits a postgres:// or mysql:// DSN as libpq does: the user
// information ends at the first '@' before any '/', the host list at the
// first '/' or '?', the database name at '?'. It decodes nothing.
func splitURL(dsn string) (userinfo string, hasUser bool, hosts, path, query string) {
	_, rest, _ := strings.Cut(dsn, "://")
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		userinfo, rest, hasUser = rest[:i], rest[i+1:], true
	}
	hosts, rest = cutAny(rest, "/?")
	if strings.HasPrefix(rest, "/") {
		path, rest = cutAny(rest[1:], "?")
	}
	query = strings.TrimPrefix(rest, "?")
	return userinfo, hasUser, hosts, path, query
}

// cutAny splits s before the first byte of chars.
func cutAny(s, chars string) (string, string) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// errMisplacedAt rejects a URL whose host or database name holds a raw
// '@': the user information ended early at an unencoded '/' or '@' in the
// password, and the rest of the password would reach the server (and its
// errors) as a host or database name.
func errMisplacedAt(driver string) error {
	return fmt.Errorf("engine: parse %s dsn: '@' in the host or database name: percent-encode '/', '@', '?' and '#' in the user and password (%%2F, %%40, %%3F, %%23)", driver)
}

func parsePostgres(dsn, scheme string) (*Config, error) {
	if strings.Contains(dsn, "://") {
		_, _, hosts, path, _ := splitURL(dsn)
		if strings.Contains(hosts+path, "@") {
			return nil, errMisplacedAt("postgres")
		}
		for _, h := range strings.Split(hosts, ",") {
			if !validPort(h) {
				return nil, errors.New("engine: parse postgres dsn: invalid port (percent-encode '/' and '@' in the user and password)")
			}
		}
	}
	rt, err := lookupRuntime(Postgres)
	if err != nil {
		return nil, fmt.Errorf("engine: parse dsn: scheme %q: %w", scheme, err)
	}
	// The driver parses the whole DSN (URL or keyword/value), so that a
	// '?' in a password is never taken for the start of the query; it
	// hands back the pool parameters it found.
	c := &Config{Driver: Postgres}
	d := DSN{Scheme: scheme, Raw: dsn}
	if err := rt.Configure(c, &d); err != nil {
		return nil, err
	}
	if err := c.takePoolParams(url.Values(d.Query)); err != nil {
		return nil, err
	}
	return c, nil
}

func parseMySQL(dsn, scheme string) (*Config, error) {
	// The DSN is split by hand rather than by url.Parse, whose errors quote
	// the text (a password with '?', '#' or '/' came back as a "port").
	userinfo, hasUser, host, path, rawQuery := splitURL(dsn)
	if strings.Contains(host+path, "@") {
		return nil, errMisplacedAt("mysql")
	}
	host, err := mysqlAddr(host)
	if err != nil {
		return nil, err
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, errors.New("engine: parse mysql dsn: malformed query string (percent-encode '%' in values)")
	}
	c := &Config{Driver: MySQL}
	if err := c.takePoolParams(q); err != nil {
		return nil, err
	}
	dbname, err := url.PathUnescape(path)
	if err != nil {
		return nil, errors.New("engine: parse mysql dsn: invalid percent-encoding in the database name")
	}
	rt, err := lookupRuntime(MySQL)
	if err != nil {
		return nil, fmt.Errorf("engine: parse dsn: scheme %q: %w", scheme, err)
	}
	d := DSN{Scheme: scheme, Host: host, Database: dbname, HasUser: hasUser, Query: q}
	if hasUser {
		user, pass, _ := strings.Cut(userinfo, ":")
		if d.User, err = url.PathUnescape(user); err != nil {
			return nil, errors.New("engine: parse mysql dsn: invalid percent-encoding in the user")
		}
		if d.Password, err = url.PathUnescape(pass); err != nil {
			return nil, errors.New("engine: parse mysql dsn: invalid percent-encoding in the password (encode '%' as %25)")
		}
	}
	if err := rt.Configure(c, &d); err != nil {
		return nil, fmt.Errorf("engine: parse mysql dsn: %w", err)
	}
	return c, nil
}

// validPort reports whether host[:port] has no port or a decimal one. It
// checks what pgx would reject anyway, before pgx parses further and
// stops at a later, less telling error.
func validPort(hostport string) bool {
	if strings.HasPrefix(hostport, "[") {
		_, hostport, _ = strings.Cut(hostport, "]")
	}
	i := strings.LastIndexByte(hostport, ':')
	if i < 0 || i == len(hostport)-1 {
		return true
	}
	n, err := strconv.Atoi(hostport[i+1:])
	return err == nil && n >= 1 && n <= 65535
}

// mysqlAddr checks a host[:port] and adds the default port. Its errors
// do not quote the text: a misplaced password would land here.
func mysqlAddr(hostport string) (string, error) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", errors.New("engine: parse mysql dsn: missing ']' after an IPv6 host")
		}
		host, port = hostport[1:end], hostport[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return "", errors.New("engine: parse mysql dsn: invalid host")
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if strings.ContainsAny(host, ",:@ ") && !strings.HasPrefix(hostport, "[") {
		return "", errors.New("engine: parse mysql dsn: invalid host (one host; percent-encode ':' and '@' in the user and password)")
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	} else if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", errors.New("engine: parse mysql dsn: invalid port (percent-encode '/' and '@' in the user and password)")
	}
	return net.JoinHostPort(host, port), nil
}

func parseSQLite(dsn, scheme string) (*Config, error) {
	path := dsn
	for _, prefix := range []string{"sqlite3://", "sqlite://", "sqlite:"} {
		if hasPrefixFold(path, prefix) {
			path = path[len(prefix):]
			break
		}
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
	rt, err := lookupRuntime(SQLite)
	if err != nil {
		return nil, fmt.Errorf("engine: parse dsn: scheme %q: %w", scheme, err)
	}
	if err := rt.Configure(c, &DSN{Scheme: scheme, Path: base + "?" + q.Encode()}); err != nil {
		return nil, fmt.Errorf("engine: parse sqlite dsn: %w", err)
	}
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

// runtime returns the config's runtime: the one set on it, else the
// registered one of its driver.
func (c *Config) runtime() (Runtime, error) {
	if c.Runtime != nil {
		return c.Runtime, nil
	}
	return lookupRuntime(c.Driver)
}

// Endpoint names the config's server (host, port, user, database; the
// database file for SQLite), never its password. It is zero when the
// config's driver is not registered.
func (c *Config) Endpoint() Endpoint {
	if c == nil {
		return Endpoint{}
	}
	rt, err := c.runtime()
	if err != nil {
		return Endpoint{}
	}
	return rt.Endpoint(c)
}
