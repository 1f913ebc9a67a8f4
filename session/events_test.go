package session_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type evArticle struct {
	_         struct{} `athanor:",table:ev_articles"`
	ID        int64    `athanor:",pk"`
	Title     string   `athanor:",size:100"`
	CreatedBy string   `athanor:",size:20"`
	UpdatedAt *time.Time
	Comments  []*evComment `athanor:",cascade:all,fk:ev_article_id"`
}

type evComment struct {
	_           struct{} `athanor:",table:ev_comments"`
	ID          int64    `athanor:",pk"`
	EvArticleID int64    `athanor:",index"`
	Body        string   `athanor:",size:100"`
	Version     int64    `athanor:",version"`
}

// evLog records listener calls in order.
type evLog struct {
	mu  sync.Mutex
	got []string
}

func (l *evLog) add(format string, args ...any) {
	l.mu.Lock()
	l.got = append(l.got, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

func (l *evLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.got
	l.got = nil
	return out
}

var errHook = errors.New("hook refused")

// evListeners registers logging listeners on a new Events; fail names the
// hook that returns errHook ("" for none).
func evListeners(l *evLog, fail *string, stamp time.Time) *session.Events {
	ev := new(session.Events)
	ev.OnBeforeFlush(func(ctx context.Context, s *session.Session) error { l.add("before flush"); return nil })
	ev.OnAfterFlush(func(ctx context.Context, s *session.Session) { l.add("after flush") })
	ev.OnAfterCommit(func(ctx context.Context, s *session.Session) { l.add("after commit") })
	ev.OnAfterRollback(func(ctx context.Context, s *session.Session) { l.add("after rollback") })
	session.OnBeforeInsert(ev, func(ctx context.Context, s *session.Session, a *evArticle) error {
		l.add("before insert %s", a.Title)
		if *fail == "insert" {
			return errHook
		}
		a.CreatedBy = "hook"
		return nil
	})
	session.OnBeforeUpdate(ev, func(ctx context.Context, s *session.Session, a *evArticle) error {
		l.add("before update %s", a.Title)
		if *fail == "update" {
			return errHook
		}
		a.UpdatedAt = &stamp
		return nil
	})
	session.OnBeforeDelete(ev, func(ctx context.Context, s *session.Session, a *evArticle) error {
		l.add("before delete %s", a.Title)
		if *fail == "delete" {
			return errHook
		}
		return nil
	})
	session.OnAfterInsert(ev, func(ctx context.Context, s *session.Session, a *evArticle) {
		l.add("after insert %s id>0=%v %v", a.Title, a.ID > 0, s.StateOf(a))
	})
	session.OnAfterUpdate(ev, func(ctx context.Context, s *session.Session, a *evArticle) { l.add("after update %s", a.Title) })
	session.OnAfterDelete(ev, func(ctx context.Context, s *session.Session, a *evArticle) {
		l.add("after delete %s %v", a.Title, s.StateOf(a))
	})
	session.OnBeforeDelete(ev, func(ctx context.Context, s *session.Session, c *evComment) error {
		l.add("before delete comment %s", c.Body)
		return nil
	})
	session.OnLoad(ev, func(ctx context.Context, s *session.Session, a *evArticle) { l.add("load %s", a.Title) })
	session.OnRefresh(ev, func(ctx context.Context, s *session.Session, a *evArticle) { l.add("refresh %s", a.Title) })
	return ev
}

func verbs(sqls []string) []string {
	var out []string
	for _, q := range sqls {
		out = append(out, strings.Fields(q)[0])
	}
	return out
}

// TestEventsFlush: the listeners run in order around inserts, updates and
// deletes; a before-insert or before-update listener's field is written
// by the object's own statement (one INSERT, one UPDATE holding the
// column, no second UPDATE); an object without changes gets no
// before-update; load, refresh, commit and rollback listeners run.
func TestEventsFlush(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
		l, fail := &evLog{}, ""
		stamp := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		ev := evListeners(l, &fail, stamp)
		newSession := func() *session.Session {
			return session.New(session.DB(srv.db), session.Options{Registry: reg, Events: ev})
		}
		s := newSession()
		a, b := &evArticle{Title: "a"}, &evArticle{Title: "b"}
		if err := s.Add(a); err != nil {
			t.Fatal(err)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if sqls := srv.log.take(); len(sqls) != 1 || !strings.Contains(sqls[0], "created_by") {
			t.Errorf("insert: %q", sqls)
		}
		want := []string{"before flush", "before insert a", "after insert a id>0=true persistent", "after flush", "after commit"}
		if got := l.take(); !slices.Equal(got, want) {
			t.Errorf("insert events:\n got %q\nwant %q", got, want)
		}
		if err := s.Add(b); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		l.take()
		s.Close(ctx)

		// A new session loads both; one changes.
		s = newSession()
		got, err := session.Query[evArticle](s).OrderBy("ID").All(ctx)
		if err != nil || len(got) != 2 || got[0].CreatedBy != "hook" {
			t.Fatalf("query: %v %+v", err, got)
		}
		if _, err := session.Get[evArticle](ctx, s, a.ID); err != nil { // from the identity map: no load event
			t.Fatal(err)
		}
		if ls := l.take(); !slices.Equal(ls, []string{"load a", "load b"}) {
			t.Errorf("load events %q", ls)
		}
		got[0].Title = "a2"
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		sqls := srv.log.take()
		if vs := verbs(sqls); !slices.Equal(vs, []string{"UPDATE"}) || !strings.Contains(sqls[0], "updated_at") {
			t.Errorf("update statements %q", sqls)
		}
		want = []string{"before flush", "before update a2", "after update a2", "after flush", "after commit"}
		if ls := l.take(); !slices.Equal(ls, want) {
			t.Errorf("update events:\n got %q\nwant %q", ls, want)
		}
		// Nothing changed: no flush events, no statement.
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if ls, sqls := l.take(), srv.log.take(); !slices.Equal(ls, []string{"after commit"}) || len(sqls) != 0 {
			t.Errorf("empty commit: events %q, statements %q", ls, sqls)
		}
		if err := s.Refresh(ctx, got[1]); err != nil {
			t.Fatal(err)
		}
		if ls := l.take(); !slices.Equal(ls, []string{"refresh b"}) {
			t.Errorf("refresh events %q", ls)
		}
		s.Close(ctx)
		chk := newSession()
		back, err := session.Get[evArticle](ctx, chk, a.ID)
		if err != nil || back.Title != "a2" || back.UpdatedAt == nil || !back.UpdatedAt.Equal(stamp) {
			t.Fatalf("row after update: %v %+v", err, back)
		}

		// Delete, cascading to a comment; a flush in a transaction
		// rolled back.
		s = newSession()
		x, err := session.Get[evArticle](ctx, s, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		x.Comments = []*evComment{{Body: "c"}}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		l.take()
		if err := s.Delete(x); err != nil {
			t.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		want = []string{"before flush", "before delete b", "before delete comment c", "after delete b detached", "after flush"}
		if ls := l.take(); !slices.Equal(ls, want) {
			t.Errorf("delete events:\n got %q\nwant %q", ls, want)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		if ls := l.take(); !slices.Equal(ls, []string{"after rollback"}) {
			t.Errorf("rollback events %q", ls)
		}
		if n := srv.rows(t, "ev_articles"); n != 2 {
			t.Errorf("rows after rollback: %d", n)
		}
	})
}

// TestEventsBeforeErrorAborts: an error from a before-insert,
// before-update or before-delete listener fails the flush with an error
// that wraps it and names the model; nothing is written, the objects keep
// their pending changes, and the next commit (the listener now willing)
// writes them.
func TestEventsBeforeErrorAborts(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
		l, fail := &evLog{}, ""
		ev := evListeners(l, &fail, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		s := session.New(session.DB(srv.db), session.Options{Registry: reg, Events: ev})
		keep := &evArticle{Title: "keep"}
		if err := s.Add(keep); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, op := range []string{"insert", "update", "delete"} {
			fail = op
			n := &evArticle{Title: "new-" + op}
			switch op {
			case "insert":
				s.Add(n, &evArticle{Title: "other"})
			case "update":
				keep.Title = "changed"
				s.Add(n) // an insert in the same flush is not written either
			case "delete":
				s.Delete(keep)
			}
			before := srv.rows(t, "ev_articles")
			err := s.Commit(ctx)
			if !errors.Is(err, errHook) || !strings.Contains(err.Error(), "before "+op+" evArticle") {
				t.Fatalf("%s: commit error %v", op, err)
			}
			if c := srv.rows(t, "ev_articles"); c != before {
				t.Errorf("%s: %d rows after the failed flush", op, c)
			}
			fail = ""
			if err := s.Commit(ctx); err != nil {
				t.Fatalf("%s: commit again: %v", op, err)
			}
			if op == "update" {
				chk := session.New(session.DB(srv.db), session.Options{Registry: reg})
				back, err := session.Get[evArticle](ctx, chk, keep.ID)
				if err != nil || back.Title != "changed" || back.UpdatedAt == nil {
					t.Errorf("update retried: %v %+v", err, back)
				}
			}
		}
	})
}

// TestEventsBeforeFlushAdds: an object a before-flush listener adds is
// written by the same flush, and its before-insert listener runs.
func TestEventsBeforeFlushAdds(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	reg := schema(t, e.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
	ev := new(session.Events)
	ev.OnBeforeFlush(func(ctx context.Context, s *session.Session) error {
		return s.Add(&evArticle{Title: "audit"})
	})
	inserted := 0
	session.OnBeforeInsert(ev, func(ctx context.Context, s *session.Session, a *evArticle) error {
		inserted++
		a.CreatedBy = "x"
		return nil
	})
	s := session.New(session.DB(e.db), session.Options{Registry: reg, Events: ev})
	s.Add(&evArticle{Title: "a"})
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if inserted != 2 {
		t.Errorf("before insert ran %d times, want 2", inserted)
	}
	var n int64
	if err := e.db.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM ev_articles WHERE created_by = 'x'").ReadOnly()).Scan(&n); err != nil || n != 2 {
		t.Errorf("rows: %d %v", n, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering on an Events in use did not panic")
		}
	}()
	ev.OnAfterFlush(func(context.Context, *session.Session) {})
}

// TestEventsOtherModelLoads: load listeners run for their model only.
func TestEventsOtherModelLoads(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	reg := schema(t, e.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
	ev := new(session.Events)
	loads := 0
	session.OnLoad(ev, func(ctx context.Context, s *session.Session, c *evComment) { loads++ })
	s := session.New(session.DB(e.db), session.Options{Registry: reg, Events: ev})
	s.Add(&evArticle{Title: "a", Comments: []*evComment{{Body: "1"}, {Body: "2"}}})
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := session.New(session.DB(e.db), session.Options{Registry: reg, Events: ev})
	if _, err := session.Query[evArticle](s2).All(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Query[evComment](s2).All(ctx); err != nil {
		t.Fatal(err)
	}
	if loads != 2 {
		t.Errorf("comment loads %d, want 2", loads)
	}
}

// TestEventsUnrelatedListenersAllocateNothing: a session whose Events
// has no listener for what a flush or load does allocates as one without
// Events: committing a change and getting an object cost the same.
func TestEventsUnrelatedListenersAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx := context.Background()
	e := setup(t)
	reg := schema(t, e.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
	ev := new(session.Events)
	session.OnLoad(ev, func(context.Context, *session.Session, *evComment) {})
	session.OnBeforeUpdate(ev, func(context.Context, *session.Session, *evComment) error { return nil })
	measure := func(ev *session.Events) (update, get float64) {
		s := session.New(session.DB(e.db), session.Options{Registry: reg, Events: ev})
		a := &evArticle{Title: "x"}
		s.Add(a)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		i := 0
		update = testing.AllocsPerRun(30, func() {
			i++
			a.CreatedBy = fmt.Sprint(i%2 == 0)
			if err := s.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		})
		get = testing.AllocsPerRun(30, func() {
			s.Expunge(a)
			if _, err := session.Get[evArticle](ctx, s, a.ID); err != nil {
				t.Fatal(err)
			}
		})
		return update, get
	}
	u0, g0 := measure(nil)
	u1, g1 := measure(ev)
	if u1 > u0 || g1 > g0 {
		t.Errorf("allocations with unrelated listeners: update %v get %v, without Events %v %v", u1, g1, u0, g0)
	}
}

// OnLoad over relationship loads: an author's posts, a post's notes.
type evAuthor struct {
	_     struct{}  `athanor:",table:ev_ol_authors"`
	ID    int64     `athanor:",pk,noautoincrement"`
	Name  string    `athanor:",size:40"`
	Posts []*evPost `athanor:",backref:Author"`
}

type evPost struct {
	_        struct{} `athanor:",table:ev_ol_posts"`
	ID       int64    `athanor:",pk,noautoincrement"`
	Title    string   `athanor:",size:40"`
	AuthorID int64
	Author   *evAuthor
	Notes    []*evNote `athanor:",backref:Post"`
}

type evNote struct {
	_      struct{} `athanor:",table:ev_ol_notes"`
	ID     int64    `athanor:",pk,noautoincrement"`
	PostID int64
	Post   *evPost
}

// evLoads counts OnLoad calls per object, and checks what a listener sees.
type evLoads struct {
	mu     sync.Mutex
	n      map[string]int
	posts  map[int64]int // an author's posts when its listener ran (-1: nil)
	states []session.State
}

func (l *evLoads) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.n
	l.n = map[string]int{}
	return out
}

func (l *evLoads) events() *session.Events {
	l.n, l.posts = map[string]int{}, map[int64]int{}
	ev := new(session.Events)
	note := func(s *session.Session, key string, obj any) {
		l.mu.Lock()
		l.n[key]++
		l.states = append(l.states, s.StateOf(obj))
		l.mu.Unlock()
	}
	session.OnLoad(ev, func(ctx context.Context, s *session.Session, a *evAuthor) {
		note(s, fmt.Sprint("author ", a.ID), a)
		l.mu.Lock()
		l.posts[a.ID] = len(a.Posts)
		if a.Posts == nil {
			l.posts[a.ID] = -1
		}
		l.mu.Unlock()
	})
	session.OnLoad(ev, func(ctx context.Context, s *session.Session, p *evPost) { note(s, fmt.Sprint("post ", p.ID), p) })
	session.OnLoad(ev, func(ctx context.Context, s *session.Session, n *evNote) { note(s, fmt.Sprint("note ", n.ID), n) })
	return ev
}

// want builds the expected counts: each named object once.
func evOnce(kind string, ids ...int64) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[fmt.Sprint(kind, " ", id)] = 1
	}
	return m
}

func evUnion(ms ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

// TestEventsOnLoadRelationshipLoads: OnLoad runs once for every object a
// relationship load builds (SelectIn, Joined, nested paths, lazy Load),
// after the whole load (an author's listener sees its posts), never for
// an object the session held, and the objects are persistent by then.
func TestEventsOnLoadRelationshipLoads(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[evAuthor], mapper.RegisterIn[evPost], mapper.RegisterIn[evNote])
		seed := session.New(session.DB(srv.db), session.Options{Registry: reg})
		// Authors 1 and 2 have posts 1-2 and 3; posts 1 and 3 have notes
		// 1-2 and 3; author 3 has none.
		err := seed.Add(
			&evAuthor{ID: 1, Name: "a", Posts: []*evPost{{ID: 1, Title: "p1", Notes: []*evNote{{ID: 1}, {ID: 2}}}, {ID: 2, Title: "p2"}}},
			&evAuthor{ID: 2, Name: "b", Posts: []*evPost{{ID: 3, Title: "p3", Notes: []*evNote{{ID: 3}}}}},
			&evAuthor{ID: 3, Name: "c"},
		)
		if err != nil {
			t.Fatal(err)
		}
		if err := seed.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		l := &evLoads{}
		ev := l.events()
		open := func() *session.Session {
			l.take()
			return session.New(session.DB(srv.db), session.Options{Registry: reg, Events: ev})
		}
		check := func(what string, want map[string]int) {
			t.Helper()
			got := l.take()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: loads %v, want %v", what, got, want)
			}
		}
		authors, posts, notes := evOnce("author", 1, 2, 3), evOnce("post", 1, 2, 3), evOnce("note", 1, 2, 3)

		s := open()
		as, err := session.Query[evAuthor](s).Options(loader.SelectIn("Posts", loader.SelectIn("Notes"))).OrderBy("ID").All(ctx)
		if err != nil || len(as) != 3 {
			t.Fatal(len(as), err)
		}
		check("selectin nested", evUnion(authors, posts, notes))
		if fmt.Sprint(l.posts) != "map[1:2 2:1 3:0]" {
			t.Errorf("posts an author's listener saw: %v", l.posts)
		}
		// The same query again: every object is held, none is passed.
		if _, err := session.Query[evAuthor](s).Options(loader.SelectIn("Posts", loader.SelectIn("Notes"))).All(ctx); err != nil {
			t.Fatal(err)
		}
		check("held objects", map[string]int{})

		s = open()
		if _, err := session.Query[evPost](s).Options(loader.Joined("Author"), loader.SelectIn("Notes")).All(ctx); err != nil {
			t.Fatal(err)
		}
		check("joined (author 1 on two rows) and selectin", evUnion(evOnce("author", 1, 2), posts, notes))

		// Post 1 held before: the load of author 1's posts passes post 2 only.
		s = open()
		if _, err := session.Get[evPost](ctx, s, int64(1)); err != nil {
			t.Fatal(err)
		}
		check("get", evOnce("post", 1))
		a1, err := session.Get[evAuthor](ctx, s, int64(1))
		if err != nil {
			t.Fatal(err)
		}
		check("get", evOnce("author", 1))
		if err := s.Load(ctx, a1, "Posts"); err != nil {
			t.Fatal(err)
		}
		check("lazy load beside a held post", evOnce("post", 2))
		if err := s.Load(ctx, a1.Posts[0], "Notes"); err != nil {
			t.Fatal(err)
		}
		check("lazy load of notes", evOnce("note", 1, 2))
		if err := s.Load(ctx, a1, "Posts"); err != nil {
			t.Fatal(err)
		}
		check("loaded already", map[string]int{})

		// Many-to-one through Load: the authors of posts the session holds.
		s = open()
		ps, err := session.Query[evPost](s).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check("plain query", posts)
		if err := s.Load(ctx, ps[0], "Author"); err != nil {
			t.Fatal(err)
		}
		check("lazy many-to-one for every held post", evOnce("author", 1, 2))
		for _, st := range l.states {
			if st != session.Persistent {
				t.Fatalf("a listener saw state %v", st)
			}
		}
	})
}
