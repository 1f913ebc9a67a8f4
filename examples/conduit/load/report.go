package load

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Report is the outcome of a run.
type Report struct {
	Target      string
	Concurrency int
	Mix         Mix
	Seeded      Seeded
	// Elapsed is the measured length of the timed phase; throughputs are per
	// second of it.
	Elapsed time.Duration
	// Ops has one entry per operation of the mix, in Op order.
	Ops                  []OpStats
	Reads, Writes, Total Stats
	// ErrorSamples holds the first unexpected response of each operation and
	// status (at most ten), for diagnosis.
	ErrorSamples []string
}

// Seeded tells what was created before the timed phase.
type Seeded struct {
	Users, Articles, Follows, Favorites, Comments int
	Elapsed                                       time.Duration
}

// OpStats are the figures of one operation.
type OpStats struct {
	Op Op
	Stats
}

// Stats are the figures of one operation or a group of them.
type Stats struct {
	// Count is the number of completed requests: OK ones plus Errors.
	Count int64
	// Errors counts responses the workload did not expect (non-2xx, no
	// response, or a body not in the spec's shape); ByStatus splits them by
	// HTTP status (StatusTransport, StatusBadBody for the pseudo ones) and
	// sums to Errors.
	Errors   int64
	ByStatus map[int]int64
	// Aborted counts requests cut off by the deadline: in neither Count nor
	// Errors.
	Aborted int64
	// Throughput is OK requests per second of the timed phase.
	Throughput float64
	// Latencies of OK requests, request sent to body read; quantiles are
	// within 1% of the exact sample.
	P50, P99, Mean, Max time.Duration
}

// OK is the number of completed requests that were not errors.
func (s Stats) OK() int64 { return s.Count - s.Errors }

// Op returns the figures of one operation (zero when it was not in the mix).
func (r *Report) Op(op Op) OpStats {
	for _, s := range r.Ops {
		if s.Op == op {
			return s
		}
	}
	return OpStats{Op: op}
}

// String renders the report as a table: one row per operation, then the
// read, write and total rows, then the errors.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s, %d clients, %v timed\n", r.Target, r.Concurrency, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "seeded %d users, %d articles, %d follows, %d favorites, %d comments in %v\n",
		r.Seeded.Users, r.Seeded.Articles, r.Seeded.Follows, r.Seeded.Favorites, r.Seeded.Comments,
		r.Seeded.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "mix %s\n\n", r.Mix)
	const row = "%-20s %9s %7s %8s %10s %9s %9s %9s  %s\n"
	fmt.Fprintf(&b, row, "operation", "ok", "errors", "aborted", "ok/s", "p50", "p99", "max", "errors by status")
	line := func(name string, s Stats) {
		fmt.Fprintf(&b, row, name, fmt.Sprint(s.OK()), fmt.Sprint(s.Errors), fmt.Sprint(s.Aborted),
			fmt.Sprintf("%.1f", s.Throughput), ms(s.P50), ms(s.P99), ms(s.Max), byStatus(s.ByStatus))
	}
	for _, s := range r.Ops {
		line(s.Op.String(), s.Stats)
	}
	b.WriteString(strings.Repeat("-", 100) + "\n")
	line("reads", r.Reads)
	line("writes", r.Writes)
	line("total", r.Total)
	if len(r.ErrorSamples) > 0 {
		b.WriteString("\nfirst errors:\n")
		for _, e := range r.ErrorSamples {
			b.WriteString("  " + e + "\n")
		}
	}
	return b.String()
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func statusName(s int) string {
	switch s {
	case StatusTransport:
		return "transport"
	case StatusBadBody:
		return "bad-body"
	}
	return fmt.Sprint(s)
}

func byStatus(m map[int]int64) string {
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", statusName(s), m[s]))
	}
	return strings.Join(parts, " ")
}

// collector gathers outcomes from all workers; every method is safe for
// concurrent use and a no-op on a nil collector (seeding).
type collector struct {
	ops [numOps]opCollector

	mu      sync.Mutex
	samples []string        // guarded by mu: first error per op and status
	sampled map[[2]int]bool // guarded by mu: the op/status pairs in samples
}

type opCollector struct {
	hist                   histogram
	count, errors, aborted atomic.Int64

	mu       sync.Mutex
	byStatus map[int]int64 // guarded by mu; errors are rare, a lock is cheap
}

const maxSamples = 10

func (c *collector) succeeded(op Op, took time.Duration) {
	if c == nil {
		return
	}
	o := &c.ops[op]
	o.count.Add(1)
	o.hist.record(took)
}

func (c *collector) failed(e *StatusError) {
	if c == nil {
		return
	}
	o := &c.ops[e.Op]
	o.count.Add(1)
	o.errors.Add(1)
	o.mu.Lock()
	if o.byStatus == nil {
		o.byStatus = map[int]int64{}
	}
	o.byStatus[e.Status]++
	o.mu.Unlock()
	c.mu.Lock()
	if key := [2]int{int(e.Op), e.Status}; len(c.samples) < maxSamples && !c.sampled[key] {
		if c.sampled == nil {
			c.sampled = map[[2]int]bool{}
		}
		c.sampled[key] = true
		c.samples = append(c.samples, e.Error())
	}
	c.mu.Unlock()
}

func (c *collector) aborted(op Op) {
	if c == nil {
		return
	}
	c.ops[op].aborted.Add(1)
}

// report builds the Report once every worker has stopped.
func (c *collector) report(cfg Config, seeded Seeded, elapsed time.Duration) *Report {
	r := &Report{
		Target: cfg.BaseURL, Concurrency: cfg.Concurrency, Mix: cfg.Mix,
		Seeded: seeded, Elapsed: elapsed, ErrorSamples: slices.Clone(c.samples),
	}
	var reads, writes, total histogram
	var readStats, writeStats, totalStats Stats
	for _, op := range Ops() {
		if cfg.Mix[op] <= 0 {
			continue
		}
		o := &c.ops[op]
		s := o.stats(&o.hist, elapsed)
		s.ByStatus = maps.Clone(o.byStatus)
		r.Ops = append(r.Ops, OpStats{Op: op, Stats: s})
		group, gh := &readStats, &reads
		if op.IsWrite() {
			group, gh = &writeStats, &writes
		}
		for _, g := range []*Stats{group, &totalStats} {
			g.Count += s.Count
			g.Errors += s.Errors
			g.Aborted += s.Aborted
			for st, n := range s.ByStatus {
				if g.ByStatus == nil {
					g.ByStatus = map[int]int64{}
				}
				g.ByStatus[st] += n
			}
		}
		gh.merge(&o.hist)
		total.merge(&o.hist)
	}
	r.Reads = finish(readStats, &reads, elapsed)
	r.Writes = finish(writeStats, &writes, elapsed)
	r.Total = finish(totalStats, &total, elapsed)
	return r
}

func (o *opCollector) stats(h *histogram, elapsed time.Duration) Stats {
	s := Stats{Count: o.count.Load(), Errors: o.errors.Load(), Aborted: o.aborted.Load()}
	return finish(s, h, elapsed)
}

func finish(s Stats, h *histogram, elapsed time.Duration) Stats {
	if elapsed > 0 {
		s.Throughput = float64(s.OK()) / elapsed.Seconds()
	}
	s.P50, s.P99, s.Mean = h.quantile(0.50), h.quantile(0.99), h.mean()
	s.Max = time.Duration(h.max.Load())
	return s
}
