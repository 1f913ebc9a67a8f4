package loader

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/mapper"
)

// A relationship load whose owner key is a column of the loaded model
// (a one-to-many's foreign key, a many-to-one's target key) selects it
// once, as the model's column; a many-to-many's key, on the association
// table, is selected before the model's columns.
func TestOwnerKeyColumnSelectedOnce(t *testing.T) {
	a, b := models(t)
	keys := keySet{n: 3, one: reflect.ValueOf([]int64{1, 2, 3})}
	cases := []struct {
		rel  *mapper.Relation
		col  string
		self bool // the key is the model's own column
	}{
		{mustRel(t, a, "Books"), `"books"."author_id"`, true},
		{mustRel(t, b, "Author"), `"authors"."id"`, true},
		{mustRel(t, b, "Tags"), `"book_tags"."book_id"`, false},
	}
	for _, c := range cases {
		s := newSelection(c.rel.Target, c.rel.Target.Table(), c.rel, nil, nil)
		cs, err := core.Compile(postgres.Dialect, s.statement(&node{rel: c.rel}, keys))
		if err != nil {
			t.Fatal(err)
		}
		list, _, _ := strings.Cut(strings.TrimPrefix(cs.SQL, "SELECT "), " FROM ")
		if n := strings.Count(list, c.col); n != 1 {
			t.Errorf("%s.%s: %s selected %d times:\n%s", c.rel.Owner.Name, c.rel.Name, c.col, n, cs.SQL)
		}
		if got := s.keyAt != nil; got != c.self {
			t.Errorf("%s.%s: key read from the model's column: %v, want %v", c.rel.Owner.Name, c.rel.Name, got, c.self)
		}
		if !c.self && !strings.HasPrefix(list, c.col) {
			t.Errorf("%s.%s: the select list does not start with the key %s:\n%s", c.rel.Owner.Name, c.rel.Name, c.col, cs.SQL)
		}
	}
}

// Rows are grouped by the owner key they carry, read from the model's
// column: a held object goes to the owner of its row even when its own
// field says otherwise (an unflushed change, left as it is), and the new
// objects scanned after held ones (into the same spare, not zeroed in
// between) have only their own row's values.
func TestOwnerKeyFromTheRow(t *testing.T) {
	ctx := context.Background()
	db, a := library(t, 4, 5)
	h := newCountingHost(db)
	bm := mustRel(t, a, "Books").Target
	// Books 1-3 (the first rows, read in two steps) are held as loaded;
	// book 7, of author 2, is held moved to author 3, unflushed.
	held := map[int64]*book{}
	for _, id := range []int64{1, 2, 3, 7} {
		held[id] = &book{ID: id, Title: "held", Year: 1, AuthorID: 1}
		h.put(bm, bm.Ref(held[id]))
	}
	held[7].AuthorID = 3
	p, err := Compile(a, SelectIn("Books"))
	if err != nil {
		t.Fatal(err)
	}
	roots, err := p.Run(ctx, h, p.Select(core.Select().From(a.Table())).OrderBy(a.Table().C("id")))
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) != 4 {
		t.Fatalf("%d authors, want 4", len(roots))
	}
	for _, r := range roots {
		au := a.Object(r).(*author)
		if len(au.Books) != 5 {
			t.Fatalf("author %d has %d books, want 5", au.ID, len(au.Books))
		}
		for i, bk := range au.Books {
			id := (au.ID-1)*5 + int64(i) + 1
			if bk.ID != id {
				t.Fatalf("author %d's book %d is %d, want %d", au.ID, i, bk.ID, id)
			}
			if hb := held[id]; hb != nil {
				if bk != hb || hb.Title != "held" || (id == 7) != (hb.AuthorID == 3) {
					t.Fatalf("book %d: %+v, want the held object untouched", id, *bk)
				}
				continue
			}
			if bk.AuthorID != au.ID || bk.Title != "book" || bk.Year != 2000 || bk.Author != au {
				t.Fatalf("book %d of author %d: %+v", id, au.ID, *bk)
			}
		}
	}
	// The many-to-one way: each book's author is the one its key names.
	h2 := newCountingHost(db)
	p2, err := Compile(bm, SelectIn("Author"))
	if err != nil {
		t.Fatal(err)
	}
	books, err := p2.Run(ctx, h2, p2.Select(core.Select().From(bm.Table())).OrderBy(bm.Table().C("id")))
	if err != nil {
		t.Fatal(err)
	}
	if len(books) != 20 {
		t.Fatalf("%d books, want 20", len(books))
	}
	for _, r := range books {
		bk := bm.Object(r).(*book)
		if bk.Author == nil || bk.Author.ID != bk.AuthorID || bk.Author.Name != "author" {
			t.Fatalf("book %d (author_id %d): author %+v", bk.ID, bk.AuthorID, bk.Author)
		}
	}
}

// A run's scratch hands out zeroed buffers, the smallest that fits, takes
// the key buffers back when a level is done and the Handles when the run
// ends, and keeps no objects.
func TestScratch(t *testing.T) {
	sc := new(scratch)
	a := sc.int32s(10)
	a[3] = 7
	h := sc.handles(4)
	h[1] = "obj"
	if got := sc.int32s(5); cap(got) == cap(a) && &got[:1][0] == &a[:1][0] {
		t.Fatal("a busy buffer was handed out again")
	}
	sc.done()
	small := sc.int32s(2) // the 5 freed fits best
	if cap(small) != 5 {
		t.Fatalf("took a buffer of capacity %d for 2, want the 5", cap(small))
	}
	big := sc.int32s(8)
	if &big[:1][0] != &a[:1][0] || big[3] != 0 || len(big) != 8 {
		t.Fatalf("reused %v, want the first buffer zeroed, of length 8", big)
	}
	if len(sc.hnds) != 0 {
		t.Fatal("Handles freed before the run ended")
	}
	sc.release()
	if len(sc.hnds) != 1 || h[1] != nil {
		t.Fatalf("after the run: %d free Handle buffers, holding %v", len(sc.hnds), h)
	}
}
