package main

// Throughput curves: benchmarks whose sub-benchmarks are named
// pool=<P>/goroutines=<G>/<impl> (BenchmarkCurveReadByPK,
// BenchmarkCurveEagerLoad) and report ops/s. They are drawn as line
// charts, one per benchmark and pool size, goroutines on a log2 x axis,
// one line per implementation (results/curve.svg), and tabulated in
// report.md, instead of the per-benchmark ratio tables.

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var curveName = regexp.MustCompile(`^pool=(\d+)/goroutines=(\d+)/(.+)$`)

// Curve is one curve benchmark: median ops/s per pool size, goroutine
// count and implementation.
type Curve struct {
	Name       string
	Pools      []int    // ascending
	Goroutines []int    // ascending
	Impls      []string // in order of appearance
	ops        map[curvePoint]float64
}

type curvePoint struct {
	pool, goroutines int
	impl             string
}

// Ops is the median ops/s at one point (NaN if it was not measured).
func (c *Curve) Ops(pool, goroutines int, impl string) float64 {
	v, ok := c.ops[curvePoint{pool, goroutines, impl}]
	if !ok {
		return math.NaN()
	}
	return v
}

// IsCurve reports whether bm's sub-benchmarks are curve points.
func (bm *Benchmark) IsCurve() bool {
	for _, im := range bm.Impls {
		if curveName.MatchString(im.Name) {
			return true
		}
	}
	return false
}

// Curves extracts the curve benchmarks of res, in order of appearance.
// Points without an ops/s sample are left out.
func Curves(res *Results) []*Curve {
	var out []*Curve
	for _, bm := range res.Benchmarks {
		if !bm.IsCurve() {
			continue
		}
		c := &Curve{Name: bm.Name, ops: map[curvePoint]float64{}}
		for _, im := range bm.Impls {
			m := curveName.FindStringSubmatch(im.Name)
			if m == nil || len(im.Samples["ops/s"]) == 0 {
				continue
			}
			pool, _ := strconv.Atoi(m[1])
			g, _ := strconv.Atoi(m[2])
			if !slices.Contains(c.Pools, pool) {
				c.Pools = append(c.Pools, pool)
			}
			if !slices.Contains(c.Goroutines, g) {
				c.Goroutines = append(c.Goroutines, g)
			}
			if !slices.Contains(c.Impls, m[3]) {
				c.Impls = append(c.Impls, m[3])
			}
			c.ops[curvePoint{pool, g, m[3]}] = im.Median("ops/s")
		}
		slices.Sort(c.Pools)
		slices.Sort(c.Goroutines)
		if len(c.ops) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// curveMarkdown renders one table per curve and pool size: goroutines ×
// implementations, median ops/s ("" without curves).
func curveMarkdown(res *Results) string {
	curves := Curves(res)
	if len(curves) == 0 {
		return ""
	}
	var sb strings.Builder
	sb.WriteString("## Throughput curves\n\nMedian operations per second over the runs, by goroutines sharing one pool " +
		"(drawn in curve.svg).\n\n")
	for _, c := range curves {
		for _, p := range c.Pools {
			fmt.Fprintf(&sb, "### %s, pool of %d\n\n| goroutines |", c.Name, p)
			for _, im := range c.Impls {
				sb.WriteString(" " + im + " |")
			}
			sb.WriteString("\n|---:|")
			for range c.Impls {
				sb.WriteString("---:|")
			}
			sb.WriteString("\n")
			for _, g := range c.Goroutines {
				fmt.Fprintf(&sb, "| %d |", g)
				for _, im := range c.Impls {
					sb.WriteString(" " + fmtNum(c.Ops(p, g, im)) + " |")
				}
				sb.WriteString("\n")
			}
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// fmtTick formats a y-axis value: whole numbers without decimals.
func fmtTick(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// CurveSVG draws every curve benchmark as line charts: a row per
// benchmark, a chart per pool size, goroutines on a log2 x axis, ops/s on
// a linear y axis from 0, one line per implementation, with a legend.
func CurveSVG(res *Results) string {
	const (
		chartW, chartH = 440.0, 300.0
		padL, padR     = 70.0, 20.0
		padT, padB     = 50.0, 50.0
		titleH         = 30.0
	)
	curves := Curves(res)
	cols := 1
	for _, c := range curves {
		cols = max(cols, len(c.Pools))
	}
	var body strings.Builder
	for row, c := range curves {
		for col, pool := range c.Pools {
			x0, y0 := float64(col)*chartW, titleH+float64(row)*chartH
			plotW, plotH := chartW-padL-padR, chartH-padT-padB
			left, top := x0+padL, y0+padT
			bottom := top + plotH
			fmt.Fprintf(&body, `<g class="chart" data-benchmark="%s" data-pool="%d">`+"\n", esc(c.Name), pool)
			fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" font-weight="bold">%s, pool of %d</text>`+"\n", left, y0+18, esc(c.Name), pool)
			top1 := 0.0
			for _, g := range c.Goroutines {
				for _, im := range c.Impls {
					if v := c.Ops(pool, g, im); !math.IsNaN(v) {
						top1 = max(top1, v)
					}
				}
			}
			yMax := niceCeil(top1)
			// x: log2 of goroutines between the smallest and the largest.
			lo, hi := math.Log2(float64(c.Goroutines[0])), math.Log2(float64(c.Goroutines[len(c.Goroutines)-1]))
			xOf := func(g int) float64 {
				if hi == lo {
					return left + plotW/2
				}
				return left + (math.Log2(float64(g))-lo)/(hi-lo)*plotW
			}
			yOf := func(v float64) float64 { return bottom - v/yMax*plotH }
			// Grid and y ticks.
			for i := 0; i <= 5; i++ {
				v := yMax * float64(i) / 5
				y := yOf(v)
				fmt.Fprintf(&body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, left+plotW, y)
				fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-5, y+4, esc(fmtTick(v)))
			}
			for _, g := range c.Goroutines {
				x := xOf(g)
				fmt.Fprintf(&body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000"/>`+"\n", x, bottom, x, bottom+4)
				fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", x, bottom+16, g)
			}
			// Axes and their labels.
			fmt.Fprintf(&body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000"/>`+"\n", left, bottom, left+plotW, bottom)
			fmt.Fprintf(&body, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000"/>`+"\n", left, top, left, bottom)
			fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" text-anchor="middle">goroutines</text>`+"\n", left+plotW/2, bottom+34)
			fmt.Fprintf(&body, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">operations/s</text>`+"\n",
				x0+16, top+plotH/2, x0+16, top+plotH/2)
			// One line per implementation, and the legend above the plot.
			for i, im := range c.Impls {
				var pts []string
				for _, g := range c.Goroutines {
					v := c.Ops(pool, g, im)
					if math.IsNaN(v) {
						continue
					}
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", xOf(g), yOf(v)))
				}
				if len(pts) > 0 {
					fmt.Fprintf(&body, `<polyline class="series" data-impl="%s" points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n",
						esc(im), strings.Join(pts, " "), colour(im))
					for _, pt := range pts {
						x, y, _ := strings.Cut(pt, ",")
						fmt.Fprintf(&body, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", x, y, colour(im))
					}
				}
				lx := left + float64(i)*(plotW/float64(len(c.Impls)))
				fmt.Fprintf(&body, `<rect x="%.1f" y="%.1f" width="14" height="4" fill="%s"/>`+"\n", lx, y0+28, colour(im))
				fmt.Fprintf(&body, `<text class="legend" x="%.1f" y="%.1f">%s</text>`+"\n", lx+18, y0+33, esc(im))
			}
			body.WriteString("</g>\n")
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n",
		float64(cols)*chartW, titleH+float64(len(curves))*chartH)
	sb.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	sb.WriteString(`<text x="10" y="18" font-size="13">Throughput: operations/s by goroutines sharing one pool (median of runs)</text>` + "\n")
	sb.WriteString(body.String())
	sb.WriteString("</svg>\n")
	return sb.String()
}
