package session_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

type obsCtxKey struct{}

// eventLog is a session.Observer and a loader.Observer that logs events
// and checks that each end event gets the context its start returned.
type eventLog struct {
	mu     sync.Mutex
	events []string
}

func (l *eventLog) add(s string) { l.mu.Lock(); l.events = append(l.events, s); l.mu.Unlock() }

func (l *eventLog) started(ctx context.Context) string {
	if ctx.Value(obsCtxKey{}) == nil {
		return " (lost context)"
	}
	return ""
}

func (l *eventLog) FlushStart(ctx context.Context, d session.FlushStartData) context.Context {
	l.add(fmt.Sprintf("flush commit=%v", d.Commit))
	return context.WithValue(ctx, obsCtxKey{}, true)
}

func (l *eventLog) FlushEnd(ctx context.Context, d session.FlushEndData) {
	l.add(fmt.Sprintf("flush end err=%v%s", d.Err, l.started(ctx)))
}

func (l *eventLog) LoadStart(ctx context.Context, d loader.LoadStartData) context.Context {
	l.add("load " + d.Model + "." + d.Relationship)
	return context.WithValue(ctx, obsCtxKey{}, true)
}

func (l *eventLog) LoadEnd(ctx context.Context, d loader.LoadEndData) {
	l.add(fmt.Sprintf("load end %s.%s rows=%d err=%v%s", d.Model, d.Relationship, d.Rows, d.Err, l.started(ctx)))
}

// flushOnly observes flushes and not loads.
type flushOnly struct{ l *eventLog }

func (f flushOnly) FlushStart(ctx context.Context, d session.FlushStartData) context.Context {
	return f.l.FlushStart(ctx, d)
}
func (f flushOnly) FlushEnd(ctx context.Context, d session.FlushEndData) { f.l.FlushEnd(ctx, d) }

// TestObserverEvents: the session reports its flushes (telling a Commit
// from a Flush) and, when its Observer is a loader.Observer too, its
// relationship loads, each end event with its start's context.
func TestObserverEvents(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	log := &eventLog{}
	s := e.session(session.Options{Observer: log})
	if err := s.Add(&Author{ID: 1, Name: "a", Books: []*Book{{ID: 1, Title: "b"}, {ID: 2, Title: "c"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := e.session(session.Options{Observer: log})
	if _, err := session.Query[Author](fresh).Options(loader.SelectIn("Books")).All(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"flush commit=false", "flush end err=<nil>", "load Author.Books", "load end Author.Books rows=2 err=<nil>"}
	if fmt.Sprint(log.events) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", log.events, want)
	}

	log.events = nil
	other := e.session(session.Options{Observer: flushOnly{log}})
	if _, err := session.Query[Author](other).Options(loader.SelectIn("Books")).All(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Add(&Author{ID: 2, Name: "z"}); err != nil {
		t.Fatal(err)
	}
	if err := other.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []string{"flush commit=true", "flush end err=<nil>"}; fmt.Sprint(log.events) != fmt.Sprint(want) {
		t.Errorf("flush-only observer: events %q, want %q", log.events, want)
	}
}
