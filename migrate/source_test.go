package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/athanor-orm/athanor/engine"
)

func TestParseFileName(t *testing.T) {
	cases := []struct {
		file string
		want FileName
		err  string
	}{
		{"0001_init.up.sql", FileName{Version: 1, Name: "init"}, ""},
		{"20261206071500_add_users.down.sql", FileName{Version: 20261206071500, Name: "add_users", Down: true}, ""},
		{"0002_idx.postgres.up.sql", FileName{Version: 2, Name: "idx", Dialect: "postgres"}, ""},
		{"0002_idx.oracle.up.sql", FileName{}, "unknown dialect"},
		{"0002_idx.sql", FileName{}, ".up.sql or .down.sql"},
		{"v2_idx.up.sql", FileName{}, "decimal version"},
		{"0003.up.sql", FileName{}, "decimal version"},
		{"0000_zero.up.sql", FileName{}, "out of range"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got, err := ParseFileName(c.file)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), c.file) || !errors.Is(err, ErrSource) {
					t.Fatalf("ParseFileName = %v, want an ErrSource naming the file with %q", err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("ParseFileName = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestLoadPerDialect(t *testing.T) {
	fsys := fstest.MapFS{
		"0001_a.up.sql":                {Data: []byte("CREATE TABLE a (x int);")},
		"0001_a.down.sql":              {Data: []byte("DROP TABLE a;")},
		"0001_a.sqlite.up.sql":         {Data: []byte("CREATE TABLE a (x integer);")},
		"0002_pg_only.postgres.up.sql": {Data: []byte("CREATE EXTENSION x;")},
		"10_b.up.sql":                  {Data: []byte("SELECT 1;")},
		"README.md":                    {Data: []byte("not a migration")},
	}
	noop := func(context.Context, engine.Executor) error { return nil }
	for _, c := range []struct {
		dialect  string
		versions []int64
		up1      string
	}{
		{"postgres", []int64{1, 2, 3, 10}, "0001_a.up.sql"},
		{"sqlite", []int64{1, 3, 10}, "0001_a.sqlite.up.sql"},
		{"mysql", []int64{1, 3, 10}, "0001_a.up.sql"},
	} {
		t.Run(c.dialect, func(t *testing.T) {
			migs, err := load(fsys, []Migration{Func(3, "go_step", noop, nil)}, c.dialect)
			if err != nil {
				t.Fatal(err)
			}
			var vs []int64
			for _, m := range migs {
				vs = append(vs, m.Version)
			}
			if !slicesEqual(vs, c.versions) {
				t.Fatalf("versions %v, want %v", vs, c.versions)
			}
			if migs[0].UpFile != c.up1 || migs[0].DownFile != "0001_a.down.sql" || !migs[0].hasDown {
				t.Fatalf("version 1 files %q/%q, want %q and the generic down", migs[0].UpFile, migs[0].DownFile, c.up1)
			}
			if len(migs[0].Checksum) != 64 {
				t.Fatalf("checksum %q", migs[0].Checksum)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	noop := func(context.Context, engine.Executor) error { return nil }
	cases := []struct {
		name string
		fsys fstest.MapFS
		goms []Migration
		want string
	}{
		{"two names for one version", fstest.MapFS{"1_a.up.sql": {}, "1_b.up.sql": {}}, nil, "version 1 is used by"},
		{"down without up", fstest.MapFS{"1_a.down.sql": {}}, nil, "1_a.down.sql has no matching up file"},
		{"go and sql with one version", fstest.MapFS{"1_a.up.sql": {}}, []Migration{Func(1, "g", noop, nil)}, "both go migration"},
		{"go migration without up", nil, []Migration{{Version: 4, Name: "x"}}, "no up function"},
		{"unterminated string names file and line", fstest.MapFS{"7_q.up.sql": {Data: []byte("SELECT 1;\nSELECT 'x;")}}, nil, "7_q.up.sql:2: unterminated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fsys fstest.MapFS
			if c.fsys != nil {
				fsys = c.fsys
			}
			_, err := load(fsys, c.goms, "postgres")
			if err == nil || !errors.Is(err, ErrSource) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("load = %v, want ErrSource with %q", err, c.want)
			}
		})
	}
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
