package session_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// A relationship loaded later on owners whose other relationship a load
// recorded (the books' Author, filled by the Books load) is recorded in
// place: each owner's record slot has room for its model's
// relationships, so the later load costs allocations per load, not per
// owner. Both records hold: the flush after a change of Tags writes that
// change and nothing of Author.
func TestLaterLoadRecordsInPlace(t *testing.T) {
	ctx := context.Background()
	db := openPG(t)
	reg := schema(t, db, mapper.RegisterIn[Author])
	s := session.New(session.DB(db), session.Options{Registry: reg})
	tags := []*Tag{{Name: "a"}, {Name: "b"}}
	for a, n := range []int{20, 60} {
		au := &Author{Name: fmt.Sprint("author ", a)}
		for b := range n {
			au.Books = append(au.Books, &Book{Title: fmt.Sprint("book ", a, b), Author: au, Tags: tags})
		}
		if err := s.Add(au); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	am, err := reg.Of(reflectType(Author{}))
	if err != nil {
		t.Fatal(err)
	}
	// books opens a session holding the books of author a, Author
	// recorded, Tags not.
	books := func(a int) (*session.Session, []*Book) {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		as, err := session.Query[Author](s).Where(core.Eq(am.Table().C("name"), fmt.Sprint("author ", a))).
			Options(loader.SelectIn("Books")).All(ctx)
		if err != nil || len(as) != 1 {
			t.Fatalf("author %d: %d, %v", a, len(as), err)
		}
		return s, as[0].Books
	}
	loadTags := func(s *session.Session, bs []*Book) {
		if err := s.Load(ctx, bs[0], "Tags"); err != nil {
			t.Fatal(err)
		}
	}
	if !raceEnabled {
		allocs := func(a int) float64 {
			var ss []*session.Session
			var bss [][]*Book
			for range 2 { // AllocsPerRun runs once more first
				s, bs := books(a)
				ss, bss = append(ss, s), append(bss, bs)
			}
			i := 0
			return testing.AllocsPerRun(1, func() {
				loadTags(ss[i], bss[i])
				i++
			})
		}
		for range 3 { // connections, prepared statements, caches
			s, bs := books(0)
			loadTags(s, bs)
		}
		few, many := allocs(0), allocs(1)
		t.Logf("Tags of 20 books: %v allocations; of 60: %v", few, many)
		if many-few > 10 {
			t.Errorf("40 more owners cost %v more allocations, want at most 10", many-few)
		}
	}
	s, bs := books(1)
	loadTags(s, bs)
	for _, b := range bs {
		if len(b.Tags) != 2 || b.Author == nil {
			t.Fatalf("book %d: %d tags, author %v", b.ID, len(b.Tags), b.Author)
		}
	}
	bs[0].Tags = bs[0].Tags[:1]
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s2, bs2 := books(1)
	loadTags(s2, bs2)
	for i, b := range bs2 {
		want := 2
		if i == 0 {
			want = 1
		}
		if len(b.Tags) != want || b.Author == nil || b.Author.ID != bs[0].AuthorID {
			t.Fatalf("book %d after the flush: %d tags (want %d), author %v", b.ID, len(b.Tags), want, b.Author)
		}
	}
}
