package session_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type stxItem struct {
	_    struct{} `athanor:",table:stx_items"`
	ID   int64
	Name string `athanor:",size:50"`
}

type stxAccount struct {
	_       struct{} `athanor:",table:stx_accounts"`
	ID      int64    `athanor:",pk,noautoincrement"`
	Balance int64
}

type stxJob struct {
	_      struct{} `athanor:",table:stx_jobs"`
	ID     int64    `athanor:",pk,noautoincrement"`
	Worker int64
}

// TestBeginSavepointRollback: Begin opens the session's transaction, a
// nested Begin a savepoint; the savepoint's Rollback removes its rows and
// puts its objects back as they were when it began (the inserted object
// pending again, its generated key cleared; the changed one with its
// change pending), while the enclosing transaction's work stays and
// commits.
func TestBeginSavepointRollback(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxItem])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := &stxItem{Name: "a"}
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		sp, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Depth() != 1 || tx.Depth() != 0 {
			t.Fatalf("depths %d, %d; want 0, 1", tx.Depth(), sp.Depth())
		}
		b := &stxItem{Name: "b"}
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
		a.Name = "a2"
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ID == 0 || s.StateOf(b) != session.Persistent {
			t.Fatalf("b after flush: id %d, %v", b.ID, s.StateOf(b))
		}
		// Reads run in the transaction: both rows are there.
		if n, err := session.Query[stxItem](s).Count(ctx); err != nil || n != 2 {
			t.Fatalf("count in savepoint: %d, %v; want 2", n, err)
		}
		if err := sp.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ID != 0 || s.StateOf(b) != session.Pending {
			t.Errorf("b after savepoint rollback: id %d, %v; want 0, pending", b.ID, s.StateOf(b))
		}
		if s.StateOf(a) != session.Persistent || a.Name != "a2" {
			t.Errorf("a after savepoint rollback: %v %q", s.StateOf(a), a.Name)
		}
		if err := sp.Commit(ctx); !errors.Is(err, session.ErrTxEnded) {
			t.Errorf("commit of a rolled-back savepoint: %v, want ErrTxEnded", err)
		}
		if err := s.Delete(b); err != nil { // pending: just leaves the session
			t.Fatal(err)
		}
		var names []string
		err = s.QueryFunc(ctx, core.Raw("SELECT name FROM stx_items ORDER BY id"), func(rows *engine.Rows) error {
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					return err
				}
				names = append(names, n)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(names) != "[a2]" { // the autoflush wrote a's pending change
			t.Errorf("rows in the transaction: %v, want [a2]", names)
		}
		if n := srv.rows(t, "stx_items"); n != 0 {
			t.Errorf("%d rows visible outside the open transaction, want 0", n)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(ctx); !errors.Is(err, session.ErrTxEnded) {
			t.Errorf("rollback after commit: %v, want ErrTxEnded", err)
		}
		if n := srv.rows(t, "stx_items"); n != 1 {
			t.Errorf("%d rows after commit, want 1", n)
		}
	})
}

// TestSavepointCommitKeepsForOuterRollback: a released savepoint's work
// belongs to the enclosing transaction: the outer Rollback undoes it,
// in the database and in the objects (inserted ones pending again).
func TestSavepointCommitKeepsForOuterRollback(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxItem])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		sp, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b := &stxItem{Name: "b"}
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
		if err := sp.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ID == 0 || s.StateOf(b) != session.Persistent {
			t.Fatalf("b after release: id %d, %v", b.ID, s.StateOf(b))
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if b.ID != 0 || s.StateOf(b) != session.Pending {
			t.Errorf("b after outer rollback: id %d, %v; want 0, pending", b.ID, s.StateOf(b))
		}
		if n := srv.rows(t, "stx_items"); n != 0 {
			t.Errorf("%d rows after rollback, want 0", n)
		}
		// A savepoint left open is released by the session's Commit.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "stx_items"); n != 1 {
			t.Errorf("%d rows after commit, want 1", n)
		}
	})
}

// TestNestedSavepoints: savepoints nest, each handle one level deeper;
// a savepoint's Rollback ends the ones nested in it, restoring what they
// did too, and leaves the enclosing ones usable; the session's Rollback
// ends every handle, also inside a transaction a flush began (no handle
// at depth 0).
func TestNestedSavepoints(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxItem])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		add := func(name string) *stxItem {
			it := &stxItem{Name: name}
			if err := s.Add(it); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			return it
		}
		begin := func(depth int) *session.SessionTx {
			h, err := s.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if h.Depth() != depth {
				t.Fatalf("handle of depth %d, want %d", h.Depth(), depth)
			}
			return h
		}
		tx := begin(0)
		a := add("a")
		sp1 := begin(1)
		b := add("b")
		sp2 := begin(2)
		c := add("c")
		if err := sp1.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		for _, it := range []*stxItem{b, c} {
			if it.ID != 0 || s.StateOf(it) != session.Pending {
				t.Errorf("%s after the rollback of the savepoint around it: id %d, %v; want 0, pending", it.Name, it.ID, s.StateOf(it))
			}
		}
		if err := sp2.Commit(ctx); !errors.Is(err, session.ErrTxEnded) {
			t.Errorf("commit of a savepoint inside one rolled back: %v, want ErrTxEnded", err)
		}
		if s.StateOf(a) != session.Persistent || a.ID == 0 {
			t.Errorf("a after the savepoint's rollback: id %d, %v", a.ID, s.StateOf(a))
		}
		sp := begin(1) // flushes b and c into the transaction
		if err := sp.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "stx_items"); n != 3 {
			t.Errorf("%d rows after commit, want 3", n)
		}

		// In a transaction a flush began.
		d := &stxItem{Name: "d"}
		if err := s.Add(d); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		sp1 = begin(1)
		e := add("e")
		sp2 = begin(2)
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		for _, h := range []*session.SessionTx{sp1, sp2} {
			if err := h.Rollback(ctx); !errors.Is(err, session.ErrTxEnded) {
				t.Errorf("rollback of savepoint %d after the session's: %v, want ErrTxEnded", h.Depth(), err)
			}
		}
		for _, it := range []*stxItem{d, e} {
			if it.ID != 0 || s.StateOf(it) != session.Pending {
				t.Errorf("%s after the session's rollback: id %d, %v; want 0, pending", it.Name, it.ID, s.StateOf(it))
			}
		}
		if n := srv.rows(t, "stx_items"); n != 3 {
			t.Errorf("%d rows after rollback, want 3", n)
		}
	})
}

// TestLockingReadNeedsTransaction: ForUpdate outside a transaction fails
// before anything is sent; Count of a locking query fails; inside Begin
// the query runs (on SQLite without a FOR UPDATE clause).
func TestLockingReadNeedsTransaction(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxJob])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		if err := s.Add(&stxJob{ID: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		q := session.Query[stxJob](s).ForUpdate(core.SkipLocked)
		if _, err := q.All(ctx); !errors.Is(err, session.ErrLockOutsideTx) {
			t.Fatalf("ForUpdate outside a transaction: %v, want ErrLockOutsideTx", err)
		}
		if l := srv.log.take(); len(l) != 0 {
			t.Errorf("statements sent: %v", l)
		}
		if _, err := q.Count(ctx); !errors.Is(err, session.ErrLockNotQuery) {
			t.Errorf("Count of a locking query: %v, want ErrLockNotQuery", err)
		}
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		for _, q := range []*session.QueryOf[stxJob]{q, session.Query[stxJob](s).ForShare(), session.Query[stxJob](s).ForUpdate(core.NoWait)} {
			jobs, err := q.All(ctx)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("locking query in a transaction: %v, %v", jobs, err)
			}
		}
		var sel []string
		for _, l := range srv.log.take() {
			// (Each query is followed by the reload of job 1, which the
			// session held: a SELECT … WHERE id = ?.)
			if strings.HasPrefix(l, "SELECT") && !strings.Contains(l, "WHERE") {
				sel = append(sel, l)
			}
		}
		want := map[string]string{
			"postgres": ` FOR UPDATE SKIP LOCKED| FOR SHARE| FOR UPDATE NOWAIT`,
			"mariadb":  ` FOR UPDATE SKIP LOCKED| LOCK IN SHARE MODE| FOR UPDATE NOWAIT`,
		}[srv.name]
		for i, w := range strings.Split(want, "|") {
			if want == "" {
				break
			}
			if i >= len(sel) || !strings.HasSuffix(sel[i], w) {
				t.Errorf("select %d: %v, want it to end %q", i, sel, w)
			}
		}
		if srv.name == "sqlite" {
			for _, l := range sel {
				if strings.Contains(l, "FOR ") {
					t.Errorf("SQLite got a lock clause: %s", l)
				}
			}
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRunInTxRetriesConflict: two sessions' RunInTx read the same
// account and both add to it, both having read before either writes
// (a barrier on the first attempt). On PostgreSQL SERIALIZABLE the second
// writer gets a serialization failure; on MariaDB SERIALIZABLE (reads
// take shared locks) one of the two writers is chosen as a deadlock
// victim. The loser's RunInTx rolls back, forgets its stale object,
// runs again, and succeeds: its object then holds the committed sum.
func TestRunInTxRetriesConflict(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		if srv.name == "sqlite" {
			t.Skip("SQLite serialises writers: BEGIN IMMEDIATE makes the second transaction wait, it never conflicts")
		}
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxAccount])
		s0 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		if err := s0.Add(&stxAccount{ID: 1, Balance: 100}); err != nil {
			t.Fatal(err)
		}
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var read sync.WaitGroup
		read.Add(2)
		type result struct {
			attempts   int
			first      *stxAccount // the first attempt's object
			acct       *stxAccount
			state      session.State
			firstState session.State
			err        error
		}
		res := make([]result, 2)
		var wg sync.WaitGroup
		for w, add := range []int64{10, 20} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := session.New(session.DB(srv.db), session.Options{Registry: reg})
				r := &res[w]
				r.err = s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
					r.attempts++
					a, err := session.Get[stxAccount](ctx, s, int64(1))
					if err != nil {
						return err
					}
					if r.attempts == 1 {
						read.Done()
						read.Wait() // both have read the row
					}
					a.Balance += add
					r.acct = a
					if r.first == nil {
						r.first = a
					}
					return nil
				}, session.TxOptions{Tx: engine.TxOptions{Isolation: engine.Serializable}})
				r.state = s.StateOf(r.acct)
				r.firstState = s.StateOf(r.first)
			}()
		}
		wg.Wait()
		var total int
		for w, r := range res {
			if r.err != nil {
				t.Fatalf("worker %d: %v", w, r.err)
			}
			if r.state != session.Persistent {
				t.Errorf("worker %d: object %v, want persistent", w, r.state)
			}
			total += r.attempts
		}
		if total != 3 {
			t.Fatalf("attempts %d and %d, want one retry in all", res[0].attempts, res[1].attempts)
		}
		loser := res[0]
		if res[1].attempts == 2 {
			loser = res[1]
		}
		if loser.first == loser.acct || loser.firstState != session.Detached {
			t.Errorf("loser's first-attempt object: reused %v, %v; want a new object, the old one detached", loser.first == loser.acct, loser.firstState)
		}
		if loser.acct.Balance != 130 {
			t.Errorf("loser's object holds %d, want the committed 130", loser.acct.Balance)
		}
		var got int64
		if err := srv.db.QueryRow(ctx, core.Raw("SELECT balance FROM stx_accounts WHERE id = 1").ReadOnly()).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != 130 {
			t.Errorf("balance %d, want 130", got)
		}
	})
}

// TestRunInTxDoesNotRetryOtherErrors: fn's own error is returned after
// one attempt, the transaction rolled back and the object added in it
// pending again, not written.
func TestRunInTxDoesNotRetryOtherErrors(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := schema(t, db, mapper.RegisterIn[stxItem])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	boom := errors.New("boom")
	calls := 0
	it := &stxItem{Name: "x"}
	err = s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
		calls++
		if err := s.Add(it); err != nil {
			return err
		}
		if err := s.Flush(ctx); err != nil {
			return err
		}
		return boom
	}, session.TxOptions{})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("RunInTx: %v after %d calls; want boom after 1", err, calls)
	}
	if it.ID != 0 || s.StateOf(it) != session.Pending {
		t.Errorf("object after rollback: id %d, %v", it.ID, s.StateOf(it))
	}
	if n := count(t, db, "stx_items"); n != 0 {
		t.Errorf("%d rows, want 0", n)
	}
	// A transaction already open is refused.
	if _, err := s.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.RunInTx(ctx, func(context.Context, *session.Session) error { return nil }, session.TxOptions{}); !errors.Is(err, session.ErrTxOpen) {
		t.Errorf("RunInTx in a transaction: %v, want ErrTxOpen", err)
	}
	_ = s.Rollback(ctx)
	// A retryable error from fn is retried; every attempt's additions
	// are forgotten before the next, so one row is written.
	calls = 0
	err = s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
		calls++
		if err := s.Add(&stxItem{Name: fmt.Sprint("try", calls)}); err != nil {
			return err
		}
		if calls < 3 {
			return &athanor.DBError{Kind: athanor.ErrDeadlock, Message: "test"}
		}
		return nil
	}, session.TxOptions{})
	if err != nil || calls != 3 {
		t.Fatalf("RunInTx: %v after %d calls", err, calls)
	}
	if s.StateOf(it) != session.Persistent || it.ID == 0 {
		t.Errorf("object pending before RunInTx: %v, id %d; want persistent (inserted by the last attempt)", s.StateOf(it), it.ID)
	}
	if n := count(t, db, "stx_items"); n != 2 { // it (pending before RunInTx) and try3
		t.Errorf("%d rows, want 2", n)
	}
	// An unknown outcome is never retried, whatever its cause.
	calls = 0
	err = s.RunInTx(ctx, func(context.Context, *session.Session) error {
		calls++
		return fmt.Errorf("commit: %w: %w", athanor.ErrOutcomeUnknown, &athanor.DBError{Kind: athanor.ErrDeadlock, Message: "test"})
	}, session.TxOptions{})
	if !errors.Is(err, athanor.ErrOutcomeUnknown) || calls != 1 {
		t.Errorf("RunInTx with an unknown outcome: %v after %d calls; want it after 1", err, calls)
	}
	// A panic in fn rolls back and goes on up; the session can begin
	// again.
	func() {
		defer func() {
			if r := recover(); r != "fn panicked" {
				t.Errorf("recovered %v", r)
			}
		}()
		_ = s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
			if err := s.Add(&stxItem{Name: "p"}); err != nil {
				return err
			}
			if err := s.Flush(ctx); err != nil {
				return err
			}
			panic("fn panicked")
		}, session.TxOptions{})
	}()
	if n := count(t, db, "stx_items"); n != 2 {
		t.Errorf("%d rows after the panic, want 2", n)
	}
	// A context cancelled during the backoff ends the retries.
	cctx, cancel := context.WithCancel(ctx)
	calls = 0
	err = s.RunInTx(cctx, func(context.Context, *session.Session) error {
		calls++
		cancel()
		return &athanor.DBError{Kind: athanor.ErrSerialization, Message: "test"}
	}, session.TxOptions{})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, athanor.ErrSerialization) || calls != 1 {
		t.Errorf("RunInTx with a cancelled context: %v after %d calls", err, calls)
	}
}

// TestJobQueueSkipLocked: 8 workers, each with its own session, take
// jobs in batches with ForUpdate(SkipLocked) inside Begin/Commit until
// none is left; every one of 1,000 jobs is taken exactly once. Not on
// SQLite: it has no row locks to skip (its writers take turns), so the
// test would show nothing about SKIP LOCKED.
func TestJobQueueSkipLocked(t *testing.T) {
	const jobs, workers, batch = 1000, 8, 10
	eachServer(t, func(t *testing.T, srv server) {
		if srv.name == "sqlite" {
			t.Skip("SQLite has no row locks: BEGIN IMMEDIATE serialises the workers")
		}
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[stxJob])
		s0 := session.New(session.DB(srv.db), session.Options{Registry: reg})
		for i := range jobs {
			if err := s0.Add(&stxJob{ID: int64(i + 1)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s0.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		taken := make([][]int64, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		var waves atomic.Int64
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := session.New(session.DB(srv.db), session.Options{Registry: reg})
				errs[w] = func() error {
					for {
						tx, err := s.Begin(ctx)
						if err != nil {
							return err
						}
						js, err := session.Query[stxJob](s).Filter("Worker", 0).OrderBy("ID").Limit(batch).ForUpdate(core.SkipLocked).All(ctx)
						if err != nil {
							_ = tx.Rollback(ctx)
							return err
						}
						if len(js) == 0 {
							return tx.Rollback(ctx)
						}
						for _, j := range js {
							j.Worker = int64(w + 1)
							taken[w] = append(taken[w], j.ID)
						}
						if err := tx.Commit(ctx); err != nil {
							return err
						}
						waves.Add(1)
					}
				}()
			}()
		}
		wg.Wait()
		seen := map[int64]int{}
		for w := range workers {
			if errs[w] != nil {
				t.Fatalf("worker %d: %v", w+1, errs[w])
			}
			for _, id := range taken[w] {
				if prev, dup := seen[id]; dup {
					t.Errorf("job %d taken by workers %d and %d", id, prev, w+1)
				}
				seen[id] = w + 1
			}
		}
		if len(seen) != jobs {
			t.Errorf("%d jobs taken, want %d", len(seen), jobs)
		}
		rows, err := srv.db.Query(ctx, core.Raw("SELECT id, worker FROM stx_jobs").ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, wk int64
			if err := rows.Scan(&id, &wk); err != nil {
				t.Fatal(err)
			}
			n++
			if int(wk) != seen[id] {
				t.Errorf("job %d: worker %d in the table, %d in memory", id, wk, seen[id])
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != jobs {
			t.Errorf("%d rows, want %d", n, jobs)
		}
		t.Logf("%d batches", waves.Load())
	})
}
