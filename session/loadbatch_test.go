package session_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// A query publishes its rows in batches: over several batches, rows whose
// objects the session holds give those objects (changes kept), the
// others new ones, each once, and Get finds every object the query
// returned.
func TestQueryBatchesKeepIdentity(t *testing.T) {
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[Author])
	w := session.New(session.DB(db), session.Options{Registry: reg})
	const n = 150
	for i := range n {
		if err := w.Add(&Author{Name: fmt.Sprint("batch author ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := session.Query[Author](w).OrderBy("ID").All(ctx)
	if err != nil || len(all) != n {
		t.Fatalf("seed: %d authors, %v", len(all), err)
	}
	s := session.New(session.DB(db), session.Options{Registry: reg, NoAutoflush: true})
	held := map[int64]*Author{}
	for _, i := range []int{0, 63, 64, 100, 149} {
		a, err := session.Get[Author](ctx, s, all[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		held[a.ID] = a
	}
	held[all[64].ID].Name = "changed, not flushed"
	got, err := session.Query[Author](s).OrderBy("ID").All(ctx)
	if err != nil || len(got) != n {
		t.Fatalf("query: %d authors, %v", len(got), err)
	}
	seen := map[*Author]bool{}
	for i, a := range got {
		if seen[a] {
			t.Fatalf("row %d: object returned twice", i)
		}
		seen[a] = true
		if a.ID != all[i].ID {
			t.Fatalf("row %d: id %d, want %d", i, a.ID, all[i].ID)
		}
		if h := held[a.ID]; h != nil && h != a {
			t.Fatalf("row %d: a new object for id %d, which the session holds", i, a.ID)
		}
		if g, err := session.Get[Author](ctx, s, a.ID); err != nil || g != a {
			t.Fatalf("row %d: Get gives %p (%v), the query %p", i, g, err, a)
		}
	}
	if got[64].Name != "changed, not flushed" {
		t.Fatalf("the load overwrote an unflushed change: %q", got[64].Name)
	}
	if st := s.StateOf(got[120]); st != session.Persistent {
		t.Fatalf("a loaded object is %v, want persistent", st)
	}
}
