package testdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// PgBouncer: scripts/dbup-pgbouncer runs PgBouncer in transaction pooling
// mode in front of the PostgreSQL primary and prints
//
//	ATHANOR_PGBOUNCER  postgres://postgres@127.0.0.1:6432/test?sslmode=disable
//
// With ATHANOR_PG_VIA=pgbouncer, PG gives tests a primary endpoint through
// it (the database is still created on the primary directly; replicas stay
// direct), carrying the driver's pgbouncer=true parameter. PgBouncer gives
// one whatever ATHANOR_PG_VIA says.

// ViaPgBouncer reports whether ATHANOR_PG_VIA=pgbouncer: PG's primary
// endpoints go through PgBouncer in transaction pooling mode.
func ViaPgBouncer() bool { return os.Getenv("ATHANOR_PG_VIA") == "pgbouncer" }

// skipBesideBouncer skips a test of another server than PostgreSQL in the
// PgBouncer pass (ATHANOR_PG_VIA=pgbouncer): that pass reruns suites to
// exercise PostgreSQL through PgBouncer, and the direct pass has run the
// other servers' tests already.
func skipBesideBouncer(t testing.TB, server string) {
	t.Helper()
	if ViaPgBouncer() {
		t.Skipf("skipping %s: ATHANOR_PG_VIA=pgbouncer reruns the PostgreSQL tests through PgBouncer; the direct pass runs %s", server, server)
	}
}

var bouncer struct {
	once sync.Once
	e    Endpoint
	err  error
}

// discoverPgBouncer reads ATHANOR_PGBOUNCER and checks that it answers.
func discoverPgBouncer() (Endpoint, error) {
	bouncer.once.Do(func() {
		raw := os.Getenv("ATHANOR_PGBOUNCER")
		if raw == "" {
			bouncer.err = fmt.Errorf("PgBouncer not configured: ATHANOR_PGBOUNCER is unset; run `eval \"$(scripts/dbup-pgbouncer)\"` (scripts/dbup runs it)")
			return
		}
		e, err := ParseEndpoint(raw)
		if err != nil {
			bouncer.err = fmt.Errorf("ATHANOR_PGBOUNCER: %w", err)
			return
		}
		if e.Kind != KindPostgres {
			bouncer.err = fmt.Errorf("ATHANOR_PGBOUNCER: %s is not a postgres:// URL", e)
			return
		}
		e = bounced(e)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ping(ctx, e); err != nil {
			bouncer.err = fmt.Errorf("PgBouncer %s (from ATHANOR_PGBOUNCER) is unreachable: %w", e, err)
			return
		}
		bouncer.e = e
	})
	return bouncer.e, bouncer.err
}

// bounced returns e with the driver's pgbouncer=true parameter.
func bounced(e Endpoint) Endpoint {
	e = e.WithDatabase(e.Database)
	e.Params.Set("pgbouncer", "true")
	return e
}

// requirePgBouncer returns the PgBouncer endpoint or ends the test:
// skipped with the reason outside CI, failed under CI=true.
func requirePgBouncer(t testing.TB) Endpoint {
	t.Helper()
	e, err := discoverPgBouncer()
	if err != nil {
		if InCI() {
			t.Fatalf("CI=true and PgBouncer is missing: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return e
}

// PgBouncer gives the test a fresh PostgreSQL database, as PG does, whose
// Primary endpoint goes through PgBouncer in transaction pooling mode
// (with pgbouncer=true). The database is created on the primary directly.
func PgBouncer(t testing.TB) Cluster {
	t.Helper()
	b := requirePgBouncer(t)
	c := fresh(t, KindPostgres)
	return Cluster{Primary: throughBouncer(b, c.Primary), Replicas: c.Replicas}
}

// throughBouncer points the PgBouncer endpoint b at primary's database.
func throughBouncer(b, primary Endpoint) Endpoint {
	e := b.WithDatabase(primary.Database)
	if e.User == "" {
		e.User, e.Password = primary.User, primary.Password
	}
	return e
}

// rawPgxParams returns a pgx connection string's parameters for p: the
// pgbouncer parameter is the engine driver's, unknown to pgx itself
// (which would send it to the server), so it becomes pgx's
// default_query_exec_mode=cache_describe.
func rawPgxParams(p url.Values) url.Values {
	if p.Get("pgbouncer") != "true" {
		return p
	}
	q := url.Values{}
	for k, v := range p {
		if k != "pgbouncer" {
			q[k] = v
		}
	}
	if q.Get("default_query_exec_mode") == "" {
		q.Set("default_query_exec_mode", "cache_describe")
	}
	return q
}
