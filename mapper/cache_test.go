package mapper_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type slotRow struct {
	ID   int64 `athanor:",pk"`
	Name string
}

type slotOther struct {
	ID int64 `athanor:",pk"`
}

type slotValue struct{ name string }

var slotBuilds atomic.Int32

var testSlot = mapper.NewSlot(func(m *mapper.Model) *slotValue {
	slotBuilds.Add(1)
	return &slotValue{name: m.Name}
})

// Many goroutines asking for a model's slot value at once all get the same
// value, built for that model; later calls build nothing and allocate
// nothing; each model has its own value.
func TestSlotConcurrentFirstUse(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[slotRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := mapper.RegisterIn[slotOther](reg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 32
	got := make([]*slotValue, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Go(func() {
			start.Wait()
			got[i] = testSlot.Get(m)
		})
	}
	start.Done()
	done.Wait()
	for i, v := range got {
		if v == nil || v != got[0] {
			t.Fatalf("goroutine %d got %p, goroutine 0 got %p", i, v, got[0])
		}
	}
	if got[0].name != "slotRow" {
		t.Fatalf("value built for %q, want slotRow", got[0].name)
	}
	built := slotBuilds.Load()
	if built < 1 || built > n {
		t.Fatalf("%d builds for %d first uses", built, n)
	}
	if v := testSlot.Get(m); v != got[0] {
		t.Fatalf("later Get returned %p, want %p", v, got[0])
	}
	if slotBuilds.Load() != built {
		t.Fatal("a Get after the first use built again")
	}
	if o := testSlot.Get(other); o == got[0] || o.name != "slotOther" {
		t.Fatalf("other model's value %+v shares or mislabels slotRow's", o)
	}
}

func TestSlotGetAllocs(t *testing.T) {
	m, err := mapper.RegisterIn[slotRow](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	testSlot.Get(m)
	if a := testing.AllocsPerRun(100, func() { testSlot.Get(m) }); a != 0 {
		t.Fatalf("Get on a hit allocates %v times, want 0", a)
	}
}
