//go:build unix

// Package failover_test runs the router across a real primary failover on
// the PostgreSQL trio of scripts/dbup-failover (A primary on 5460, B its
// standby on 5461, C a standby of B on 5462): A is stopped and B promoted
// under load. A package of its own, holding a file lock, so that nothing
// else uses the trio meanwhile.
package failover_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// trio is the failover trio's DSNs, from the environment scripts/dbup (or
// scripts/dbup-failover) prints.
type trio struct {
	primary string // multi-host, target_session_attrs=read-write
	a, b, c string
}

func requireTrio(t *testing.T) trio {
	t.Helper()
	tr := trio{os.Getenv("ATHANOR_PG_FAILOVER"), os.Getenv("ATHANOR_PG_FAILOVER_A"),
		os.Getenv("ATHANOR_PG_FAILOVER_B"), os.Getenv("ATHANOR_PG_FAILOVER_C")}
	skip := func(msg string) {
		if testdb.InCI() {
			t.Fatal("CI=true and " + msg)
		}
		t.Skip("skipping: " + msg)
	}
	if tr.primary == "" || tr.a == "" || tr.b == "" || tr.c == "" {
		skip("the failover trio is not configured (ATHANOR_PG_FAILOVER*); run scripts/dbup or scripts/dbup-failover as root")
	}
	if os.Geteuid() != 0 {
		skip("the failover test runs scripts/dbup-failover, which needs root")
	}
	return tr
}

// lockTrio takes the trio for the rest of the test (the lock the script
// honours), waiting at most a few minutes for another test binary.
func lockTrio(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "athanor-failover.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Minute); ; {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(end) {
			f.Close()
			t.Fatalf("lock the failover trio: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Cleanup(func() { f.Close() }) // closing releases the lock
}

// script runs scripts/dbup-failover with args; the test holds the lock.
func script(ctx context.Context, args ...string) error {
	path, err := filepath.Abs(filepath.Join("..", "..", "scripts", "dbup-failover"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "ATHANOR_FAILOVER_LOCK_HELD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("scripts/dbup-failover %v: %w\n%s", args, err, out)
	}
	return nil
}

func openEngine(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// op is one statement of the load: when it started and ended, and how it
// came out.
type op struct {
	id         int64
	start, end time.Time
	err        error
}

const (
	runFor      = 30 * time.Second
	switchAt    = 10 * time.Second
	downFor     = 2 * time.Second // A stopped, B not promoted yet
	backWithin  = 10 * time.Second
	failFast    = 3 * time.Second // the longest a failed write may take
	opTimeout   = 8 * time.Second
	writers     = 8
	readers     = 8
	opPause     = 10 * time.Millisecond
	catchUpWait = 20 * time.Second
)

// Eight writers and eight readers for 30 s while the primary fails over
// (A stopped at 10 s, B promoted 2 s later). Reads never fail (C serves
// them throughout); a write either fails — fast, matching
// router.ErrNoPrimary (not applied) or athanor.ErrOutcomeUnknown — or is
// on the new primary afterwards; writes succeed again within 10 s of the
// promotion; and C follows B onto its new timeline. The trio is restored
// (A primary again) at the end.
func TestPrimaryFailoverUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s of load across a failover")
	}
	tr := requireTrio(t)
	lockTrio(t)
	bg := context.Background()
	if err := script(bg, "--reset"); err != nil {
		t.Fatalf("the trio is not in shape before the test: %v", err)
	}
	t.Cleanup(func() {
		if err := script(context.Background(), "--reset"); err != nil {
			t.Errorf("restoring the trio: %v", err)
		}
	})

	primary := openEngine(t, tr.primary+"&connect_timeout=2&pool_max_conns=16")
	replica := openEngine(t, tr.c+"&connect_timeout=2&pool_max_conns=16")
	r, err := router.New(router.Config{
		Groups:         []router.GroupConfig{{Primary: primary, Replicas: []*engine.DB{replica}, ReplicaNames: []string{"C"}}},
		HealthInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })

	setup, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	for _, q := range []string{"DROP TABLE IF EXISTS failover_items",
		"CREATE TABLE failover_items (id bigint PRIMARY KEY, writer int NOT NULL)"} {
		if _, err := r.Exec(setup, core.Raw(q)); err != nil {
			t.Fatal(err)
		}
	}
	count := core.Raw("SELECT count(*) FROM failover_items").ReadOnly()
	for {
		var n int
		if err := replica.QueryRow(setup, count).Scan(&n); err == nil {
			break
		} else if setup.Err() != nil {
			t.Fatalf("the table did not reach C: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	start := time.Now()
	stop := start.Add(runFor)
	var (
		wg                 sync.WaitGroup
		nextID             atomic.Int64
		writeOps           = make([][]op, writers)
		readOps            = make([][]op, readers)
		stopped, promoting time.Time // set by the switch goroutine before swDone
		swErr              error
		swDone             = make(chan struct{})
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				id := nextID.Add(1)
				ctx, cancel := context.WithTimeout(bg, opTimeout)
				o := op{id: id, start: time.Now()}
				_, o.err = r.Exec(ctx, core.Raw("INSERT INTO failover_items (id, writer) VALUES (?, ?)", id, w))
				o.end = time.Now()
				cancel()
				writeOps[w] = append(writeOps[w], o)
				time.Sleep(opPause)
			}
		}()
	}
	for rd := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(bg, opTimeout)
				o := op{start: time.Now()}
				var n int64
				o.err = r.QueryRow(ctx, count).Scan(&n)
				o.end = time.Now()
				cancel()
				readOps[rd] = append(readOps[rd], o)
				time.Sleep(opPause)
			}
		}()
	}
	go func() {
		defer close(swDone)
		time.Sleep(time.Until(start.Add(switchAt)))
		if swErr = script(bg, "--stop-primary"); swErr != nil {
			return
		}
		stopped = time.Now()
		time.Sleep(downFor)
		promoting = time.Now()
		swErr = script(bg, "--promote")
	}()
	wg.Wait()
	<-swDone
	if swErr != nil {
		t.Fatalf("failover: %v", swErr)
	}

	// Reads never fail.
	nReads := 0
	for _, ops := range readOps {
		for _, o := range ops {
			nReads++
			if o.err != nil {
				t.Errorf("read at %v failed: %v", o.start.Sub(start).Round(time.Millisecond), o.err)
			}
		}
	}

	// Writes: committed, refused (ErrNoPrimary: not applied) or unknown;
	// each failure fast; success again soon after the promotion.
	var committed, refused, unknown []int64
	var firstBack time.Time
	for _, ops := range writeOps {
		for _, o := range ops {
			at := o.start.Sub(start).Round(time.Millisecond)
			switch {
			case o.err == nil:
				committed = append(committed, o.id)
				if o.start.After(promoting) && (firstBack.IsZero() || o.end.Before(firstBack)) {
					firstBack = o.end
				}
			case errors.Is(o.err, athanor.ErrOutcomeUnknown):
				unknown = append(unknown, o.id)
			case errors.Is(o.err, router.ErrNoPrimary):
				refused = append(refused, o.id)
			default:
				t.Errorf("write %d at %v: %v, want router.ErrNoPrimary or athanor.ErrOutcomeUnknown", o.id, at, o.err)
			}
			if o.err != nil && o.end.Sub(o.start) > failFast {
				t.Errorf("write %d at %v took %v to fail, want under %v", o.id, at, o.end.Sub(o.start), failFast)
			}
			// While A is down and B not yet promoted, no write can commit.
			if o.err == nil && o.start.After(stopped.Add(200*time.Millisecond)) && o.end.Before(promoting) {
				t.Errorf("write %d at %v committed with no primary up", o.id, at)
			}
		}
	}
	t.Logf("%d reads; writes: %d committed, %d refused (no primary), %d outcome unknown; back %v after the promotion",
		nReads, len(committed), len(refused), len(unknown), firstBack.Sub(promoting).Round(time.Millisecond))
	if len(refused) == 0 {
		t.Error("no write was refused with router.ErrNoPrimary while no primary was up")
	}
	if firstBack.IsZero() || firstBack.Sub(promoting) > backWithin {
		t.Errorf("writes succeeded again %v after the promotion, want within %v", firstBack.Sub(promoting), backWithin)
	}

	// Every committed write is on the new primary, no refused one is.
	b, err := pgx.Connect(bg, tr.b)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(bg)
	var inRecovery bool
	if err := b.QueryRow(bg, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || inRecovery {
		t.Fatalf("B after the promotion: in recovery %v, %v", inRecovery, err)
	}
	present := map[int64]bool{}
	rows, err := b.Query(bg, "SELECT id FROM failover_items")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		present[id] = true
	}
	var lost, applied []int64
	for _, id := range committed {
		if !present[id] {
			lost = append(lost, id)
		}
	}
	for _, id := range refused {
		if present[id] {
			applied = append(applied, id)
		}
	}
	sort.Slice(lost, func(i, j int) bool { return lost[i] < lost[j] })
	if len(lost) > 0 {
		t.Errorf("%d writes reported committed are not on the new primary: %v", len(lost), lost)
	}
	if len(applied) > 0 {
		t.Errorf("%d writes refused with router.ErrNoPrimary were applied: %v", len(applied), applied)
	}

	// C followed B onto its new timeline: it catches up with B.
	want := len(ids)
	var got int
	for end := time.Now().Add(catchUpWait); ; {
		err := replica.QueryRow(bg, count).Scan(&got)
		if err == nil && got == want {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("C has %d rows (%v), B %d: C does not follow the new primary", got, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := r.Group(router.DefaultGroup).PrimaryStatus(); !st.Up {
		t.Errorf("primary status after the failover: %+v, want up", st)
	}
	if _, err := r.Exec(bg, core.Raw("DROP TABLE failover_items")); err != nil {
		t.Errorf("drop the table on the new primary: %v", err)
	}
}
