package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/examples/conduit/load/loadtest"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		fail     func(*http.Request) int
		code     int
		stdout   []string // substrings
		stderr   string
		noReport bool
	}{
		{name: "clean run", args: []string{"-duration", "200ms", "-concurrency", "2", "-seed-users", "3", "-seed-articles", "5"},
			code: 0, stdout: []string{"operation", "article", "reads", "writes", "total", "p99"}},
		{name: "custom mix", args: []string{"-duration", "100ms", "-mix", "feed=1,comment=1", "-seed-users", "2", "-seed-articles", "2"},
			code: 0, stdout: []string{"\nfeed ", "\ncomment ", "mix feed=1,comment=1"}},
		{name: "errors exit 1 after the report", args: []string{"-duration", "1s", "-mix", "tags=1", "-seed-users", "2", "-seed-articles", "2"},
			fail: func(r *http.Request) int {
				if r.URL.Path == "/api/tags" {
					return http.StatusBadGateway
				}
				return 0
			},
			code: 1, stdout: []string{"502:"}, stderr: "unexpected responses"},
		{name: "seeding failure", args: []string{"-duration", "100ms"},
			fail: func(r *http.Request) int {
				if r.URL.Path == "/api/users" {
					return http.StatusInternalServerError
				}
				return 0
			},
			code: 1, stderr: "seed user", noReport: true},
		{name: "bad mix", args: []string{"-mix", "nope=1"}, code: 2, stderr: `unknown operation "nope"`, noReport: true},
		{name: "bad flag", args: []string{"-duration", "soon"}, code: 2, stderr: "invalid value", noReport: true},
		{name: "stray argument", args: []string{"extra"}, code: 2, stderr: "unexpected arguments", noReport: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent()
			srv := httptest.NewServer(loadtest.New(loadtest.Options{Fail: tc.fail}))
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"-target", srv.URL + "/api"}, tc.args...), &out, &errOut)
			srv.Close()
			goleak.VerifyNone(t, ignore)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, &out, &errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, &out)
				}
			}
			if !strings.Contains(errOut.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, &errOut)
			}
			if tc.noReport && out.Len() > 0 {
				t.Errorf("report printed:\n%s", &out)
			}
		})
	}
}
