package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/cli"
	"github.com/athanor-orm/athanor/mapper"
)

// Version 1 of the models.
type cwAuthorV1 struct {
	_    struct{} `athanor:",table:cw_authors"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:"name,size:80,unique"`
}

type cwBookV1 struct {
	_        struct{} `athanor:",table:cw_books"`
	ID       int64    `athanor:",pk"`
	AuthorID int64    `athanor:"author_id,fk:cw_authors.id,ondelete:cascade"`
	Title    string   `athanor:"title,size:200"`
}

// Version 2: a column added to cw_books, an index on its title.
type cwBookV2 struct {
	_        struct{} `athanor:",table:cw_books"`
	ID       int64    `athanor:",pk"`
	AuthorID int64    `athanor:"author_id,fk:cw_authors.id,ondelete:cascade"`
	Title    string   `athanor:"title,size:200,index"`
	Pages    *int64   `athanor:"pages"`
}

func registry(t *testing.T, register ...func(*mapper.Registry) (*mapper.Model, error)) *mapper.Registry {
	t.Helper()
	reg := mapper.NewRegistry()
	for _, r := range register {
		if _, err := r(reg); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// TestAutogenerateWorkflow runs the whole workflow through Main on every
// database: models v1 → autogenerate → up → models v2 → autogenerate →
// up → autogenerate again finds nothing → down → the second migration is
// pending; a destructive diff is refused without --allow-destructive and
// written with it.
func TestAutogenerateWorkflow(t *testing.T) {
	v1 := registry(t, mapper.RegisterIn[cwAuthorV1], mapper.RegisterIn[cwBookV1])
	v2 := registry(t, mapper.RegisterIn[cwAuthorV1], mapper.RegisterIn[cwBookV2])
	authorsOnly := registry(t, mapper.RegisterIn[cwAuthorV1])
	for _, d := range dsns {
		t.Run(d.name, func(t *testing.T) {
			dsn := d.dsn(t)
			dir := filepath.Join(t.TempDir(), "migrations") // autogenerate creates it
			env := map[string]string{"ATHANOR_DSN": dsn}
			cmd := func(models *mapper.Registry, want int, args ...string) string {
				t.Helper()
				opts := cli.Options{}
				if models != nil {
					opts.Models = models
				}
				code, out, errOut := run(t, opts, env, append([]string{"--dir", dir, "--table", "cw_versions"}, args...)...)
				if code != want {
					t.Fatalf("athanor %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
				}
				return out + errOut
			}
			tag := map[string]string{"postgres": "postgres", "mariadb": "mysql", "sqlite": "sqlite"}[d.name]

			out := cmd(v1, 0, "migrate", "autogenerate", "cw_initial")
			up1 := filepath.Join(dir, "0001_cw_initial."+tag+".up.sql")
			for _, want := range []string{`add table "cw_authors"`, `add table "cw_books"`, "created " + up1, "0001_cw_initial." + tag + ".down.sql"} {
				if !strings.Contains(out, want) {
					t.Fatalf("first autogenerate lacks %q:\n%s", want, out)
				}
			}
			if sql, err := os.ReadFile(up1); err != nil || !strings.Contains(string(sql), "cw_books") {
				t.Fatalf("%s: %v\n%s", up1, err, sql)
			}
			cmd(nil, 0, "migrate", "up")
			if n := count(t, dsn, "cw_books"); n != 0 {
				t.Fatalf("cw_books after up: %d rows (-1: missing)", n)
			}
			if out := cmd(v1, 0, "migrate", "autogenerate", "cw_again"); !strings.Contains(out, "no changes") {
				t.Fatalf("autogenerate right after up:\n%s", out)
			}

			out = cmd(v2, 0, "migrate", "autogenerate", "cw_pages")
			for _, want := range []string{`add column "cw_books" column "pages"`, `add index "cw_books"`, "0002_cw_pages." + tag + ".up.sql"} {
				if !strings.Contains(out, want) {
					t.Fatalf("second autogenerate lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "cw_authors") {
				t.Fatalf("second autogenerate touches cw_authors:\n%s", out)
			}
			cmd(nil, 0, "migrate", "up")
			if out := cmd(v2, 0, "migrate", "autogenerate", "cw_again"); !strings.Contains(out, "no changes") {
				t.Fatalf("autogenerate after the second up:\n%s", out)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 4 {
				t.Fatalf("%d files in the migrations directory, want 4", len(entries))
			}
			// The models without cw_books: dropping it is refused without
			// the flag, and nothing is written.
			out = cmd(authorsOnly, 1, "migrate", "autogenerate", "cw_drop")
			if !strings.Contains(out, `drop table "cw_books"`) || !strings.Contains(out, "--allow-destructive") {
				t.Fatalf("destructive autogenerate:\n%s", out)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 4 {
				t.Fatalf("the refused autogenerate wrote files: %d in the directory", len(entries))
			}

			cmd(nil, 0, "migrate", "down")
			out = cmd(nil, 0, "migrate", "status")
			if !strings.Contains(out, "2 migration(s), 1 pending") || !strings.Contains(out, "cw_pages") {
				t.Fatalf("status after down:\n%s", out)
			}
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "cw_pages") && !strings.Contains(l, "pending") {
					t.Fatalf("cw_pages is not pending:\n%s", out)
				}
			}
			// Down again to v1's schema: autogenerate with v2 finds the
			// same changes as the pending migration.
			out = cmd(v2, 0, "migrate", "autogenerate", "cw_pages_again")
			if !strings.Contains(out, `add column "cw_books" column "pages"`) {
				t.Fatalf("autogenerate after down:\n%s", out)
			}
			// With the flag, the drop is written, marked destructive.
			out = cmd(authorsOnly, 0, "migrate", "autogenerate", "cw_drop", "--allow-destructive")
			if !strings.Contains(out, `drop table "cw_books" [destructive]`) || !strings.Contains(out, "0004_cw_drop."+tag+".up.sql") {
				t.Fatalf("autogenerate --allow-destructive:\n%s", out)
			}
			cmd(nil, 0, "migrate", "down", "--to", "0")
		})
	}
}
