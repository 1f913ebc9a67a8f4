package router_test

import (
	"context"
	"errors"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// Issue 15, bug 11: a causal token of the wrong kind (a PostgreSQL LSN
// sent to a MariaDB group, a MariaDB GTID to a PostgreSQL one) is refused
// on every read path, and never stored as a replica's position.
func TestTokenOfTheWrongKindOnRealServers(t *testing.T) {
	wrong := map[string]string{"postgres": "mariadb:0-1-42", "mariadb": "pg:16/B374D848"}
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		r := newRouter(t, c, router.Config{})
		createItems(t, r, c)
		pos, err := router.ParsePosition(wrong[f.name])
		if err != nil {
			t.Fatal(err)
		}
		// As a client would send it: in a cookie, parsed back.
		tok, err := router.ParseToken(router.NewToken(router.DefaultGroup, pos).String())
		if err != nil {
			t.Fatal(err)
		}
		ctx := router.WithToken(context.Background(), tok)
		sel := core.Select(items.C("note")).From(items)
		var note string
		err = r.QueryRow(ctx, sel).Scan(&note)
		if !errors.Is(err, router.ErrInvalidToken) {
			t.Fatalf("QueryRow with a %s token in a %s group: err = %v, want ErrInvalidToken", pos.Kind(), f.name, err)
		}
		t.Logf("refused: %v", err)
		if _, err := r.Query(ctx, sel); !errors.Is(err, router.ErrInvalidToken) {
			t.Errorf("Query: err = %v", err)
		}
		if err := r.QueryFunc(ctx, sel, func(*engine.Rows) error { return nil }); !errors.Is(err, router.ErrInvalidToken) {
			t.Errorf("QueryFunc: err = %v", err)
		}
		if _, err := r.Batch(ctx, sel); !errors.Is(err, router.ErrInvalidToken) {
			t.Errorf("Batch: err = %v", err)
		}
		if tx, err := r.Begin(ctx, engine.TxOptions{ReadOnly: true}); !errors.Is(err, router.ErrInvalidToken) {
			if tx != nil {
				tx.Rollback(ctx)
			}
			t.Errorf("read-only Begin: err = %v", err)
		}
		for _, st := range r.Group(router.DefaultGroup).Replicas() {
			if k := st.Position.Kind(); k == pos.Kind() {
				t.Errorf("replica %s holds position %s from the refused token", st.Name, st.Position)
			}
		}
		// A token of the right kind still works.
		tctx, tr := router.Track(context.Background())
		insert(t, r, tctx, 1)
		good, err := tr.Resolve(tctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.QueryRow(router.WithToken(context.Background(), good), sel).Scan(&note); err != nil || note != "n1" {
			t.Fatalf("read with the right token: %q, %v", note, err)
		}
	})
}
