package session

import (
	"context"
	"reflect"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/router"
)

type poolRow struct {
	_    struct{} `athanor:",table:session_pool_rows"`
	ID   int64    `athanor:",pk,noautoincrement"`
	Name string
}

// ctxBackend runs every statement as one affected row, calling check
// with the statement's context while the flush holds its locks.
type ctxBackend struct {
	noBackend
	check func(ctx context.Context)
}

func (b ctxBackend) Exec(ctx context.Context, _ core.Statement) (engine.Result, error) {
	b.check(ctx)
	return engine.Result{RowsAffected: 1}, nil
}

func (b ctxBackend) Begin(context.Context, engine.TxOptions) (Tx, error) { return ctxTx(b), nil }

// ctxTx is ctxBackend's transaction: its statements are checked alike.
type ctxTx ctxBackend

func (t ctxTx) QueryFunc(context.Context, core.Statement, func(*engine.Rows) error) error {
	panic("ctxTx: no query expected")
}
func (t ctxTx) Exec(ctx context.Context, s core.Statement) (engine.Result, error) {
	return ctxBackend(t).Exec(ctx, s)
}
func (t ctxTx) Savepoint(context.Context) (Tx, error)        { return t, nil }
func (t ctxTx) Commit(context.Context) (router.Token, error) { return router.Token{}, nil }
func (t ctxTx) Rollback(context.Context) error               { return nil }

// Plans are pooled, their flush contexts are not: every flush runs its
// statements under a context of its own, and during a flush a context an
// earlier flush handed out (which a caller may have kept) is not taken
// for the running flush's, however often the plan's memory was reused.
func TestFlushContextIsNewPerFlush(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[poolRow](reg); err != nil {
		t.Fatal(err)
	}
	var s *Session
	var seen []*flushCtx
	check := func(ctx context.Context) {
		fc, _ := ctx.Value(flushKey{}).(*flushCtx)
		if fc == nil || fc != s.flush.Load() {
			t.Fatalf("flush %d: the statement's context is not the running flush's", len(seen))
		}
		for i, old := range seen {
			if old == fc || old.Value(flushKey{}) == s.flush.Load() {
				t.Fatalf("flush %d: the context of flush %d passes for the running flush's", len(seen), i)
			}
		}
		seen = append(seen, fc)
	}
	s = New(ctxBackend{check: check}, Options{Registry: reg})
	r := &poolRow{ID: 1, Name: "a"}
	if err := s.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Commit(ctx); err != nil { // INSERT
		t.Fatal(err)
	}
	for i := range 20 { // UPDATEs, alone and in transactions
		r.Name = string(rune('b' + i))
		var err error
		if i%2 == 0 {
			err = s.Commit(ctx)
		} else {
			err = s.Flush(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 21 {
		t.Fatalf("%d statements checked, want 21", len(seen))
	}
	if s.flush.Load() != nil {
		t.Fatal("a flush context is still published after the flushes")
	}
}

// A plan goes back to the pool holding nothing of its flush but its own
// bound callback.
func TestPlanResetKeepsNothing(t *testing.T) {
	s := New(noBackend{}, Options{})
	pl := newPlan(s)
	e := &entry{}
	pl.inserts = append(pl.inserts, e)
	pl.persist = append(pl.persist, e)
	pl.ints = append(pl.ints, 3)
	pl.log.save(s, e)
	pl.markDeleted(e)
	pl.snap1e = e
	pl.ret.cs, pl.ret.rows = pl.ret.cols[:1], 1
	pl.ret.dest[0] = 7
	pl.tx = &pl.auto
	scan := pl.scan
	pl.reset()
	if pl.scan == nil || reflect.ValueOf(pl.scan).Pointer() != reflect.ValueOf(scan).Pointer() {
		t.Fatal("reset dropped the plan's callback")
	}
	v := reflect.ValueOf(pl).Elem()
	for i := range v.NumField() {
		if name := v.Type().Field(i).Name; name != "scan" && !v.Field(i).IsZero() {
			t.Errorf("reset left %s set", name)
		}
	}
	pl.release()
}
