package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/cli"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
)

type fkAuthorV1 struct {
	_    struct{} `athanor:",table:sqlitefk_authors"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:"name,size:80"`
}

// Version 2: the parent's column type changes, which SQLite can only do
// by rebuilding the table.
type fkAuthorV2 struct {
	_    struct{} `athanor:",table:sqlitefk_authors"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:"name,size:200"`
}

type fkBook struct {
	_        struct{} `athanor:",table:sqlitefk_books"`
	ID       int64    `athanor:",pk"`
	AuthorID int64    `athanor:"author_id,fk:sqlitefk_authors.id,ondelete:cascade"`
}

// TestAutogenerateRebuildSQLite: on SQLite, `migrate autogenerate` of a
// parent's type change writes a table rebuild, and `migrate up` and
// `migrate down` apply and revert it without the child's ON DELETE
// CASCADE firing: the child rows survive both.
func TestAutogenerateRebuildSQLite(t *testing.T) {
	v1 := registry(t, mapper.RegisterIn[fkAuthorV1], mapper.RegisterIn[fkBook])
	v2 := registry(t, mapper.RegisterIn[fkAuthorV2], mapper.RegisterIn[fkBook])
	dsn := "sqlite://" + testdb.SQLite(t)
	dir := filepath.Join(t.TempDir(), "migrations")
	env := map[string]string{"ATHANOR_DSN": dsn}
	cmd := func(models *mapper.Registry, args ...string) string {
		t.Helper()
		opts := cli.Options{}
		if models != nil {
			opts.Models = models
		}
		code, out, errOut := run(t, opts, env, append([]string{"--dir", dir, "--table", "sqlitefk_versions"}, args...)...)
		if code != 0 {
			t.Fatalf("athanor %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
		}
		return out + errOut
	}
	cmd(v1, "migrate", "autogenerate", "sqlitefk_initial")
	cmd(nil, "migrate", "up")
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{"INSERT INTO sqlitefk_authors (id, name) VALUES (1, 'a'), (2, 'b')",
		"INSERT INTO sqlitefk_books (id, author_id) VALUES (1, 1), (2, 1), (3, 2)"} {
		if _, err := db.Exec(context.Background(), core.Raw(s)); err != nil {
			t.Fatal(err)
		}
	}
	cmd(v2, "migrate", "autogenerate", "sqlitefk_widen")
	up, err := os.ReadFile(filepath.Join(dir, "0002_sqlitefk_widen.sqlite.up.sql"))
	if err != nil || !strings.Contains(string(up), "DROP TABLE") {
		t.Fatalf("the second migration is not a rebuild: %v\n%s", err, up)
	}
	cmd(nil, "migrate", "up")
	if n := count(t, dsn, "sqlitefk_books"); n != 3 {
		t.Fatalf("books after the rebuild's up: %d, want 3", n)
	}
	cmd(nil, "migrate", "down")
	if n := count(t, dsn, "sqlitefk_books"); n != 3 {
		t.Fatalf("books after the rebuild's down: %d, want 3", n)
	}
	if out := cmd(v1, "migrate", "autogenerate", "sqlitefk_again"); !strings.Contains(out, "no changes") {
		t.Fatalf("after down the database does not match v1:\n%s", out)
	}
}
