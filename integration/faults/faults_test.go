// Package faults runs Athanor through network faults on the real servers
// (issue 15): a TCP proxy in the test process (internal/faultproxy) sits
// between the engines and each server and resets, freezes, refuses or
// cuts their connections while readers and writers run. Each scenario is
// bounded in time and states what callers must see — no failed read while
// a replica dies, no lost or duplicated write while the primary's
// connections are killed, athanor.ErrOutcomeUnknown whenever a write may
// have run but its answer was lost, a healthy pool after a cancel storm,
// a consistent session under 64 goroutines — and logs its figures, also
// appended to ATHANOR_TEST_REPORT, which `make test` prints.
package faults

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
)

// faultRow is the row every write scenario inserts: K is the caller's
// unique key, deliberately not a unique column, so that a write run twice
// shows as two rows instead of a unique violation.
type faultRow struct {
	_  struct{} `athanor:",table:fault_rows"`
	ID int64    `athanor:",pk"`
	K  string   `athanor:",size:64,index"`
	W  int
}

type faultParent struct {
	_    struct{}    `athanor:",table:fault_parents"`
	ID   int64       `athanor:",pk"`
	Name string      `athanor:",size:64"`
	Kids []*faultKid `athanor:",cascade:all"`
}

type faultKid struct {
	_        struct{} `athanor:",table:fault_kids"`
	ID       int64    `athanor:",pk"`
	Name     string   `athanor:",size:64"`
	ParentID int64    `athanor:",index"`
	Parent   *faultParent
}

// server is one database family a scenario runs on.
type server struct {
	name    string // "postgres", "mariadb", "sqlite"
	cluster func(t testing.TB) testdb.Cluster
}

var (
	pgServer     = server{"postgres", testdb.PG}
	mariaServer  = server{"mariadb", testdb.MySQL}
	sqliteServer = server{"sqlite", nil}
	networked    = []server{pgServer, mariaServer}
	everyServer  = []server{pgServer, mariaServer, sqliteServer}
)

// env is one scenario's database: engines through a proxy to the primary
// and straight to it, the registry and the rows table.
type env struct {
	name    string
	dsn     string // of the primary, without the proxy
	c       testdb.Cluster
	proxy   *faultproxy.Proxy // to the primary; nil on SQLite
	db      *engine.DB        // through proxy (the SQLite file directly)
	direct  *engine.DB        // straight to the primary, for setup and checks
	reg     *mapper.Registry
	rows    *core.Table
	parents *core.Table
	kids    *core.Table
}

// each runs body once per server, sequentially: scenarios measure
// timing and goroutines, which parallel subtests would blur.
func each(t *testing.T, servers []server, body func(t *testing.T, e *env)) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			body(t, newEnv(t, s))
		})
	}
}

func newEnv(t *testing.T, s server) *env {
	t.Helper()
	e := &env{name: s.name, reg: registry(t)}
	if s.cluster == nil {
		e.dsn = "sqlite://" + testdb.SQLite(t)
		e.db = openEngine(t, e.dsn, 0)
		e.direct = e.db
	} else {
		e.c = s.cluster(t)
		e.proxy = faultproxy.Start(t, e.c.Primary.Addr())
		e.dsn = e.c.Primary.URL()
		e.direct = openEngine(t, e.dsn, 0)
		e.db = openEngine(t, e.proxy.Endpoint(e.c.Primary).URL(), 0)
	}
	md, err := e.reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	err = md.CreateAll(context.Background(), e.direct.Dialect(), func(ctx context.Context, c core.Compiled) error {
		_, err := e.direct.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}, false)
	if err != nil {
		t.Fatalf("create schema: %v", err)
	}
	e.rows, _ = md.Table("fault_rows")
	e.parents, _ = md.Table("fault_parents")
	e.kids, _ = md.Table("fault_kids")
	return e
}

func registry(t *testing.T) *mapper.Registry {
	t.Helper()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[faultRow](reg); err != nil {
		t.Fatal(err)
	}
	if _, err := mapper.RegisterIn[faultParent](reg); err != nil {
		t.Fatal(err)
	}
	return reg
}

// openEngine opens dsn with at most maxConns connections (0: default);
// it is closed when the test ends.
func openEngine(t *testing.T, dsn string, maxConns int32) *engine.DB {
	t.Helper()
	cfg, err := engine.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s: %v", cfg, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// insertRow is the INSERT of one row of key k by writer w.
func (e *env) insertRow(k string, w int) *core.InsertStmt {
	return core.Insert(e.rows).Columns(e.rows.C("k"), e.rows.C("w")).Values(k, w)
}

// counts returns the number of rows of each key, read on the primary
// without the proxy.
func (e *env) counts(t *testing.T) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := map[string]int{}
	err := e.direct.QueryFunc(ctx, core.Select(e.rows.C("k")).From(e.rows), func(r *engine.Rows) error {
		for r.Next() {
			var k string
			if err := r.Scan(&k); err != nil {
				return err
			}
			out[k]++
		}
		return r.Err()
	})
	if err != nil {
		t.Fatalf("read back fault_rows: %v", err)
	}
	return out
}

// errKind sorts an error a caller got for a write: "unknown" (the write
// may have run: athanor.ErrOutcomeUnknown), "connection" (a clear
// connection error: the write did not run), or "other".
func errKind(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, athanor.ErrOutcomeUnknown):
		return "unknown"
	case athanor.IsConnectionError(err):
		return "connection"
	default:
		return "other"
	}
}

var digits = regexp.MustCompile(`[0-9]+`)

// errSample keeps the first few distinct error texts of a scenario, for
// its failure message.
type errSample struct {
	mu   sync.Mutex
	seen map[string]int
	keys []string
}

func (s *errSample) add(label string, err error) {
	if err == nil {
		return
	}
	// Ports and addresses differ from error to error: group by the rest.
	msg := label + ": " + digits.ReplaceAllString(err.Error(), "N")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]int{}
	}
	if _, ok := s.seen[msg]; !ok {
		s.keys = append(s.keys, msg)
	}
	s.seen[msg]++
}

func (s *errSample) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, k := range s.keys {
		if i == 6 {
			fmt.Fprintf(&b, "\n  … %d more distinct errors", len(s.keys)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %d× %s", s.seen[k], k)
	}
	return b.String()
}

// report logs a scenario's one-line summary and appends it to the file
// named by ATHANOR_TEST_REPORT, which `make test` prints at the end (go
// test hides the logs of passing tests).
func report(t *testing.T, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	path := os.Getenv("ATHANOR_TEST_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("test report: %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		t.Fatalf("test report: %v", err)
	}
}
