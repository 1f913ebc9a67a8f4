package session_test

import (
	"context"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// seedLibrary commits two authors with two books each, every book tagged
// "sf" and "classic".
func seedLibrary(t *testing.T, e env) {
	t.Helper()
	s := e.session(session.Options{})
	sf, classic := &Tag{Name: "sf"}, &Tag{Name: "classic"}
	for _, name := range []string{"Le Guin", "Lem"} {
		a := &Author{Name: name}
		for _, title := range []string{name + " 1", name + " 2"} {
			a.Books = append(a.Books, &Book{Title: title, Author: a, Tags: []*Tag{sf, classic}})
		}
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.hk.reset()
}

// A relationship load that meets objects the session holds takes them as
// they are (a loaded row never overwrites an unflushed change), records
// what it loaded so that a flush after it writes nothing, and a flush
// then writes exactly the columns changed.
func TestLoadMeetsHeldObjectsAndFlushWritesOnlyChanges(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	seedLibrary(t, e)
	s := e.session(session.Options{NoAutoflush: true})
	tags, err := session.Query[Tag](s).OrderBy("Name").All(ctx)
	if err != nil || len(tags) != 2 {
		t.Fatalf("tags: %v %v", tags, err)
	}
	classic := tags[0]
	classic.Name = "renamed"

	authors, err := session.Query[Author](s).Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).OrderBy("ID").All(ctx)
	if err != nil || len(authors) != 2 {
		t.Fatalf("authors: %v %v", authors, err)
	}
	for _, a := range authors {
		if len(a.Books) != 2 {
			t.Fatalf("%s: %d books", a.Name, len(a.Books))
		}
		for _, b := range a.Books {
			if b.Author != a || len(b.Tags) != 2 {
				t.Fatalf("%s: author %p, %d tags", b.Title, b.Author, len(b.Tags))
			}
			for _, tg := range b.Tags {
				if tg != tags[0] && tg != tags[1] {
					t.Fatalf("%s: a second object for tag %q", b.Title, tg.Name)
				}
			}
		}
	}
	if classic.Name != "renamed" {
		t.Fatalf("the load overwrote an unflushed change: %q", classic.Name)
	}

	// Nothing changed but the name: one UPDATE of one column.
	e.hk.reset()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	writes := append(append(e.hk.with("UPDATE"), e.hk.with("INSERT")...), e.hk.with("DELETE")...)
	if len(writes) != 1 || !strings.Contains(writes[0], `"tags"`) || !strings.Contains(writes[0], `"name"`) || strings.Count(writes[0], "= ?") != 2 {
		t.Fatalf("flush wrote %q, want one UPDATE of tags.name", writes)
	}

	// A loaded collection changed: the one association row goes.
	b := authors[0].Books[0]
	b.Tags = b.Tags[:1]
	e.hk.reset()
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	writes = append(append(e.hk.with("UPDATE"), e.hk.with("INSERT")...), e.hk.with("DELETE")...)
	if len(writes) != 1 || !strings.HasPrefix(writes[0], `DELETE FROM "book_tags"`) {
		t.Fatalf("flush wrote %q, want one DELETE from book_tags", writes)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, e.db, "book_tags"); n != 7 {
		t.Fatalf("%d association rows, want 7", n)
	}
}

// Loading a relationship again, in a query whose rows are all in the
// session, sends no statement for what is loaded and builds nothing new.
func TestLoadedRelationshipsAreNotLoadedAgain(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	seedLibrary(t, e)
	s := e.session(session.Options{})
	q := session.Query[Author](s).Options(loader.SelectIn("Books", loader.SelectIn("Tags"), loader.SelectIn("Author"))).OrderBy("ID")
	first, err := q.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Books.Author came with the books (the back-reference): no statement.
	if n := len(e.hk.with("SELECT")); n != 3 {
		t.Fatalf("%d statements, want 3", n)
	}
	e.hk.reset()
	again, err := q.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(e.hk.with("SELECT")); n != 1 {
		t.Fatalf("%d statements for a loaded graph, want 1 (the authors)", n)
	}
	for i := range first {
		if first[i] != again[i] || &first[i].Books[0] != &again[i].Books[0] {
			t.Fatalf("author %d: a new object or collection", i)
		}
	}
}
