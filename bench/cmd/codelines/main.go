// Command codelines counts the distinct 64-byte lines of machine code a
// profile saw run: the instruction-cache footprint of an operation,
// measured in a warm loop, which the operation pays for again each time it
// runs with cold caches, as it does between two statements on a server
// that shares the client's CPUs (bench/README, "Where a gap goes: client
// CPU"). Two builds of the same operation compare by their counts; so do
// two operations (the session's and the engine's) of one build.
//
// Its input is perf script's instruction pointers and symbols, from a
// perf record at a high sampling rate of a loop that runs only the
// operation:
//
//	perf record -F 20000 -o orm.perf ./session.test -test.run '^$' \
//		-test.bench 'BenchmarkFakeInsertOne$/^orm$' -test.benchtime 4s
//	perf script -i orm.perf -F ip,sym | go run ./cmd/codelines -top 30
//
// A line counts when at least -min samples fell in it, which keeps the
// rare paths (a pool's refill, a collector's cycle) out of the count. It
// prints the total, the count per package (the kernel's as one) and the
// functions with the most lines, with their samples.
package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	minSamples := flag.Int("min", 3, "samples a line needs to count")
	top := flag.Int("top", 20, "functions to list")
	flag.Parse()
	r, err := count(os.Stdin, *minSamples)
	if err != nil {
		fmt.Fprintln(os.Stderr, "codelines:", err)
		os.Exit(1)
	}
	r.print(os.Stdout, *top)
}

// kernelStart is where the kernel's half of the x86-64 address space
// begins: samples there are the kernel's, whatever their symbol.
const kernelStart = 0xffff800000000000

type line struct {
	addr uint64 // the address >> 6
	sym  string
}

type result struct {
	samples int
	lines   int
	byPkg   map[string]int
	byFunc  map[string]int // lines
	funcHit map[string]int // samples in the lines counted
}

func count(in io.Reader, minSamples int) (*result, error) {
	hits := map[line]int{}
	total := 0
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		ip, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("instruction pointer %q: want hex (perf script -F ip,sym)", f[0])
		}
		sym := strings.Join(f[1:], " ")
		if ip >= kernelStart {
			sym = "[kernel]"
		}
		hits[line{ip >> 6, sym}]++
		total++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if total == 0 {
		return nil, fmt.Errorf("no samples on input (perf script -F ip,sym)")
	}
	r := &result{samples: total, byPkg: map[string]int{}, byFunc: map[string]int{}, funcHit: map[string]int{}}
	for l, n := range hits {
		if n < minSamples {
			continue
		}
		r.lines++
		r.byPkg[pkgOf(l.sym)]++
		r.byFunc[l.sym]++
		r.funcHit[l.sym] += n
	}
	return r, nil
}

// pkgOf is the package path of a Go symbol ("runtime.mallocgc",
// "github.com/x/y/session.(*plan).flush"); other symbols stand for
// themselves.
func pkgOf(sym string) string {
	slash := strings.LastIndexByte(sym, '/')
	if dot := strings.IndexByte(sym[slash+1:], '.'); dot > 0 {
		return sym[:slash+1+dot]
	}
	return sym
}

func (r *result) print(w io.Writer, top int) {
	fmt.Fprintf(w, "%d samples, %d distinct code lines\n\n", r.samples, r.lines)
	for _, k := range sortedKeys(r.byPkg) {
		fmt.Fprintf(w, "%6d  %s\n", r.byPkg[k], k)
	}
	fmt.Fprintf(w, "\n lines  samples  function\n")
	for i, k := range sortedKeys(r.byFunc) {
		if i == top {
			break
		}
		fmt.Fprintf(w, "%6d  %7d  %s\n", r.byFunc[k], r.funcHit[k], k)
	}
}

// sortedKeys are m's keys, largest value first, then by name.
func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ks
}
