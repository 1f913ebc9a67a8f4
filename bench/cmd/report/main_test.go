package main

import (
	"math"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/athanor-orm/athanor/bench
cpu: Test CPU
BenchmarkReadByPK/pgx-2         	     200	    100 ns/op	     940 B/op	      11 allocs/op
BenchmarkReadByPK/athanor-2     	     200	    150 ns/op	     1000 B/op	      20 allocs/op
BenchmarkReadByPK/pgx-2         	     200	    300 ns/op	     940 B/op	      11 allocs/op
BenchmarkReadByPK/athanor-2     	     200	    330 ns/op	     1000 B/op	      20 allocs/op
BenchmarkReadByPK/pgx-2         	     200	    200 ns/op	     940 B/op	      11 allocs/op
BenchmarkReadByPK/athanor-2     	     200	    220 ns/op	     1000 B/op	      20 allocs/op
BenchmarkMariaDBReadByPK/database/sql-2 	 100	 400 ns/op	 1 B/op	 1 allocs/op
BenchmarkMariaDBReadByPK/gorm-2 	 100	 800 ns/op	 1 B/op	 1 allocs/op
BenchmarkPipeline8/batch-2 	 100	 5000000 ns/op	 1.2 rtt	 18666 B/op	 300 allocs/op
PASS
`

func TestParseMediansAndRatios(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Benchmarks) != 3 {
		t.Fatalf("got %d benchmarks, want 3", len(res.Benchmarks))
	}
	rb := res.Benchmarks[0]
	if rb.Name != "ReadByPK" || len(rb.Impls) != 2 {
		t.Fatalf("first benchmark %q with %d impls", rb.Name, len(rb.Impls))
	}
	if got := rb.Impls[0].Median("ns/op"); got != 200 {
		t.Errorf("pgx median %v, want 200", got)
	}
	if got := rb.Ratio(rb.Impls[1]); math.Abs(got-1.1) > 1e-9 {
		t.Errorf("athanor ratio %v, want 1.1", got)
	}
	md := res.Benchmarks[1]
	if md.Floor() == nil || md.Floor().Name != "database/sql" {
		t.Errorf("MariaDB floor %v, want database/sql", md.Floor())
	}
	if got := sortedImpls(md); got[0] != "database/sql" {
		t.Errorf("sorted %v", got)
	}
	p := res.Benchmarks[2]
	if p.Floor() != nil {
		t.Errorf("Pipeline8 has no floor in the sample, got %v", p.Floor().Name)
	}
	if got := p.Impls[0].Median("rtt"); got != 1.2 {
		t.Errorf("rtt %v, want 1.2", got)
	}
}

func TestRenderings(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	md := Markdown(res, "go test -bench .")
	for _, want := range []string{"## ReadByPK", "| pgx * | 200 |", "| athanor | 220 | 1000 | 20.0 | 1.10× |", "| rtt |", "cpu: Test CPU"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	svg := SVG(res)
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "ReadByPK") || strings.Contains(svg, "Pipeline8") {
		t.Errorf("unexpected svg:\n%s", svg)
	}
}

const pairedSample = `goos: linux
BenchmarkReadByPK/pgx-2         	     200	    100 ns/op	     940 B/op	      11 allocs/op
BenchmarkPaired/ReadByPK/athanor-core-2 	 500	 40000 ns/op	 1.10 ratio	 0.90 ratio-p25	 1.30 ratio-p75	 672 B/op	 8 allocs/op
BenchmarkPaired/ReadByPK/athanor-core-2 	 500	 41000 ns/op	 1.00 ratio	 0.80 ratio-p25	 1.20 ratio-p75	 672 B/op	 8 allocs/op
BenchmarkPaired/ReadByPK/athanor-core-2 	 500	 42000 ns/op	 1.20 ratio	 1.00 ratio-p25	 1.40 ratio-p75	 672 B/op	 8 allocs/op
BenchmarkPaired/ReadByPK/athanor-2 	 500	 45000 ns/op	 1.05 ratio	 0.95 ratio-p25	 1.15 ratio-p75	 2850 B/op	 21 allocs/op
BenchmarkPaired/UpdateOne/athanor-2 	 500	 45000 ns/op	 1.07 ratio	 0.97 ratio-p25	 1.17 ratio-p75	 1784 B/op	 33 allocs/op
BenchmarkMariaDBPaired/ReadByPK/sqlx-2 	 500	 45000 ns/op	 0.95 ratio	 0.9 ratio-p25	 1.0 ratio-p75	 1928 B/op	 42 allocs/op
PASS
`

func TestPaired(t *testing.T) {
	res, err := Parse(strings.NewReader(pairedSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Benchmarks) != 3 {
		t.Fatalf("got %d benchmarks, want 3", len(res.Benchmarks))
	}
	if res.Benchmarks[0].Paired() || !res.Benchmarks[1].Paired() || !res.Benchmarks[2].Paired() {
		t.Fatalf("Paired() wrong")
	}
	w, ims, cells := PairedTable(res.Benchmarks[1])
	if strings.Join(w, ",") != "ReadByPK,UpdateOne" || strings.Join(ims, ",") != "athanor-core,athanor" {
		t.Fatalf("workloads %v, impls %v", w, ims)
	}
	c := cells[[2]string{"ReadByPK", "athanor-core"}]
	if c.Ratio != 1.1 || c.P25 != 0.9 || c.P75 != 1.3 || c.Runs != 3 {
		t.Errorf("cell %+v", c)
	}
	md := Markdown(res, "go test -bench .")
	for _, want := range []string{
		"## Paired ratios",
		"### Paired (floor pgx; runs: 3)",
		"| workload | athanor-core | athanor |",
		"| ReadByPK | 1.10× (0.90–1.30) | 1.05× (0.95–1.15) |",
		"| UpdateOne | – | 1.07× (0.97–1.17) |",
		"### MariaDBPaired (floor database/sql; runs: 1)",
		"| ReadByPK | 0.95× (0.90–1.00) |",
		"## ReadByPK",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "## Paired\n") || strings.Contains(md, "ReadByPK/athanor") {
		t.Errorf("paired benchmarks rendered as ordinary tables:\n%s", md)
	}
	if strings.Contains(SVG(res), "Paired") {
		t.Errorf("paired benchmarks in the svg")
	}
}

// A paired run against another floor (-paired.floor) is a different
// quantity: its own table, headed with that floor; a later process without
// the flag is back on the library floor.
func TestPairedFloorsKeptApart(t *testing.T) {
	const out = `goos: linux
paired-floor: pgx
BenchmarkPaired/ReadByPK/athanor-2 	 100	 500 ns/op	 1.05 ratio	 0.95 ratio-p25	 1.15 ratio-p75
goos: linux
paired-floor: athanor-core
BenchmarkPaired/ReadByPK/athanor-2 	 100	 500 ns/op	 1.02 ratio	 0.99 ratio-p25	 1.05 ratio-p75
goos: linux
BenchmarkPaired/ReadByPK/athanor-2 	 100	 500 ns/op	 1.07 ratio	 0.97 ratio-p25	 1.17 ratio-p75
BenchmarkReadByPK/athanor-2 	 100	 500 ns/op
`
	res, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Benchmarks) != 4 {
		t.Fatalf("got %d benchmarks, want 4 (pgx, athanor-core and unnamed floors, ReadByPK)", len(res.Benchmarks))
	}
	md := Markdown(res, "go test -bench .")
	for _, want := range []string{
		"### Paired (floor pgx; runs: 1)\n\n| workload | athanor |\n|---|---:|\n| ReadByPK | 1.05×",
		"### Paired (floor athanor-core; runs: 1)\n\n| workload | athanor |\n|---|---:|\n| ReadByPK | 1.02×",
		"| ReadByPK | 1.07×",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if res.Benchmarks[3].PairedFloor != "" {
		t.Errorf("an unpaired benchmark took the floor %q", res.Benchmarks[3].PairedFloor)
	}
}

func TestPairedPattern(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{".", "^(BenchmarkPaired|BenchmarkMariaDBPaired)$"},
		{"Paired", "^(BenchmarkPaired|BenchmarkMariaDBPaired)$"},
		{"^BenchmarkPaired$/ReadByPK", "^(BenchmarkPaired)$/ReadByPK"},
		{"MariaDB", "^(BenchmarkMariaDBPaired)$"},
		{"ReadByPK", ""},
		{"EagerLoad$", ""},
	} {
		if got := pairedPattern(c.in); got != c.want {
			t.Errorf("pairedPattern(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
