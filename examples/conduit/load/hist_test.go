package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramBucketsCoverEveryValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vals := []uint64{0, 1, 255, 256, 257, 511, 512, 1<<20 + 12345, math.MaxUint64}
	for range 10000 {
		vals = append(vals, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range vals {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of [0, %d)", v, i, numBuckets)
		}
		lo, hi := bucketBounds(i)
		if v < lo || v > hi {
			t.Fatalf("value %d in bucket %d whose bounds are [%d, %d]", v, i, lo, hi)
		}
		if lo > 0 && float64(hi-lo)/float64(lo) > 1.0/subCount {
			t.Fatalf("bucket %d [%d, %d] wider than 1/%d of its values", i, lo, hi, subCount)
		}
	}
}

func TestHistogramQuantilesMatchExactSample(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func(*rand.Rand) time.Duration
	}{
		{"uniform 0-10ms", func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(10 * time.Millisecond))) }},
		{"long tail", func(r *rand.Rand) time.Duration {
			return time.Duration(math.Exp(r.NormFloat64()*1.5) * float64(time.Millisecond))
		}},
		{"few tiny values", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(300)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 9))
			var h histogram
			var sample []time.Duration
			for range 20000 {
				d := tc.gen(rng)
				h.record(d)
				sample = append(sample, d)
			}
			slices.Sort(sample)
			for _, q := range []float64{0.5, 0.9, 0.99, 1} {
				exact := sample[int(math.Ceil(q*float64(len(sample))))-1]
				got := h.quantile(q)
				if diff := math.Abs(float64(got - exact)); diff > float64(exact)/subCount+1 {
					t.Errorf("q%.2f = %v, exact %v: off by more than 1/%d", q, got, exact, subCount)
				}
			}
			if got, want := time.Duration(h.max.Load()), sample[len(sample)-1]; got != want {
				t.Errorf("max = %v, want %v", got, want)
			}
		})
	}
}

func TestHistogramEmpty(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 || h.mean() != 0 {
		t.Fatal("empty histogram reports a latency")
	}
}
