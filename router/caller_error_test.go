package router_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/router"
)

// TestOversizedReadParameterMariaDB: a read whose parameter exceeds the
// server's max_allowed_packet is the caller's error. The replica that
// refused it stays up, and the read is not sent again to another node.
// Before, the driver sent the oversized packet, the replica reset the
// connection, and the router marked it down and re-sent the payload to
// the primary.
func TestOversizedReadParameterMariaDB(t *testing.T) {
	testdb.RequireReplicas(t, testdb.KindMySQL, 1)
	c := testdb.MySQL(t)
	var mu sync.Mutex
	var decisions []router.Decision
	r := newRouter(t, c, router.Config{Observer: router.ObserverFunc(func(_ context.Context, d router.Decision) {
		mu.Lock()
		decisions = append(decisions, d)
		mu.Unlock()
	})})
	createItems(t, r, c)
	ctx := context.Background()
	var limit int64
	if err := r.QueryRow(ctx, core.Raw("SELECT @@max_allowed_packet").ReadOnly()).Scan(&limit); err != nil {
		t.Fatal(err)
	}
	if limit >= 48<<20 {
		t.Skipf("max_allowed_packet is %d: the test needs a server limit below the driver's 64 MiB default", limit)
	}
	big := strings.Repeat("x", int(limit)+1<<20)
	reads := []struct {
		name string
		run  func() error
	}{
		{"QueryRow", func() error {
			return r.QueryRow(ctx, core.Raw("SELECT LENGTH(?)", big).ReadOnly()).Scan(new(int64))
		}},
		{"Query", func() error {
			rows, err := r.Query(ctx, core.Raw("SELECT LENGTH(?)", big).ReadOnly())
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Close()
		}},
		{"QueryFunc", func() error {
			return r.QueryFunc(ctx, core.Raw("SELECT LENGTH(?)", big).ReadOnly(), func(rows *engine.Rows) error {
				for rows.Next() {
				}
				return rows.Err()
			})
		}},
	}
	for _, rd := range reads {
		mu.Lock()
		decisions = decisions[:0]
		mu.Unlock()
		err := rd.run()
		if err == nil || athanor.IsConnectionError(err) {
			t.Errorf("%s: err = %v, want the caller's error, not a lost connection", rd.name, err)
		}
		mu.Lock()
		ds := append([]router.Decision(nil), decisions...)
		mu.Unlock()
		if len(ds) != 1 || ds[0].Role != router.RoleReplica {
			t.Errorf("%s: decisions %+v, want the one read on a replica, not retried", rd.name, ds)
		}
		for _, rs := range r.Group(router.DefaultGroup).Replicas() {
			if !rs.Up {
				t.Errorf("%s: replica %s marked down (%v) by the caller's error", rd.name, rs.Name, rs.Err)
			}
		}
	}
}

// TestNilContext calls the router's entry points with a nil context: each
// returns engine.ErrNilContext instead of panicking.
func TestNilContext(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite://" + testdb.SQLite(t)
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	r, err := router.New(router.Config{Groups: []router.GroupConfig{{Name: router.DefaultGroup, Primary: db}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if _, err := r.Exec(ctx, core.CreateTable(items)); err != nil {
		t.Fatal(err)
	}
	var nilCtx context.Context
	sel := core.Select(items.C("id")).From(items)
	ins := core.Insert(items).Columns(items.Columns()...).Values(int64(1), "a")
	g := r.Group(router.DefaultGroup)
	noop := func(context.Context, *router.Tx) error { return nil }
	calls := []struct {
		name string
		call func() error
	}{
		{"Exec", func() error { _, err := r.Exec(nilCtx, ins); return err }},
		{"Query", func() error { _, err := r.Query(nilCtx, sel); return err }},
		{"QueryFunc", func() error { return r.QueryFunc(nilCtx, sel, func(*engine.Rows) error { return nil }) }},
		{"QueryRow", func() error { return r.QueryRow(nilCtx, sel).Scan(new(int64)) }},
		{"QueryRow (write)", func() error { return r.QueryRow(nilCtx, ins.Returning(items.C("id"))).Scan(new(int64)) }},
		{"Batch", func() error { _, err := r.Batch(nilCtx, sel); return err }},
		{"Begin", func() error { _, err := r.Begin(nilCtx, engine.TxOptions{}); return err }},
		{"Group.Begin", func() error { _, err := g.Begin(nilCtx, engine.TxOptions{ReadOnly: true}); return err }},
		{"RunInTx", func() error { _, err := r.RunInTx(nilCtx, engine.TxOptions{}, noop); return err }},
		{"Group.RunInTx", func() error { _, err := g.RunInTx(nilCtx, engine.TxOptions{}, noop); return err }},
		{"Tracker.Resolve", func() error {
			_, tr := router.Track(ctx)
			_, err := tr.Resolve(nilCtx)
			return err
		}},
		{"Tx.Exec", func() error {
			return inTx(t, r, func(tx *router.Tx) error { _, err := tx.Exec(nilCtx, ins); return err })
		}},
		{"Tx.Commit", func() error { return inTx(t, r, func(tx *router.Tx) error { return tx.Commit(nilCtx) }) }},
		{"Tx.Rollback", func() error { return inTx(t, r, func(tx *router.Tx) error { return tx.Rollback(nilCtx) }) }},
	}
	for _, c := range calls {
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v", p)
				}
			}()
			return c.call()
		}()
		if !errors.Is(err, engine.ErrNilContext) {
			t.Errorf("%s(nil context): err = %v, want engine.ErrNilContext", c.name, err)
		}
	}
	if tok := g.CommitToken(nilCtx); !tok.IsZero() {
		t.Errorf("CommitToken(nil context) = %v, want zero", tok)
	}
	var n int64
	if err := r.QueryRow(ctx, core.Select(core.Count(core.Star())).From(items)).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows after calls with a nil context: %d (err %v), want 0", n, err)
	}
}

// inTx runs fn in a transaction of r, then rolls it back.
func inTx(t *testing.T, r *router.Router, fn func(tx *router.Tx) error) error {
	t.Helper()
	ctx := context.Background()
	tx, err := r.Begin(ctx, engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	return fn(tx)
}
