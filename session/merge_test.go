package session_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// TestDetachedObjects: an object read by a closed session is written back
// by Attach as one UPDATE of its columns by key, and by Merge as an
// UPDATE of the changed column only; Add inserts it (a unique
// violation); Attach of a row since deleted, or Merge of a stale version,
// fails with athanor.ErrStaleObject naming the model; Attach refuses an
// object without a key or whose key the session holds for another
// object; Merge of an object without a row inserts a copy.
func TestDetachedObjects(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		ctx := context.Background()
		reg := schema(t, srv.db, mapper.RegisterIn[evArticle], mapper.RegisterIn[evComment])
		newSession := func() *session.Session {
			return session.New(session.DB(srv.db), session.Options{Registry: reg})
		}
		s := newSession()
		a := &evArticle{Title: "a", CreatedBy: "me", Comments: []*evComment{{Body: "c1"}}}
		gone := &evArticle{Title: "gone"}
		s.Add(a, gone)
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close(ctx) // a, its comment and gone are detached
		if st := s.StateOf(a); st != session.Detached {
			t.Fatalf("state after close %v", st)
		}
		c := a.Comments[0]

		// Add: inserted, and the key exists.
		s = newSession()
		if err := s.Add(&evArticle{ID: a.ID, Title: "dup"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); !errors.Is(err, athanor.ErrUniqueViolation) {
			t.Fatalf("Add of a detached object: %v, want a unique violation", err)
		}
		s.Close(ctx)

		// Attach: one UPDATE of every column by key, the comment (reached
		// by the save-update cascade) attached too and unchanged in the
		// database but for its written columns.
		a.Title, c.Body = "a2", "c2"
		s = newSession()
		if err := s.Attach(a); err != nil {
			t.Fatal(err)
		}
		if st := s.StateOf(c); st != session.Persistent {
			t.Errorf("cascaded comment is %v", st)
		}
		srv.log.take()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		sqls := srv.log.take()
		var ups []string
		for _, q := range sqls {
			if strings.HasPrefix(q, "UPDATE") {
				ups = append(ups, q)
			}
		}
		if len(ups) != 2 || slices.ContainsFunc(sqls, func(q string) bool { return strings.HasPrefix(q, "INSERT") }) {
			t.Errorf("attach statements %q", sqls)
		}
		if c.Version != 2 {
			t.Errorf("comment version %d, want 2", c.Version)
		}
		// The session now holds them: a Get is the same object.
		if got, err := session.Get[evArticle](ctx, s, a.ID); err != nil || got != a {
			t.Errorf("get after attach: %p %p %v", got, a, err)
		}
		// Errors: no key, another object with the key.
		if err := s.Attach(&evArticle{Title: "new"}); !errors.Is(err, session.ErrNoKey) {
			t.Errorf("attach without key: %v", err)
		}
		if err := s.Attach(&evArticle{ID: a.ID}); !errors.Is(err, session.ErrIdentityConflict) || !strings.Contains(err.Error(), "evArticle") {
			t.Errorf("attach of a held key: %v", err)
		}
		s.Close(ctx)

		// Attach of a row deleted meanwhile: the UPDATE matches nothing.
		if _, err := srv.db.Exec(ctx, core.Raw("DELETE FROM ev_articles WHERE title = 'gone'")); err != nil {
			t.Fatal(err)
		}
		s = newSession()
		if err := s.Attach(gone); err != nil {
			t.Fatal(err)
		}
		gone.Title = "back"
		if err := s.Commit(ctx); !errors.Is(err, athanor.ErrStaleObject) || !strings.Contains(err.Error(), "evArticle") {
			t.Fatalf("attach of a deleted row: %v", err)
		}
		s.Close(ctx)

		// Merge: the persistent object gets the changed column, one UPDATE
		// of that column; a stale version fails.
		s = newSession()
		srv.log.take()
		m, err := session.Merge(ctx, s, &evArticle{ID: a.ID, Title: "merged", CreatedBy: "me"})
		if err != nil || m == a || m.Title != "merged" {
			t.Fatalf("merge: %v %+v", err, m)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		sqls = srv.log.take()
		if vs := verbs(sqls); !slices.Equal(vs, []string{"SELECT", "UPDATE"}) || !strings.Contains(sqls[1], "title") || strings.Contains(sqls[1], "created_by") {
			t.Errorf("merge statements %q", sqls)
		}
		stale := &evComment{ID: c.ID, EvArticleID: a.ID, Body: "old", Version: 1}
		if _, err := session.Merge(ctx, s, stale); !errors.Is(err, athanor.ErrStaleObject) || !strings.Contains(err.Error(), "evComment") {
			t.Errorf("merge of a stale version: %v", err)
		}
		// No row: a copy is inserted.
		nw := &evArticle{ID: gone.ID, Title: "reborn"}
		cp, err := session.Merge(ctx, s, nw)
		if err != nil || cp == nw || s.StateOf(cp) != session.Pending {
			t.Fatalf("merge without row: %v %v", err, s.StateOf(cp))
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := srv.rows(t, "ev_articles"); n != 2 {
			t.Errorf("rows %d, want 2", n)
		}
		s.Close(ctx)
	})
}
