package testdb

import (
	"strings"
	"testing"
)

func TestEndpointForms(t *testing.T) {
	tests := []struct {
		name, in, url, driver string
	}{
		{"postgres keeps params", "postgres://postgres@127.0.0.1:5433/test?sslmode=disable",
			"postgres://postgres@127.0.0.1:5433/test?sslmode=disable",
			"postgres://postgres@127.0.0.1:5433/test?sslmode=disable"},
		{"postgres default port", "postgresql://u@db/app",
			"postgres://u@db:5432/app", "postgres://u@db:5432/app"},
		{"mysql becomes go-sql-driver dsn", "mysql://athanor@127.0.0.1:3307/test",
			"mysql://athanor@127.0.0.1:3307/test",
			"athanor@tcp(127.0.0.1:3307)/test?multiStatements=false&parseTime=true"},
		{"mysql password kept for the driver", "mysql://u:s3cret@h:3306/d",
			"mysql://u:s3cret@h:3306/d", "u:s3cret@tcp(h:3306)/d?multiStatements=false&parseTime=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEndpoint(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.URL(); got != tt.url {
				t.Errorf("URL() = %q, want %q", got, tt.url)
			}
			if got := e.DriverDSN(); got != tt.driver {
				t.Errorf("DriverDSN() = %q, want %q", got, tt.driver)
			}
		})
	}
}

func TestEndpointStringHidesPassword(t *testing.T) {
	e, err := ParseEndpoint("postgres://app:hunter2@h:5432/d")
	if err != nil {
		t.Fatal(err)
	}
	if s := e.String(); strings.Contains(s, "hunter2") {
		t.Fatalf("String() leaks the password: %s", s)
	}
}

func TestParseEndpointRejectsUnknownScheme(t *testing.T) {
	if _, err := ParseEndpoint("redis://h:6379"); err == nil || !strings.Contains(err.Error(), "redis") {
		t.Fatalf("err = %v, want one naming the scheme", err)
	}
}

func TestWithDatabaseDoesNotShareParams(t *testing.T) {
	e, _ := ParseEndpoint("postgres://h/a?sslmode=disable")
	f := e.WithDatabase("b")
	f.Params.Set("sslmode", "require")
	if e.Params.Get("sslmode") != "disable" || e.Database != "a" {
		t.Fatalf("WithDatabase changed the original: %+v", e)
	}
}
