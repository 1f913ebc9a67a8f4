package session

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

// An integer table matches a Go map through random puts and removals,
// over growth and keys whose probes meet (a table of 8 slots holds keys
// chosen to start at one slot): every key held is found, every key
// removed is gone, and the slots used are counted exactly.
func TestIntTableMatchesAMap(t *testing.T) {
	var colliding []int64
	for n := int64(0); len(colliding) < 5; n++ {
		if slotOf(n, 3) == slotOf(0, 3) {
			colliding = append(colliding, n)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 50 {
		var tb intTable
		ref := map[int64]*entry{}
		keys := colliding
		if round > 0 {
			keys = nil
			for range 1 + rng.IntN(300) {
				// Dense ids, sparse ones, negative ones.
				switch rng.IntN(3) {
				case 0:
					keys = append(keys, int64(rng.IntN(400)))
				case 1:
					keys = append(keys, rng.Int64())
				default:
					keys = append(keys, -int64(rng.IntN(50)))
				}
			}
		}
		for range 4 * len(keys) {
			n := keys[rng.IntN(len(keys))]
			if rng.IntN(3) > 0 {
				e := &entry{}
				cur, added := tb.put(n, e)
				if want := ref[n]; want != nil {
					if added || cur != want {
						t.Fatalf("put of held %d: %p, %v; want %p kept", n, cur, added, want)
					}
				} else {
					if !added || cur != e {
						t.Fatalf("put of free %d refused", n)
					}
					ref[n] = e
				}
				continue
			}
			tb.remove(n, &entry{}) // another entry: no-op
			if tb.get(n) != ref[n] {
				t.Fatalf("remove with a stale entry changed %d", n)
			}
			tb.remove(n, ref[n])
			delete(ref, n)
			for k, e := range ref {
				if tb.get(k) != e {
					t.Fatalf("round %d: removal of %d lost %d", round, n, k)
				}
			}
		}
		if tb.used != len(ref) {
			t.Fatalf("used %d, want %d", tb.used, len(ref))
		}
		if len(tb.slots) > 0 && tb.used > len(tb.slots)*13/16 {
			t.Fatalf("%d entries in %d slots: over the load bound", tb.used, len(tb.slots))
		}
		for _, n := range keys {
			if tb.get(n) != ref[n] {
				t.Fatalf("round %d: key %d: %p, want %p", round, n, tb.get(n), ref[n])
			}
		}
	}
}

// Growth keeps every key, and a table grows to the smallest size its
// entries fit at most 13/16 full.
func TestIntTableGrowth(t *testing.T) {
	var tb intTable
	es := make([]*entry, 1000)
	for i := range es {
		es[i] = &entry{}
		if _, added := tb.put(int64(i), es[i]); !added {
			t.Fatalf("put %d refused", i)
		}
	}
	if len(tb.slots) != 2048 || tb.used != 1000 {
		t.Fatalf("%d entries in %d slots, want 1000 in 2048", tb.used, len(tb.slots))
	}
	for i, e := range es {
		if tb.get(int64(i)) != e {
			t.Fatalf("key %d lost in growth", i)
		}
	}
	if tb.get(1000) != nil || tb.get(-1) != nil {
		t.Fatal("a key never put was found")
	}
}

// Models of equal integer keys (authors and books both numbered from 1)
// keep apart: each key is found under its own model only, and removing
// one model's key leaves the other's.
func TestIdentityMapEqualIntsOfManyModels(t *testing.T) {
	reg := mapper.NewRegistry()
	var ms []*mapper.Model
	objOf := map[*mapper.Model]func() any{}
	for i, reg1 := range []func(*mapper.Registry) (*mapper.Model, error){
		mapper.RegisterIn[intRow], mapper.RegisterIn[intRowB], mapper.RegisterIn[intRowC],
		mapper.RegisterIn[intRowD], mapper.RegisterIn[intRowE],
	} {
		m, err := reg1(reg)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
		objOf[m] = []func() any{
			func() any { return new(intRow) }, func() any { return new(intRowB) },
			func() any { return new(intRowC) }, func() any { return new(intRowD) },
			func() any { return new(intRowE) },
		}[i]
	}
	var im identityMap
	var os objectSet
	es := map[intKey]*entry{}
	for n := range int64(50) {
		for _, m := range ms {
			k := intKey{m: m, n: n}
			e := &entry{p: m.Ref(objOf[m]())}
			es[k] = e
			if got, ok := im.publishInt(k, e, &os); !ok || got != e {
				t.Fatalf("publish %v refused", k)
			}
		}
	}
	if im.len() != len(es) || os.n.Load() != int64(len(es)) {
		t.Fatalf("len %d, object set %d; want %d", im.len(), os.n.Load(), len(es))
	}
	for k, e := range es {
		if im.getInt(k) != e {
			t.Fatalf("key %d of %s: wrong entry", k.n, k.m.Name)
		}
	}
	for n := range int64(50) {
		k := intKey{m: ms[1], n: n}
		im.remove(idKey{m: ms[1], k0: n}, es[k])
		delete(es, k)
	}
	for k, e := range es {
		if im.getInt(k) != e {
			t.Fatalf("removing another model's keys lost %d of %s", k.n, k.m.Name)
		}
	}
	for n := range int64(50) {
		if im.getInt(intKey{m: ms[1], n: n}) != nil {
			t.Fatal("removed key still found")
		}
	}
	im.init()
	if im.len() != 0 || im.ints != nil || im.getInt(intKey{m: ms[0], n: 3}) != nil {
		t.Fatal("init kept entries")
	}
	e := &entry{}
	if got, ok := im.putIfAbsentInt(intKey{m: ms[0], n: 3}, e); !ok || got != e || im.first != e {
		t.Fatal("after init: want the first key in the first slot")
	}
}

type (
	intRowB struct{ ID int64 }
	intRowC struct{ ID int64 }
	intRowD struct{ ID int64 }
	intRowE struct{ ID int64 }
)

// Goroutines publishing the same keys at once, one by one and in
// batches, each get the one winner's entry: exactly one entry per key
// takes it, and the object set holds exactly the winners.
func TestIdentityMapConcurrentPublishOneWinner(t *testing.T) {
	m := intRowModel(t)
	const workers, keys = 6, 200
	for round := range 5 {
		var im identityMap
		var os objectSet
		var wins atomic.Int64
		winner := make([]atomic.Pointer[entry], keys)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
				order := rng.Perm(keys)
				batched := w%2 == 1
				var ks []intKey
				var es, mine []*entry
				for _, n := range order {
					e := &entry{p: m.Ref(new(intRow))}
					k := intKey{m: m, n: int64(n)}
					if !batched {
						got, ok := im.publishInt(k, e, &os)
						if ok {
							wins.Add(1)
							if !winner[n].CompareAndSwap(nil, e) {
								t.Errorf("key %d won twice", n)
							}
						} else if got == e || got == nil {
							t.Errorf("key %d lost to %p", n, got)
						}
						continue
					}
					ks, es, mine = append(ks, k), append(es, e), append(mine, e)
					if len(ks) == 16 {
						im.publishInts(ks, es, &os)
						for i, got := range es {
							if got == mine[i] {
								wins.Add(1)
								if !winner[ks[i].n].CompareAndSwap(nil, got) {
									t.Errorf("key %d won twice", ks[i].n)
								}
							}
						}
						ks, es, mine = ks[:0], es[:0], mine[:0]
					}
				}
				im.publishInts(ks, es, &os)
				for i, got := range es {
					if got == mine[i] {
						wins.Add(1)
						if !winner[ks[i].n].CompareAndSwap(nil, got) {
							t.Errorf("key %d won twice", ks[i].n)
						}
					}
				}
			})
		}
		wg.Wait()
		if wins.Load() != keys || im.len() != keys || os.n.Load() != keys {
			t.Fatalf("%d wins, %d keys held, %d in the object set; want %d", wins.Load(), im.len(), os.n.Load(), keys)
		}
		for n := range keys {
			e := winner[n].Load()
			if im.getInt(intKey{m: m, n: int64(n)}) != e || os.get(e.p) != e {
				t.Fatalf("key %d: the map or the object set does not hold its winner", n)
			}
		}
	}
}

// Loaded entries beyond one chunk of the object set's unindexed list (and
// a chunk made by expect between them) are each listed once, counted, and
// found by address once indexed; the set then takes new ones as before.
func TestObjectSetLoadedChunks(t *testing.T) {
	m := intRowModel(t)
	var os objectSet
	var es []*entry
	load := func(n int) {
		for range n {
			e := &entry{p: m.Ref(new(intRow))}
			es = append(es, e)
			os.putLoaded(e)
		}
	}
	load(3*lazyChunkMax + 7)
	os.expect(100)
	load(150)
	if len(os.lazyFull) < 3 {
		t.Fatalf("%d full chunks, want the entries over several", len(os.lazyFull))
	}
	seen := map[*entry]int{}
	for _, e := range os.appendTo(nil) {
		seen[e]++
	}
	if len(seen) != len(es) || os.n.Load() != int64(len(es)) || os.nLazy.Load() != int64(len(es)) {
		t.Fatalf("%d listed, count %d, unindexed %d; want %d", len(seen), os.n.Load(), os.nLazy.Load(), len(es))
	}
	for e, n := range seen {
		if n != 1 {
			t.Fatalf("entry %p listed %d times", e, n)
		}
	}
	for _, e := range es {
		if os.get(e.p) != e {
			t.Fatalf("entry %p not found by its object", e)
		}
	}
	if os.nLazy.Load() != 0 || len(os.lazyFull) != 0 || os.lazy != nil {
		t.Fatal("entries left unindexed after a lookup")
	}
	load(10)
	os.remove(es[0].p)
	if os.get(es[0].p) != nil || os.n.Load() != int64(len(es)-1) || len(os.appendTo(nil)) != len(es)-1 {
		t.Fatal("after indexing: a new load or a removal miscounted")
	}
	os.init()
	if !os.empty() || len(os.appendTo(nil)) != 0 || os.get(es[1].p) != nil {
		t.Fatal("init kept entries")
	}
}

// A lookup racing with another lookup that indexes the set finds its
// entry: the first lookup's miss in the table and its check for unindexed
// entries are one step (a load of Book.Author once failed with "object is
// not in the session" when an index ran between them).
func TestObjectSetLookupRacingAnIndex(t *testing.T) {
	m := intRowModel(t)
	var os objectSet
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}
	for range rounds {
		os.init()
		a, b := &entry{p: m.Ref(new(intRow))}, &entry{p: m.Ref(new(intRow))}
		os.putLoaded(a)
		os.putLoaded(b)
		var wg sync.WaitGroup
		var gotA, gotB *entry
		wg.Go(func() { gotA = os.get(a.p) })
		wg.Go(func() { gotB = os.get(b.p) })
		wg.Wait()
		if gotA != a || gotB != b {
			t.Fatalf("lookups racing an index found %p and %p, want %p and %p", gotA, gotB, a, b)
		}
	}
}

// A batch may mix models and outgrow the tables it starts with: each key
// lands in its own model's table whatever the order, the first slot keeps
// the key it took, a key met twice in one batch keeps its first entry,
// and the object set takes exactly the entries that took their keys.
func TestIdentityMapPublishIntsMixedBatch(t *testing.T) {
	reg := mapper.NewRegistry()
	ma, err := mapper.RegisterIn[intRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := mapper.RegisterIn[intRowB](reg)
	if err != nil {
		t.Fatal(err)
	}
	var im identityMap
	var os objectSet
	first := &entry{p: ma.Ref(new(intRow))}
	if _, ok := im.publishInt(intKey{m: ma, n: 0}, first, &os); !ok {
		t.Fatal("first put refused")
	}
	var ks []intKey
	var es []*entry
	want := map[intKey]*entry{{m: ma, n: 0}: first}
	for n := range int64(100) {
		for _, m := range []*mapper.Model{ma, mb, ma} { // ma's key twice
			k := intKey{m: m, n: n}
			var e *entry
			if m == ma {
				e = &entry{p: m.Ref(new(intRow))}
			} else {
				e = &entry{p: m.Ref(new(intRowB))}
			}
			if _, ok := want[k]; !ok {
				want[k] = e
			}
			ks, es = append(ks, k), append(es, e)
		}
	}
	im.publishInts(ks, es, &os)
	for i, k := range ks {
		if es[i] != want[k] {
			t.Fatalf("batch[%d] (key %d of %s) = %p, want %p", i, k.n, k.m.Name, es[i], want[k])
		}
	}
	for k, e := range want {
		if got := im.getInt(k); got != e {
			t.Fatalf("key %d of %s holds %p, want %p", k.n, k.m.Name, got, e)
		}
		if os.get(e.p) != e {
			t.Fatalf("object set lacks key %d of %s", k.n, k.m.Name)
		}
	}
	if n := os.n.Load(); n != int64(len(want)) {
		t.Fatalf("object set counts %d entries, want %d", n, len(want))
	}
	if n := im.len(); n != len(want) {
		t.Fatalf("identity map holds %d keys, want %d", n, len(want))
	}
}
