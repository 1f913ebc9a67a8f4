package router

import (
	"context"
	"github.com/athanor-orm/athanor/engine"
	"sync"
)

// Tracker collects the causal positions of the writes made through a
// context, so later reads through it see them. Sessions hold one; an HTTP
// handler can put one in the request context with Track and send
// Token(ctx).String() back to the client. Safe for concurrent use.
type Tracker struct {
	mu      sync.Mutex
	tok     Token           // guarded by mu
	pending map[*Group]bool // groups written since tok was resolved; guarded by mu
}

type trackerKey struct{}

// Track returns a context whose writes are recorded in the returned Tracker
// and whose reads wait for them. A token already in ctx seeds it.
func Track(ctx context.Context) (context.Context, *Tracker) {
	tr := &Tracker{}
	if t, ok := TokenFrom(ctx); ok {
		tr.tok = t
	}
	return context.WithValue(ctx, trackerKey{}, tr), tr
}

func trackerFrom(ctx context.Context) *Tracker {
	tr, _ := ctx.Value(trackerKey{}).(*Tracker)
	return tr
}

// Observe merges t into the tracker (a commit's token).
func (tr *Tracker) Observe(t Token) {
	tr.mu.Lock()
	tr.tok = tr.tok.Merge(t)
	tr.mu.Unlock()
}

// Token returns the positions recorded so far, without asking any server.
// Writes whose position is still pending (autocommit statements) are
// resolved by Resolve.
func (tr *Tracker) Token() Token {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.tok
}

// Resolve asks each primary written to since the last call for its current
// position (one round trip per such group) and returns the full token.
func (tr *Tracker) Resolve(ctx context.Context) (Token, error) {
	if err := engine.CheckContext(ctx); err != nil {
		return Token{}, err
	}
	tr.mu.Lock()
	groups := make([]*Group, 0, len(tr.pending))
	for g := range tr.pending {
		groups = append(groups, g)
	}
	tr.mu.Unlock()
	for _, g := range groups {
		if err := tr.resolve(ctx, g); err != nil {
			return Token{}, err
		}
	}
	return tr.Token(), nil
}

func (tr *Tracker) resolve(ctx context.Context, g *Group) error {
	tr.mu.Lock()
	need := tr.pending[g]
	tr.mu.Unlock()
	if !need {
		return nil
	}
	p, err := g.primaryPosition(ctx)
	if err != nil {
		return err
	}
	tr.mu.Lock()
	delete(tr.pending, g)
	tr.tok = tr.tok.Merge(NewToken(g.name, p))
	tr.mu.Unlock()
	return nil
}

func (tr *Tracker) markPending(g *Group) {
	tr.mu.Lock()
	if tr.pending == nil {
		tr.pending = map[*Group]bool{}
	}
	tr.pending[g] = true
	tr.mu.Unlock()
}

// wrote notes an autocommit write on g's primary. Its position is asked
// for lazily, at the next read through the context (or Resolve): that
// costs one round trip only for callers that read after writing, and the
// position then covers every write made so far.
func (g *Group) wrote(ctx context.Context) {
	if tr := trackerFrom(ctx); tr != nil {
		tr.markPending(g)
	}
}
