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
