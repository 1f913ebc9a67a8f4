package router_test

// Config.PrimaryReads against real primaries and replicas: which node the
// LeastLoaded policy gives reads to as load builds up, the share the
// primary takes under concurrent load (checked against the server's own
// answer to "am I a replica?"), and read-your-writes with every replica
// paused.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// sleepStmt holds its connection for secs: a read, or (not marked
// read-only) a write as far as routing goes.
func sleepStmt(f family, secs float64, read bool) core.Statement {
	s := core.Raw("SELECT SLEEP(?)", secs)
	if f.kind == testdb.KindPostgres {
		s = core.Raw("SELECT 1 FROM (SELECT pg_sleep(?)) AS s", secs)
	}
	if read {
		return s.ReadOnly()
	}
	return s
}

// inFlight is the number of statements the router runs in its default
// group, primary included.
func inFlight(r *router.Router) int64 {
	g := r.Group(router.DefaultGroup)
	n := g.PrimaryStatus().InFlight
	for _, s := range g.Replicas() {
		n += s.InFlight
	}
	return n
}

// TestPrimaryReadsFillsNodesEvenly starts long reads one after another,
// each once the one before is in flight, and checks where LeastLoaded sent
// them: replicas first, the primary once it is the least loaded, and none
// to a primary whose pool is taken by writes until the replicas are as
// loaded.
func TestPrimaryReadsFillsNodesEvenly(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		nodes := 1 + len(c.Replicas)
		tests := []struct {
			name   string
			writes int // long writes holding the primary first
			// want is the reads (of 2 per node) the primary gets: in
			// turn with the replicas when idle; with 2 writes of its pool
			// of 4 in flight, only once every replica has more.
			want map[testdb.Kind]int
		}{
			{"idle primary", 0, map[testdb.Kind]int{testdb.KindPostgres: 2, testdb.KindMySQL: 2}},
			{"primary busy with writes", 2, map[testdb.Kind]int{testdb.KindPostgres: 0, testdb.KindMySQL: 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := newRouter(t, c, router.Config{PrimaryReads: true, MaxLag: -1})
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				defer wg.Wait()
				defer cancel()
				started := int64(0)
				start := func(stmt core.Statement, d *router.Decision) {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := r.Exec(router.WithDecision(ctx, d), stmt)
						if err != nil && ctx.Err() == nil {
							t.Errorf("long statement: %v", err)
						}
					}()
					started++
					waitFor(t, 10*time.Second, fmt.Sprintf("%d statements in flight", started), func() bool { return inFlight(r) == started })
				}
				for range tt.writes {
					var d router.Decision
					start(sleepStmt(f, 60, false), &d)
				}
				reads := make([]router.Decision, 2*nodes)
				for i := range reads {
					start(sleepStmt(f, 60, true), &reads[i])
				}
				cancel()
				wg.Wait()
				onPrimary := 0
				for i, d := range reads {
					switch {
					case d.Role == router.RolePrimary && d.Reason == router.ReasonPrimaryByPolicy:
						onPrimary++
					case d.Role == router.RoleReplica && d.Reason == router.ReasonReplica:
					default:
						t.Errorf("read %d: decision %+v", i, d)
					}
				}
				if want := tt.want[f.kind]; onPrimary != want {
					t.Errorf("the primary got %d of %d reads, want %d (decisions %+v)", onPrimary, len(reads), want, reads)
				}
			})
		}
	})
}

// TestPrimaryReadsShareUnderLoad: concurrent readers, more than the
// replicas' pools hold. With PrimaryReads the primary takes a share of the
// reads, and each read ran where its decision says (the server is asked);
// without it, none.
func TestPrimaryReadsShareUnderLoad(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		// Each read holds its connection a few milliseconds, so that the
		// readers overlap even on a slow machine.
		probe := core.Raw(f.onReplica + ", " + map[testdb.Kind]string{
			testdb.KindPostgres: "pg_sleep(0.003) IS NULL",
			testdb.KindMySQL:    "SLEEP(0.003) = 0",
		}[f.kind]).ReadOnly()
		for _, primaryReads := range []bool{false, true} {
			t.Run(fmt.Sprint("PrimaryReads=", primaryReads), func(t *testing.T) {
				r := newRouter(t, c, router.Config{PrimaryReads: primaryReads, MaxLag: -1})
				const readers, each = 16, 20
				var mu sync.Mutex
				byReason := map[router.Reason]int{}
				var wg sync.WaitGroup
				for range readers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range each {
							var d router.Decision
							var rep, slept bool
							if err := r.QueryRow(router.WithDecision(context.Background(), &d), probe).Scan(&rep, &slept); err != nil {
								t.Error(err)
								return
							}
							if rep != (d.Role == router.RoleReplica) {
								t.Errorf("server says replica=%v, decision %+v", rep, d)
								return
							}
							mu.Lock()
							byReason[d.Reason]++
							mu.Unlock()
						}
					}()
				}
				wg.Wait()
				total := readers * each
				onPrimary := byReason[router.ReasonPrimaryByPolicy]
				t.Logf("%d nodes, %d readers: %v; primary share %.0f%%", 1+len(c.Replicas), readers, byReason, 100*float64(onPrimary)/float64(total))
				if byReason[router.ReasonReplica]+onPrimary != total {
					t.Fatalf("reasons %v, want only %q and %q", byReason, router.ReasonReplica, router.ReasonPrimaryByPolicy)
				}
				switch {
				case !primaryReads && onPrimary != 0:
					t.Errorf("without PrimaryReads the primary served %d reads", onPrimary)
				case primaryReads && (onPrimary == 0 || onPrimary > total*3/4):
					t.Errorf("with PrimaryReads the primary served %d of %d reads, want a share", onPrimary, total)
				}
			})
		}
	})
}

// TestPrimaryReadsReadYourWritesWithReplicasPaused: with every replica
// paused, reads carrying the writer's token go to the primary at once
// (the policy's choice, no causal wait) and see the write, from
// concurrent writers; a read-only transaction with the token does too.
func TestPrimaryReadsReadYourWritesWithReplicasPaused(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		// A long causal wait: a read that waited for a replica would show.
		r := newRouter(t, c, router.Config{PrimaryReads: true, CausalWait: 10 * time.Second, MaxLag: -1})
		createItems(t, r, c)
		testdb.LockReplication(t)
		for _, rep := range c.Replicas {
			testdb.PauseReplay(t, rep)
		}
		const writers, each = 8, 25
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					id := int64(w*each + i + 1)
					ctx, _ := router.Track(context.Background())
					if _, err := r.Exec(ctx, core.Insert(items).Columns(items.Columns()...).Values(id, fmt.Sprint("n", id))); err != nil {
						t.Error(err)
						return
					}
					var d router.Decision
					note, err := readNote(router.WithDecision(ctx, &d), r, id)
					if err != nil {
						t.Error(err)
						return
					}
					if note != fmt.Sprint("n", id) || d.Role != router.RolePrimary || d.Reason != router.ReasonPrimaryByPolicy || d.Wait != 0 {
						t.Errorf("read %q after writing id %d (decision %+v); want it, from the primary by policy, no wait", note, id, d)
						return
					}
				}
			}()
		}
		wg.Wait()

		// A read-only transaction carrying the token begins on the primary.
		ctx, _ := router.Track(context.Background())
		insert(t, r, ctx, 10_000)
		var d router.Decision
		tx, err := r.Begin(router.WithDecision(ctx, &d), engine.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(context.Background())
		var note string
		if err := tx.QueryRow(ctx, core.Select(items.C("note")).From(items).Where(core.Eq(items.C("id"), int64(10_000)))).Scan(&note); err != nil || note != "n10000" {
			t.Fatalf("read-only tx after the write: note %q, err %v (decision %+v)", note, err, d)
		}
		if d.Role != router.RolePrimary || d.Reason != router.ReasonPrimaryByPolicy {
			t.Errorf("read-only tx decision %+v, want the primary by policy", d)
		}

		// Without a token a read may still find a paused replica: both are
		// allowed, nothing waits.
		var d2 router.Decision
		if _, err := readNote(router.WithDecision(context.Background(), &d2), r, 10_000); err != nil {
			t.Fatal(err)
		}
		if d2.Reason != router.ReasonReplica && d2.Reason != router.ReasonPrimaryByPolicy {
			t.Errorf("tokenless read decision %+v", d2)
		}
	})
}
