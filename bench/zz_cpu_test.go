package bench

import (
	"context"
	"os"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	c, _ := processCPU()
	return c
}

func TestZZCPU(t *testing.T) {
	e := setupPG(t)
	ctx := context.Background()
	ims := e.impls()
	sel := map[string]impl{}
	for _, im := range ims {
		sel[im.name] = im
	}
	names := []string{"pgx", "athanor-core", "athanor", "bun", "gorm"}
	tot := map[string]time.Duration{}
	wall := map[string]time.Duration{}
	block, _ := strconv.Atoi(os.Getenv("ZZN"))
	pick := func(im impl) func() error {
		return map[string]func() error{
			"insertOne":      func() error { return im.insertOne(ctx) },
			"insertMulti100": func() error { return im.insertMulti100(ctx) },
			"readSlice100":   func() error { return im.readSlice100(ctx) },
			"readByPK":       func() error { return im.readByPK(ctx, 7) },
		}[os.Getenv("ZZOP")]
	}
	for round := 0; round < 6; round++ {
		for _, n := range names {
			im := sel[n]
			c0, w0 := cpuNow(), time.Now()
			for i := 0; i < block; i++ {
				if err := pick(im)(); err != nil {
					t.Fatal(err)
				}
			}
			if round > 0 {
				tot[n] += cpuNow() - c0
				wall[n] += time.Since(w0)
			}
		}
	}
	for _, n := range names {
		t.Logf("%-13s cpu/op %v wall/op %v", n, tot[n]/time.Duration(5*block), wall[n]/time.Duration(5*block))
	}
}

func TestZZProf(t *testing.T) {
	e := setupPG(t)
	ctx := context.Background()
	var im impl
	for _, x := range e.impls() {
		if x.name == os.Getenv("ZZIMPL") {
			im = x
		}
	}
	op := map[string]func() error{
		"insertOne":      func() error { return im.insertOne(ctx) },
		"insertMulti100": func() error { return im.insertMulti100(ctx) },
		"readSlice100":   func() error { return im.readSlice100(ctx) },
	}[os.Getenv("ZZOP")]
	for i := 0; i < 500; i++ {
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := os.Create(os.Getenv("ZZOUT"))
	pprof.StartCPUProfile(f)
	n, _ := strconv.Atoi(os.Getenv("ZZN"))
	for i := 0; i < n; i++ {
		if err := op(); err != nil {
			t.Fatal(err)
		}
	}
	pprof.StopCPUProfile()
	f.Close()
}
