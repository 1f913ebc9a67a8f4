//go:build unix

package failover_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// hostOf is the host:port of a single-host DSN.
func hostOf(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// Routing decisions, ErrNoPrimary and PrimaryStatus name the host that is
// the primary, not the first host of the multi-host DSN: A before the
// failover, A in the errors while no primary answers (the one that
// failed), B once B is promoted; and a router started after the failover
// names B from its first probe. The trio is restored (A primary) at the
// end, as TestPrimaryFailoverUnderLoad does, under the same lock.
func TestDecisionsNameTheServingPrimary(t *testing.T) {
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
	a, b := hostOf(t, tr.a), hostOf(t, tr.b)
	newRouter := func() *router.Router {
		primary := openEngine(t, tr.primary+"&connect_timeout=2")
		replica := openEngine(t, tr.c+"&connect_timeout=2")
		r, err := router.New(router.Config{
			Groups:         []router.GroupConfig{{Primary: primary, Replicas: []*engine.DB{replica}, ReplicaNames: []string{"C"}}},
			HealthInterval: 100 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	r := newRouter()
	g := r.Group(router.DefaultGroup)
	// write runs one insert and returns the decision made for it.
	next := int64(0)
	write := func() (router.Decision, error) {
		next++
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		var d router.Decision
		_, err := r.Exec(router.WithDecision(ctx, &d), core.Raw("INSERT INTO failover_names (id) VALUES (?)", next))
		return d, err
	}
	for _, q := range []string{"DROP TABLE IF EXISTS failover_names", "CREATE TABLE failover_names (id bigint PRIMARY KEY)"} {
		if _, err := r.Exec(bg, core.Raw(q)); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := write(); err != nil || d.Node != a || d.Role != router.RolePrimary {
		t.Fatalf("write before the failover: decision %+v, %v; want primary %s", d, err, a)
	}
	if st := g.PrimaryStatus(); !st.Up || st.Name != a {
		t.Fatalf("primary status before the failover: %+v, want %s up", st, a)
	}

	if err := script(bg, "--stop-primary"); err != nil {
		t.Fatal(err)
	}
	// A is down: writes fail with ErrNoPrimary naming A, the primary that
	// failed (the first may have been sent: outcome unknown).
	var refused error
	for end := time.Now().Add(10 * time.Second); refused == nil && time.Now().Before(end); {
		if _, err := write(); errors.Is(err, router.ErrNoPrimary) {
			refused = err
		}
	}
	if refused == nil {
		t.Fatal("no write refused with ErrNoPrimary with A stopped")
	}
	if !strings.Contains(refused.Error(), "node "+a+":") {
		t.Errorf("ErrNoPrimary with A stopped: %v, want it to name %s", refused, a)
	}
	if st := g.PrimaryStatus(); st.Up || st.Name != a {
		t.Errorf("primary status with A stopped: %+v, want %s down", st, a)
	}

	if err := script(bg, "--promote"); err != nil {
		t.Fatal(err)
	}
	var back router.Decision
	var lastErr error
	for end := time.Now().Add(10 * time.Second); ; {
		d, err := write()
		if err == nil {
			back = d
			break
		}
		lastErr = err
		if time.Now().After(end) {
			t.Fatalf("no write succeeded within 10 s of B's promotion: %v", lastErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if back.Node != b {
		t.Errorf("first write after the promotion: decision %+v, want primary %s", back, b)
	}
	if st := g.PrimaryStatus(); !st.Up || st.Name != b {
		t.Errorf("primary status after the promotion: %+v, want %s up", st, b)
	}
	var d router.Decision
	tx, err := r.Begin(router.WithDecision(bg, &d), engine.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Node() != b || d.Node != b || d.Reason != router.ReasonInTx {
		t.Errorf("read-write transaction after the promotion: decision %+v, on %s; want %s", d, tx.Node(), b)
	}
	_ = tx.Rollback(bg)

	// A router started after the failover: its first probe names B.
	r2 := newRouter()
	for end := time.Now().Add(5 * time.Second); r2.Group(router.DefaultGroup).PrimaryStatus().Name != b; {
		if time.Now().After(end) {
			t.Fatalf("a new router's primary after the failover: %+v, want %s", r2.Group(router.DefaultGroup).PrimaryStatus(), b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := r2.Exec(router.WithDecision(bg, &d), core.Raw("INSERT INTO failover_names (id) VALUES (0)")); err != nil || d.Node != b {
		t.Errorf("a new router's write after the failover: decision %+v, %v; want %s", d, err, b)
	}
	if _, err := r.Exec(bg, core.Raw("DROP TABLE failover_names")); err != nil {
		t.Errorf("drop the table on the new primary: %v", err)
	}
}
