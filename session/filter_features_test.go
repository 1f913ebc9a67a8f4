package session_test

import (
	"context"
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// TestFiltersReachEveryReadPath checks that the global filters restrict
// what the other ways of reading and writing many rows reach: streams,
// keyset pages, bulk UPDATE/DELETE, joined collection loads and loads run
// with load listeners.
func TestFiltersReachEveryReadPath(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		reg := gfSeed(t, srv)
		ctx := tenantCtx(1)
		open := func(ev *session.Events) *session.Session {
			s := session.New(srv.db, session.Options{Registry: reg, Filters: gfFilters(), Events: ev})
			t.Cleanup(func() { s.Close(context.Background()) })
			return s
		}

		// Stream: tenant 1's live books only.
		s := open(nil)
		var streamed []int64
		for b, err := range session.Query[gfBook](s).OrderBy("ID").Stream(ctx, 2) {
			if err != nil {
				t.Fatal(err)
			}
			streamed = append(streamed, b.ID)
		}
		if want := []int64{11, 14}; !slices.Equal(streamed, want) {
			t.Fatalf("stream: %v, want %v", streamed, want)
		}
		// Inside a transaction the stream reads keyset pages: filtered too.
		if _, err := s.Begin(ctx); err != nil {
			t.Fatal(err)
		}
		streamed = streamed[:0]
		for b, err := range session.Query[gfBook](s).OrderBy("-ID").Stream(ctx, 1) {
			if err != nil {
				t.Fatal(err)
			}
			streamed = append(streamed, b.ID)
		}
		if want := []int64{14, 11}; !slices.Equal(streamed, want) {
			t.Fatalf("stream in a transaction: %v, want %v", streamed, want)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}

		// Keyset pages.
		page, err := session.Query[gfBook](s).OrderBy("Title").Page(ctx, session.PageRequest{Size: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != 11 || !page.HasNext {
			t.Fatalf("first page: %+v", page)
		}
		page, err = session.Query[gfBook](s).OrderBy("Title").Page(ctx, session.PageRequest{Size: 1, After: page.Next})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != 14 || page.HasNext {
			t.Fatalf("second page: %+v", page)
		}

		// A joined collection leaves the filtered-out children out and keeps
		// the parent.
		s = open(nil)
		authors, err := session.Query[gfAuthor](s).Options(loader.Joined("Books")).OrderBy("ID").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(authors) != 1 || authors[0].ID != 1 || len(authors[0].Books) != 1 || authors[0].Books[0].ID != 11 {
			t.Fatalf("joined collection: %+v", authors)
		}

		// Load listeners wrap the loader's host: the criteria still apply.
		ev := new(session.Events)
		var loaded []int64
		session.OnLoad(ev, func(_ context.Context, _ *session.Session, b *gfBook) { loaded = append(loaded, b.ID) })
		s = open(ev)
		authors, err = session.Query[gfAuthor](s).Options(loader.SelectIn("Books")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(authors) != 1 || len(authors[0].Books) != 1 || !slices.Equal(loaded, []int64{11}) {
			t.Fatalf("load with listeners: %d authors, loaded %v", len(authors), loaded)
		}

		// Bulk UPDATE: only the rows the filters let through.
		s = open(nil)
		n, err := session.Query[gfBook](s).UpdateAll(ctx, session.Set{"Title": "t1"}, session.SyncFetch)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("filtered bulk update: %d rows, want 2", n)
		}
		n, err = session.Query[gfBook](s).Unfiltered("soft-delete").DeleteAll(ctx, session.SyncEvaluate)
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 { // 11, 12 (deleted) and 14: tenant 1
			t.Fatalf("bulk delete with soft-delete off: %d rows, want 3", n)
		}
		if err := s.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := session.Query[gfBook](open(nil)).Unfiltered().Count(ctx)
		if err != nil || all != 4 {
			t.Fatalf("after rollback: %d books, %v", all, err)
		}
	})
}
