package session

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

// Integer keys go first to the inline slot, then to the map; every
// operation must see both, whichever of them holds a key.
func TestIdentityMapInlineSlotAndMap(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[intRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	var im identityMap
	keys := []intKey{{m: m, n: 3}, {m: m, n: 1}, {m: m, n: 2}}
	es := make([]*entry, len(keys))
	for i, k := range keys {
		es[i] = &entry{}
		if got, ok := im.putIfAbsent(idKey{m: m, k0: k.n}, es[i]); !ok || got != es[i] {
			t.Fatalf("put %d: got %p, %v", i, got, ok)
		}
	}
	if im.first != es[0] || intsHeld(&im) != 2 {
		t.Fatalf("first entry not inline, or the others not in the map: first=%p, map=%d", im.first, intsHeld(&im))
	}
	for i, k := range keys {
		if got := im.getInt(k); got != es[i] {
			t.Fatalf("get %d: %p, want %p", i, got, es[i])
		}
		if got, ok := im.putIfAbsent(idKey{m: m, k0: k.n}, &entry{}); ok || got != es[i] {
			t.Fatalf("second put of key %d replaced the entry", i)
		}
	}
	if n := im.len(); n != 3 {
		t.Fatalf("len %d, want 3", n)
	}
	// Removing the inline one frees the slot; the map's stay found.
	im.remove(idKey{m: m, k0: keys[0].n}, es[0])
	if im.getInt(keys[0]) != nil || im.getInt(keys[1]) != es[1] || im.len() != 2 {
		t.Fatal("remove of the inline entry lost another or kept it")
	}
	im.remove(idKey{m: m, k0: keys[1].n}, &entry{}) // another entry: no-op
	if im.getInt(keys[1]) != es[1] {
		t.Fatal("remove with a stale entry deleted the key")
	}
	e := &entry{}
	if _, ok := im.putIfAbsent(idKey{m: m, k0: keys[0].n}, e); !ok || im.first != e {
		t.Fatal("freed slot not reused")
	}
	if im.tab.Load() != nil {
		t.Fatal("integer keys made the shards")
	}
}

// A load that expects n rows sizes the map once; entries put after it
// are found like any others.
func TestIdentityMapExpect(t *testing.T) {
	m := intRowModel(t)
	var im identityMap
	im.expect(m, 1) // one row: the inline slot does, no table
	if im.ints != nil {
		t.Fatal("expect(1) made a table")
	}
	im.expect(m, 100)
	if im.intsOf(m) == nil || len(im.intsOf(m).slots) < 100 {
		t.Fatal("expect(100) made no table for 100 keys")
	}
	slots := &im.intsOf(m).slots[0]
	es := make([]*entry, 100)
	for i := range es {
		es[i] = &entry{}
		if _, ok := im.putIfAbsentInt(intKey{m: m, n: int64(i)}, es[i]); !ok {
			t.Fatalf("put %d refused", i)
		}
	}
	for i := range es {
		if im.getInt(intKey{m: m, n: int64(i)}) != es[i] {
			t.Fatalf("get %d lost", i)
		}
	}
	if &im.intsOf(m).slots[0] != slots {
		t.Fatal("the table sized by expect grew")
	}
	if im.len() != 100 {
		t.Fatalf("len %d, want 100", im.len())
	}
	im.init()
	if im.len() != 0 || im.getInt(intKey{m: m, n: 5}) != nil {
		t.Fatal("init kept entries")
	}
}

func TestObjectSetCountsEntries(t *testing.T) {
	var os objectSet
	m := intRowModel(t)
	objs := make([]intRow, 40)
	es := make([]*entry, len(objs))
	for i := range objs {
		es[i] = &entry{p: m.Ref(&objs[i])}
		os.put(es[i])
		os.put(es[i]) // again: not counted twice
	}
	if os.empty() || os.n.Load() != int64(len(objs)) {
		t.Fatalf("count %d, want %d", os.n.Load(), len(objs))
	}
	seen := 0
	os.each(func(*entry) { seen++ })
	if seen != len(objs) {
		t.Fatalf("each saw %d entries, want %d", seen, len(objs))
	}
	for i := range objs {
		if os.get(es[i].p) != es[i] {
			t.Fatalf("entry %d not found", i)
		}
		os.remove(es[i].p)
		os.remove(es[i].p)
	}
	if !os.empty() {
		t.Fatalf("count %d after removing every entry", os.n.Load())
	}
}

func TestCompareKey(t *testing.T) {
	cases := []struct {
		a, b any
		want int
	}{
		{int64(1), int64(2), -1},
		{int64(5), int64(5), 0},
		{int(9), int(3), 1},
		{int32(-1), int32(1), -1},
		{uint64(1 << 63), uint64(1), 1}, // by reflection, unsigned
		{int64(2), int(3), -1},          // mixed types fall back to reflection
		{"a", "b", -1},
	}
	for _, c := range cases {
		if got := compareKey(c.a, c.b); got != c.want {
			t.Errorf("compareKey(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// Loaded entries wait unindexed until a lookup needs them; every operation
// must see them, and listing must give each entry once, before and after
// indexing.
func TestObjectSetLoadedEntries(t *testing.T) {
	var os objectSet
	m := intRowModel(t)
	objs := make([]intRow, 30)
	es := make([]*entry, len(objs))
	for i := range objs {
		es[i] = &entry{p: m.Ref(&objs[i])}
	}
	for _, e := range es[:20] {
		os.putLoaded(e)
	}
	for _, e := range es[20:] {
		os.put(e) // indexes the loaded ones first
	}
	for range 10 {
		os.putLoaded(&entry{p: m.Ref(new(intRow))}) // unindexed again
	}
	count := func() map[*entry]int {
		seen := map[*entry]int{}
		for _, e := range os.appendTo(nil) {
			seen[e]++
		}
		return seen
	}
	seen := count()
	if len(seen) != 40 || os.n.Load() != 40 {
		t.Fatalf("%d entries listed, count %d; want 40", len(seen), os.n.Load())
	}
	for e, n := range seen {
		if n != 1 {
			t.Fatalf("entry %p listed %d times", e, n)
		}
	}
	for e := range seen {
		if os.get(e.p) != e {
			t.Fatalf("entry %p not found by its object", e)
		}
	}
	if os.nLazy.Load() != 0 {
		t.Fatalf("%d entries still unindexed after lookups that needed them", os.nLazy.Load())
	}
	for e := range seen {
		os.remove(e.p)
	}
	if !os.empty() || len(os.appendTo(nil)) != 0 {
		t.Fatalf("count %d after removing every entry", os.n.Load())
	}
}

func TestSortBySeq(t *testing.T) {
	mk := func(seqs ...int64) []*entry {
		es := make([]*entry, len(seqs))
		for i, s := range seqs {
			es[i] = &entry{seq: s}
		}
		return es
	}
	cases := [][]int64{
		{},
		{7},
		{1, 2, 3},
		{3, 1, 2},                  // dense: placed by number
		{10, 4, 8, 6, 12, 2},       // span 11 for 6 entries: placed, with gaps
		{1000, 3, 1 << 40, 17, 42}, // sparse: compared
	}
	for _, seqs := range cases {
		es := mk(seqs...)
		sortBySeq(es)
		want := slices.Clone(seqs)
		slices.Sort(want)
		got := make([]int64, len(es))
		for i, e := range es {
			got[i] = e.seq
		}
		if !slices.Equal(got, want) {
			t.Errorf("sortBySeq(%v) = %v, want %v", seqs, got, want)
		}
	}
}

// intRowModel registers intRow in a registry of its own.
func intRowModel(t *testing.T) *mapper.Model {
	t.Helper()
	m, err := mapper.RegisterIn[intRow](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A map that holds one entry of an integer key keeps it in its first slot,
// with no map or shard array; the second entry goes to the map, and a key
// of another kind to the shards, where every operation finds it.
func TestIdentityMapFirstSlot(t *testing.T) {
	m := intRowModel(t)
	k1, k2 := intKey{m: m, n: 1}, intKey{m: m, n: 2}
	var im identityMap
	e1, e2 := &entry{}, &entry{}
	if got, ok := im.putIfAbsentInt(k1, e1); !ok || got != e1 {
		t.Fatalf("first put: %p, %v", got, ok)
	}
	if got, ok := im.putIfAbsentInt(k1, e2); ok || got != e1 {
		t.Fatalf("second put of the key: %p, %v; want the first entry kept", got, ok)
	}
	if im.tab.Load() != nil || im.ints != nil || im.getInt(k1) != e1 || im.getInt(k2) != nil || im.len() != 1 {
		t.Fatal("one entry: want it in the first slot, found by its key only, and no map")
	}
	im.remove(idKey{m: m, k0: int64(1)}, e2) // another entry: no-op
	if im.getInt(k1) != e1 {
		t.Fatal("remove with a stale entry deleted the key")
	}
	im.remove(idKey{m: m, k0: int64(1)}, e1)
	if im.getInt(k1) != nil || im.len() != 0 || im.ints != nil {
		t.Fatal("remove of the first entry kept it")
	}
	im.putIfAbsentInt(k1, e1)
	if got, ok := im.putIfAbsentInt(k2, e2); !ok || got != e2 || intsHeld(&im) != 1 {
		t.Fatal("second key: want it stored in the map")
	}
	if im.first != e1 || im.getInt(k1) != e1 || im.getInt(k2) != e2 || im.len() != 2 {
		t.Fatal("after the map was made: an entry lost, or moved from the first slot")
	}

	// A key that is not one integer never goes to the first slot.
	var im2 identityMap
	sk := idKey{m: m, k0: "a"}
	if _, ok := im2.putIfAbsent(sk, e1); !ok || im2.tab.Load() == nil || im2.get(sk) != e1 || im2.first != nil {
		t.Fatal("string key: want it in the shards")
	}
	if im2.len() != 1 {
		t.Fatalf("len %d, want 1", im2.len())
	}
	im2.remove(sk, e1)
	if im2.get(sk) != nil || im2.len() != 0 {
		t.Fatal("remove of a string key kept it")
	}
}

// Goroutines filling a new map at once (the first slot, then the map
// made under them) must each find their own entry and the map hold all.
func TestIdentityMapConcurrentFirstPuts(t *testing.T) {
	m := intRowModel(t)
	for range 20 {
		var im identityMap
		const n = 8
		es := make([]*entry, n)
		var wg sync.WaitGroup
		for i := range n {
			es[i] = &entry{}
			wg.Go(func() {
				if got, ok := im.putIfAbsentInt(intKey{m: m, n: int64(i)}, es[i]); !ok || got != es[i] {
					t.Errorf("put %d: %p, %v", i, got, ok)
				}
				if im.getInt(intKey{m: m, n: int64(i)}) != es[i] {
					t.Errorf("get %d after its put: not found", i)
				}
			})
		}
		wg.Wait()
		if im.len() != n {
			t.Fatalf("len %d, want %d", im.len(), n)
		}
	}
}

// Removals keep every other entry reachable (the table shifts entries
// back instead of leaving tombstones), over many sizes and orders.
func TestObjectSetRemoveKeepsOthers(t *testing.T) {
	m := intRowModel(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var os objectSet
	held := map[*entry]bool{}
	var all []*entry
	for range 20000 {
		if len(all) == 0 || rng.IntN(3) > 0 {
			e := &entry{p: m.Ref(new(intRow))}
			os.put(e)
			held[e] = true
			all = append(all, e)
			continue
		}
		i := rng.IntN(len(all))
		e := all[i]
		all[i] = all[len(all)-1]
		all = all[:len(all)-1]
		os.remove(e.p)
		delete(held, e)
		if os.get(e.p) != nil {
			t.Fatal("removed entry still found")
		}
	}
	if os.n.Load() != int64(len(held)) || len(os.appendTo(nil)) != len(held) {
		t.Fatalf("count %d, listed %d, want %d", os.n.Load(), len(os.appendTo(nil)), len(held))
	}
	for e := range held {
		if os.get(e.p) != e {
			t.Fatalf("entry %p lost", e)
		}
	}
}

// A load that expects n rows makes room for their entries at once.
func TestObjectSetExpect(t *testing.T) {
	m := intRowModel(t)
	var os objectSet
	os.expect(100)
	before := cap(os.lazy)
	for range 100 {
		os.putLoaded(&entry{p: m.Ref(new(intRow))})
	}
	if before < 100 || cap(os.lazy) != before {
		t.Fatalf("capacity %d after expect, %d after the loads; want at least 100, unchanged", before, cap(os.lazy))
	}
}

// A load's batch is published in one step: keys not held go to the map
// and the object set, a key held before (or twice in the batch) gives the
// holder's entry in place of the batch's, and the object set counts only
// the entries it took.
func TestIdentityMapPublishInts(t *testing.T) {
	m := intRowModel(t)
	var im identityMap
	var os objectSet
	held := &entry{p: m.Ref(&intRow{ID: 2})}
	if _, ok := im.publishInt(intKey{m: m, n: 2}, held, &os); !ok {
		t.Fatal("first put refused")
	}
	es := make([]*entry, 4)
	for i := range es {
		es[i] = &entry{p: m.Ref(&intRow{ID: int64(i + 1)})}
	}
	batch := slices.Clone(es)
	keys := []intKey{{m: m, n: 1}, {m: m, n: 2}, {m: m, n: 3}, {m: m, n: 1}}
	im.publishInts(keys, batch, &os)
	want := []*entry{es[0], held, es[2], es[0]}
	for i := range want {
		if batch[i] != want[i] {
			t.Fatalf("batch[%d] = %p, want %p", i, batch[i], want[i])
		}
	}
	for _, k := range keys[:3] {
		if im.getInt(k) == nil {
			t.Fatalf("key %d not in the map", k.n)
		}
	}
	if n := os.n.Load(); n != 3 {
		t.Fatalf("object set counts %d entries, want 3", n)
	}
	for _, e := range []*entry{es[0], held, es[2]} {
		if os.get(e.p) != e {
			t.Fatalf("object set lacks the entry of %v", e.p)
		}
	}
	if os.get(es[1].p) != nil || os.get(es[3].p) != nil {
		t.Fatal("object set took an entry whose key was taken")
	}
}

// intsHeld is the number of entries in im's integer tables (not its first
// slot).
func intsHeld(im *identityMap) int { return im.intsLen() }
