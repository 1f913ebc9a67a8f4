package main

import (
	"strings"
	"testing"
)

func TestPkgOf(t *testing.T) {
	for sym, want := range map[string]string{
		"runtime.mallocgc": "runtime",
		"github.com/athanor-orm/athanor/session.(*plan).insertRow":    "github.com/athanor-orm/athanor/session",
		"github.com/jackc/puddle/v2.(*Pool[go.shape.*uint8]).acquire": "github.com/jackc/puddle/v2",
		"internal/runtime/maps.(*Map).getWithKeySmall":                "internal/runtime/maps",
		"__vdso_clock_gettime":                                        "__vdso_clock_gettime",
		"[kernel]":                                                    "[kernel]",
	} {
		if got := pkgOf(sym); got != want {
			t.Errorf("pkgOf(%q) = %q, want %q", sym, got, want)
		}
	}
}

// Lines are 64-byte blocks of addresses, counted once they hold -min
// samples; kernel addresses count as the kernel's whatever their symbol.
func TestCount(t *testing.T) {
	in := strings.Join([]string{
		"401000 main.a", "401008 main.a", "40103f main.a", // one line, 3 samples
		"401040 main.a", "401041 main.a", // the next line, 2 samples: below -min
		"402000 runtime.x", "402001 runtime.x", "402002 runtime.x",
		"ffffffff81000000 do_syscall_64", "ffffffff81000001 do_syscall_64", "ffffffff81000002 ret",
		"", "junk",
	}, "\n")
	r, err := count(strings.NewReader(in), 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.samples != 11 || r.lines != 3 {
		t.Fatalf("%d samples, %d lines; want 11, 3", r.samples, r.lines)
	}
	// main.a's second line is left out; the kernel's three samples, under
	// two symbols, are one line of its own.
	if r.byFunc["main.a"] != 1 || r.funcHit["main.a"] != 3 || r.byPkg["runtime"] != 1 || r.byPkg["[kernel]"] != 1 {
		t.Fatalf("by function %v (samples %v), by package %v", r.byFunc, r.funcHit, r.byPkg)
	}
	if _, err := count(strings.NewReader("zz main.a\n"), 1); err == nil {
		t.Fatal("a bad instruction pointer was accepted")
	}
	if _, err := count(strings.NewReader(""), 1); err == nil {
		t.Fatal("empty input was accepted")
	}
}
