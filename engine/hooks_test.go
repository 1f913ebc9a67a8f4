package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

type hookLogKey struct{}

// loggingHook appends "<name> <event>" to a shared log, and checks that
// each end event gets the context its start returned (a value it put
// there under its name).
type loggingHook struct {
	name string
	mu   *sync.Mutex
	log  *[]string
	t    *testing.T
}

func (h *loggingHook) note(ctx context.Context, ev string, end bool) context.Context {
	h.mu.Lock()
	*h.log = append(*h.log, h.name+" "+ev)
	h.mu.Unlock()
	if end {
		if got, _ := ctx.Value(hookLogKey{}).(string); got == "" {
			h.t.Errorf("%s %s: end event lost the start's context", h.name, ev)
		}
		return ctx
	}
	return context.WithValue(ctx, hookLogKey{}, h.name)
}

func (h *loggingHook) QueryStart(ctx context.Context, _ engine.QueryStartData) context.Context {
	return h.note(ctx, "query", false)
}
func (h *loggingHook) QueryEnd(ctx context.Context, _ engine.QueryEndData) {
	h.note(ctx, "query end", true)
}

// txLoggingHook also observes transactions and the pool.
type txLoggingHook struct{ loggingHook }

func (h *txLoggingHook) TxBegin(ctx context.Context, _ engine.TxBeginData) context.Context {
	return h.note(ctx, "begin", false)
}
func (h *txLoggingHook) TxEnd(ctx context.Context, _ engine.TxEndData) { h.note(ctx, "tx end", true) }
func (h *txLoggingHook) AcquireStart(ctx context.Context, _ engine.AcquireStartData) context.Context {
	return h.note(ctx, "acquire", false)
}
func (h *txLoggingHook) AcquireEnd(ctx context.Context, _ engine.AcquireEndData) {
	h.note(ctx, "acquired", true)
}
func (h *txLoggingHook) Released(engine.ReleaseData) {}

// TestMultiHook: each hook of a MultiHook gets the events of the
// interfaces it implements (a query-only hook no transaction event),
// start events in order and end events in reverse, and each end event the
// context of its start.
func TestMultiHook(t *testing.T) {
	if engine.MultiHook() != nil || engine.MultiHook(nil, nil) != nil {
		t.Fatal("MultiHook of no hook is not nil")
	}
	var mu sync.Mutex
	var log []string
	q := &loggingHook{name: "q", mu: &mu, log: &log, t: t}
	full := &txLoggingHook{loggingHook{name: "full", mu: &mu, log: &log, t: t}}
	if engine.MultiHook(nil, q) != engine.QueryHook(q) {
		t.Fatal("MultiHook of one hook is not that hook")
	}
	cfg, err := engine.ParseConfig("sqlite://" + testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hook = engine.MultiHook(engine.MultiHook(q), nil, full)
	ctx := context.Background()
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run := func(name string, fn func() error, want ...string) {
		t.Helper()
		mu.Lock()
		log = nil
		mu.Unlock()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(log) != len(want) {
			t.Fatalf("%s: events %q, want %q", name, log, want)
		}
		for i := range want {
			if log[i] != want[i] {
				t.Fatalf("%s: events %q, want %q", name, log, want)
			}
		}
	}
	run("exec", func() error { _, err := db.Exec(ctx, core.Raw("SELECT 1")); return err },
		"full acquire", "full acquired", "q query", "full query", "full query end", "q query end")
	run("transaction", func() error {
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			return err
		}
		return tx.Rollback(ctx)
	}, "full acquire", "full acquired", "full begin", "full tx end")
}

// openHook records Opened calls and the statements seen after them.
type openHook struct {
	mu     sync.Mutex
	events []string
}

func (h *openHook) Opened(d engine.OpenedData) {
	h.mu.Lock()
	defer h.mu.Unlock()
	name := "<nil>"
	if d.Dialect != nil {
		name = d.Dialect.Name()
	}
	h.events = append(h.events, "opened "+name+" "+d.Endpoint.Database)
}

func (h *openHook) QueryStart(ctx context.Context, _ engine.QueryStartData) context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, "query")
	return ctx
}

func (h *openHook) QueryEnd(context.Context, engine.QueryEndData) {}

// Opened comes once, first, with the dialect Open chose from the server
// (the DSN's mysql:// scheme names no flavour), also through MultiHook.
func TestOpenHook(t *testing.T) {
	for _, kind := range []testdb.Kind{testdb.KindPostgres, testdb.KindMySQL} {
		t.Run(string(kind), func(t *testing.T) {
			s := testdb.Require(t, kind)
			cfg, err := engine.ParseConfig(s.Primary.URL())
			if err != nil {
				t.Fatal(err)
			}
			h, other := &openHook{}, &openHook{}
			cfg.Hook = engine.MultiHook(h, other)
			ctx := context.Background()
			db, err := engine.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(ctx, core.Raw("SELECT 1")); err != nil {
				t.Fatal(err)
			}
			want := []string{"opened " + db.Dialect().Name() + " " + s.Primary.Database, "query"}
			for _, hk := range []*openHook{h, other} {
				hk.mu.Lock()
				got := append([]string(nil), hk.events...)
				hk.mu.Unlock()
				if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
					t.Errorf("events %q, want %q", got, want)
				}
			}
			if ep := db.Endpoint(); ep.Database != s.Primary.Database || ep.Host == "" {
				t.Errorf("Endpoint() = %+v", ep)
			}
		})
	}
}
