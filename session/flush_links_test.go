package session_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// A studio owns its discs (cascade:all); a disc's cuts (nullable key) and
// liner notes (NOT NULL key) are not deleted with it.
type linkStudio struct {
	_     struct{} `athanor:",table:session_link_studios"`
	ID    int64    `athanor:",pk,noautoincrement"`
	Name  string
	Discs []*linkDisc `athanor:",backref:Studio,cascade:all"`
}

type linkDisc struct {
	_        struct{} `athanor:",table:session_link_discs"`
	ID       int64    `athanor:",pk,noautoincrement"`
	Title    string
	StudioID int64
	Studio   *linkStudio
	Cuts     []*linkCut   `athanor:",backref:Disc"`
	Liners   []*linkLiner `athanor:",backref:Disc"`
}

type linkCut struct {
	_      struct{} `athanor:",table:session_link_cuts"`
	ID     int64    `athanor:",pk,noautoincrement"`
	DiscID *int64
	Disc   *linkDisc
}

type linkLiner struct {
	_      struct{} `athanor:",table:session_link_liners"`
	ID     int64    `athanor:",pk,noautoincrement"`
	DiscID int64
	Disc   *linkDisc
}

func linkSchema(t *testing.T, srv server) *mapper.Registry {
	t.Helper()
	reg := schema(t, srv.db, mapper.RegisterIn[linkStudio], mapper.RegisterIn[linkDisc], mapper.RegisterIn[linkCut], mapper.RegisterIn[linkLiner])
	s := session.New(session.DB(srv.db), session.Options{Registry: reg})
	err := s.Add(
		&linkStudio{ID: 1, Name: "one", Discs: []*linkDisc{
			{ID: 1, Title: "a", Cuts: []*linkCut{{ID: 1}, {ID: 2}, {ID: 4}}},
			{ID: 2, Title: "b", Cuts: []*linkCut{{ID: 3}}},
		}},
		&linkStudio{ID: 2, Name: "two", Discs: []*linkDisc{{ID: 3, Title: "c"}, {ID: 4, Title: "d", Liners: []*linkLiner{{ID: 1}}}}},
		&linkStudio{ID: 3, Name: "three"},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return reg
}

// column reads "SELECT col FROM table ORDER BY id" as text ("NULL" for
// NULL).
func (s server) column(t *testing.T, table, col string) string {
	t.Helper()
	rs, err := s.db.Query(context.Background(), core.Raw("SELECT id, "+col+" FROM "+table+" ORDER BY id").ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var id int64
		var v *int64
		if err := rs.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		cell := "NULL"
		if v != nil {
			cell = strconv.FormatInt(*v, 10)
		}
		out = append(out, strconv.FormatInt(id, 10)+":"+cell)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// TestDeleteParentNullsChildren: deleting a studio deletes its discs
// (cascade) and sets the disc key of their cuts, which the discs do not
// cascade to, to NULL, whether the cuts are unloaded (read in the flush's
// transaction) or loaded (the objects change too); a cut re-pointed to
// another disc keeps it.
func TestDeleteParentNullsChildren(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)

		t.Run("unloaded", func(t *testing.T) {
			s := session.New(session.DB(srv.db), session.Options{Registry: reg})
			st, err := session.Get[linkStudio](ctx, s, 1)
			if err != nil {
				t.Fatal(err)
			}
			moved, err := session.Get[linkCut](ctx, s, 4)
			if err != nil {
				t.Fatal(err)
			}
			other, err := session.Get[linkDisc](ctx, s, 3)
			if err != nil {
				t.Fatal(err)
			}
			moved.Disc = other
			if err := s.Delete(st); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("delete a studio whose discs have cuts: %v", err)
			}
			if got, want := srv.column(t, "session_link_discs", "studio_id"), "3:2 4:2"; got != want {
				t.Errorf("discs %s, want %s", got, want)
			}
			if got, want := srv.column(t, "session_link_cuts", "disc_id"), "1:NULL 2:NULL 3:NULL 4:3"; got != want {
				t.Errorf("cuts %s, want %s", got, want)
			}
			if moved.Disc != other || moved.DiscID == nil || *moved.DiscID != 3 {
				t.Errorf("the re-pointed cut is on disc %v (%v), want 3", moved.DiscID, moved.Disc)
			}
		})

		t.Run("loaded", func(t *testing.T) {
			s := session.New(session.DB(srv.db), session.Options{Registry: reg})
			d, err := session.Query[linkDisc](s).Filter("ID", 3).Options(loader.SelectIn("Cuts")).One(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Cuts) != 1 {
				t.Fatalf("disc 3 has %d cuts, want 1", len(d.Cuts))
			}
			cut := d.Cuts[0]
			if err := s.Delete(d); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("delete a disc with loaded cuts: %v", err)
			}
			if cut.DiscID != nil || cut.Disc != nil {
				t.Errorf("the loaded cut still refers to the deleted disc: %v, %v", cut.DiscID, cut.Disc)
			}
			if got, want := srv.column(t, "session_link_cuts", "disc_id"), "1:NULL 2:NULL 3:NULL 4:NULL"; got != want {
				t.Errorf("cuts %s, want %s", got, want)
			}
			// The cut no longer points at a detached disc: a later flush
			// has nothing to do and does not fail.
			cut.Disc = nil
			if err := s.Commit(ctx); err != nil {
				t.Errorf("a later commit: %v", err)
			}
		})
	})
}

// TestDeleteParentNotNullChildren: a child whose key cannot be NULL stops
// the flush before anything is written, with an error naming the
// relationship; the session's objects are as before.
func TestDeleteParentNotNullChildren(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		d, err := session.Get[linkDisc](ctx, s, 4)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(d); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		err = s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "linkDisc.Liners") || !strings.Contains(err.Error(), "cannot be NULL") {
			t.Fatalf("delete a disc with liner notes: %v, want an error naming linkDisc.Liners", err)
		}
		for _, q := range srv.log.take() {
			if strings.HasPrefix(q, "UPDATE") || strings.HasPrefix(q, "DELETE") {
				t.Errorf("sent %s", q)
			}
		}
		if got := srv.rows(t, "session_link_discs"); got != 4 {
			t.Errorf("%d discs, want 4", got)
		}
	})
}

// TestMoveChildBetweenCollections: of a disc's two sides (the studio's
// collection, the disc's own Studio), the one changed since the load wins;
// both changed and disagreeing is an error.
func TestMoveChildBetweenCollections(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)
		load := func(t *testing.T) (*session.Session, []*linkStudio) {
			s := session.New(session.DB(srv.db), session.Options{Registry: reg})
			q := session.Query[linkStudio](s)
			sts, err := q.OrderBy("ID").Options(loader.SelectIn("Discs").OrderBy("ID")).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return s, sts
		}
		take := func(st *linkStudio, id int64) *linkDisc {
			for i, d := range st.Discs {
				if d.ID == id {
					st.Discs = append(st.Discs[:i:i], st.Discs[i+1:]...)
					return d
				}
			}
			t.Fatalf("studio %d has no disc %d", st.ID, id)
			return nil
		}

		t.Run("collection changed", func(t *testing.T) {
			s, sts := load(t)
			d := take(sts[0], 2)
			sts[1].Discs = append(sts[1].Discs, d)
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:1 2:2 3:2 4:2"; got != want {
				t.Errorf("discs %s, want %s", got, want)
			}
			if d.Studio != sts[1] || d.StudioID != 2 {
				t.Errorf("the moved disc is on studio %d (%p), want 2 (%p)", d.StudioID, d.Studio, sts[1])
			}
		})

		t.Run("many-to-one changed", func(t *testing.T) {
			s, sts := load(t)
			sts[0].Discs[0].Studio = sts[2]
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:3 2:2 3:2 4:2"; got != want {
				t.Errorf("discs %s, want %s", got, want)
			}
		})

		t.Run("both changed alike", func(t *testing.T) {
			s, sts := load(t)
			d := take(sts[2], 1)
			sts[0].Discs = append(sts[0].Discs, d)
			d.Studio = sts[0]
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:1 2:2 3:2 4:2"; got != want {
				t.Errorf("discs %s, want %s", got, want)
			}
		})

		t.Run("both changed differently", func(t *testing.T) {
			s, sts := load(t)
			d := take(sts[1], 3)
			sts[0].Discs = append(sts[0].Discs, d)
			d.Studio = sts[2]
			srv.log.take()
			err := s.Commit(ctx)
			if err == nil {
				t.Fatal("a disc added to studio 1's discs and pointed at studio 3: no error")
			}
			for _, want := range []string{"linkDisc 3", "linkDisc.Studio", "linkStudio.Discs", "linkStudio 1", "linkStudio 3"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:1 2:2 3:2 4:2"; got != want {
				t.Errorf("discs %s, want %s", got, want)
			}
		})
	})
}

// TestMoveChildKeepsDeleteOrphan: a book moved between two loaded
// collections with delete-orphan is moved, not deleted as an orphan of
// its first author.
func TestMoveChildKeepsDeleteOrphan(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[Author], mapper.RegisterIn[Book], mapper.RegisterIn[Tag])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		if err := s.Add(&Author{Name: "a", Books: []*Book{{Title: "x"}, {Title: "y"}}}, &Author{Name: "b"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s = session.New(session.DB(srv.db), session.Options{Registry: reg})
		as, err := session.Query[Author](s).OrderBy("Name").Options(loader.SelectIn("Books").OrderBy("Title")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		moved := as[0].Books[0]
		as[0].Books = as[0].Books[1:]
		as[1].Books = append(as[1].Books, moved)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		var n, author int64
		if err := srv.db.QueryRow(ctx, core.Raw("SELECT COUNT(*), MAX(author_id) FROM books WHERE title = 'x'").ReadOnly()).Scan(&n, &author); err != nil {
			t.Fatal(err)
		}
		if n != 1 || author != as[1].ID {
			t.Errorf("book x: %d rows, author %d; want 1 row, author %d", n, author, as[1].ID)
		}
	})
}

// TestRemoveChildNullsKey: a cut removed from its disc's loaded
// collection (not delete-orphan, nullable key) loses its disc, though the
// load set its many-to-one to the disc: the collection is the side that
// changed.
func TestRemoveChildNullsKey(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		d, err := session.Query[linkDisc](s).Filter("ID", 1).Options(loader.SelectIn("Cuts").OrderBy("ID")).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		gone := d.Cuts[0]
		if gone.Disc != d {
			t.Fatalf("the load did not set the cut's disc: %p, want %p", gone.Disc, d)
		}
		d.Cuts = d.Cuts[1:]
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := srv.column(t, "session_link_cuts", "disc_id"), "1:NULL 2:1 3:2 4:1"; got != want {
			t.Errorf("cuts %s, want %s", got, want)
		}
		if gone.Disc != nil || gone.DiscID != nil {
			t.Errorf("the removed cut still has disc %v (%p)", gone.DiscID, gone.Disc)
		}
	})
}

// TestRemoveChildNotNullKey: a disc removed from its studio's collection,
// which neither deletes orphans nor lets the key be NULL, fails the flush
// with an error naming the relationship, instead of being kept silently.
func TestRemoveChildNotNullKey(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		st, err := session.Query[linkStudio](s).Filter("ID", 1).Options(loader.SelectIn("Discs").OrderBy("ID")).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.Discs = st.Discs[1:]
		err = s.Commit(ctx)
		if err == nil || !strings.Contains(err.Error(), "linkStudio.Discs") || !strings.Contains(err.Error(), "cannot be NULL") {
			t.Fatalf("remove disc 1 from studio 1: %v, want an error naming linkStudio.Discs", err)
		}
		if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:1 2:1 3:2 4:2"; got != want {
			t.Errorf("discs %s, want %s", got, want)
		}
	})
}

// TestRemoveManyToManyMembersBatched: members removed from a loaded
// many-to-many collection go in one DELETE of association rows, from
// either side; the others stay.
func TestRemoveManyToManyMembersBatched(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[Author], mapper.RegisterIn[Book], mapper.RegisterIn[Tag])
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		var tags []*Tag
		for i := range 6 {
			tags = append(tags, &Tag{Name: "t" + strconv.Itoa(i)})
		}
		b1 := &Book{Title: "x", Tags: tags}
		b2 := &Book{Title: "y", Tags: slices.Clone(tags)}
		if err := s.Add(&Author{Name: "a", Books: []*Book{b1, b2}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		deletes := func() []string {
			var out []string
			for _, q := range srv.log.take() {
				if strings.HasPrefix(q, "DELETE") {
					out = append(out, q)
				}
			}
			return out
		}

		s = session.New(session.DB(srv.db), session.Options{Registry: reg})
		b, err := session.Query[Book](s).Filter("Title", "x").Options(loader.SelectIn("Tags").OrderBy("Name")).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.Tags = b.Tags[4:]
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := deletes(); len(got) != 1 {
			t.Errorf("%d DELETEs for 4 removed members, want 1: %q", len(got), got)
		}
		if got := srv.rows(t, "book_tags"); got != 8 {
			t.Errorf("%d association rows, want 8", got)
		}

		// The other side: a tag leaves both books.
		s = session.New(session.DB(srv.db), session.Options{Registry: reg})
		tg, err := session.Query[Tag](s).Filter("Name", "t5").Options(loader.SelectIn("Books")).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(tg.Books) != 2 {
			t.Fatalf("tag t5 is on %d books, want 2", len(tg.Books))
		}
		tg.Books = tg.Books[:0]
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got := deletes(); len(got) != 1 {
			t.Errorf("%d DELETEs for a tag leaving 2 books, want 1: %q", len(got), got)
		}
		if got := srv.rows(t, "book_tags"); got != 6 {
			t.Errorf("%d association rows, want 6", got)
		}
	})
}

// TestRemoveChildWithItsKeySet: a disc removed from its studio's
// collection whose key field the caller set to another studio moves there
// (no error for the key that cannot be NULL).
func TestRemoveChildWithItsKeySet(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := linkSchema(t, srv)
		s := session.New(session.DB(srv.db), session.Options{Registry: reg})
		st, err := session.Query[linkStudio](s).Filter("ID", 1).Options(loader.SelectIn("Discs").OrderBy("ID")).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.Discs[0].StudioID = 3
		st.Discs[0].Studio = nil
		st.Discs = st.Discs[1:]
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if got, want := srv.column(t, "session_link_discs", "studio_id"), "1:3 2:1 3:2 4:2"; got != want {
			t.Errorf("discs %s, want %s", got, want)
		}
	})
}
