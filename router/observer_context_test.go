package router_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/router"
)

type obsKey struct{}

// obsHook records, for each statement, transaction and batch an engine
// starts, the reason the Observer put into its context ("" when none).
type obsHook struct {
	mu   sync.Mutex
	seen []string
}

func (h *obsHook) note(ctx context.Context, what string) {
	r, _ := ctx.Value(obsKey{}).(router.Reason)
	h.mu.Lock()
	h.seen = append(h.seen, what+":"+string(r))
	h.mu.Unlock()
}

func (h *obsHook) QueryStart(ctx context.Context, _ engine.QueryStartData) context.Context {
	h.note(ctx, "query")
	return ctx
}
func (h *obsHook) QueryEnd(context.Context, engine.QueryEndData) {}
func (h *obsHook) TxBegin(ctx context.Context, _ engine.TxBeginData) context.Context {
	h.note(ctx, "tx")
	return ctx
}
func (h *obsHook) TxEnd(context.Context, engine.TxEndData) {}
func (h *obsHook) BatchStart(ctx context.Context, _ engine.BatchStartData) context.Context {
	h.note(ctx, "batch")
	return ctx
}
func (h *obsHook) BatchEnd(context.Context, engine.BatchEndData) {}

func (h *obsHook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.seen
	h.seen = nil
	return s
}

// reasonObserver puts the decision's reason into the context it returns.
type reasonObserver struct{}

func (reasonObserver) Routed(ctx context.Context, d router.Decision) context.Context {
	return context.WithValue(ctx, obsKey{}, d.Reason)
}

// TestObserverContextReachesEngine: the context an Observer returns is
// the one the chosen node runs the statement with, on every path
// (writes, reads, batches, transactions), so a hook finds the decision
// there without a side table.
func TestObserverContextReachesEngine(t *testing.T) {
	eachFamily(t, func(t *testing.T, f family) {
		c := f.cluster(t)
		h := &obsHook{}
		open := func(url string) *engine.DB {
			cfg, err := engine.ParseConfig(url)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Hook = h
			db, err := engine.OpenConfig(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}
		gc := router.GroupConfig{Name: router.DefaultGroup, Primary: open(c.Primary.URL())}
		for _, rep := range c.Replicas {
			gc.Replicas = append(gc.Replicas, open(rep.URL()))
			gc.ReplicaNames = append(gc.ReplicaNames, rep.Addr())
		}
		r, err := router.New(router.Config{Groups: []router.GroupConfig{gc}, Observer: router.MultiObserver(nil, reasonObserver{})})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		createItems(t, r, c)
		ctx := context.Background()
		ins := core.Insert(items).Columns(items.Columns()...).Values(int64(1), "a")
		sel := core.Select(items.C("id")).From(items)
		h.take()
		for _, tc := range []struct {
			name string
			run  func() error
			want string
		}{
			{"write", func() error { _, err := r.Exec(ctx, ins); return err }, "query:write"},
			{"read", func() error {
				rows, err := r.Query(ctx, sel)
				if err != nil {
					return err
				}
				return rows.Close()
			}, "query:"},
			{"write batch", func() error {
				_, err := r.Batch(ctx, core.Insert(items).Columns(items.Columns()...).Values(int64(2), "b"), sel)
				return err
			}, "batch:write"},
			{"read batch", func() error { _, err := r.Batch(ctx, sel, sel); return err }, "batch:"},
			{"read-write transaction", func() error {
				tx, err := r.Begin(ctx, engine.TxOptions{})
				if err != nil {
					return err
				}
				return tx.Rollback(ctx)
			}, "tx:in_transaction"},
		} {
			if err := tc.run(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			// The first event carries a reason; a kind alone (read) asks
			// for any reason, since the replica chosen may vary.
			got := h.take()
			if len(got) == 0 || !strings.HasPrefix(got[0], tc.want) || strings.HasSuffix(got[0], ":") {
				t.Errorf("%s: engine events %v, want first %q with a reason", tc.name, got, tc.want)
			}
		}
	})
}
