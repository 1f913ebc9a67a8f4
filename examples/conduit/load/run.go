package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Run seeds the server at cfg.BaseURL, then runs cfg.Concurrency simulated
// clients through the mix for cfg.Duration and reports what they saw.
//
// The timed phase ends at its deadline: requests in flight are cancelled
// (counted as aborted) and Run returns once every client has stopped, with
// no goroutine of its own left. A seeding failure returns an error and no
// report. If ctx ends before the deadline, Run returns the report of what
// ran with an error wrapping ctx's cause.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL + "/")
	if err != nil {
		return nil, fmt.Errorf("load: Config.BaseURL: %w", err)
	}
	tmpl := cfg.Client
	if tmpl == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		defer tr.CloseIdleConnections()
		tmpl = &http.Client{Transport: tr}
	}

	w, seeded, err := seed(ctx, cfg, tmpl)
	if err != nil {
		return nil, err
	}

	stats := &collector{}
	pick := newPicker(cfg.Mix)
	workers := make([]*worker, cfg.Concurrency)
	for i := range workers {
		c := newClient(tmpl, cfg.BaseURL, stats)
		c.http.Jar.SetCookies(base, w.cookies)
		me := i % len(w.users)
		c.token = w.users[me].token
		workers[i] = &worker{
			id: i, c: c, w: w, pick: pick, me: me,
			rng:  rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)+1)),
			mine: append([]string(nil), w.byAuthor[me]...),
		}
	}

	// The clock starts before the deadline is armed, so the timed phase
	// never reads shorter than cfg.Duration (a goroutine preempted between
	// the two would otherwise shorten it).
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, wk := range workers {
		wg.Go(func() { wk.run(runCtx) })
	}
	wg.Wait()
	elapsed := time.Since(start)

	r := stats.report(cfg, seeded, elapsed)
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("load: run cut short after %v: %w", elapsed.Round(time.Millisecond), context.Cause(ctx))
	}
	return r, nil
}
