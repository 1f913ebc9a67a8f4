package session

import (
	"reflect"
	"unsafe"

	"github.com/athanor-orm/athanor/internal/objaccess"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
)

// This file is the identity map as relationship loads use it: look a
// row's key up before building an object for it, and publish the objects
// that were not there.

// lookupLoaded returns the object the identity map holds for the primary
// key of the object at p (only its key fields are read), whatever its
// state, or nil.
func (s *Session) lookupLoaded(m *mapper.Model, p mapper.Ref) mapper.Ref {
	var e *entry
	if i := m.IntKey(); i >= 0 { // (-1 when the identity carries a shard key)
		n, _ := m.Fields()[i].Int(p)
		e = s.ids.getInt(intKey{m: m.IdentityModel(), n: n})
	} else {
		e = s.ids.get(identOf(m, p))
	}
	if e == nil || e.m != m { // (a row held as another model of its hierarchy is not a *m)
		return mapper.Ref{}
	}
	return e.p
}

// loadedEntry returns the entry of the object at p, a *m. A loaded object
// is found by its key in the identity map, which holds it: unlike a
// lookup by address in the object set, that does not make the set index
// every entry a load left unindexed (a cost, in time and maps, of the
// order of the objects loaded). Anything else is looked up by address.
func (s *Session) loadedEntry(m *mapper.Model, p mapper.Ref) *entry {
	if i := m.IntKey(); i >= 0 {
		n, _ := m.Fields()[i].Int(p)
		if e := s.ids.getInt(intKey{m: m.IdentityModel(), n: n}); e != nil && e.p == p {
			return e
		}
	}
	return s.objs.get(p)
}

// adoptLoaded publishes a freshly loaded object p as persistent, with its
// snapshot, and returns p; if the identity map holds an object for its
// key by now (a concurrent load), it returns that one and drops p. The
// snapshot is taken in one allocation and gives the identity key its
// values, so an integer key is not boxed again.
func (s *Session) adoptLoaded(m *mapper.Model, p mapper.Ref) mapper.Ref {
	return s.adoptLoadedIn(m, p, loadBlockOf(m), nil)
}

// adoptLoadedIn is adoptLoaded with the entry taken from blocks (a slab
// of lb, m's loadBlock type; a load looks it up once, not per row), or
// allocated alone when blocks is nil.
func (s *Session) adoptLoadedIn(m *mapper.Model, p mapper.Ref, lb *loadBlock, blocks *objaccess.Slab) mapper.Ref {
	got, _ := s.adoptEntryIn(m, p, lb, blocks)
	return got
}

// adoptEntryIn is adoptLoadedIn that also returns the entry of the object
// it returns (nil for p outside the session).
func (s *Session) adoptEntryIn(m *mapper.Model, p mapper.Ref, lb *loadBlock, blocks *objaccess.Slab) (mapper.Ref, *entry) {
	e := newLoaded(m, p, lb, blocks)
	e.seq = s.seq.Add(1)
	// The identity map and the object set take e in one step: a
	// goroutine given p by a lookup (Get, another load) finds it in the
	// session, so its Load or flush never takes p for a new object.
	if cur, ok := s.publish(e, &s.objs); !ok {
		if cur.m != m {
			// The identity map holds the row as another model of its
			// hierarchy (its discriminator changed since): that object
			// is not a *m. The caller gets p, outside the session.
			if blocks != nil {
				blocks.Keep()
			}
			return p, nil
		}
		if blocks != nil {
			blocks.Discard()
		}
		return cur.p, cur // another goroutine loaded it first
	}
	if blocks != nil {
		blocks.Keep()
	}
	return p, e
}

// newLoaded returns the entry of the freshly loaded object p, persistent
// and with its snapshot, not yet published (nor numbered: seq is the
// caller's). It lives in the next block of blocks (which the caller keeps
// or discards), or in a block of its own when blocks is nil.
func newLoaded(m *mapper.Model, p mapper.Ref, lb *loadBlock, blocks *objaccess.Slab) *entry {
	var blk unsafe.Pointer
	if blocks != nil {
		blk = dataOf(blocks.Next())
	} else {
		blk = reflect.New(lb.t).UnsafePointer()
	}
	// The block is struct{ E entry; S <m's snapshot block> }.
	e, snap := (*entry)(blk), m.SnapshotIn(p, lb.snapAt(blk))
	e.m, e.p, e.snap = m, p, snap
	e.coll = collections(m, p)
	e.setState(Persistent)
	return e
}

// loadBatchMax bounds the rows a load publishes at once (see
// loadRun.publish): objects become visible to other goroutines' lookups
// a batch at a time.
const loadBatchMax = 64

// publish publishes the pending entries of a load of a model whose
// identity is one integer column (lr.batch, whose objects are in lr.out
// from lr.batchAt on): numbered with one atomic operation, and taken by
// the identity map and the object set under one acquisition of their
// locks, instead of per row. A row whose key the identity map holds
// already (a concurrent load, an object of the session) takes the held
// object in lr.out, as adoptLoaded does; its own object and entry stay
// unused in their slabs.
func (lr *loadRun) publish() {
	es := lr.batch
	if len(es) == 0 {
		return
	}
	s, m := lr.s, lr.m
	i := m.IntKey()
	seq := s.seq.Add(int64(len(es))) - int64(len(es))
	keys := lr.keys[:0]
	for _, e := range es {
		seq++
		e.seq = seq
		keys = append(keys, intIdent(e, i))
	}
	s.ids.publishInts(keys, es, &s.objs)
	out := lr.out[lr.batchAt:]
	for j, e := range es {
		switch p := out[j]; {
		case e.p == p:
			if lr.hooks {
				lr.fresh = append(lr.fresh, p)
			}
		case e.m == m:
			out[j] = e.p // loaded before
		default:
			// The identity map holds the row as another model of its
			// hierarchy: that object is not a *m, and the caller gets
			// p, outside the session.
		}
	}
	clear(es)
	clear(keys)
	lr.batch, lr.keys = es[:0], keys[:0]
}

// adopter publishes the objects of one model that one statement's rows
// build (loader.Adopter): their entries come from one slab, a few arrays
// for the statement rather than one allocation per object. It is new for
// each statement, so that sessions share no array.
type adopter struct {
	s      *Session
	m      *mapper.Model
	lb     *loadBlock // m's
	blocks objaccess.Slab
}

func (s *Session) newAdopter(m *mapper.Model) *adopter {
	lb := loadBlockOf(m)
	return &adopter{s: s, m: m, lb: lb, blocks: lb.blocks}
}

// Adopt's Handle is the object's entry (see host.Populate).
func (a *adopter) Adopt(p mapper.Ref) (mapper.Ref, loader.Handle) {
	got, e := a.s.adoptEntryIn(a.m, p, a.lb, &a.blocks)
	if e == nil {
		return got, nil
	}
	return got, e
}

// index sets the key of e, a persistent entry whose snapshot is current,
// and records it in the identity map unless the key is taken: it returns
// the entry holding the key and whether it is e. A key of one integer
// column is taken from the snapshot and looked up unboxed.
func (s *Session) index(e *entry) (*entry, bool) {
	return s.publish(e, nil)
}

// publish is index that, when os is not nil and e takes the key, also
// puts e in os under the key's lock (see identityMap.publish).
func (s *Session) publish(e *entry, os *objectSet) (*entry, bool) {
	if i := e.m.IntKey(); i >= 0 {
		return s.ids.publishInt(intIdent(e, i), e, os)
	}
	e.key = snapKeyOf(e.m, e.snap)
	return s.ids.publish(e.key, e, os)
}

// intIdent sets the key of e, whose model's identity is its i-th field,
// one integer column, from e's snapshot, and returns the key unboxed, as
// the identity map's integer tables take it.
func intIdent(e *entry, i int) intKey {
	n, _ := e.m.Fields()[i].Int(e.p)
	im := e.m.IdentityModel() // one key per row across a hierarchy
	e.key = idKey{m: im, k0: e.snap.Value(i)}
	return intKey{m: im, n: n}
}

// loadBlock is the layout of an entry allocated with its snapshot: one
// allocation per loaded object instead of two. Both belong to the session
// (an object the caller keeps does not keep them), and a later snapshot
// (after a flush) is allocated on its own.
type loadBlock struct {
	t       reflect.Type // struct{ E entry; S <the model's snapshot block> }
	snapOff uintptr
	snapPtr unsafe.Pointer // interface type word of *S
	// objs and blocks are empty slabs of the model's objects and of t: a
	// load copies them, instead of looking the pointer types up again.
	objs, blocks objaccess.Slab
}

// snapAt returns the snapshot block of the load block at blk, as the *S
// Model.SnapshotIn takes.
func (lb *loadBlock) snapAt(blk unsafe.Pointer) any {
	var v any
	*(*eface)(unsafe.Pointer(&v)) = eface{typ: lb.snapPtr, data: unsafe.Add(blk, lb.snapOff)}
	return v
}

// eface is the layout of an interface value.
type eface struct {
	typ, data unsafe.Pointer
}

// dataOf returns the address a *T in an interface holds.
func dataOf(ptr any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&ptr)).data }

var loadBlocks = mapper.NewSlot(newLoadBlock)

func loadBlockOf(m *mapper.Model) *loadBlock { return loadBlocks.Get(m) }

func newLoadBlock(m *mapper.Model) *loadBlock {
	t := reflect.StructOf([]reflect.StructField{
		{Name: "E", Type: reflect.TypeFor[entry]()},
		{Name: "S", Type: m.SnapshotType()},
	})
	nilSnap := reflect.Zero(reflect.PointerTo(m.SnapshotType())).Interface()
	return &loadBlock{
		t: t, snapOff: t.Field(1).Offset, snapPtr: (*eface)(unsafe.Pointer(&nilSnap)).typ,
		objs: objaccess.NewSlab(m.Type), blocks: objaccess.NewSlab(t),
	}
}

// snapKeyOf is identOf of an object from its snapshot (Fields order).
func snapKeyOf(m *mapper.Model, snap mapper.Snapshot) idKey {
	pk, fs := m.PrimaryKey(), m.Fields()
	if sf := identShard(m); sf != nil {
		vals := make([]any, len(pk)+1)
		for j, k := range pk {
			vals[j] = snap.Value(k.LoadIndex())
		}
		vals[len(pk)] = snap.Value(sf.LoadIndex())
		return makeKey(m, vals)
	}
	if len(pk) == 1 {
		for i, f := range fs {
			if f == pk[0] {
				return makeKey(m, []any{snap.Value(i)})
			}
		}
	}
	vals := make([]any, len(pk))
	for j, k := range pk {
		for i, f := range fs {
			if f == k {
				vals[j] = snap.Value(i)
			}
		}
	}
	return makeKey(m, vals)
}
