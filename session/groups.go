package session

// This file holds the session's transaction over a router: one
// transaction per bind group, each begun on its group's primary when the
// session's transaction first sends a statement there, with savepoints
// kept level by level in every open group, and a commit that ends the
// groups in a defined order and reports a partial commit exactly (see
// "Several bind groups" in doc.go).

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

// ErrMultiGroup: a transaction of a session without Options.MultiGroup
// was about to write to a second bind group. It wraps
// router.ErrCrossGroup.
var ErrMultiGroup = fmt.Errorf("session: transaction writes to more than one bind group (set Options.MultiGroup to commit each group's transaction in turn): %w", router.ErrCrossGroup)

// PartialCommitError reports a commit over several written bind groups
// that did not end alike: a group's COMMIT failed after written groups
// before it in the commit order had committed, or its outcome is unknown
// while written groups after it were rolled back. The committed groups'
// writes are durable (Token covers them; the session's token includes
// it); the failed group's are not, or are of unknown outcome; the
// written groups after it were rolled back.
type PartialCommitError struct {
	// Committed lists the groups that committed, in commit order.
	Committed []string
	// RolledBack lists the groups rolled back: the failed one when its
	// COMMIT was refused, and every written group after it.
	RolledBack []string
	// Unknown lists the group whose COMMIT was sent and its answer lost
	// (Err matches athanor.ErrOutcomeUnknown); empty otherwise.
	Unknown []string
	// Token is the causal token of the committed groups.
	Token router.Token
	// Err is the failed COMMIT's error.
	Err error

	r *router.Router // to tell the group of each journaled object
}

func (e *PartialCommitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "session: partial commit: committed %s", quoteList(e.Committed))
	if len(e.Unknown) > 0 {
		fmt.Fprintf(&b, ", outcome unknown in %s", quoteList(e.Unknown))
	}
	if len(e.RolledBack) > 0 {
		fmt.Fprintf(&b, ", rolled back %s", quoteList(e.RolledBack))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *PartialCommitError) Unwrap() error { return e.Err }

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, " ") + "]"
}

// groupConf is what a router backend knows of its session.
type groupConf struct {
	multi bool                // Options.MultiGroup
	token func() router.Token // the session's causal token, for reads outside the transaction
}

// groupTx is the state shared by every level (transaction and
// savepoints) of a session transaction over a router. Its fields are
// guarded by the session's txMu (every statement, savepoint and end runs
// holding it, or holding txLock for writing, which excludes them).
type groupTx struct {
	// ctx is Begin's: each group's transaction is begun with it, so it
	// belongs to the context the session's transaction was begun in, as a
	// single transaction begun at once would.
	ctx   context.Context
	r     *router.Router
	conf  *groupConf
	opts  engine.TxOptions
	depth int           // the innermost open level: 0, or a savepoint's depth
	open  []*groupState // in the order first opened
	wseq  int           // the count of groups written so far
}

// groupState is one group's transaction within a groupTx.
type groupState struct {
	g    *router.Group
	tx   *router.Tx   // the group's transaction
	base int          // the level it was begun at
	sps  []*router.Tx // savepoints for levels base+1 … depth
	wrt  int          // 1 + order of first write; 0 while only read
}

// top is the group's innermost transaction or savepoint.
func (gs *groupState) top() *router.Tx {
	if n := len(gs.sps); n > 0 {
		return gs.sps[n-1]
	}
	return gs.tx
}

func newGroupTx(ctx context.Context, r *router.Router, conf *groupConf, opts engine.TxOptions) *groupLevel {
	return &groupLevel{t: &groupTx{ctx: ctx, r: r, conf: conf, opts: opts}}
}

// groupLevel is one level of a groupTx: the session's Tx at depth 0, a
// savepoint's above. The session runs statements on its innermost level.
type groupLevel struct {
	t     *groupTx
	depth int
}

func (t *groupTx) find(g *router.Group) *groupState {
	for _, gs := range t.open {
		if gs.g == g {
			return gs
		}
	}
	return nil
}

// route returns the transaction stmt runs in: its group's, begun here if
// need be. It returns nil for a plain read of a group not open when the
// read is to go through the router instead (a session without
// MultiGroup, whose transaction is in another group).
func (t *groupTx) route(ctx context.Context, stmt core.Statement) (*router.Tx, error) {
	g, err := t.r.GroupForContext(ctx, stmt) // a sharded table's: its key's shard
	if err != nil {
		return nil, err
	}
	writes := stmt.Writes()
	gs := t.find(g)
	if gs == nil {
		if !t.conf.multi && len(t.open) > 0 {
			if !writes {
				return nil, nil
			}
			if err := t.refuse(g, stmt); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err // nothing begun for a statement that cannot run
		}
		tx, err := g.Begin(t.ctx, t.opts)
		if err != nil {
			return nil, fmt.Errorf("session: begin in bind group %q: %w", g.Name(), err)
		}
		gs = &groupState{g: g, tx: tx, base: t.depth}
		t.open = append(t.open, gs)
	} else if writes && gs.wrt == 0 && !t.conf.multi {
		if err := t.refuse(g, stmt); err != nil {
			return nil, err
		}
	}
	if writes && gs.wrt == 0 {
		t.wseq++
		gs.wrt = t.wseq
	}
	return gs.top(), nil
}

// refuse is ErrMultiGroup when another open group has been written.
func (t *groupTx) refuse(g *router.Group, stmt core.Statement) error {
	for _, o := range t.open {
		if o.g != g && o.wrt > 0 {
			if set := t.shardSetOf(stmt); set != nil && set.Has(o.g) {
				return fmt.Errorf("%w: tables %v: shard %q of set %q, the transaction wrote to shard %q", ErrCrossShardWrite, stmt.Tables(), g.Name(), set.Name(), o.g.Name())
			}
			return fmt.Errorf("%w: tables %v are in %q, the transaction wrote to %q", ErrMultiGroup, stmt.Tables(), g.Name(), o.g.Name())
		}
	}
	return nil
}

func (l *groupLevel) QueryFunc(ctx context.Context, s core.Statement, fn func(*engine.Rows) error) error {
	tx, err := l.t.route(ctx, s)
	if err != nil {
		return err
	}
	if tx == nil {
		return l.t.r.QueryFunc(l.t.readCtx(ctx), s, fn)
	}
	return tx.QueryFunc(ctx, s, fn)
}

func (l *groupLevel) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	tx, err := l.t.route(ctx, s)
	if err != nil {
		return engine.Result{}, err
	}
	if tx == nil {
		return l.t.r.Exec(l.t.readCtx(ctx), s)
	}
	return tx.Exec(ctx, s)
}

func (t *groupTx) readCtx(ctx context.Context) context.Context {
	if t.conf.token != nil {
		if tok := t.conf.token(); !tok.IsZero() {
			return router.WithToken(ctx, tok)
		}
	}
	return ctx
}

// Savepoint starts a savepoint in every open group; a group first used
// inside it begins then, and its whole transaction is the savepoint's.
func (l *groupLevel) Savepoint(ctx context.Context) (Tx, error) {
	t := l.t
	for i, gs := range t.open {
		sp, err := gs.top().Begin(ctx)
		if err != nil {
			for _, done := range t.open[:i] { // undo the savepoints begun
				n := len(done.sps) - 1
				_ = done.sps[n].Rollback(ctx)
				done.sps = done.sps[:n]
			}
			return nil, fmt.Errorf("bind group %q: %w", gs.g.Name(), err)
		}
		gs.sps = append(gs.sps, sp)
	}
	t.depth++
	return &groupLevel{t: t, depth: t.depth}, nil
}

// Commit at depth 0 commits every group (see commitAll); above, it
// releases the savepoint into the enclosing level in every group.
func (l *groupLevel) Commit(ctx context.Context) (router.Token, error) {
	t := l.t
	if l.depth == 0 {
		return t.commitAll(ctx)
	}
	var first error
	for _, gs := range t.open {
		if gs.base == t.depth {
			gs.base-- // begun inside the savepoint: now the enclosing level's
			continue
		}
		n := len(gs.sps) - 1
		if err := gs.sps[n].Commit(ctx); err != nil && first == nil { // RELEASE SAVEPOINT
			first = fmt.Errorf("bind group %q: %w", gs.g.Name(), err)
		}
		gs.sps = gs.sps[:n]
	}
	t.depth--
	return router.Token{}, first
}

// Rollback at depth 0 rolls back every group; above, it rolls back to
// the savepoint, and ends the transactions of groups begun inside it.
func (l *groupLevel) Rollback(ctx context.Context) error {
	t := l.t
	var first error
	if l.depth == 0 {
		for _, gs := range t.open {
			if err := gs.tx.Rollback(ctx); err != nil && !errors.Is(err, engine.ErrTxDone) && first == nil {
				first = fmt.Errorf("bind group %q: %w", gs.g.Name(), err)
			}
		}
		t.open, t.depth = nil, 0
		return first
	}
	kept := t.open[:0]
	for _, gs := range t.open {
		var err error
		if gs.base == t.depth {
			err = gs.tx.Rollback(ctx) // begun inside the savepoint: gone with it
		} else {
			n := len(gs.sps) - 1
			err = gs.sps[n].Rollback(ctx)
			gs.sps = gs.sps[:n]
			kept = append(kept, gs)
		}
		if err != nil && first == nil {
			first = fmt.Errorf("bind group %q: %w", gs.g.Name(), err)
		}
	}
	clear(t.open[len(kept):])
	t.open = kept
	t.renumber()
	t.depth--
	return first
}

// renumber keeps the write order dense after groups left the transaction.
func (t *groupTx) renumber() {
	t.wseq = 0
	for _, gs := range commitOrder(t.open) {
		if gs.wrt > 0 {
			t.wseq++
			gs.wrt = t.wseq
		}
	}
}

// commitOrder is the order groups commit in: those the transaction only
// read first (in the order begun: their failure loses no write), then
// those it wrote, in the order first written. The flush writes parents
// before children, so a parent's group commits before its children's,
// and a partial commit leaves no committed row referring to one rolled
// back.
func commitOrder(open []*groupState) []*groupState {
	out := make([]*groupState, 0, len(open))
	for _, gs := range open {
		if gs.wrt == 0 {
			out = append(out, gs)
		}
	}
	for w := 1; len(out) < len(open); w++ {
		for _, gs := range open {
			if gs.wrt == w {
				out = append(out, gs)
			}
		}
	}
	return out
}

// commitAll commits the groups in commitOrder. When a COMMIT fails
// before any written group committed, the others are rolled back and the
// error is returned as a single transaction's; after one did, it is a
// *PartialCommitError.
func (t *groupTx) commitAll(ctx context.Context) (router.Token, error) {
	order := commitOrder(t.open)
	t.open, t.depth = nil, 0
	var tok router.Token
	var committed []string
	for i, gs := range order {
		err := gs.tx.Commit(ctx)
		if err == nil {
			tok = tok.Merge(gs.tx.Token())
			if gs.wrt > 0 {
				committed = append(committed, gs.g.Name())
			}
			continue
		}
		err = fmt.Errorf("bind group %q: %w", gs.g.Name(), err)
		pe := &PartialCommitError{Committed: committed, Token: tok, Err: err, r: t.r}
		if errors.Is(err, athanor.ErrOutcomeUnknown) {
			pe.Unknown = []string{gs.g.Name()}
		} else {
			pe.RolledBack = []string{gs.g.Name()}
		}
		others := false // another written group is rolled back
		for _, rest := range order[i+1:] {
			_ = rest.tx.Rollback(ctx)
			if rest.wrt > 0 {
				pe.RolledBack = append(pe.RolledBack, rest.g.Name())
				others = true
			}
		}
		if len(committed) == 0 && (len(pe.Unknown) == 0 || !others) {
			return tok, err // as one transaction's failure: nothing committed, or one group unknown
		}
		return tok, pe
	}
	return tok, nil
}

// shardSetOf is the shard set of a sharded table of stmt, or nil.
func (t *groupTx) shardSetOf(stmt core.Statement) *router.ShardSet {
	for _, tb := range stmt.Tables() {
		if set := t.r.ShardSetOf(tb); set != nil {
			return set
		}
	}
	return nil
}
