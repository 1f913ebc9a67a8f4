package session

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

// idKey identifies a row: its model and primary-key values, the first in
// k0, and in more a second one when there are two, or else the values
// after the first joined into a restKey (a key of one integer column
// leaves more nil: see asInt). An entry holds its key: two words fewer
// than a slot per value would take.
type idKey struct {
	m        *mapper.Model
	k0, more any
}

// restKey is the values of a key of three or more, after the first,
// joined (see makeKey).
type restKey string

func makeKey(m *mapper.Model, vals []any) idKey {
	k := idKey{m: m.IdentityModel()} // one key per row across a hierarchy
	var rest string
	for i, v := range vals {
		switch x := v.(type) {
		case []byte:
			v = string(x)
		case time.Time:
			// The instant, not its zone or monotonic reading, to the
			// microsecond PostgreSQL and MySQL keep: an object added with
			// a local time.Now() and the row read back in UTC are the
			// same row (the time policy).
			v = x.UTC().Truncate(time.Microsecond)
		}
		switch {
		case i == 0:
			k.k0 = v
		case len(vals) == 2:
			k.more = v
		default:
			rest += fmt.Sprintf("\x00%T:%v", v, v)
		}
	}
	if len(vals) > 2 {
		k.more = restKey(rest)
	}
	return k
}

func keyOf(m *mapper.Model, p mapper.Ref) idKey {
	fs := m.PrimaryKey()
	vals := make([]any, len(fs))
	for i, f := range fs {
		vals[i] = f.Value(p)
	}
	return makeKey(m, vals)
}

func (k idKey) String() string {
	parts := []string{fmt.Sprint(k.k0)}
	switch more := k.more.(type) {
	case nil:
	case restKey:
		parts = append(parts, strings.Split(string(more[1:]), "\x00")...)
	default:
		parts = append(parts, fmt.Sprint(more))
	}
	return k.m.Name + "(" + strings.Join(parts, ", ") + ")"
}

// shards is the number of locks the object set, and the identity map's
// keys that are not one integer, are split over: enough that concurrent
// loaders rarely meet, few enough that a load of a few dozen objects does
// not make a map in every shard (each shard's map costs two allocations
// when first used).
const shards = 16

var seed = maphash.MakeSeed()

// intKey is the identity of a row whose primary key is one integer
// column: the common case, kept apart so that it is looked up without
// boxing the key and hashed without reflection.
type intKey struct {
	m *mapper.Model
	n int64
}

// asInt returns k as an intKey when its only value is an integer.
func (k idKey) asInt() (intKey, bool) {
	if k.more != nil {
		return intKey{}, false
	}
	var n int64
	switch v := k.k0.(type) {
	case int64:
		n = v
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case nil, string:
		return intKey{}, false
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n = rv.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			n = int64(rv.Uint()) // the bits, as mapper.Field.Int reads them
		default:
			return intKey{}, false
		}
	}
	return intKey{m: k.m, n: n}, true
}

// identityMap maps keys to entries. Keys of one integer column (the
// common case) live under mu: the first in an inline slot, so that a
// session that loads one object (a request's Get) makes no table, the
// others in ints, one table per model (see intTable), which a load knowing
// its row count sizes once (expect) instead of growing it. A lookup or
// insert under mu is a few nanoseconds of a row's scan, so concurrent
// loaders of one session rarely wait on it. Other keys (composite,
// strings) are spread over shards, each behind its own lock, made when the
// first such key comes.
type identityMap struct {
	mu       sync.Mutex
	firstKey intKey     // guarded by mu
	first    *entry     // guarded by mu; nil: the slot is free
	ints     *intTables // guarded by mu; one table per identity model
	tab      atomic.Pointer[[shards]idShard]
}

type idShard struct {
	mu sync.Mutex
	m  map[idKey]*entry // guarded by mu
}

func (im *identityMap) init() {
	im.mu.Lock()
	im.first, im.firstKey, im.ints = nil, intKey{}, nil
	im.mu.Unlock()
	t := im.tab.Load()
	if t == nil {
		return
	}
	for i := range t {
		t[i].mu.Lock()
		t[i].m = nil // made on first put: most sessions touch few shards
		t[i].mu.Unlock()
	}
}

// expect makes room for n more integer keys of m (an identity model), for
// a load that knows how many rows are likely: one array of the right
// size, not one per doubling.
func (im *identityMap) expect(m *mapper.Model, n int) {
	if n < 2 {
		return
	}
	im.mu.Lock()
	im.intsFor(m).reserve(n)
	im.mu.Unlock()
}

// shards returns the shard array of the keys that are not one integer,
// making it when there is none.
func (im *identityMap) shards() *[shards]idShard {
	if t := im.tab.Load(); t != nil {
		return t
	}
	im.mu.Lock()
	defer im.mu.Unlock()
	if t := im.tab.Load(); t != nil {
		return t
	}
	t := new([shards]idShard)
	im.tab.Store(t)
	return t
}

func shardOf(k idKey) int { return int(maphash.Comparable(seed, k) % shards) }

func (im *identityMap) get(k idKey) *entry {
	if ik, ok := k.asInt(); ok {
		return im.getInt(ik)
	}
	t := im.tab.Load()
	if t == nil {
		return nil // no such key was ever put
	}
	sh := &t[shardOf(k)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.m[k]
}

func (im *identityMap) getInt(k intKey) *entry {
	im.mu.Lock()
	e := im.getIntLocked(k)
	im.mu.Unlock()
	return e
}

// putIfAbsent stores e under k unless the key is taken; it returns the
// entry holding the key and whether it is e.
func (im *identityMap) putIfAbsent(k idKey, e *entry) (*entry, bool) {
	return im.publish(k, e, nil)
}

// publish is putIfAbsent that, when os is not nil and e takes the key,
// also records e in os (objectSet.putLoaded) before the key's lock is
// released. Every lookup by key takes that lock, so no goroutine can be
// given e by the identity map before the object set holds it: the two
// never disagree about a loaded object. Lock order: the identity map's
// mu, a shard's mu, then the object set's locks (which never take the
// map's).
func (im *identityMap) publish(k idKey, e *entry, os *objectSet) (*entry, bool) {
	if ik, ok := k.asInt(); ok {
		return im.publishInt(ik, e, os)
	}
	sh := &im.shards()[shardOf(k)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if cur, ok := sh.m[k]; ok {
		return cur, cur == e
	}
	if sh.m == nil {
		sh.m = map[idKey]*entry{}
	}
	sh.m[k] = e
	if os != nil {
		os.putLoaded(e)
	}
	return e, true
}

// putIfAbsentInt is putIfAbsent for a key of one integer column, given as
// the intKey that k.asInt would make of it.
func (im *identityMap) putIfAbsentInt(ik intKey, e *entry) (*entry, bool) {
	return im.publishInt(ik, e, nil)
}

// publishInt is publish for a key of one integer column.
func (im *identityMap) publishInt(ik intKey, e *entry, os *objectSet) (*entry, bool) {
	im.mu.Lock()
	cur, _ := im.putIntLocked(ik, e, os, false)
	im.mu.Unlock()
	return cur, cur == e
}

// publishInts is publishInt for many entries of one load: es[i] under
// ks[i], under one acquisition of mu and, when os is not nil, of the object
// set's lock (the lock order of publish), which takes the entries that
// take their keys. An entry whose key is taken is replaced in es by the
// entry holding it.
func (im *identityMap) publishInts(ks []intKey, es []*entry, os *objectSet) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if os != nil {
		os.mu.Lock()
		defer os.mu.Unlock()
	}
	if len(ks) > 1 && ks[0].m == ks[len(ks)-1].m {
		im.intsFor(ks[0].m).reserve(len(ks)) // one growth at most
	}
	added := 0
	var t *intTable // ks[i].m's table, when the first slot is taken
	for i, e := range es {
		k := ks[i]
		if t == nil || t.m != k.m || im.first == nil || im.firstKey == k {
			cur, ok := im.putIntLocked(k, e, os, true)
			es[i] = cur
			if ok && os != nil {
				added++
			}
			if im.first != nil {
				t = im.intsOf(k.m) // (putIntLocked may have moved the tables)
			}
			continue
		}
		// The first slot holds another key: the table alone decides, in
		// one probe (putIntLocked's put probes twice).
		t.reserve(1)
		j := t.find(k.n)
		if cur := t.slots[j].e; cur != nil {
			es[i] = cur
			continue
		}
		t.slots[j] = intSlot{n: k.n, e: e}
		t.used++
		if os != nil {
			os.lazyLocked(e)
			added++
		}
	}
	if added > 0 {
		os.counted(added)
	}
}

// remove deletes k if it maps to e.
func (im *identityMap) remove(k idKey, e *entry) {
	if ik, ok := k.asInt(); ok {
		im.mu.Lock()
		defer im.mu.Unlock()
		if im.first == e && im.firstKey == ik {
			im.first, im.firstKey = nil, intKey{}
		} else if t := im.intsOf(ik.m); t != nil {
			t.remove(ik.n, e)
		}
		return
	}
	t := im.tab.Load()
	if t == nil {
		return
	}
	sh := &t[shardOf(k)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[k] == e {
		delete(sh.m, k)
	}
}

func (im *identityMap) len() int {
	im.mu.Lock()
	n := im.intsLen()
	if im.first != nil {
		n++
	}
	im.mu.Unlock()
	t := im.tab.Load()
	if t == nil {
		return n
	}
	for i := range t {
		t[i].mu.Lock()
		n += len(t[i].m)
		t[i].mu.Unlock()
	}
	return n
}

// objectSet maps object addresses to entries in one open-addressing
// table (linear probing, deletion by backward shift, no tombstones) behind
// one lock. Its allocations depend only on how many entries it has held,
// never on where the objects sit: the table grows when its entry count
// crosses a fixed share of its size, and its first array is held inline.
// (Shards of Go maps, as the identity map has, fill by address, so how many
// of them grow, and when, differed from process to process.) Lookups share
// the lock; concurrent loads meet only briefly, to append to lazy.
//
// Objects a load publishes go to lazy first, unindexed: most loaded objects
// are never looked up by address (a request reads them and ends), so they
// are indexed only when a lookup, a put or a removal first needs it, all at
// once, in a table grown once for all of them. The unindexed entries sit
// in chunks (lazy, and the full ones in lazyFull) that are never copied:
// a load's entries cost one array each, not a slice grown by copying.
type objectSet struct {
	mu       sync.RWMutex
	n        atomic.Int64 // entries held, for a lock-free emptiness check
	nLazy    atomic.Int64 // entries in lazy and lazyFull, read without the lock
	lazy     []*entry     // guarded by mu; the chunk appended to
	lazyFull [][]*entry   // guarded by mu; full chunks before lazy
	lazyBuf  [4]*entry    // lazy's first array: a lookup by key allocates none
	tab      []*entry     // guarded by mu; empty or a power of two long; nil: a free slot
	inTab    int          // guarded by mu; entries in tab
	tabBuf   [8]*entry    // tab's first array
}

func (os *objectSet) init() {
	os.mu.Lock()
	defer os.mu.Unlock()
	os.tab, os.inTab = nil, 0
	clear(os.tabBuf[:])
	os.lazy, os.lazyFull = nil, nil
	clear(os.lazyBuf[:])
	os.nLazy.Store(0)
	os.n.Store(0)
}

// home is the slot where a probe for p starts in a table of 1<<bits slots.
// The address is hashed (objects of one type sit at a fixed stride); the
// seed moves entries between slots from process to process, never the
// table's size.
func home(p mapper.Ref, bits uint) int {
	return int(p.Hash(addrSeed) >> (64 - bits))
}

var addrSeed = rand.Uint64()

// find returns the index of p's slot in tab, or of the free slot where it
// would go. tab must not be empty (nor full: the load bound keeps a free
// slot).
func (os *objectSet) find(p mapper.Ref) int {
	mask := len(os.tab) - 1
	i := home(p, uint(bits.TrailingZeros(uint(len(os.tab)))))
	for os.tab[i] != nil && os.tab[i].p != p {
		i = (i + 1) & mask
	}
	return i
}

func (os *objectSet) get(p mapper.Ref) *entry {
	os.mu.RLock()
	e := os.indexed(p)
	// Read under the lock: once it is released, a concurrent index may
	// move p from lazy into tab, after this look-up missed it there.
	lazy := os.nLazy.Load() != 0
	os.mu.RUnlock()
	if e != nil || !lazy {
		return e
	}
	os.mu.Lock()
	defer os.mu.Unlock()
	os.index()
	return os.indexed(p)
}

// indexed returns p's entry in tab; mu is held (for reading at least).
func (os *objectSet) indexed(p mapper.Ref) *entry {
	if os.inTab == 0 {
		return nil
	}
	return os.tab[os.find(p)]
}

// putLoaded records e, the entry of an object a load has just made (so
// not in the set), unindexed.
func (os *objectSet) putLoaded(e *entry) {
	os.mu.Lock()
	os.lazyLocked(e)
	os.counted(1)
	os.mu.Unlock()
}

// lazyLocked appends e to lazy, uncounted (see counted); mu is held.
func (os *objectSet) lazyLocked(e *entry) {
	if len(os.lazy) == cap(os.lazy) {
		os.growLazy(1)
	}
	os.lazy = append(os.lazy, e)
}

// lazyChunkMax bounds the entries of one chunk of lazy made by growth: an
// unused chunk's tail wastes little, and chunks stay few.
const lazyChunkMax = 512

// growLazy makes room in lazy for n more entries; mu is held. lazy starts
// in lazyBuf; a full chunk moves to lazyFull, and the next is twice as
// long, to lazyChunkMax, or n long.
func (os *objectSet) growLazy(n int) {
	if os.lazy == nil && n <= len(os.lazyBuf) {
		os.lazy = os.lazyBuf[:0]
		return
	}
	if len(os.lazy) > 0 {
		if os.lazyFull == nil {
			os.lazyFull = make([][]*entry, 0, 16)
		}
		os.lazyFull = append(os.lazyFull, os.lazy)
	}
	os.lazy = make([]*entry, 0, max(n, min(2*cap(os.lazy), lazyChunkMax), 8))
}

// counted counts n entries appended to lazy, before mu is released: as
// index uncounts them under mu, nLazy is never 0 while lazy holds an
// entry, or get would miss it.
func (os *objectSet) counted(n int) {
	os.nLazy.Add(int64(n))
	os.n.Add(int64(n))
}

// expect makes room in lazy for n more loaded entries, for a load that
// knows how many rows are likely: one array, not one per doubling.
func (os *objectSet) expect(n int) {
	os.mu.Lock()
	defer os.mu.Unlock()
	if n > cap(os.lazy)-len(os.lazy) {
		os.growLazy(n)
	}
}

// index moves the unindexed entries into tab; mu is held.
func (os *objectSet) index() {
	n := len(os.lazy)
	for _, c := range os.lazyFull {
		n += len(c)
	}
	if n == 0 {
		return
	}
	os.reserve(n)
	for _, c := range os.lazyFull {
		for _, e := range c {
			os.insert(e)
		}
	}
	for _, e := range os.lazy {
		os.insert(e)
	}
	os.nLazy.Add(-int64(n))
	clear(os.lazyBuf[:])
	clear(os.lazyFull) // the chunks go; the list of them is kept
	os.lazy, os.lazyFull = nil, os.lazyFull[:0]
}

// reserve makes tab hold n more entries without growing; mu is held. The
// table is at most 3/4 full, so that probes stay short and one slot is
// always free.
func (os *objectSet) reserve(n int) {
	want := os.inTab + n
	if os.tab == nil && want <= len(os.tabBuf)*3/4 {
		os.tab = os.tabBuf[:]
		return
	}
	if want <= len(os.tab)*3/4 {
		return
	}
	size := 2 * len(os.tabBuf)
	for want > size*3/4 {
		size *= 2
	}
	old := os.tab
	os.tab = make([]*entry, size)
	for _, e := range old {
		if e != nil {
			os.tab[os.find(e.p)] = e
		}
	}
	if len(old) == len(os.tabBuf) {
		clear(os.tabBuf[:]) // drop the references it held
	}
}

// insert stores e in tab, which has room for it; it returns the entry it
// replaced, if any. mu is held.
func (os *objectSet) insert(e *entry) *entry {
	i := os.find(e.p)
	old := os.tab[i]
	if old == nil {
		os.inTab++
	}
	os.tab[i] = e
	return old
}

func (os *objectSet) put(e *entry) {
	os.mu.Lock()
	defer os.mu.Unlock()
	os.index()
	os.reserve(1)
	if os.insert(e) == nil {
		os.n.Add(1)
	}
}

func (os *objectSet) remove(p mapper.Ref) {
	os.mu.Lock()
	defer os.mu.Unlock()
	os.index()
	if os.inTab == 0 {
		return
	}
	i := os.find(p)
	if os.tab[i] == nil {
		return
	}
	// Shift back the entries after i whose probe passed over it, so that
	// every probe still finds its entry before a free slot.
	mask, b := len(os.tab)-1, uint(bits.TrailingZeros(uint(len(os.tab))))
	for j := i; ; {
		os.tab[i] = nil
		for {
			j = (j + 1) & mask
			if os.tab[j] == nil {
				os.inTab--
				os.n.Add(-1)
				return
			}
			// The entry at j stays if its home lies cyclically in (i, j].
			h := home(os.tab[j].p, b)
			if i <= j && (i >= h || h > j) || i > j && i >= h && h > j {
				break
			}
		}
		os.tab[i] = os.tab[j]
		i = j
	}
}

// putNew returns the entry holding p, and false; or, if the set holds
// none, stores the entry mk makes for p and returns it, and true. mk runs
// holding the set's lock (so makes nothing for an object the set holds)
// and must not call the set.
func (os *objectSet) putNew(p mapper.Ref, mk func() *entry) (*entry, bool) {
	os.mu.Lock()
	defer os.mu.Unlock()
	os.index()
	if cur := os.indexed(p); cur != nil {
		return cur, false
	}
	e := mk()
	os.reserve(1)
	os.insert(e)
	os.n.Add(1)
	return e, true
}

// appendTo appends every entry to dst, indexed or not (without indexing).
func (os *objectSet) appendTo(dst []*entry) []*entry {
	os.mu.RLock()
	defer os.mu.RUnlock()
	for _, c := range os.lazyFull {
		dst = append(dst, c...)
	}
	dst = append(dst, os.lazy...)
	if os.inTab == 0 {
		return dst
	}
	for _, e := range os.tab {
		if e != nil {
			dst = append(dst, e)
		}
	}
	return dst
}

// empty reports whether the set holds no entry.
func (os *objectSet) empty() bool { return os.n.Load() == 0 }

// each calls fn for every entry; fn may call back into the set.
func (os *objectSet) each(fn func(e *entry)) {
	for _, e := range os.appendTo(nil) {
		fn(e)
	}
}

func typeOf(obj any) reflect.Type { return reflect.TypeOf(obj) }

func typeFor[T any]() reflect.Type { return reflect.TypeFor[T]() }
