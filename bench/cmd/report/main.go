// Command report runs the benchmark suite of the bench module (or reads
// the output of earlier runs) and writes, for every benchmark, the median
// ns/op, B/op and allocs/op of each implementation and its ratio to the
// floor (raw pgx on PostgreSQL, raw database/sql on MariaDB), as a markdown
// table and an SVG bar chart.
//
// From the bench directory, with the servers of scripts/dbup in the
// environment:
//
//	go run ./cmd/report                      # runs the suite, writes results/
//	go run ./cmd/report -count 5 -benchtime 500x -bench 'ReadByPK'
//	go run ./cmd/report -in results/bench.txt # only re-renders a saved run
//
// -count N runs the suite N times with -count 1 (interleaving the
// implementations in time, which matters on a noisy machine). It writes
// results/bench.txt (the raw go test output, benchstat's input),
// results/report.md and results/report.svg.
//
// Benchmarks that report a "ratio" metric (BenchmarkPaired and
// BenchmarkMariaDBPaired, sub-benchmarks <workload>/<impl>) are shown
// apart, first, as a "Paired ratios" table: workload × impl, the median
// over the runs of each run's median per-pair ratio, with the medians of
// its ratio-p25 and ratio-p75. When the -bench pattern selects them,
// they run in a second go test per round, with -paired-benchtime
// (default 1s: the ratios need about a second per sub-benchmark to be
// reproducible), and the first go test skips them. BenchmarkStream100k
// and BenchmarkMariaDBStream100k (100,000 rows per operation) run apart
// likewise, with -stream-benchtime (default 3x). Round r passes
// -paired.rotate=r: the paired benchmarks run their impls in an order
// rotated by r, so that with -count 5 (five impls after the control)
// each impl runs once in each position.
//
// Throughput curves (sub-benchmarks pool=<P>/goroutines=<G>/<impl> with
// an ops/s metric: BenchmarkCurveReadByPK, BenchmarkCurveEagerLoad) are
// tabulated in report.md and drawn in results/curve.svg: a line chart per
// benchmark and pool size, goroutines on the x axis, one line per
// implementation (see curve.go).
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	var (
		in        = flag.String("in", "", "read this go test -bench output instead of running the suite (comma-separated files)")
		out       = flag.String("out", "results", "output directory")
		bench     = flag.String("bench", ".", "the -bench pattern")
		count     = flag.Int("count", 5, "the -count of the run")
		benchtime = flag.String("benchtime", "300x", "the -benchtime of the run")
		pairedBT  = flag.String("paired-benchtime", "1s", "the -benchtime of BenchmarkPaired and BenchmarkMariaDBPaired, run as a second go test per round (\"\" = same run as the rest)")
		streamBT  = flag.String("stream-benchtime", "3x", "the -benchtime of BenchmarkStream100k and BenchmarkMariaDBStream100k (100,000 rows per operation), run as a separate go test per round (\"\" = same run as the rest)")
	)
	flag.Parse()
	if err := run(*in, *out, *bench, *count, *benchtime, *pairedBT, *streamBT); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(in, out, bench string, count int, benchtime, pairedBenchtime, streamBenchtime string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var raw []byte
	command := ""
	if in != "" {
		for _, f := range strings.Split(in, ",") {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			raw = append(raw, b...)
		}
		command = "(read from " + in + ")"
	} else {
		// count rounds of -count 1 rather than one -count N run: go test
		// repeats each sub-benchmark N times in a row, so a noisy minute
		// on a shared machine would hit one implementation; rounds
		// interleave the implementations in time.
		common := []string{"test", "-run", "^$", "-benchmem", "-count", "1", "-timeout", "60m"}
		invocations := Invocations(bench, benchtime, pairedBenchtime, streamBenchtime)
		for i, args := range invocations {
			invocations[i] = append(slices.Clone(common), args...)
		}
		var shown []string
		for _, args := range invocations {
			shown = append(shown, "go "+strings.Join(args, " "))
		}
		command = fmt.Sprintf("%d rounds (round r: -paired.rotate=r) of: %s", count, strings.Join(shown, "; "))
		var buf bytes.Buffer
		for round := range count {
			for i, args := range invocations {
				// Round r rotates the paired benchmarks' order of impls
				// by r, so that over the rounds each impl runs in each
				// position (bench/README, "Order of the impls").
				args = append(slices.Clone(args), fmt.Sprintf("-paired.rotate=%d", round))
				fmt.Fprintf(os.Stderr, "report: round %d/%d: %s -paired.rotate=%d\n", round+1, count, shown[i], round)
				cmd := exec.Command("go", args...)
				cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
				cmd.Stderr = os.Stderr
				err := cmd.Run()
				if werr := os.WriteFile(filepath.Join(out, "bench.txt"), buf.Bytes(), 0o644); werr != nil {
					return werr
				}
				if err != nil {
					return fmt.Errorf("%s: %w (partial output kept in %s)", shown[i], err, filepath.Join(out, "bench.txt"))
				}
			}
		}
		raw = buf.Bytes()
	}
	res, err := Parse(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if len(res.Benchmarks) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	md := Markdown(res, command)
	if err := os.WriteFile(filepath.Join(out, "report.md"), []byte(md), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "report.svg"), []byte(SVG(res)), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "report: wrote %s and %s\n", filepath.Join(out, "report.md"), filepath.Join(out, "report.svg"))
	if len(Curves(res)) > 0 {
		if err := os.WriteFile(filepath.Join(out, "curve.svg"), []byte(CurveSVG(res)), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "report: wrote %s\n", filepath.Join(out, "curve.svg"))
	}
	return nil
}

// pairedBenchmarks are the paired measurements' top-level benchmarks;
// streamBenchmarks those reading 100,000 rows per operation. Each group
// runs in a go test of its own, with its own -benchtime.
var (
	pairedBenchmarks = []string{"BenchmarkPaired", "BenchmarkMariaDBPaired"}
	streamBenchmarks = []string{"BenchmarkStream100k", "BenchmarkMariaDBStream100k"}
)

// Invocations returns the go test arguments after the common ones
// (-run, -benchmem, -count, -timeout) for one round: the -bench pattern
// with -benchtime, skipping the paired and stream benchmarks it selects,
// which run in a go test each with their own benchtime (an empty
// benchtime keeps the group in the first run).
func Invocations(bench, benchtime, pairedBenchtime, streamBenchtime string) [][]string {
	var skip []string
	var extra [][]string
	for _, g := range []struct {
		names     []string
		benchtime string
	}{{pairedBenchmarks, pairedBenchtime}, {streamBenchmarks, streamBenchtime}} {
		p := selectPattern(bench, g.names)
		if p == "" || g.benchtime == "" {
			continue
		}
		skip = append(skip, g.names...)
		extra = append(extra, []string{"-bench", p, "-benchtime", g.benchtime, "."})
	}
	first := []string{"-bench", bench, "-benchtime", benchtime, "."}
	if len(skip) > 0 {
		first = []string{"-bench", bench, "-skip", "^(" + strings.Join(skip, "|") + ")$", "-benchtime", benchtime, "."}
	}
	return append([][]string{first}, extra...)
}

// pairedPattern returns a -bench pattern selecting only the paired
// benchmarks that bench selects ("" if none).
func pairedPattern(bench string) string { return selectPattern(bench, pairedBenchmarks) }

// selectPattern returns a -bench pattern selecting only those of names
// that bench selects ("" if none): bench's first element (before a
// slash) is tested against them, the rest is kept.
func selectPattern(bench string, names []string) string {
	first, rest, hasRest := strings.Cut(bench, "/")
	re, err := regexp.Compile(first)
	if err != nil {
		return "" // go test reports the bad pattern
	}
	var sel []string
	for _, n := range names {
		if re.MatchString(n) {
			sel = append(sel, n)
		}
	}
	if len(sel) == 0 {
		return ""
	}
	p := "^(" + strings.Join(sel, "|") + ")$"
	if hasRest {
		p += "/" + rest
	}
	return p
}

// Results are the parsed runs: configuration lines and benchmarks in
// order of first appearance.
type Results struct {
	Config     []string // goos, goarch, pkg, cpu lines
	Benchmarks []*Benchmark
}

// Benchmark is one workload (the top-level benchmark name without the
// Benchmark prefix) and its implementations in order of appearance.
type Benchmark struct {
	Name  string
	Impls []*Impl
	// PairedFloor is the floor a paired benchmark's output named in its
	// "paired-floor:" line ("" in output from before that line existed).
	PairedFloor string
}

// Impl is one sub-benchmark's samples per unit.
type Impl struct {
	Name    string
	Samples map[string][]float64 // unit → values, one per run
	Units   []string             // in order of appearance
}

// Median is the median of the unit's samples (NaN without samples).
func (im *Impl) Median(unit string) float64 {
	v := slices.Clone(im.Samples[unit])
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads go test -bench output.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{}
	byName := map[string]*Benchmark{}
	seenCfg := map[string]bool{}
	floor := "" // the last "paired-floor:" line of the current go test process
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for _, k := range []string{"goos:", "goarch:", "pkg:", "cpu:"} {
			if strings.HasPrefix(line, k) && !seenCfg[line] {
				seenCfg[line] = true
				res.Config = append(res.Config, line)
			}
		}
		if strings.HasPrefix(line, "goos:") {
			floor = "" // a new go test process
		}
		if v, ok := strings.CutPrefix(line, "paired-floor:"); ok {
			floor = strings.TrimSpace(v)
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a name line without results (-v), or a log line
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		full := procSuffix.ReplaceAllString(strings.TrimPrefix(f[0], "Benchmark"), "")
		top, sub, _ := strings.Cut(full, "/")
		if sub == "" {
			sub = top
		}
		// Ratios against different floors are different quantities: a
		// paired benchmark run against another floor is a table of its own.
		key, bmFloor := top, ""
		if strings.HasSuffix(top, "Paired") {
			bmFloor = floor
			key = top + "\x00" + floor
		}
		bm := byName[key]
		if bm == nil {
			bm = &Benchmark{Name: top, PairedFloor: bmFloor}
			byName[key] = bm
			res.Benchmarks = append(res.Benchmarks, bm)
		}
		var im *Impl
		for _, x := range bm.Impls {
			if x.Name == sub {
				im = x
			}
		}
		if im == nil {
			im = &Impl{Name: sub, Samples: map[string][]float64{}}
			bm.Impls = append(bm.Impls, im)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("parse %q: %w", line, err)
			}
			unit := f[i+1]
			if _, ok := im.Samples[unit]; !ok {
				im.Units = append(im.Units, unit)
			}
			im.Samples[unit] = append(im.Samples[unit], v)
		}
	}
	return res, sc.Err()
}

// floorNames are the implementations ratios are taken against, first
// present wins: raw pgx on PostgreSQL, raw database/sql on MariaDB, sqlx
// for MariaDB's hand-written eager load, raw pgx one by one for Pipeline8.
var floorNames = []string{"pgx", "database/sql", "pgx-sequential", "sqlx"}

// Floor returns the benchmark's floor implementation, or nil.
func (bm *Benchmark) Floor() *Impl {
	for _, n := range floorNames {
		for _, im := range bm.Impls {
			if im.Name == n {
				return im
			}
		}
	}
	return nil
}

// Paired reports whether bm is a paired measurement (BenchmarkPaired):
// its sub-benchmarks report the "ratio" metric.
func (bm *Benchmark) Paired() bool {
	for _, im := range bm.Impls {
		if len(im.Samples["ratio"]) > 0 {
			return true
		}
	}
	return false
}

// pairedFloor names the floor a paired benchmark's ratios are taken
// against.
func pairedFloor(bm *Benchmark) string {
	if bm.PairedFloor != "" && bm.PairedFloor != "library" {
		return bm.PairedFloor
	}
	if strings.HasPrefix(bm.Name, "MariaDB") {
		return "database/sql"
	}
	return "pgx"
}

// PairedCell is one workload × impl entry of a paired benchmark.
type PairedCell struct {
	Ratio, P25, P75 float64 // medians over the runs
	Runs            int
}

// PairedTable splits a paired benchmark's sub-benchmarks <workload>/<impl>
// into rows (workloads) and columns (impls), both in order of appearance.
func PairedTable(bm *Benchmark) (workloads, impls []string, cells map[[2]string]PairedCell) {
	cells = map[[2]string]PairedCell{}
	for _, im := range bm.Impls {
		w, name, ok := strings.Cut(im.Name, "/")
		if !ok || len(im.Samples["ratio"]) == 0 {
			continue
		}
		if !slices.Contains(workloads, w) {
			workloads = append(workloads, w)
		}
		if !slices.Contains(impls, name) {
			impls = append(impls, name)
		}
		cells[[2]string{w, name}] = PairedCell{
			Ratio: im.Median("ratio"), P25: im.Median("ratio-p25"), P75: im.Median("ratio-p75"),
			Runs: len(im.Samples["ratio"]),
		}
	}
	return workloads, impls, cells
}

// pairedMarkdown renders the "Paired ratios" section ("" without paired
// benchmarks).
func pairedMarkdown(res *Results) string {
	var sb strings.Builder
	for _, bm := range res.Benchmarks {
		if !bm.Paired() {
			continue
		}
		if sb.Len() == 0 {
			sb.WriteString("## Paired ratios\n\n")
			sb.WriteString("Each entry: the implementation's time over the floor's, measured in alternating adjacent blocks " +
				"(ABBA) within one sub-benchmark; the median of the per-pair ratios, and in brackets their 25th–75th " +
				"percentiles (the spread of one pair, not the uncertainty of the median). With several runs, each figure is " +
				"the median over the runs. See paired_test.go.\n\n")
		}
		workloads, impls, cells := PairedTable(bm)
		runs := 0
		for _, c := range cells {
			runs = max(runs, c.Runs)
		}
		fmt.Fprintf(&sb, "### %s (floor %s; runs: %d)\n\n| workload |", bm.Name, pairedFloor(bm), runs)
		for _, name := range impls {
			sb.WriteString(" " + name + " |")
		}
		sb.WriteString("\n|---|")
		for range impls {
			sb.WriteString("---:|")
		}
		sb.WriteString("\n")
		for _, w := range workloads {
			sb.WriteString("| " + w + " |")
			for _, name := range impls {
				c, ok := cells[[2]string{w, name}]
				if !ok {
					sb.WriteString(" – |")
					continue
				}
				fmt.Fprintf(&sb, " %s (%s–%s) |", fmtRatio(c.Ratio), fmtFixed2(c.P25), fmtFixed2(c.P75))
			}
			sb.WriteString("\n")
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func fmtFixed2(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// Ratio is im's median ns/op over the floor's (NaN without a floor).
func (bm *Benchmark) Ratio(im *Impl) float64 {
	fl := bm.Floor()
	if fl == nil {
		return math.NaN()
	}
	return im.Median("ns/op") / fl.Median("ns/op")
}

func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 100:
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// Markdown renders one table per benchmark.
func Markdown(res *Results, command string) string {
	var sb strings.Builder
	sb.WriteString("# Benchmark results\n\n")
	fmt.Fprintf(&sb, "Generated %s by `go run ./cmd/report`.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&sb, "Command: `%s`\n\n", command)
	if len(res.Config) > 0 {
		sb.WriteString("Machine: " + strings.Join(res.Config, "; ") + "\n\n")
	}
	sb.WriteString("Per-benchmark tables: medians over the runs. Ratio is ns/op over the floor's (pgx on PostgreSQL, database/sql on MariaDB; marked *).\n\n")
	sb.WriteString(pairedMarkdown(res))
	sb.WriteString(curveMarkdown(res))
	for _, bm := range res.Benchmarks {
		if bm.Paired() || bm.IsCurve() {
			continue // shown above
		}
		fmt.Fprintf(&sb, "## %s\n\n", bm.Name)
		var extra []string
		for _, im := range bm.Impls {
			for _, u := range im.Units {
				if u != "ns/op" && u != "B/op" && u != "allocs/op" && !slices.Contains(extra, u) {
					extra = append(extra, u)
				}
			}
		}
		sb.WriteString("| impl | ns/op | B/op | allocs/op | ratio |")
		for _, u := range extra {
			sb.WriteString(" " + u + " |")
		}
		sb.WriteString(" runs |\n|---|---:|---:|---:|---:|")
		for range extra {
			sb.WriteString("---:|")
		}
		sb.WriteString("---:|\n")
		fl := bm.Floor()
		for _, im := range bm.Impls {
			name := im.Name
			if im == fl {
				name += " *"
			}
			fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s |", name, fmtNum(im.Median("ns/op")), fmtNum(im.Median("B/op")),
				fmtNum(im.Median("allocs/op")), fmtRatio(bm.Ratio(im)))
			for _, u := range extra {
				sb.WriteString(" " + fmtNum(im.Median(u)) + " |")
			}
			fmt.Fprintf(&sb, " %d |\n", len(im.Samples["ns/op"]))
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

func fmtRatio(r float64) string {
	if math.IsNaN(r) {
		return "–"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "×"
}

// palette colours implementations consistently across groups.
var palette = map[string]string{
	"pgx": "#4c4c4c", "database/sql": "#4c4c4c", "pgx-copy": "#9a9a9a", "pgx-sequential": "#4c4c4c", "pgx-batch": "#9a9a9a",
	"athanor-core": "#e07b00", "athanor": "#b83b00", "sequential": "#e07b00", "batch": "#b83b00",
	"gorm": "#2f6fb0", "bun": "#3a9a4a", "sqlx": "#8d5ab5",
}

func colour(name string) string {
	if c, ok := palette[name]; ok {
		return c
	}
	return "#777777"
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// SVG draws, for every benchmark with a floor, one horizontal bar per
// implementation: its ns/op as a ratio to the floor (1.0 marked), capped
// at maxRatio with the true value written on the bar.
func SVG(res *Results) string {
	const (
		maxRatio = 4.0
		left     = 250.0
		barW     = 560.0
		barH     = 14.0
		gap      = 3.0
		groupGap = 26.0
		width    = left + barW + 90
	)
	var body strings.Builder
	y := 40.0
	for _, bm := range res.Benchmarks {
		if bm.Floor() == nil || bm.Paired() {
			continue
		}
		fmt.Fprintf(&body, `<text x="10" y="%.1f" font-weight="bold">%s</text>`+"\n", y, esc(bm.Name))
		y += 8
		top := y
		for _, im := range bm.Impls {
			r := bm.Ratio(im)
			if math.IsNaN(r) {
				continue
			}
			w := math.Min(r, maxRatio) / maxRatio * barW
			fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-6, y+barH-3, esc(im.Name))
			fmt.Fprintf(&body, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", left, y, w, barH, colour(im.Name))
			label := fmtRatio(r) + "  " + fmtDur(im.Median("ns/op"))
			fmt.Fprintf(&body, `<text x="%.1f" y="%.1f">%s</text>`+"\n", left+w+4, y+barH-3, esc(label))
			y += barH + gap
		}
		x1 := left + barW/maxRatio
		fmt.Fprintf(&body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-dasharray="3,2"/>`+"\n", x1, top-2, x1, y)
		y += groupGap
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", width, y)
	fmt.Fprintf(&sb, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&sb, `<text x="10" y="18" font-size="13">ns/op as a ratio to the floor (dashed line = 1×; bars capped at %.0f×), median of runs</text>`+"\n", maxRatio)
	sb.WriteString(body.String())
	sb.WriteString("</svg>\n")
	return sb.String()
}

func fmtDur(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Millisecond:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	case d >= time.Microsecond:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + " µs"
	}
	return strconv.FormatFloat(ns, 'f', 0, 64) + " ns"
}

// sortedImpls is used by tests: implementation names by ratio.
func sortedImpls(bm *Benchmark) []string {
	ims := slices.Clone(bm.Impls)
	slices.SortStableFunc(ims, func(a, b *Impl) int { return cmp.Compare(bm.Ratio(a), bm.Ratio(b)) })
	var out []string
	for _, im := range ims {
		out = append(out, im.Name)
	}
	return out
}
