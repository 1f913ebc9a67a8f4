package main

import (
	"encoding/xml"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// curveSample has two pools, three goroutine counts, two impls, with
// three runs of pool=4/goroutines=1/pgx (median 1000) and a point missing
// (pool=16/goroutines=4/athanor), plus a non-curve benchmark.
const curveSample = `goos: linux
BenchmarkCurveReadByPK/pool=4/goroutines=1/pgx-2 	 200	 1000000 ns/op	 1000 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=1/pgx-2 	 200	 1000000 ns/op	 3000 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=1/pgx-2 	 200	 1000000 ns/op	 900 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=1/athanor-2 	 200	 1000000 ns/op	 800 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=2/pgx-2 	 200	 1000000 ns/op	 1800 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=2/athanor-2 	 200	 1000000 ns/op	 1600 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=4/pgx-2 	 200	 1000000 ns/op	 3000 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=4/goroutines=4/athanor-2 	 200	 1000000 ns/op	 2500 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=16/goroutines=1/pgx-2 	 200	 1000000 ns/op	 1000 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=16/goroutines=1/athanor-2 	 200	 1000000 ns/op	 900 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=16/goroutines=2/pgx-2 	 200	 1000000 ns/op	 2000 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=16/goroutines=2/athanor-2 	 200	 1000000 ns/op	 1700 ops/s	 940 B/op	 11 allocs/op
BenchmarkCurveReadByPK/pool=16/goroutines=4/pgx-2 	 200	 1000000 ns/op	 3900 ops/s	 940 B/op	 11 allocs/op
BenchmarkReadByPK/pgx-2         	     200	    100 ns/op	     940 B/op	      11 allocs/op
PASS
`

func TestCurvesParse(t *testing.T) {
	res, err := Parse(strings.NewReader(curveSample))
	if err != nil {
		t.Fatal(err)
	}
	curves := Curves(res)
	if len(curves) != 1 {
		t.Fatalf("got %d curves, want 1 (ReadByPK is no curve)", len(curves))
	}
	c := curves[0]
	if c.Name != "CurveReadByPK" {
		t.Errorf("name %q", c.Name)
	}
	if !slices.Equal(c.Pools, []int{4, 16}) || !slices.Equal(c.Goroutines, []int{1, 2, 4}) || !slices.Equal(c.Impls, []string{"pgx", "athanor"}) {
		t.Errorf("pools %v goroutines %v impls %v", c.Pools, c.Goroutines, c.Impls)
	}
	for _, p := range []struct {
		pool, g int
		impl    string
		want    float64
	}{
		{4, 1, "pgx", 1000}, // median of 1000, 3000, 900
		{4, 4, "athanor", 2500},
		{16, 4, "pgx", 3900},
	} {
		if got := c.Ops(p.pool, p.g, p.impl); got != p.want {
			t.Errorf("Ops(%d, %d, %s) = %v, want %v", p.pool, p.g, p.impl, got, p.want)
		}
	}
	if got := c.Ops(16, 4, "athanor"); !math.IsNaN(got) {
		t.Errorf("missing point = %v, want NaN", got)
	}
	md := Markdown(res, "test")
	for _, want := range []string{"### CurveReadByPK, pool of 4", "### CurveReadByPK, pool of 16", "| 4 | 3900 | – |", "## ReadByPK"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "\n## CurveReadByPK\n") {
		t.Errorf("curve benchmark rendered as a ratio table too:\n%s", md)
	}
}

// svgElem is an element of the curve SVG, as decoded.
type svgElem struct {
	name  string
	attrs map[string]string
	text  string
}

// decodeSVG checks that s is well-formed XML and returns its elements.
func decodeSVG(t *testing.T, s string) []svgElem {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var out []svgElem
	var stack []int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v\n%s", err, s)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
			stack = append(stack, len(out)-1)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				out[stack[len(stack)-1]].text += string(tk)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root element is not svg")
	}
	return out
}

func TestCurveSVG(t *testing.T) {
	res, err := Parse(strings.NewReader(curveSample))
	if err != nil {
		t.Fatal(err)
	}
	els := decodeSVG(t, CurveSVG(res))
	charts, lines := 0, map[string][]string{} // pool → impls drawn
	var pool string
	points := map[string]int{}
	texts := map[string]bool{}
	for _, e := range els {
		switch {
		case e.name == "g" && e.attrs["class"] == "chart":
			charts++
			pool = e.attrs["data-pool"]
		case e.name == "polyline" && e.attrs["class"] == "series":
			lines[pool] = append(lines[pool], e.attrs["data-impl"])
			pts := strings.Fields(e.attrs["points"])
			points[pool+"/"+e.attrs["data-impl"]] = len(pts)
			for _, pt := range pts {
				x, y, ok := strings.Cut(pt, ",")
				if _, err := strconv.ParseFloat(x, 64); !ok || err != nil {
					t.Errorf("bad point %q", pt)
				}
				if _, err := strconv.ParseFloat(y, 64); err != nil {
					t.Errorf("bad point %q", pt)
				}
			}
		case e.name == "text":
			texts[strings.TrimSpace(e.text)] = true
		}
	}
	if charts != 2 {
		t.Errorf("%d charts, want 2 (one per pool)", charts)
	}
	for _, p := range []string{"4", "16"} {
		if !slices.Equal(lines[p], []string{"pgx", "athanor"}) {
			t.Errorf("pool %s: lines for %v, want pgx and athanor", p, lines[p])
		}
	}
	if points["4/pgx"] != 3 || points["16/athanor"] != 2 {
		t.Errorf("points per line %v: want 3 for pool 4 pgx, 2 for pool 16 athanor (one point missing)", points)
	}
	for _, want := range []string{"goroutines", "operations/s", "pgx", "athanor", "CurveReadByPK, pool of 16", "4000"} {
		if !texts[want] {
			t.Errorf("no text %q in the svg (axis label, legend, title or tick)", want)
		}
	}
}

func TestCurveSVGOrdersPoints(t *testing.T) {
	// Pool 4's pgx line rises (1000, 1800, 3000 ops/s at 1, 2, 4
	// goroutines): x must grow with goroutines and y shrink (SVG's y
	// grows downwards).
	res, err := Parse(strings.NewReader(curveSample))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range decodeSVG(t, CurveSVG(res)) {
		if e.name != "polyline" || e.attrs["data-impl"] != "pgx" {
			continue
		}
		pts := strings.Fields(e.attrs["points"])
		prevX, prevY := math.Inf(-1), math.Inf(1)
		for _, pt := range pts {
			xs, ys, _ := strings.Cut(pt, ",")
			x, _ := strconv.ParseFloat(xs, 64)
			y, _ := strconv.ParseFloat(ys, 64)
			if x <= prevX || y >= prevY {
				t.Errorf("points %v: want x increasing and y decreasing", pts)
			}
			prevX, prevY = x, y
		}
		return // the first chart is pool 4
	}
	t.Fatal("no pgx line")
}

func TestNiceCeil(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{3900, 5000}, {1000, 1000}, {2100, 2500}, {0, 1}, {7, 10}, {0.3, 0.5}} {
		if got := niceCeil(c.in); got != c.want {
			t.Errorf("niceCeil(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFmtTick(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0"}, {4000, "4000"}, {2.5, "2.5"}, {0.125, "0.125"}} {
		if got := fmtTick(c.in); got != c.want {
			t.Errorf("fmtTick(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestInvocations(t *testing.T) {
	for _, c := range []struct {
		bench string
		want  [][]string
	}{
		{".", [][]string{
			{"-bench", ".", "-skip", "^(BenchmarkPaired|BenchmarkMariaDBPaired|BenchmarkStream100k|BenchmarkMariaDBStream100k)$", "-benchtime", "300x", "."},
			{"-bench", "^(BenchmarkPaired|BenchmarkMariaDBPaired)$", "-benchtime", "1s", "."},
			{"-bench", "^(BenchmarkStream100k|BenchmarkMariaDBStream100k)$", "-benchtime", "3x", "."},
		}},
		{"ReadByPK", [][]string{{"-bench", "ReadByPK", "-benchtime", "300x", "."}}},
		{"Stream", [][]string{
			{"-bench", "Stream", "-skip", "^(BenchmarkStream100k|BenchmarkMariaDBStream100k)$", "-benchtime", "300x", "."},
			{"-bench", "^(BenchmarkStream100k|BenchmarkMariaDBStream100k)$", "-benchtime", "3x", "."},
		}},
	} {
		got := Invocations(c.bench, "300x", "1s", "3x")
		if len(got) != len(c.want) {
			t.Errorf("Invocations(%q) = %q, want %q", c.bench, got, c.want)
			continue
		}
		for i := range got {
			if !slices.Equal(got[i], c.want[i]) {
				t.Errorf("Invocations(%q)[%d] = %q, want %q", c.bench, i, got[i], c.want[i])
			}
		}
	}
	if got := Invocations(".", "300x", "", ""); len(got) != 1 || slices.Contains(got[0], "-skip") {
		t.Errorf("empty benchtimes: %q, want one run without -skip", got)
	}
}
