package objaccess

import (
	"math"
	"reflect"
	"testing"
	"unsafe"
)

func TestSlab(t *testing.T) {
	type row struct {
		ID   int64
		Name string
	}
	cases := []struct {
		name   string
		expect int
		n      int
		arrays int // allocations made for n kept values
	}{
		{"one", 0, 1, 1},
		{"doubling", 0, 100, 7}, // 1 2 4 8 16 32 64
		{"capped", 0, 200, 9},   // … then 64 per array
		{"expected", 100, 100, 1},
		{"expected at most twice the cap", 128, 128, 1},
		{"more expected", 200, 200, 3}, // 64, then the 136 left: 64, then 72
		{"fewer than expected", 100, 3, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSlab(reflect.TypeFor[row]())
			s.Expect(c.expect)
			seen := map[*row]bool{}
			for i := 0; i < c.n; i++ {
				r := s.Next().(*row)
				if r.ID != 0 || r.Name != "" {
					t.Fatalf("value %d not zero: %+v", i, *r)
				}
				// A discarded slot comes back zeroed.
				r.ID, r.Name = -1, "discarded"
				s.Discard()
				if s.Next() != any(r) || r.ID != 0 || r.Name != "" {
					t.Fatalf("discarded slot %d not reused zeroed", i)
				}
				r.ID = int64(i)
				s.Keep()
				if seen[r] {
					t.Fatalf("slot %d handed out twice", i)
				}
				seen[r] = true
			}
			if raceEnabled {
				return // allocation counts are not exact under -race
			}
			arrays := testing.AllocsPerRun(5, func() {
				s := NewSlab(reflect.TypeFor[row]())
				s.Expect(c.expect)
				for i := 0; i < c.n; i++ {
					s.Next()
					s.Keep()
				}
			})
			if int(arrays) != c.arrays {
				t.Fatalf("%v arrays for %d values, want %d", arrays, c.n, c.arrays)
			}
		})
	}
}

// A Slab is embedded in every session and load: it stays six words.
func TestSlabSize(t *testing.T) {
	if got := unsafe.Sizeof(Slab{}); got > 48 {
		t.Fatalf("Slab is %d bytes, want at most 48", got)
	}
}

// The 32-bit counters: an expectation beyond their range still means
// "many" (arrays of slabMax), and a type too large to count its size in 32
// bits gets one value per array, never a step of a truncated size.
func TestSlabWide(t *testing.T) {
	s := NewSlab(reflect.TypeFor[int64]())
	s.Expect(math.MaxInt64)
	if s.want != math.MaxInt32 {
		t.Fatalf("want %d, expected it capped at %d", s.want, math.MaxInt32)
	}
	a := s.Next().(*int64)
	s.Keep()
	b := s.Next().(*int64)
	if s.grow != slabMax || uintptr(unsafe.Pointer(b))-uintptr(unsafe.Pointer(a)) != 8 {
		t.Fatalf("grow %d, step %d: want %d and 8", s.grow, uintptr(unsafe.Pointer(b))-uintptr(unsafe.Pointer(a)), slabMax)
	}
	if unsafe.Sizeof(uintptr(0)) == 8 {
		huge := NewSlab(reflect.ArrayOf(1<<33, reflect.TypeFor[byte]())) // never allocated here
		if huge.size != 0 {
			t.Fatalf("size %d for a type of 8 GiB, want 0", huge.size)
		}
	}
}
