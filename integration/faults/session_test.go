package faults

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/session"
)

// TestSessionUnder64Goroutines has 64 goroutines share one session (run
// with -race in `make test`), each mixing Get, queries, Load of a
// relationship and Add+Commit of new rows. Nothing may fail; afterwards
// no row is duplicated, every committed object is persistent and is what
// Get returns for its key, and every load of a key returned one object.
func TestSessionUnder64Goroutines(t *testing.T) {
	const (
		goroutines = 64
		iterations = 12
		parents    = 8
		kids       = 4
	)
	each(t, everyServer, func(t *testing.T, e *env) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		setup := session.New(session.DB(e.direct), session.Options{Registry: e.reg})
		var pids []int64
		var seeded []*faultParent
		for p := range parents {
			fp := &faultParent{Name: fmt.Sprintf("p%d", p)}
			for k := range kids {
				fp.Kids = append(fp.Kids, &faultKid{Name: fmt.Sprintf("p%d-k%d", p, k)})
			}
			seeded = append(seeded, fp)
			if err := setup.Add(fp); err != nil {
				t.Fatal(err)
			}
		}
		if err := setup.Commit(ctx); err != nil {
			t.Fatalf("seed: %v", err)
		}
		for _, p := range seeded {
			pids = append(pids, p.ID)
		}

		s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
		var (
			errs       errSample
			failed     atomic.Int64
			ops        atomic.Int64
			split      atomic.Int64 // a key loaded as two different objects
			wrongKids  atomic.Int64
			seenParent sync.Map // id → *faultParent
			seenKid    sync.Map // id → *faultKid
			mu         sync.Mutex
			committed  []*faultRow
		)
		same := func(m *sync.Map, id int64, p any) {
			if prev, loaded := m.LoadOrStore(id, p); loaded && prev != p {
				split.Add(1)
			}
		}
		fail := func(op string, err error) bool {
			if err != nil {
				failed.Add(1)
				errs.add(op, err)
			}
			return err != nil
		}
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range iterations {
					ops.Add(1)
					pid := pids[(g*7+i)%parents]
					switch (g + i) % 4 {
					case 0:
						p, err := session.Get[faultParent](ctx, s, pid)
						if !fail("Get", err) {
							same(&seenParent, pid, p)
						}
					case 1:
						ks, err := session.Query[faultKid](s).Filter("ParentID", pid).All(ctx)
						if fail("Query.All", err) {
							continue
						}
						if len(ks) != kids {
							wrongKids.Add(1)
						}
						for _, k := range ks {
							same(&seenKid, k.ID, k)
						}
					case 2:
						p, err := session.Get[faultParent](ctx, s, pid)
						if fail("Get before Load", err) {
							continue
						}
						same(&seenParent, pid, p)
						if fail("Load Kids", s.Load(ctx, p, "Kids")) {
							continue
						}
						if len(p.Kids) != kids {
							wrongKids.Add(1)
						}
					default:
						r := &faultRow{K: fmt.Sprintf("s%d-%d", g, i), W: g}
						if fail("Add", s.Add(r)) {
							continue
						}
						if err := s.Commit(ctx); fail("Commit", err) {
							continue
						}
						mu.Lock()
						committed = append(committed, r)
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()

		if n := failed.Load(); n > 0 {
			t.Errorf("%d of %d operations failed:%s", n, ops.Load(), &errs)
		}
		if n := split.Load(); n > 0 {
			t.Errorf("%d loads returned a second object for a key the session already held", n)
		}
		if n := wrongKids.Load(); n > 0 {
			t.Errorf("%d loads saw a parent without its %d kids", n, kids)
		}
		rows := e.counts(t)
		dup := 0
		for k, n := range rows {
			if n > 1 {
				dup++
				t.Errorf("key %s: %d rows", k, n)
			}
		}
		lost, notPersistent, mismatched := 0, 0, 0
		for _, r := range committed {
			if rows[r.K] == 0 {
				lost++
			}
			if s.StateOf(r) != session.Persistent {
				notPersistent++
			}
			got, err := session.Get[faultRow](ctx, s, r.ID)
			if err != nil || got != r {
				mismatched++
			}
		}
		if lost+notPersistent+mismatched > 0 {
			t.Errorf("of %d committed objects: %d without a row, %d not persistent, %d not what Get returns for their key",
				len(committed), lost, notPersistent, mismatched)
		}
		np, nk := countTable(t, e, e.parents), countTable(t, e, e.kids)
		if np != parents || nk != parents*kids {
			t.Errorf("after the run: %d parents and %d kids on the server, want %d and %d (a loaded row was inserted again?)", np, nk, parents, parents*kids)
		}
		// Fresh sessions, where every Get and query races the others to
		// put its objects in the identity map, each followed at once by a
		// Load of a relationship.
		var fresh [2]atomic.Int64 // failures without and with NoAutoflush
		for mode, noAutoflush := range []bool{false, true} {
			var ferrs errSample
			for range 20 {
				fs := session.New(session.DB(e.db), session.Options{Registry: e.reg, NoAutoflush: noAutoflush})
				var wg sync.WaitGroup
				for g := range goroutines {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var p *faultParent
						var err error
						if g%2 == 0 {
							p, err = session.Get[faultParent](ctx, fs, pids[g%parents])
						} else {
							var all []*faultParent
							all, err = session.Query[faultParent](fs).All(ctx)
							if err == nil && len(all) > 0 {
								p = all[g%len(all)]
							}
						}
						if err == nil {
							err = fs.Load(ctx, p, "Kids")
						}
						if err != nil {
							fresh[mode].Add(1)
							ferrs.add(fmt.Sprintf("Get+Load (NoAutoflush %v)", noAutoflush), err)
						}
					}()
				}
				wg.Wait()
			}
			if fresh[mode].Load() > 0 {
				t.Errorf("concurrent Get+Load on fresh sessions (NoAutoflush %v) failed:%s", noAutoflush, &ferrs)
			}
		}
		np, nk = countTable(t, e, e.parents), countTable(t, e, e.kids)
		if np != parents || nk != parents*kids {
			t.Errorf("after Get+Load on fresh sessions: %d parents and %d kids on the server, want %d and %d (a loaded row was inserted again)", np, nk, parents, parents*kids)
		}
		report(t, "faults: one session under %d goroutines %s: %d operations, %d failed, %d commits, %d duplicated rows, %d split identities, %d wrong relationship loads, %d committed objects inconsistent; fresh-session Get+Load failures %d (autoflush) %d (NoAutoflush)",
			goroutines, e.name, ops.Load(), failed.Load(), len(committed), dup, split.Load(), wrongKids.Load(), lost+notPersistent+mismatched, fresh[0].Load(), fresh[1].Load())
	})
}

func countTable(t *testing.T, e *env, tbl *core.Table) int64 {
	t.Helper()
	var n int64
	if err := e.direct.QueryRow(context.Background(), core.Select(core.Count(core.Star())).From(tbl)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
