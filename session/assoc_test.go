package session_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Association objects: a many-to-many whose join table has columns of its
// own, mapped as a model with two many-to-ones, and a proxy showing the
// tags as a plain collection.

type aoBook struct {
	_        struct{}     `athanor:",table:ao_books"`
	ID       int64        `athanor:",pk"`
	Title    string       `athanor:",size:50"`
	BookTags []*aoBookTag `athanor:",backref:Book,cascade:all+delete-orphan"`
	Tags     []*aoTag     `athanor:",proxy:BookTags.Tag"`
}

type aoTag struct {
	_        struct{}     `athanor:",table:ao_tags"`
	ID       int64        `athanor:",pk"`
	Name     string       `athanor:",size:50"`
	BookTags []*aoBookTag `athanor:",backref:Tag"`
}

type aoBookTag struct {
	_       struct{} `athanor:",table:ao_book_tags"`
	BookID  int64    `athanor:",pk"`
	TagID   int64    `athanor:",pk"`
	AddedAt time.Time
	Role    string `athanor:",size:20"`
	Book    *aoBook
	Tag     *aoTag
}

var aoAdded = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// aoSchema creates the association-object tables and registers the
// proxy's creator.
func aoSchema(t *testing.T, srv server) *mapper.Registry {
	t.Helper()
	reg := schema(t, srv.db, mapper.RegisterIn[aoBook])
	if err := mapper.SetCreator(reg, "Tags", func(b *aoBook, tg *aoTag) *aoBookTag {
		return &aoBookTag{AddedAt: aoAdded, Role: "proxy"}
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// aoSeed adds two books and three tags linked by association objects
// only: the save-update cascade from each BookTag inserts its book and tag
// first. b1 has t1 (author), t2 (editor); b2 has t2 (reader).
func aoSeed(t *testing.T, ctx context.Context, s *session.Session) {
	t.Helper()
	b1, b2 := &aoBook{ID: 1, Title: "b1"}, &aoBook{ID: 2, Title: "b2"}
	t1, t2, t3 := &aoTag{ID: 1, Name: "t1"}, &aoTag{ID: 2, Name: "t2"}, &aoTag{ID: 3, Name: "t3"}
	for _, bt := range []*aoBookTag{
		{Book: b1, Tag: t1, Role: "author", AddedAt: aoAdded},
		{Book: b1, Tag: t2, Role: "editor", AddedAt: aoAdded},
		{Book: b2, Tag: t2, Role: "reader", AddedAt: aoAdded},
	} {
		if err := s.Add(bt); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Add(t3); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// aoRows is the association table by hand-written SQL: "book tag role"
// per row, in book and tag order.
func aoRows(t *testing.T, srv server) []string {
	t.Helper()
	rows, err := srv.db.Query(context.Background(), core.Raw(
		"SELECT b.title, t.name, bt.role FROM ao_book_tags bt JOIN ao_books b ON b.id = bt.book_id JOIN ao_tags t ON t.id = bt.tag_id ORDER BY b.id, t.id").ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b, tg, r string
		if err := rows.Scan(&b, &tg, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, b+" "+tg+" "+r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// bookRows renders loaded books as aoRows does.
func bookRows(books []*aoBook) []string {
	var out []string
	for _, b := range books {
		bts := slices.Clone(b.BookTags)
		slices.SortFunc(bts, func(x, y *aoBookTag) int { return int(x.TagID - y.TagID) })
		for _, bt := range bts {
			out = append(out, b.Title+" "+bt.Tag.Name+" "+bt.Role)
		}
	}
	return out
}

func tagNames(ts []*aoTag) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// TestAssociationObjectLoads: association objects load from both sides,
// nested (BookTags.Tag, BookTags.Book), matching the table read by hand,
// and the proxy of each loaded book is filled from its association
// objects, whichever load came last.
func TestAssociationObjectLoads(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := aoSchema(t, srv)
		opts := session.Options{Registry: reg}
		aoSeed(t, ctx, session.New(session.DB(srv.db), opts))
		want := aoRows(t, srv)
		if len(want) != 3 {
			t.Fatalf("seeded rows %q", want)
		}

		s := session.New(session.DB(srv.db), opts)
		books, err := session.Query[aoBook](s).Options(loader.SelectIn("BookTags.Tag")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := bookRows(books); !slices.Equal(got, want) {
			t.Errorf("books' association objects %q, want %q", got, want)
		}
		if got := tagNames(books[0].Tags) + "/" + tagNames(books[1].Tags); got != "t1,t2/t2" {
			t.Errorf("proxies %q, want t1,t2/t2", got)
		}
		for _, b := range books {
			for _, bt := range b.BookTags {
				if bt.Book != b || !bt.AddedAt.Equal(aoAdded) {
					t.Errorf("book tag %d/%d: Book %p (want %p), added %v", bt.BookID, bt.TagID, bt.Book, b, bt.AddedAt)
				}
			}
		}

		// The other direction, in a new session.
		s = session.New(session.DB(srv.db), opts)
		tags, err := session.Query[aoTag](s).Options(loader.SelectIn("BookTags.Book")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range tags {
			for _, bt := range tg.BookTags {
				got = append(got, bt.Book.Title+" "+tg.Name+" "+bt.Role)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("tags' association objects %q, want %q", got, want)
		}
		if len(tags) != 3 || len(tags[2].BookTags) != 0 || tags[2].BookTags == nil {
			t.Errorf("t3's association objects %v, want loaded and empty", tags[2].BookTags)
		}

		// The proxy as a load option: BookTags and Tag load under it.
		s = session.New(session.DB(srv.db), opts)
		books, err = session.Query[aoBook](s).Options(loader.SelectIn("Tags")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := bookRows(books); !slices.Equal(got, want) {
			t.Errorf("after SelectIn(Tags): %q, want %q", got, want)
		}
		if got := tagNames(books[0].Tags); got != "t1,t2" {
			t.Errorf("SelectIn(Tags): b1.Tags %q", got)
		}

		// BookTags first, Tag later: the later load fills the proxy.
		s = session.New(session.DB(srv.db), opts)
		b1, err := session.Get[aoBook](ctx, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, b1, "BookTags"); err != nil {
			t.Fatal(err)
		}
		if b1.Tags != nil {
			t.Errorf("Tags %v filled before the tags were loaded", b1.Tags)
		}
		if err := s.Load(ctx, b1.BookTags[0], "Tag"); err != nil {
			t.Fatal(err)
		}
		if got := tagNames(b1.Tags); got != "t1,t2" {
			t.Errorf("after loading BookTags then Tag: Tags %q", got)
		}

		// Session.Load of the proxy.
		s = session.New(session.DB(srv.db), opts)
		b2, err := session.Get[aoBook](ctx, s, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, b2, "Tags"); err != nil {
			t.Fatal(err)
		}
		if got := tagNames(b2.Tags); got != "t2" || len(b2.BookTags) != 1 {
			t.Errorf("Load(Tags): Tags %q, BookTags %d", got, len(b2.BookTags))
		}
	})
}

// TestAssociationObjectCascades: an association object added through a
// collection is inserted after its book and tag; removed from the book's
// collection (delete-orphan), its row is deleted; deleting a book deletes
// its association objects.
func TestAssociationObjectCascades(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := aoSchema(t, srv)
		opts := session.Options{Registry: reg}
		aoSeed(t, ctx, session.New(session.DB(srv.db), opts))

		s := session.New(session.DB(srv.db), opts)
		books, err := session.Query[aoBook](s).Options(loader.SelectIn("BookTags.Tag")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b1, b2 := books[0], books[1]
		// A new tag and a new book, reached only through new association
		// objects.
		nt := &aoTag{ID: 9, Name: "t9"}
		b1.BookTags = append(b1.BookTags, &aoBookTag{Book: b1, Tag: nt, Role: "new", AddedAt: aoAdded})
		nb := &aoBook{ID: 7, Title: "b7"}
		nb.BookTags = []*aoBookTag{{Book: nb, Tag: nt, Role: "nb", AddedAt: aoAdded}}
		if err := s.Add(nb); err != nil {
			t.Fatal(err)
		}
		// delete-orphan: b2 loses its only association object.
		b2.BookTags = []*aoBookTag{}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"b1 t1 author", "b1 t2 editor", "b1 t9 new", "b7 t9 nb"}
		if got := aoRows(t, srv); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if got := tagNames(b1.Tags); got != "t1,t2,t9" {
			t.Errorf("b1.Tags after the collection changed: %q, want t1,t2,t9", got)
		}
		if len(b2.Tags) != 0 {
			t.Errorf("b2.Tags %v, want empty", b2.Tags)
		}

		// Deleting a book cascades to its association objects.
		if err := s.Delete(b1); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := aoRows(t, srv); !slices.Equal(got, []string{"b7 t9 nb"}) {
			t.Errorf("rows after deleting b1: %q", got)
		}
		if n := srv.rows(t, "ao_tags"); n != 4 {
			t.Errorf("%d tags, want 4 (deleting a book keeps its tags)", n)
		}
	})
}

// TestAssociationProxyWrites: appending a tag to the proxy creates the
// association object with the creator's columns; removing one deletes
// its association object; a new book's proxy creates its rows; changing
// the proxy and the collection inconsistently fails naming both and
// changes nothing.
func TestAssociationProxyWrites(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := aoSchema(t, srv)
		opts := session.Options{Registry: reg}
		aoSeed(t, ctx, session.New(session.DB(srv.db), opts))

		s := session.New(session.DB(srv.db), opts)
		books, err := session.Query[aoBook](s).Options(loader.SelectIn("Tags")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b1, b2 := books[0], books[1]
		t3, err := session.Get[aoTag](ctx, s, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, t3, "BookTags"); err != nil {
			t.Fatal(err)
		}
		// Append an existing and a new tag; remove t1.
		var bt11 *aoBookTag
		for _, bt := range b1.BookTags {
			if bt.TagID == 1 {
				bt11 = bt
			}
		}
		b1.Tags = append(b1.Tags[1:], t3, &aoTag{ID: 4, Name: "t4"})
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"b1 t2 editor", "b1 t3 proxy", "b1 t4 proxy", "b2 t2 reader"}
		if got := aoRows(t, srv); !slices.Equal(got, want) {
			t.Errorf("rows %q, want %q", got, want)
		}
		if got := bookRows([]*aoBook{b1}); !slices.Equal(got, want[:3]) {
			t.Errorf("b1.BookTags %q, want %q", got, want[:3])
		}
		var added time.Time
		if err := srv.db.QueryRow(ctx, core.Raw("SELECT added_at FROM ao_book_tags WHERE book_id = 1 AND tag_id = 4").ReadOnly()).Scan(&added); err != nil {
			t.Fatal(err)
		}
		if !added.Equal(aoAdded) {
			t.Errorf("added_at %v, want the creator's %v", added, aoAdded)
		}
		// t3's loaded collection got the new association object too.
		if len(t3.BookTags) != 1 || t3.BookTags[0].Book != b1 || t3.BookTags[0].Role != "proxy" {
			t.Errorf("t3.BookTags %v, want the new association object", t3.BookTags)
		}
		if st := s.StateOf(bt11); st != session.Detached {
			t.Errorf("b1-t1 association object %v, want detached (deleted)", st)
		}

		// A new book with tags through its proxy.
		nb := &aoBook{ID: 5, Title: "b5", Tags: []*aoTag{t3}}
		if err := s.Add(nb); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := aoRows(t, srv); !slices.Contains(got, "b5 t3 proxy") || len(nb.BookTags) != 1 {
			t.Errorf("rows %q, b5.BookTags %d", got, len(nb.BookTags))
		}

		// Inconsistent: a tag appended to the proxy, another association
		// object removed from the collection.
		before := aoRows(t, srv)
		tags, bts := b2.Tags, b2.BookTags
		b2.Tags = append(slices.Clone(b2.Tags), t3)
		b2.BookTags = []*aoBookTag{}
		err = s.Flush(ctx)
		if err == nil || !strings.Contains(err.Error(), "aoBook.Tags") || !strings.Contains(err.Error(), "aoBook.BookTags") {
			t.Fatalf("inconsistent change: %v, want an error naming aoBook.Tags and aoBook.BookTags", err)
		}
		if got := aoRows(t, srv); !slices.Equal(got, before) {
			t.Errorf("rows after the failed flush %q, want %q", got, before)
		}
		// Both sides changed alike: the caller's association object is
		// the one written, no other is made.
		b2.Tags = append(slices.Clone(tags), t3)
		b2.BookTags = append(slices.Clone(bts), &aoBookTag{Book: b2, Tag: t3, Role: "manual", AddedAt: aoAdded})
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := aoRows(t, srv); !slices.Equal(got, slices.Insert(slices.Clone(before), 4, "b2 t3 manual")) {
			t.Errorf("rows after changing both alike %q", got)
		}

		// A proxy set on a persistent book whose collection never loaded
		// is refused: what to remove is unknown.
		s2 := session.New(session.DB(srv.db), opts)
		b2b, err := session.Get[aoBook](ctx, s2, 2)
		if err != nil {
			t.Fatal(err)
		}
		b2b.Tags = []*aoTag{}
		if err := s2.Flush(ctx); err == nil || !strings.Contains(err.Error(), "aoBook.BookTags was never loaded") {
			t.Errorf("proxy over an unloaded collection: %v", err)
		}
	})
}

// Composite keys on both sides of a many-to-many through a secondary
// table.

type aoRegion struct {
	_       struct{}   `athanor:",table:ao_regions"`
	Country string     `athanor:",pk,size:2"`
	Code    string     `athanor:",pk,size:8"`
	Name    string     `athanor:",size:50"`
	Stores  []*aoStore `athanor:",secondary:ao_region_stores"`
}

type aoStore struct {
	_       struct{}    `athanor:",table:ao_stores"`
	Chain   int64       `athanor:",pk"`
	Num     int64       `athanor:",pk"`
	Name    string      `athanor:",size:50"`
	Regions []*aoRegion `athanor:",secondary:ao_region_stores"`
}

// regionRows reads the association by hand-written SQL: "region store".
func regionRows(t *testing.T, srv server) []string {
	t.Helper()
	rows, err := srv.db.Query(context.Background(), core.Raw(
		"SELECT r.name, s.name FROM ao_region_stores x JOIN ao_regions r ON r.country = x.ao_region_country AND r.code = x.ao_region_code "+
			"JOIN ao_stores s ON s.chain = x.ao_store_chain AND s.num = x.ao_store_num ORDER BY r.name, s.name").ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r, st string
		if err := rows.Scan(&r, &st); err != nil {
			t.Fatal(err)
		}
		out = append(out, r+" "+st)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompositeManyToMany: a many-to-many between two models with
// composite keys synthesizes a four-column association table; it loads
// from both sides (SelectIn and Joined) as the hand-written join reads it,
// and adding and removing members inserts and deletes exactly those rows.
func TestCompositeManyToMany(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[aoRegion])
		opts := session.Options{Registry: reg}
		s := session.New(session.DB(srv.db), opts)
		fr := &aoRegion{Country: "fr", Code: "idf", Name: "paris"}
		fr2 := &aoRegion{Country: "fr", Code: "ara", Name: "lyon"}
		de := &aoRegion{Country: "de", Code: "idf", Name: "berlin"} // same code, other country
		st := func(c, n int64) *aoStore { return &aoStore{Chain: c, Num: n, Name: fmt.Sprintf("s%d.%d", c, n)} }
		s11, s12, s21 := st(1, 1), st(1, 2), st(2, 1)
		fr.Stores = []*aoStore{s11, s12}
		fr2.Stores = []*aoStore{s12, s21}
		de.Stores = []*aoStore{s21}
		for _, r := range []*aoRegion{fr, fr2, de} {
			if err := s.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"berlin s2.1", "lyon s1.2", "lyon s2.1", "paris s1.1", "paris s1.2"}
		if got := regionRows(t, srv); !slices.Equal(got, want) {
			t.Fatalf("rows %q, want %q", got, want)
		}

		render := func(rs []*aoRegion) []string {
			var out []string
			for _, r := range rs {
				for _, x := range r.Stores {
					out = append(out, r.Name+" "+x.Name)
				}
			}
			slices.Sort(out)
			return out
		}
		for _, tc := range []struct {
			opt   loader.Option
			stmts int
		}{{loader.SelectIn("Stores"), 2}, {loader.Joined("Stores"), 1}} {
			s := session.New(session.DB(srv.db), opts)
			srv.log.take()
			rs, err := session.Query[aoRegion](s).Options(tc.opt).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.log.take()); n != tc.stmts {
				t.Errorf("%d statements, want %d", n, tc.stmts)
			}
			if got := render(rs); !slices.Equal(got, want) {
				t.Errorf("regions with stores: %q, want %q", got, want)
			}
		}
		// The other side.
		s = session.New(session.DB(srv.db), opts)
		stores, err := session.Query[aoStore](s).Options(loader.SelectIn("Regions")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range stores {
			for _, r := range x.Regions {
				got = append(got, r.Name+" "+x.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("stores with regions: %q, want %q", got, want)
		}

		// Criteria and joins over the composite keys: regions holding
		// store 1.2, and regions with a store of chain 2.
		s = session.New(session.DB(srv.db), opts)
		q := session.Query[aoRegion](s)
		names := func(rs []*aoRegion, err error) string {
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rs {
				out = append(out, r.Name)
			}
			slices.Sort(out)
			return strings.Join(out, ",")
		}
		if got := names(q.Where(q.Contains("Stores", &aoStore{Chain: 1, Num: 2})).All(ctx)); got != "lyon,paris" {
			t.Errorf("regions containing store 1.2: %q", got)
		}
		if got := names(q.Where(q.Any("Stores", core.Eq(q.Related("Stores").C("Chain"), 2))).All(ctx)); got != "berlin,lyon" {
			t.Errorf("regions with a store of chain 2: %q", got)
		}
		sq := session.Query[aoStore](s).Join("Regions")
		inFr, err := sq.Where(core.Eq(sq.C("Regions.Country"), "fr")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(inFr) != 3 {
			t.Errorf("%d stores in fr regions, want 3 (s1.1, s1.2, s2.1, each once)", len(inFr))
		}

		// Remove and add members; delete a region.
		s = session.New(session.DB(srv.db), opts)
		rs, err := session.Query[aoRegion](s).Options(loader.SelectIn("Stores")).OrderBy("Name").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		berlin, lyon, paris := rs[0], rs[1], rs[2]
		var s11b *aoStore
		for _, x := range paris.Stores {
			if x.Chain == 1 && x.Num == 1 {
				s11b = x
			}
		}
		lyon.Stores = slices.DeleteFunc(slices.Clone(lyon.Stores), func(x *aoStore) bool { return x.Chain == 1 })
		lyon.Stores = append(lyon.Stores, s11b, st(3, 1))
		if err := s.Delete(berlin); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		// One DELETE of lyon's removed row, one of berlin's rows, one
		// INSERT of lyon's two new rows (after the new store's).
		var dels, ins int
		for _, q := range srv.log.take() {
			if strings.Contains(q, "ao_region_stores") {
				switch {
				case strings.HasPrefix(q, "DELETE"):
					dels++
				case strings.HasPrefix(q, "INSERT"):
					ins++
				}
			}
		}
		if dels != 2 || ins != 1 {
			t.Errorf("%d DELETEs and %d INSERTs on the association table, want 2 and 1", dels, ins)
		}
		want = []string{"lyon s1.1", "lyon s2.1", "lyon s3.1", "paris s1.1", "paris s1.2"}
		if got := regionRows(t, srv); !slices.Equal(got, want) {
			t.Errorf("rows after the changes %q, want %q", got, want)
		}
	})
}

// TestAssociationProxyEdges: the proxy loads in three statements with
// SelectIn and in one with Joined; a tag removed through the proxy leaves
// the tag's loaded collection too; a failed flush puts the association
// collection back, and the same proxy change then succeeds.
func TestAssociationProxyEdges(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := aoSchema(t, srv)
		opts := session.Options{Registry: reg}
		aoSeed(t, ctx, session.New(session.DB(srv.db), opts))
		want := aoRows(t, srv)

		for _, tc := range []struct {
			opt   loader.Option
			stmts int
		}{{loader.SelectIn("Tags"), 3}, {loader.Joined("Tags"), 1}} {
			s := session.New(session.DB(srv.db), opts)
			srv.log.take()
			books, err := session.Query[aoBook](s).Options(tc.opt).OrderBy("ID").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.log.take()); n != tc.stmts {
				t.Errorf("%d statements, want %d", n, tc.stmts)
			}
			if got := bookRows(books); !slices.Equal(got, want) {
				t.Errorf("loaded %q, want %q", got, want)
			}
			if got := tagNames(books[0].Tags) + "/" + tagNames(books[1].Tags); got != "t1,t2/t2" {
				t.Errorf("proxies %q", got)
			}
		}

		s := session.New(session.DB(srv.db), opts)
		books, err := session.Query[aoBook](s).Options(loader.SelectIn("Tags")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b1 := books[0]
		t2, err := session.Get[aoTag](ctx, s, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, t2, "BookTags"); err != nil {
			t.Fatal(err)
		}
		if len(t2.BookTags) != 2 {
			t.Fatalf("t2.BookTags %d, want 2", len(t2.BookTags))
		}
		// Remove t2 from b1 and add a tag whose key is taken: the flush
		// fails, and the collections are as they were.
		bts, t2bts := b1.BookTags, t2.BookTags
		b1.Tags = []*aoTag{b1.Tags[0], {ID: 1, Name: "dup"}}
		if err := s.Flush(ctx); err == nil {
			t.Fatal("flush of a duplicate tag key succeeded")
		}
		if !slices.Equal(b1.BookTags, bts) || !slices.Equal(t2.BookTags, t2bts) {
			t.Errorf("after the failed flush: b1.BookTags %d, t2.BookTags %d, want them as they were", len(b1.BookTags), len(t2.BookTags))
		}
		if got := aoRows(t, srv); !slices.Equal(got, want) {
			t.Errorf("rows after the failed flush %q, want %q", got, want)
		}
		b1.Tags = b1.Tags[:1]
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := aoRows(t, srv); !slices.Equal(got, []string{"b1 t1 author", "b2 t2 reader"}) {
			t.Errorf("rows %q", got)
		}
		if len(t2.BookTags) != 1 || t2.BookTags[0].BookID != 2 {
			t.Errorf("t2.BookTags %v, want b2's only", t2.BookTags)
		}
		if got := bookRows([]*aoBook{b1}); !slices.Equal(got, []string{"b1 t1 author"}) {
			t.Errorf("b1.BookTags %q", got)
		}
	})
}

// A proxy over a collection without delete-orphan.
type aoPost struct {
	_          struct{}       `athanor:",table:ao_posts"`
	ID         int64          `athanor:",pk"`
	PostLabels []*aoPostLabel `athanor:",backref:Post"`
	Labels     []*aoLabel     `athanor:",proxy:PostLabels.Label"`
}

type aoLabel struct {
	_    struct{} `athanor:",table:ao_labels"`
	ID   int64    `athanor:",pk"`
	Name string   `athanor:",size:20"`
}

type aoPostLabel struct {
	_       struct{} `athanor:",table:ao_post_labels"`
	PostID  int64    `athanor:",pk"`
	LabelID int64    `athanor:",pk"`
	Post    *aoPost
	Label   *aoLabel
}

// TestAssociationProxyRemovalWithoutOrphanCascade: a target removed from
// the proxy deletes its association object even when the collection does
// not cascade delete-orphan, where removing the object from the
// collection itself would fail (its key cannot be NULL).
func TestAssociationProxyRemovalWithoutOrphanCascade(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[aoPost])
		opts := session.Options{Registry: reg}
		s := session.New(session.DB(srv.db), opts)
		if err := s.Add(&aoPost{ID: 1, Labels: []*aoLabel{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "ao_post_labels"); n != 2 {
			t.Fatalf("%d association rows, want 2", n)
		}
		s = session.New(session.DB(srv.db), opts)
		p, err := session.Get[aoPost](ctx, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Load(ctx, p, "Labels"); err != nil {
			t.Fatal(err)
		}
		p.Labels = slices.DeleteFunc(slices.Clone(p.Labels), func(l *aoLabel) bool { return l.Name == "a" })
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "ao_post_labels"); n != 1 || len(p.PostLabels) != 1 || p.PostLabels[0].LabelID != 2 {
			t.Errorf("%d association rows, %d in the collection, want 1 (label b)", n, len(p.PostLabels))
		}
		// Removing the association object itself is an orphan without a
		// cascade: its key cannot be NULL.
		p.PostLabels = []*aoPostLabel{}
		if err := s.Flush(ctx); err == nil || !strings.Contains(err.Error(), "cannot be NULL") {
			t.Errorf("orphaned association object without delete-orphan: %v", err)
		}
	})
}
