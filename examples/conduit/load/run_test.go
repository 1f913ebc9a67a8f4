package load_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/athanor-orm/athanor/examples/conduit/load"
	"github.com/athanor-orm/athanor/examples/conduit/load/loadtest"
)

// serve starts the fake; the returned stop closes it and then checks no
// goroutine (Run's, the transport's, the server's) is left.
func serve(t *testing.T, opts loadtest.Options) (fake *loadtest.Server, base string, stop func()) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	fake = loadtest.New(opts)
	srv := httptest.NewServer(fake)
	return fake, srv.URL + "/api", func() {
		t.Helper()
		srv.Close()
		goleak.VerifyNone(t, ignore)
	}
}

// checkSums asserts the report's figures add up and agree with what the
// server saw.
func checkSums(t *testing.T, r *load.Report, fake *loadtest.Server) {
	t.Helper()
	var reads, writes, total load.Stats
	for _, s := range r.Ops {
		var byStatus int64
		for _, n := range s.ByStatus {
			byStatus += n
		}
		if byStatus != s.Errors {
			t.Errorf("%s: errors by status sum to %d, errors = %d", s.Op, byStatus, s.Errors)
		}
		if s.Errors > s.Count {
			t.Errorf("%s: %d errors out of %d requests", s.Op, s.Errors, s.Count)
		}
		if s.OK() > 0 && !(s.P50 > 0 && s.P50 <= s.P99 && s.P99 <= s.Max) {
			t.Errorf("%s: latencies p50 %v, p99 %v, max %v out of order", s.Op, s.P50, s.P99, s.Max)
		}
		if want := float64(s.OK()) / r.Elapsed.Seconds(); s.Throughput != want {
			t.Errorf("%s: throughput %.2f, want %.2f", s.Op, s.Throughput, want)
		}
		g := &reads
		if s.Op.IsWrite() {
			g = &writes
		}
		for _, g := range []*load.Stats{g, &total} {
			g.Count += s.Count
			g.Errors += s.Errors
			g.Aborted += s.Aborted
		}
	}
	for _, c := range []struct {
		name      string
		got, want load.Stats
	}{{"reads", r.Reads, reads}, {"writes", r.Writes, writes}, {"total", r.Total, total}} {
		if c.got.Count != c.want.Count || c.got.Errors != c.want.Errors || c.got.Aborted != c.want.Aborted {
			t.Errorf("%s row: count/errors/aborted %d/%d/%d, operations sum to %d/%d/%d", c.name,
				c.got.Count, c.got.Errors, c.got.Aborted, c.want.Count, c.want.Errors, c.want.Aborted)
		}
	}
	// Every request the server answered is a seed request, a counted one, or
	// one the client gave up on at the deadline.
	var served int64
	for _, n := range fake.Handled() {
		served += n
	}
	s := r.Seeded
	seeds := int64(s.Users + s.Articles + s.Follows + s.Favorites + s.Comments)
	if extra := served - seeds - r.Total.Count; extra < 0 || extra > r.Total.Aborted {
		t.Errorf("server answered %d requests: %d seed + %d counted + %d beyond (aborted %d)",
			served, seeds, r.Total.Count, extra, r.Total.Aborted)
	}
}

// runUntil runs cfg against the fake until the server has answered n
// requests (seeding included), by cancelling Run's context: a time bound
// alone gives too few requests on a loaded machine to see every operation.
func runUntil(t *testing.T, opts loadtest.Options, cfg load.Config, n int64) (*load.Report, *loadtest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	enough := errors.New("enough requests")
	var served atomic.Int64
	opts.Stall = func(*http.Request) bool {
		if served.Add(1) >= n {
			cancel(enough)
		}
		return false
	}
	fake, base, stop := serve(t, opts)
	cfg.BaseURL = base
	cfg.Duration = time.Hour
	r, err := load.Run(ctx, cfg)
	stop()
	if !errors.Is(err, enough) {
		t.Fatalf("Run ended with %v, want it cut short after %d requests", err, n)
	}
	checkSums(t, r, fake)
	return r, fake
}

func TestRunEveryOperation(t *testing.T) {
	// Each client has a user of its own, so the fake can check every read
	// carries the causal cookie of the client's last write.
	mix := load.Mix{}
	for _, op := range load.Ops() {
		mix[op] = 1
	}
	r, _ := runUntil(t, loadtest.Options{StrictCausal: true},
		load.Config{Concurrency: 4, Users: 6, Articles: 30, Seed: 1, Mix: mix}, 600)
	if r.Total.Errors != 0 {
		t.Fatalf("errors against a correct server:\n%s", r)
	}
	if len(r.Ops) != len(load.Ops()) {
		t.Fatalf("report has %d operations, the mix %d", len(r.Ops), len(load.Ops()))
	}
	for _, s := range r.Ops {
		if s.OK() == 0 {
			t.Errorf("%s never ran:\n%s", s.Op, r)
		}
	}
	want := load.Seeded{Users: 6, Articles: 30, Follows: 18, Favorites: 12, Comments: 29}
	got := r.Seeded
	got.Elapsed = 0
	if got != want {
		t.Errorf("seeded %+v, want %+v", got, want)
	}
	out := r.String()
	for _, op := range load.Ops() {
		if !strings.Contains(out, "\n"+op.String()+" ") {
			t.Errorf("table lacks a row for %s:\n%s", op, out)
		}
	}
	for _, row := range []string{"\nreads ", "\nwrites ", "\ntotal ", "p50", "p99"} {
		if !strings.Contains(out, row) {
			t.Errorf("table lacks %q:\n%s", row, out)
		}
	}
}

func TestRunDefaultMixIsMostlyReads(t *testing.T) {
	r, _ := runUntil(t, loadtest.Options{StrictCausal: true},
		load.Config{Concurrency: 3, Users: 3, Articles: 10, Seed: 2}, 700)
	if r.Total.Errors != 0 {
		t.Fatalf("errors against a correct server:\n%s", r)
	}
	// About 600 draws: the share is 0.8 within a few hundredths.
	if share := float64(r.Reads.Count) / float64(r.Total.Count); share < 0.7 || share > 0.9 {
		t.Errorf("read share %.2f over %d requests, want about 0.8", share, r.Total.Count)
	}
}

func TestRunEndsAtDuration(t *testing.T) {
	fake, base, stop := serve(t, loadtest.Options{})
	const dur = 300 * time.Millisecond
	start := time.Now()
	r, err := load.Run(context.Background(), load.Config{
		BaseURL: base, Duration: dur, Concurrency: 4, Users: 3, Articles: 10,
	})
	took := time.Since(start)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, r, fake)
	t.Logf("\n%s", r)
	if r.Total.Errors != 0 || r.Total.Count == 0 {
		t.Fatalf("want requests and no errors:\n%s", r)
	}
	if r.Elapsed < dur || r.Elapsed > dur+time.Second {
		t.Errorf("timed phase took %v, want %v", r.Elapsed, dur)
	}
	if took < r.Elapsed+r.Seeded.Elapsed {
		t.Errorf("Run took %v, less than seeding %v + timed %v", took, r.Seeded.Elapsed, r.Elapsed)
	}
}

func TestRunWithoutCookiesReadsStale(t *testing.T) {
	// The oracle for TestRunEveryOperation: a client that drops its cookies
	// is caught by the fake's causal check, so "no errors" there means the
	// cookies were kept.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	r, _ := runUntil(t, loadtest.Options{StrictCausal: true}, load.Config{
		Client: &http.Client{Transport: dropCookies{tr}}, Concurrency: 2, Users: 2, Articles: 4,
		Mix: load.Mix{load.CreateArticle: 1, load.GetArticle: 1},
	}, 60)
	if r.Op(load.GetArticle).ByStatus[http.StatusConflict] == 0 {
		t.Fatalf("reads without the causal cookie were not refused:\n%s", r)
	}
}

// dropCookies strips the Cookie header, as a client without a jar would.
type dropCookies struct{ rt http.RoundTripper }

func (d dropCookies) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	return d.rt.RoundTrip(r)
}

func TestRunCountsErrorsByStatus(t *testing.T) {
	var comments, injected atomic.Int64
	fail := func(r *http.Request) int {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/comments"):
			if comments.Add(1)%3 == 0 {
				injected.Add(1)
				return http.StatusInternalServerError
			}
		case r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/favorite"):
			return http.StatusForbidden
		case r.URL.Path == "/api/tags":
			return http.StatusServiceUnavailable
		}
		return 0
	}
	r, _ := runUntil(t, loadtest.Options{Fail: fail}, load.Config{
		Concurrency: 3, Users: 4, Articles: 10,
		Mix: load.Mix{load.ListComments: 3, load.Favorite: 1, load.Unfavorite: 1, load.ListTags: 1, load.GetProfile: 1},
	}, 300)

	c := r.Op(load.ListComments)
	if got, inj := c.ByStatus[500], injected.Load(); got > inj || got < inj-c.Aborted || got == 0 {
		t.Errorf("comments: %d errors 500 reported, %d injected (aborted %d)", got, inj, c.Aborted)
	}
	if c.Errors != c.ByStatus[500] {
		t.Errorf("comments: errors by status %v, only 500s were injected", c.ByStatus)
	}
	for _, tc := range []struct {
		op     load.Op
		status int
	}{{load.Unfavorite, 403}, {load.ListTags, 503}} {
		s := r.Op(tc.op)
		if s.Count == 0 || s.Errors != s.Count || s.ByStatus[tc.status] != s.Count {
			t.Errorf("%s: every request answered %d, report: count %d, errors %v", tc.op, tc.status, s.Count, s.ByStatus)
		}
	}
	for _, op := range []load.Op{load.Favorite, load.GetProfile} {
		if s := r.Op(op); s.Errors != 0 || s.Count == 0 {
			t.Errorf("%s: %d errors out of %d, want none", op, s.Errors, s.Count)
		}
	}
	if r.Total.Errors != r.Total.ByStatus[500]+r.Total.ByStatus[403]+r.Total.ByStatus[503] {
		t.Errorf("total errors %d, by status %v", r.Total.Errors, r.Total.ByStatus)
	}
	// One sample per operation and status.
	if n := len(r.ErrorSamples); n != 3 {
		t.Errorf("%d error samples, want 3 (comments 500, unfavorite 403, tags 503): %q", n, r.ErrorSamples)
	}
	out := r.String()
	for _, want := range []string{"500:", "403:", "503:", "first errors:"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestRunStopsAtDeadline(t *testing.T) {
	// /tags never answers: every client is stuck there, and the deadline
	// must still end the run.
	fake, base, stop := serve(t, loadtest.Options{Stall: func(r *http.Request) bool { return r.URL.Path == "/api/tags" }})
	const dur, conc = 500 * time.Millisecond, 4
	r, err := load.Run(context.Background(), load.Config{
		BaseURL: base, Duration: dur, Concurrency: conc, Users: 4, Articles: 4,
		Mix: load.Mix{load.ListTags: 1},
	})
	stop()
	if err != nil {
		t.Fatal(err)
	}
	checkSums(t, r, fake)
	if r.Elapsed < dur || r.Elapsed > dur+time.Second {
		t.Errorf("timed phase took %v with stalled requests, want %v", r.Elapsed, dur)
	}
	if r.Op(load.ListTags).Aborted != conc || r.Total.Aborted != conc {
		t.Errorf("aborted tags %d, total %d; want each of the %d clients cut off at /tags",
			r.Op(load.ListTags).Aborted, r.Total.Aborted, conc)
	}
	if r.Total.Errors != 0 {
		t.Errorf("requests cut off by the deadline counted as errors:\n%s", r)
	}
}

func TestRunCancelledReturnsPartialReport(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopped := errors.New("operator stopped the run")
	_, base, stop := serve(t, loadtest.Options{Stall: func(r *http.Request) bool {
		if r.URL.Path == "/api/tags" {
			cancel(stopped)
			return true
		}
		return false
	}})
	r, err := load.Run(ctx, load.Config{
		BaseURL: base, Duration: time.Minute, Concurrency: 2, Users: 2, Articles: 2,
		Mix: load.Mix{load.ListTags: 1, load.Feed: 5},
	})
	stop()
	if !errors.Is(err, stopped) {
		t.Fatalf("error = %v, want the cancellation cause", err)
	}
	if r == nil || r.Elapsed >= time.Minute || r.Op(load.ListTags).Aborted == 0 {
		t.Fatalf("partial report = %v", r)
	}
}

func TestRunSeedFailureIsAnError(t *testing.T) {
	_, base, stop := serve(t, loadtest.Options{Fail: func(r *http.Request) int {
		if r.URL.Path == "/api/articles" && r.Method == http.MethodPost {
			return http.StatusUnprocessableEntity
		}
		return 0
	}})
	r, err := load.Run(context.Background(), load.Config{BaseURL: base, Duration: time.Minute, Concurrency: 3})
	stop()
	var serr *load.StatusError
	if !errors.As(err, &serr) || serr.Status != 422 || serr.Op != load.CreateArticle || r != nil {
		t.Fatalf("Run = %v, %v; want no report and a 422 StatusError for create-article", r, err)
	}
	if !strings.Contains(err.Error(), "seed article") || !strings.Contains(err.Error(), "injected") {
		t.Errorf("error %q does not say what failed and the body", err)
	}
}

func TestRunMixes(t *testing.T) {
	for _, tc := range []struct {
		mix          string
		reads, write bool
	}{
		{"read-only", true, false},
		{"register=1,create-article=1,update-article=2,follow=1,unfollow=1", false, true},
		{"write-heavy", true, true},
	} {
		t.Run(tc.mix, func(t *testing.T) {
			mix, err := load.ParseMix(tc.mix)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := runUntil(t, loadtest.Options{}, load.Config{Concurrency: 2, Users: 3, Articles: 6, Mix: mix}, 150)
			if r.Total.Errors != 0 {
				t.Fatalf("errors:\n%s", r)
			}
			if (r.Reads.Count > 0) != tc.reads || (r.Writes.Count > 0) != tc.write {
				t.Fatalf("reads %d, writes %d; want reads %v, writes %v", r.Reads.Count, r.Writes.Count, tc.reads, tc.write)
			}
			for _, s := range r.Ops {
				if mix[s.Op] == 0 {
					t.Errorf("%s is in the report but not in the mix", s.Op)
				}
			}
		})
	}
}
