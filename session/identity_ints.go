package session

import (
	"math/bits"
	"math/rand/v2"

	"github.com/athanor-orm/athanor/mapper"
)

// intTable maps the keys of one model's rows whose identity is one integer
// column to their entries: an open-addressing table (linear probing,
// deletion by backward shift, no tombstones) of 16-byte slots, the key's
// integer beside its entry, so that a probe reads no entry and hashes no
// model. Growing makes one array (at least twice as long) and leaves only
// the old one behind, where a Go map keyed by (model, integer) keeps 24-byte slots
// and more structure per growth.
type intTable struct {
	m     *mapper.Model
	slots []intSlot // empty or a power of two long
	used  int       // slots holding an entry
}

// intSlot is one slot of an intTable; e is nil in a free slot.
type intSlot struct {
	n int64
	e *entry
}

// intTableMin is the length of a table's first array.
const intTableMin = 8

// intSeed makes where a key sits differ from process to process, so that
// keys chosen to collide (the rows' keys come from outside) cannot be
// chosen in advance.
var intSeed = rand.Uint64()

// slotOf is the slot where a probe for n starts in a table of 1<<b slots:
// the top bits of n times 2^64/φ (Fibonacci hashing), which spreads a run
// of consecutive keys (ids of a sequence) evenly over the table, so that
// their probes rarely meet even with the table 13/16 full. The seed is
// mixed in by xor, which maps an aligned block of consecutive keys onto
// another such block, so runs stay spread.
func slotOf(n int64, b int) int {
	return int(((uint64(n) ^ intSeed) * 0x9e3779b97f4a7c15) >> (64 - b))
}

// bitsOf is log2 of len(t.slots), which is not 0.
func (t *intTable) bitsOf() int { return bits.TrailingZeros(uint(len(t.slots))) }

// find returns the index of n's slot, or of the free slot where it would
// go; t.slots is not empty and, by the load bound, never full.
func (t *intTable) find(n int64) int {
	mask := len(t.slots) - 1
	i := slotOf(n, t.bitsOf())
	for {
		s := &t.slots[i]
		if s.e == nil || s.n == n {
			return i
		}
		i = (i + 1) & mask
	}
}

func (t *intTable) get(n int64) *entry {
	if t.used == 0 {
		return nil
	}
	return t.slots[t.find(n)].e
}

// reserve makes room for k more entries without growing: the table is at
// most 13/16 full (see slotOf), so that probes stay short and a slot is
// always free.
func (t *intTable) reserve(k int) {
	want := t.used + k
	if want <= len(t.slots)*13/16 {
		return
	}
	size := max(len(t.slots), intTableMin)
	for want > size*13/16 {
		size *= 2
	}
	old := t.slots
	t.slots = make([]intSlot, size)
	b, mask := t.bitsOf(), size-1
	for _, s := range old {
		if s.e == nil {
			continue
		}
		i := slotOf(s.n, b)
		for t.slots[i].e != nil { // every key is new here: no compare
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// put stores e under n unless n is held; it returns the entry holding n
// and whether put stored it.
func (t *intTable) put(n int64, e *entry) (*entry, bool) {
	if t.used > 0 {
		if cur := t.slots[t.find(n)].e; cur != nil {
			return cur, false
		}
	}
	t.reserve(1)
	t.slots[t.find(n)] = intSlot{n: n, e: e}
	t.used++
	return e, true
}

// remove deletes n if it maps to e.
func (t *intTable) remove(n int64, e *entry) {
	if t.used == 0 {
		return
	}
	i := t.find(n)
	if t.slots[i].e != e || e == nil {
		return
	}
	// Shift back the entries after i whose probe passed over it, so that
	// every probe still finds its key before a free slot.
	mask, b := len(t.slots)-1, t.bitsOf()
	for j := i; ; {
		t.slots[i] = intSlot{}
		for {
			j = (j + 1) & mask
			if t.slots[j].e == nil {
				t.used--
				return
			}
			// The slot at j stays if its home lies cyclically in (i, j].
			h := slotOf(t.slots[j].n, b)
			if i <= j && (i >= h || h > j) || i > j && i >= h && h > j {
				break
			}
		}
		t.slots[i] = t.slots[j]
		i = j
	}
}

// intTables are an identity map's integer tables, one per model, made
// with the first of them (a session that holds one object has none).
type intTables struct {
	ts  []intTable
	buf [4]intTable // ts's first array
}

// intsOf returns the table of m's integer keys, or nil; mu is held. A
// session holds few models, so they are scanned, not hashed.
func (im *identityMap) intsOf(m *mapper.Model) *intTable {
	if im.ints == nil {
		return nil
	}
	ts := im.ints.ts
	for i := range ts {
		if ts[i].m == m {
			return &ts[i]
		}
	}
	return nil
}

// intsFor is intsOf that makes m's table when there is none; mu is held.
// The pointer is good until the next call (which may move the tables).
func (im *identityMap) intsFor(m *mapper.Model) *intTable {
	if t := im.intsOf(m); t != nil {
		return t
	}
	if im.ints == nil {
		im.ints = new(intTables)
		im.ints.ts = im.ints.buf[:0]
	}
	im.ints.ts = append(im.ints.ts, intTable{m: m})
	return &im.ints.ts[len(im.ints.ts)-1]
}

// intsLen is the number of entries in the integer tables; mu is held.
func (im *identityMap) intsLen() int {
	if im.ints == nil {
		return 0
	}
	n := 0
	for i := range im.ints.ts {
		n += im.ints.ts[i].used
	}
	return n
}

// getIntLocked is getInt with mu held.
func (im *identityMap) getIntLocked(k intKey) *entry {
	if e := im.first; e != nil && im.firstKey == k {
		return e
	}
	if t := im.intsOf(k.m); t != nil {
		return t.get(k.n)
	}
	return nil
}

// putIntLocked stores e under k unless k is held, with mu held; it
// returns the entry holding k and whether it stored e. An entry it stores
// goes to os too (see publish), when os is not nil: by os.putLoaded, or by
// os.lazyLocked when the caller holds os.mu (and counts the entries).
func (im *identityMap) putIntLocked(k intKey, e *entry, os *objectSet, locked bool) (*entry, bool) {
	if cur := im.first; cur != nil && im.firstKey == k {
		return cur, false
	}
	if im.first == nil {
		// A free first slot takes a key no table holds: a session that
		// holds one object (a request's Get) makes no table.
		if t := im.intsOf(k.m); t != nil {
			if cur := t.get(k.n); cur != nil {
				return cur, false
			}
		}
		im.first, im.firstKey = e, k
	} else if cur, added := im.intsFor(k.m).put(k.n, e); !added {
		return cur, false
	}
	if os != nil {
		if locked {
			os.lazyLocked(e)
		} else {
			os.putLoaded(e)
		}
	}
	return e, true
}
