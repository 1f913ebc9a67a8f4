package session_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
	"github.com/athanor-orm/athanor/session"
)

type ctxNote struct {
	_    struct{} `athanor:",table:ctx_notes"`
	ID   int64
	Body string `athanor:",size:50"`
}

// tokenSpy records the causal token of every read outside a transaction.
type tokenSpy struct {
	session.Backend
	seen []router.Token
}

func (b *tokenSpy) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	tok, _ := router.TokenFrom(ctx)
	b.seen = append(b.seen, tok)
	return b.Backend.QueryFunc(ctx, s, fn)
}

func TestContextCarriesSession(t *testing.T) {
	ctx := context.Background()
	if s, ok := session.FromContext(ctx); ok || s != nil {
		t.Fatalf("empty context holds %v", s)
	}
	if _, ok := session.FromContext(session.NewContext(ctx, nil)); ok {
		t.Fatal("a nil session counts as one")
	}
	db, err := engine.Open(ctx, "sqlite://"+testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := session.New(db, session.Options{})
	if got, ok := session.FromContext(session.NewContext(ctx, s)); !ok || got != s {
		t.Fatalf("FromContext = %p %v, want %p", got, ok, s)
	}
}

// TestOptionsToken: the session's reads carry the token it started with,
// and Token returns it (merged with commits, which over SQLite have none).
func TestOptionsToken(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite://"+testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := schema(t, db, mapper.RegisterIn[ctxNote])
	start := router.NewToken(router.DefaultGroup, router.PrimaryPosition())
	spy := &tokenSpy{Backend: session.DB(db)}
	s := session.New(spy, session.Options{Registry: reg, Token: start})
	defer s.Close(ctx)
	if s.Token().String() != start.String() {
		t.Fatalf("Token = %v, want the starting %v", s.Token(), start)
	}
	s.Add(&ctxNote{Body: "a"})
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := session.Query[ctxNote](s).All(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Token().String() != start.String() {
		t.Fatalf("Token after a commit without a token = %v, want %v", s.Token(), start)
	}
	if len(spy.seen) == 0 || spy.seen[len(spy.seen)-1].String() != start.String() {
		t.Fatalf("reads carried %v, want %v", spy.seen, start)
	}
	other := session.New(session.DB(db), session.Options{Registry: reg})
	defer other.Close(ctx)
	if !other.Token().IsZero() {
		t.Fatalf("a session without Options.Token starts with %v", other.Token())
	}
}
