// Package depcheck checks what programs link: a user links only the
// drivers they import.
package depcheck

import (
	"os/exec"
	"strings"
	"testing"
)

// goList returns the packages pkg depends on.
func goList(t *testing.T, pkg string) []string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go command not found: %v", err)
	}
	out, err := exec.Command(gobin, "list", "-deps", pkg).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func TestDeps(t *testing.T) {
	tests := []struct {
		pkg       string
		want      []string // linked
		forbidden []string // prefixes that must not be linked
	}{
		{
			pkg:       "github.com/athanor-orm/athanor/internal/depcheck/engineonly",
			want:      []string{"github.com/athanor-orm/athanor/engine"},
			forbidden: []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite", "go.opentelemetry.io"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/dialect/postgres",
			want:      []string{"github.com/athanor-orm/athanor/core"},
			forbidden: []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/dialect/mysql",
			want:      []string{"github.com/athanor-orm/athanor/core"},
			forbidden: []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/dialect/sqlite",
			want:      []string{"github.com/athanor-orm/athanor/core"},
			forbidden: []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "modernc.org/sqlite"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/internal/depcheck/pgonly",
			want:      []string{"github.com/jackc/pgx/v5", "github.com/athanor-orm/athanor/engine"},
			forbidden: []string{"github.com/go-sql-driver/mysql", "modernc.org/sqlite", "go.opentelemetry.io"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/driver/mysqldriver",
			want:      []string{"github.com/go-sql-driver/mysql"},
			forbidden: []string{"github.com/jackc/pgx", "modernc.org/sqlite", "go.opentelemetry.io"},
		},
		{
			pkg:       "github.com/athanor-orm/athanor/driver/sqlitedriver",
			want:      []string{"modernc.org/sqlite"},
			forbidden: []string{"github.com/jackc/pgx", "github.com/go-sql-driver/mysql", "go.opentelemetry.io"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.pkg[strings.LastIndexByte(tt.pkg, '/')+1:], func(t *testing.T) {
			deps := goList(t, tt.pkg)
			linked := map[string]bool{}
			for _, d := range deps {
				linked[d] = true
				for _, f := range tt.forbidden {
					if d == f || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s links %s", tt.pkg, d)
					}
				}
			}
			for _, w := range tt.want {
				if !linked[w] {
					t.Errorf("%s does not link %s: the check would pass vacuously", tt.pkg, w)
				}
			}
		})
	}
}
