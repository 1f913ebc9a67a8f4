package core_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/internal/coretest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current compiler output")

var dialects = []struct {
	name string
	d    core.Dialect
}{
	{coretest.Postgres, postgres.Dialect},
	{coretest.MariaDB, mysql.MariaDB},
	{coretest.SQLite, sqlite.Dialect},
	{"mysql8", mysql.Dialect},
}

// golden is one compiled statement as stored in testdata/golden/<dialect>.json.
type golden struct {
	SQL    string   `json:"sql,omitempty"`
	Args   string   `json:"args,omitempty"`
	Tables []string `json:"tables,omitempty"`
	Writes bool     `json:"writes,omitempty"`
	Err    string   `json:"err,omitempty"`
}

func compileGolden(d core.Dialect, s core.Statement) golden {
	c, err := core.Compile(d, s)
	if err != nil {
		return golden{Err: err.Error()}
	}
	g := golden{SQL: c.SQL, Tables: c.Tables, Writes: c.Writes}
	if len(c.Args) > 0 {
		g.Args = fmt.Sprintf("%#v", c.Args)
	}
	return g
}

// TestGolden compiles every statement form of the shared corpus, plus the
// schema's DDL, for each dialect and compares SQL text, arguments, tables
// and the write flag with testdata/golden. Run with -update to rewrite the
// files after reviewing a change; integration/core_exec_test.go executes
// the same corpus against real servers.
func TestGolden(t *testing.T) {
	s := coretest.NewSchema()
	examples := s.Examples()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			got := map[string]golden{}
			for _, ex := range examples {
				g := compileGolden(dl.d, ex.Stmt)
				got[ex.Name] = g
				unsupported := slices.Contains(ex.Unsupported, dl.name)
				if dl.name == "mysql8" {
					unsupported = unsupported || slices.Contains(ex.Unsupported, coretest.MariaDB)
				}
				_, err := core.Compile(dl.d, ex.Stmt)
				switch {
				case unsupported && !errors.Is(err, core.ErrUnsupported) && dl.name != "mysql8":
					t.Errorf("%s: want ErrUnsupported, got %v", ex.Name, err)
				case !unsupported && err != nil && dl.name != "mysql8":
					t.Errorf("%s: %v", ex.Name, err)
				case err == nil && g.Writes != ex.Writes:
					t.Errorf("%s: Writes = %v, want %v", ex.Name, g.Writes, ex.Writes)
				}
			}
			stmts, err := s.Meta.CreateStatements(dl.d, true)
			if err != nil {
				t.Fatal(err)
			}
			drops, err := s.Meta.DropStatements(dl.d)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range append(stmts, drops...) {
				got[fmt.Sprintf("ddl_%02d", i)] = compileGolden(dl.d, st)
			}
			for i, st := range s.Seed() {
				got[fmt.Sprintf("seed_%d", i)] = compileGolden(dl.d, st)
			}
			checkGolden(t, dl.name, got)
		})
	}
}

func checkGolden(t *testing.T, name string, got map[string]golden) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./core -run TestGolden -update)", err)
	}
	var want map[string]golden
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: golden entry no longer produced", k)
			continue
		}
		if g.SQL != w.SQL || g.Args != w.Args || g.Err != w.Err || g.Writes != w.Writes || !slices.Equal(g.Tables, w.Tables) {
			t.Errorf("%s:\n got  %+v\n want %+v", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: no golden entry (run with -update and review)", k)
		}
	}
}
