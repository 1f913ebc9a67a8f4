package testdb

import "testing"

// An endpoint through PgBouncer carries the engine driver's pgbouncer
// parameter; raw pgx connections get pgx's own exec mode instead, since
// pgx would send an unknown parameter to the server.
func TestBouncedEndpoint(t *testing.T) {
	b, err := ParseEndpoint("postgres://postgres@127.0.0.1:6432/test?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	primary, err := ParseEndpoint("postgres://postgres@127.0.0.1:5432/athanor_t_x?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	e := throughBouncer(bounced(b), primary)
	if got, want := e.URL(), "postgres://postgres@127.0.0.1:6432/athanor_t_x?pgbouncer=true&sslmode=disable"; got != want {
		t.Errorf("URL() = %q, want %q", got, want)
	}
	if got, want := e.DriverDSN(), "postgres://postgres@127.0.0.1:6432/athanor_t_x?default_query_exec_mode=cache_describe&sslmode=disable"; got != want {
		t.Errorf("DriverDSN() = %q, want %q", got, want)
	}
	if b.Params.Get("pgbouncer") != "" {
		t.Error("bounced changed the endpoint it was given")
	}
}
