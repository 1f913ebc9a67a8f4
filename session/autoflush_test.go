package session

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type afAuthor struct {
	_     struct{} `athanor:",table:objref_af_authors"`
	ID    int64    `athanor:",pk,noautoincrement"`
	Name  string
	Books []*afBook `athanor:",backref:Author"`
}

type afBook struct {
	_        struct{} `athanor:",table:objref_af_books"`
	ID       int64    `athanor:",pk,noautoincrement"`
	AuthorID int64
	Title    string
	Author   *afAuthor
}

// loadedAuthors returns a session holding n authors with their books
// (each relationship loaded), as a load leaves them.
func loadedAuthors(t testing.TB, n, books int) *Session {
	t.Helper()
	reg := mapper.NewRegistry()
	am, err := mapper.RegisterIn[afAuthor](reg)
	if err != nil {
		t.Fatal(err)
	}
	bm, _ := mapper.RegisterIn[afBook](reg)
	s := New(noBackend{}, Options{Registry: reg})
	h := host{s}
	rBooks, _ := am.Relation("Books")
	rAuthor, _ := bm.Relation("Author")
	var owners, kids []mapper.Ref
	var groups [][]mapper.Ref
	for i := range n {
		a := s.adoptLoaded(am, am.Ref(&afAuthor{ID: int64(i + 1), Name: "a"}))
		owners = append(owners, a)
		var g []mapper.Ref
		for j := range books {
			b := s.adoptLoaded(bm, bm.Ref(&afBook{ID: int64(i*books + j + 1), AuthorID: int64(i + 1), Title: "t"}))
			g = append(g, b)
			kids = append(kids, b)
		}
		groups = append(groups, g)
	}
	h.Populate(rBooks, owners, nil, func(i int) []mapper.Ref { return groups[i] })
	h.Populate(rAuthor, kids, nil, func(i int) []mapper.Ref { return owners[i/books : i/books+1] })
	return s
}

// An autoflush diffs every object the session holds (nothing tells it
// which ones the caller changed), so that pass must stay cheap: a flush
// with nothing to write allocates a bounded number of times however many
// objects and loaded relationships the session holds (it used to make
// about five allocations per object), and still finds the one change.
func TestFlushOfNothingAllocatesPerFlushNotPerObject(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		s := loadedAuthors(t, n, 3)
		allocs := testing.AllocsPerRun(5, func() {
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 200 {
			t.Errorf("%d authors with 3 books each: %v allocations per flush of nothing, want at most 200", n, allocs)
		}
		// One changed book among them is found, and only it.
		var changed []*entry
		s.objs.each(func(e *entry) {
			if b, ok := e.m.Object(e.p).(*afBook); ok && b.ID == int64(n) {
				b.Title = "changed"
			}
		})
		pl := &plan{s: s}
		pl.ints, pl.persist = pl.intBuf[:0], pl.persistBuf[:0]
		if err := pl.collect(); err != nil {
			t.Fatal(err)
		}
		if err := pl.applyLinks(pl.persist); err != nil {
			t.Fatal(err)
		}
		for _, e := range pl.persist {
			if len(pl.changed(e)) > 0 {
				changed = append(changed, e)
			}
		}
		if len(changed) != 1 || changed[0].m.Object(changed[0].p).(*afBook).ID != int64(n) || len(pl.log.writes) != 0 {
			t.Fatalf("%d authors: %d changed entries, %d field writes; want the one book, none", n, len(changed), len(pl.log.writes))
		}
		pl.log.restore(s)
	}
}

func BenchmarkFlushOfNothing(b *testing.B) {
	s := loadedAuthors(b, 1000, 3)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
