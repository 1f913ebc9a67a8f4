package session_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/faultproxy"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

// cutPosition arms, while on, the proxy to cut the answer to the next
// statement holding marker: the primary's position query. Its SQL text is
// matched here rather than on the wire, where a prepared statement's name
// may travel instead.
type cutPosition struct {
	proxy  *faultproxy.Proxy
	marker string
	on     atomic.Bool
	cuts   atomic.Int32
}

func (c *cutPosition) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	if strings.Contains(d.SQL, c.marker) && c.on.CompareAndSwap(true, false) {
		c.proxy.CutOnNextResponse()
		c.cuts.Add(1)
	}
	return ctx
}

func (c *cutPosition) QueryEnd(context.Context, engine.QueryEndData) {}

// When the primary cannot be asked for its position after a commit, the
// commit still succeeds (it did: an error would invite a second write),
// and the session's reads, and the next request's through the token, go
// to the primary: with every replica's replay paused they see the write.
// A later commit whose position is known replaces the stand-in.
func TestCommitWithUnknownPositionReadsItsWrites(t *testing.T) {
	for _, f := range []struct {
		name    string
		kind    testdb.Kind
		cluster func(testing.TB) testdb.Cluster
		// posQuery is in the statement asking the primary its position.
		posQuery string
	}{
		{"postgres", testdb.KindPostgres, testdb.PG, "pg_current_wal_insert_lsn"},
		{"mariadb", testdb.KindMySQL, testdb.MySQL, "@@gtid_binlog_pos"},
	} {
		t.Run(f.name, func(t *testing.T) {
			testdb.RequireReplicas(t, f.kind, 1)
			ctx := context.Background()
			c := f.cluster(t)
			// The primary behind a proxy that cuts the answer to the
			// position query the router sends after a COMMIT.
			proxy := faultproxy.Start(t, c.Primary.Addr())
			cut := &cutPosition{proxy: proxy, marker: f.posQuery}
			cfg, err := engine.ParseConfig(proxy.Endpoint(c.Primary).URL())
			if err != nil {
				t.Fatal(err)
			}
			cfg.Hook = cut
			primary, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { primary.Close() })
			reg := schema(t, primary, mapper.RegisterIn[Author])
			var replicas []*engine.DB
			for _, r := range c.Replicas {
				db, err := engine.Open(ctx, r.URL())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				replicas = append(replicas, db)
			}
			rt, err := router.New(router.Config{
				Groups:     []router.GroupConfig{{Name: router.DefaultGroup, Primary: primary, Replicas: replicas}},
				CausalWait: 50 * time.Millisecond,
				// No monitor probe between arming the cut and the commit.
				HealthInterval: time.Hour,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close() })
			testdb.CaughtUp(t, c)
			testdb.LockReplication(t)
			for _, r := range c.Replicas {
				testdb.PauseReplay(t, r)
			}
			for _, tc := range []struct {
				name string
				objs int // 1: one autocommit INSERT; 2: a transaction
			}{{"one statement", 1}, {"transaction", 2}} {
				t.Run(tc.name, func(t *testing.T) {
					s := session.New(session.Router(rt), session.Options{Registry: reg})
					name := "unknown position " + tc.name
					for i := range tc.objs {
						if err := s.Add(&Author{Name: name + strings.Repeat("+", i)}); err != nil {
							t.Fatal(err)
						}
					}
					cut.cuts.Store(0)
					cut.on.Store(true)
					err := s.Commit(ctx)
					tok := s.Token()
					cut.on.Store(false)
					cutDone := !proxy.CutArmed()
					proxy.Disarm()
					if err != nil {
						t.Fatalf("commit: %v", err)
					}
					if cut.cuts.Load() != 1 || !cutDone {
						t.Fatal("the position query was not cut: the test proves nothing")
					}
					var d router.Decision
					n, err := session.Query[Author](s).Filter("Name", name).Count(router.WithDecision(ctx, &d))
					if err != nil || n != 1 {
						t.Fatalf("session read after commit: %d rows, %v (served by %s, %s)", n, err, d.Node, d.Reason)
					}
					if d.Role != router.RolePrimary {
						t.Errorf("session read served by %s (%s), want the primary", d.Node, d.Reason)
					}
					// The next request, with the token as a string.
					carried, err := router.ParseToken(tok.String())
					if err != nil {
						t.Fatal(err)
					}
					next := session.New(session.Router(rt), session.Options{Registry: reg})
					n, err = session.Query[Author](next).Filter("Name", name).Count(router.WithToken(ctx, carried))
					if err != nil || n != 1 {
						t.Fatalf("next request's read with the token: %d rows, %v", n, err)
					}
					if got := tok.Position(router.DefaultGroup).Kind(); got != router.PositionPrimary {
						t.Errorf("token after a commit of unknown position: %q (kind %v), want the primary position", tok, got)
					}
					// A commit whose position is read replaces the stand-in.
					a, err := session.Query[Author](s).Filter("Name", name).One(ctx)
					if err != nil {
						t.Fatal(err)
					}
					a.Name += " (renamed)"
					if err := s.Commit(ctx); err != nil {
						t.Fatal(err)
					}
					tok2 := s.Token()
					if k := tok2.Position(router.DefaultGroup).Kind(); k == router.PositionPrimary || k == router.PositionNone {
						t.Fatalf("token after a commit of known position: %q", tok2)
					}
				})
			}
		})
	}
}
