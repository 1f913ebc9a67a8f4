// Package testdb hands tests real databases: a fresh PostgreSQL or MariaDB
// database per test on a primary that has real streaming replicas, or a
// fresh SQLite file.
//
// DSNs come from the environment that scripts/dbup prints:
//
//	ATHANOR_PG_PRIMARY      postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	ATHANOR_PG_REPLICAS     comma-separated replica URLs
//	ATHANOR_MYSQL_PRIMARY   mysql://athanor@127.0.0.1:3306/test
//	ATHANOR_MYSQL_REPLICAS  comma-separated replica URLs
//	ATHANOR_PGBOUNCER       PgBouncer (transaction pooling) in front of the primary
//
// With ATHANOR_PG_VIA=pgbouncer, PG's primary endpoint goes through
// PgBouncer (see pgbouncer.go); PgBouncer gives such an endpoint always.
//
// Where they are unset and a Docker engine is reachable, the servers are
// started with testcontainers-go instead (see docker.go). Where neither is
// available the test is skipped with a message saying how to get them,
// except under CI=true, where a missing server fails the test.
//
// Each call creates its own database (dropped at cleanup), so tests may run
// in parallel and leave nothing behind. The database is created on the
// primary and reaches the replicas through replication.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind names a server family.
type Kind string

const (
	KindPostgres Kind = "postgres"
	KindMySQL    Kind = "mysql"
)

// Endpoint is one server and database.
type Endpoint struct {
	Kind     Kind
	Host     string
	Port     string
	User     string
	Password string
	Database string
	Params   url.Values // extra URL query parameters, kept as given
}

// URL returns the endpoint as a URL (postgres://… or mysql://…), the form
// engine.Open accepts.
func (e Endpoint) URL() string {
	u := url.URL{Scheme: string(e.Kind), Host: e.Host + ":" + e.Port, Path: "/" + e.Database}
	if e.Password != "" {
		u.User = url.UserPassword(e.User, e.Password)
	} else if e.User != "" {
		u.User = url.User(e.User)
	}
	if len(e.Params) > 0 {
		u.RawQuery = e.Params.Encode()
	}
	return u.String()
}

// DriverDSN returns the endpoint in the native driver's syntax: a pgx
// connection string for PostgreSQL, a go-sql-driver/mysql DSN (with
// parseTime=true) for MySQL.
func (e Endpoint) DriverDSN() string {
	switch e.Kind {
	case KindMySQL:
		auth := e.User
		if e.Password != "" {
			auth += ":" + e.Password
		}
		q := url.Values{"parseTime": {"true"}, "multiStatements": {"false"}}
		for k, v := range e.Params {
			q[k] = v
		}
		return fmt.Sprintf("%s@tcp(%s:%s)/%s?%s", auth, e.Host, e.Port, e.Database, q.Encode())
	default:
		e.Params = rawPgxParams(e.Params)
		return e.URL()
	}
}

// Addr is host:port.
func (e Endpoint) Addr() string { return e.Host + ":" + e.Port }

// WithDatabase returns a copy pointing at another database on the same server.
func (e Endpoint) WithDatabase(db string) Endpoint {
	e.Database = db
	p := url.Values{}
	for k, v := range e.Params {
		p[k] = v
	}
	e.Params = p
	return e
}

func (e Endpoint) String() string {
	// Never print a password.
	e.Password = ""
	return e.URL()
}

// ParseEndpoint parses a postgres:// or mysql:// URL.
func ParseEndpoint(raw string) (Endpoint, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Endpoint{}, fmt.Errorf("testdb: parse endpoint: %w", err)
	}
	var e Endpoint
	switch u.Scheme {
	case "postgres", "postgresql":
		e.Kind, e.Port = KindPostgres, "5432"
	case "mysql", "mariadb":
		e.Kind, e.Port = KindMySQL, "3306"
	default:
		return Endpoint{}, fmt.Errorf("testdb: endpoint scheme %q is neither postgres nor mysql", u.Scheme)
	}
	e.Host = u.Hostname()
	if p := u.Port(); p != "" {
		e.Port = p
	}
	if u.User != nil {
		e.User = u.User.Username()
		e.Password, _ = u.User.Password()
	}
	e.Database = strings.TrimPrefix(u.Path, "/")
	e.Params = u.Query()
	return e, nil
}

// Cluster is a primary and its replicas, all pointing at the same database.
type Cluster struct {
	Primary  Endpoint
	Replicas []Endpoint
}

// Servers describes where a server family runs, before any per-test database.
type Servers struct {
	Cluster
	Source string // "env" or "docker"
}

var (
	discoverMu sync.Mutex
	discovered = map[Kind]*discovery{}
)

type discovery struct {
	servers Servers
	err     error
}

// Discover returns the servers of a family from the environment or Docker.
// The error says what is missing and how to get it.
func Discover(kind Kind) (Servers, error) {
	discoverMu.Lock()
	defer discoverMu.Unlock()
	if d, ok := discovered[kind]; ok {
		return d.servers, d.err
	}
	s, err := discover(kind)
	discovered[kind] = &discovery{s, err}
	return s, err
}

func envNames(kind Kind) (primary, replicas string) {
	if kind == KindPostgres {
		return "ATHANOR_PG_PRIMARY", "ATHANOR_PG_REPLICAS"
	}
	return "ATHANOR_MYSQL_PRIMARY", "ATHANOR_MYSQL_REPLICAS"
}

func serverName(kind Kind) string {
	if kind == KindPostgres {
		return "PostgreSQL"
	}
	return "MariaDB/MySQL"
}

func discover(kind Kind) (Servers, error) {
	pEnv, rEnv := envNames(kind)
	raw := os.Getenv(pEnv)
	if raw == "" {
		if dockerAvailable() {
			return startDocker(kind)
		}
		return Servers{}, fmt.Errorf("%s primary not configured: %s is unset and no Docker engine is reachable; run `make test` (which runs scripts/dbup) or `eval \"$(scripts/dbup)\"` first", serverName(kind), pEnv)
	}
	p, err := ParseEndpoint(raw)
	if err != nil {
		return Servers{}, fmt.Errorf("%s: %w", pEnv, err)
	}
	s := Servers{Cluster: Cluster{Primary: p}, Source: "env"}
	for _, r := range strings.Split(os.Getenv(rEnv), ",") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		e, err := ParseEndpoint(r)
		if err != nil {
			return Servers{}, fmt.Errorf("%s: %w", rEnv, err)
		}
		s.Replicas = append(s.Replicas, e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ping(ctx, p); err != nil {
		return Servers{}, fmt.Errorf("%s primary %s (from %s) is unreachable: %w", serverName(kind), p, pEnv, err)
	}
	for _, r := range s.Replicas {
		if err := ping(ctx, r); err != nil {
			return Servers{}, fmt.Errorf("%s replica %s (from %s) is unreachable: %w", serverName(kind), r, rEnv, err)
		}
	}
	return s, nil
}

// discoverFor is Discover for a test. The first discovery pings every
// replica, so it holds the shared replication lock: a test in another
// package that stops a replica on purpose must not make this process
// record the replica as missing.
func discoverFor(t testing.TB, kind Kind) (Servers, error) {
	t.Helper()
	discoverMu.Lock()
	d, done := discovered[kind]
	discoverMu.Unlock()
	if done {
		return d.servers, d.err
	}
	holderMu.Lock()
	_, sharing := shared[t.Name()]
	holderMu.Unlock()
	if !sharing {
		defer shareReplication(t)()
	}
	return Discover(kind)
}

// InCI reports whether the tests run under CI, where a missing server is a
// failure rather than a skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// Require returns the servers of kind or ends the test: skipped with the
// reason outside CI, failed under CI=true.
func Require(t testing.TB, kind Kind) Servers {
	t.Helper()
	if kind != KindPostgres {
		skipBesideBouncer(t, serverName(kind))
	}
	s, err := discoverFor(t, kind)
	if err != nil {
		if InCI() {
			t.Fatalf("CI=true and a database is missing: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return s
}

// RequireReplicas is Require plus at least n replicas.
func RequireReplicas(t testing.TB, kind Kind, n int) Servers {
	t.Helper()
	s := Require(t, kind)
	if len(s.Replicas) < n {
		_, rEnv := envNames(kind)
		msg := fmt.Sprintf("%s needs %d replicas, %s lists %d; run scripts/dbup", serverName(kind), n, rEnv, len(s.Replicas))
		if InCI() {
			t.Fatal("CI=true and a replica is missing: " + msg)
		}
		t.Skip("skipping: " + msg)
	}
	return s
}

// PG gives the test a fresh PostgreSQL database on the primary, visible on
// every replica, dropped when the test ends.
func PG(t testing.TB) Cluster { t.Helper(); return fresh(t, KindPostgres) }

// MySQL gives the test a fresh MariaDB/MySQL database on the primary,
// replicated to every replica, dropped when the test ends.
func MySQL(t testing.TB) Cluster { t.Helper(); return fresh(t, KindMySQL) }

// SQLite gives the test the path of a fresh database file in a temporary
// directory removed when the test ends.
func SQLite(t testing.TB) string {
	t.Helper()
	skipBesideBouncer(t, "SQLite")
	return filepath.Join(t.TempDir(), "athanor.db")
}

// DBName returns a database name unique to this test run.
func DBName() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "athanor_t_" + hex.EncodeToString(b[:])
}

func fresh(t testing.TB, kind Kind) Cluster {
	t.Helper()
	s := Require(t, kind)
	var via Endpoint // PgBouncer, with ATHANOR_PG_VIA=pgbouncer
	if kind == KindPostgres && ViaPgBouncer() {
		via = requirePgBouncer(t)
	}
	if len(s.Replicas) > 0 {
		// Keep other tests from pausing or stopping replicas under this one
		// unless it asks for that itself (LockReplication).
		holdShared(t)
	}
	name := DBName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := createDatabase(ctx, s.Primary, name); err != nil {
		t.Fatalf("testdb: create database %s on %s: %v", name, s.Primary, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, s.Primary, name); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	c := Cluster{Primary: s.Primary.WithDatabase(name)}
	if via.Kind != "" {
		c.Primary = throughBouncer(via, c.Primary)
	}
	for _, r := range s.Replicas {
		c.Replicas = append(c.Replicas, r.WithDatabase(name))
	}
	// A replica may not have replayed CREATE DATABASE yet; tests expect the
	// database to exist everywhere once they get it.
	for _, r := range c.Replicas {
		if err := waitDatabase(ctx, r); err != nil {
			t.Fatalf("testdb: database %s did not reach replica %s: %v", name, r, err)
		}
	}
	return c
}
