package session

import (
	"testing"
	"unsafe"

	"github.com/athanor-orm/athanor/mapper"
)

// Every ReadByPK or InsertOne makes a Session, and every loaded row an
// entry (in one block with its snapshot): their sizes decide the size
// classes they are allocated in. A field added to either must make room.
// Go's allocator keeps the pointer bitmap of an object of up to 512 bytes
// in its span; a larger one carries a header word and takes another
// allocation path, run by every request for its session alone. What only
// some sessions use sits behind a pointer (rareState, the first added
// object's block) instead.
func TestStructSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) == 8 {
		if got := unsafe.Sizeof(Session{}); got > 512 {
			t.Errorf("Session is %d bytes, want at most 512 (allocated without a header)", got)
		}
	}
	if got := unsafe.Sizeof(entry{}); got > 104 {
		t.Errorf("entry is %d bytes, want at most 104", got)
	}
	// A flush journals one fieldWrite per key an INSERT sets.
	if got := unsafe.Sizeof(fieldWrite{}); got > 32 {
		t.Errorf("fieldWrite is %d bytes, want at most 32", got)
	}
}

// colls holds a []collRec in two words: appending in place must leave a
// copy taken earlier (a journal's) as it was, and a record must be found
// whether the list is one owner's slot of a shared array or its own.
func TestCollsCopy(t *testing.T) {
	r1, r2, r3 := &mapper.Relation{Name: "a"}, &mapper.Relation{Name: "b"}, &mapper.Relation{Name: "c"}
	var c colls
	if _, ok := c.get(r1); ok || c.loaded() {
		t.Fatal("empty list holds a record")
	}
	c = c.add(r1, nil, 3)
	saved := c
	c = c.add(r2, nil, 3)
	if _, ok := saved.get(r2); ok {
		t.Fatal("an earlier copy sees a record added after it")
	}
	if ps, ok := c.get(r1); !ok || ps == nil {
		t.Fatalf("r1: %v %v, want an empty, non-nil list", ps, ok)
	}
	if _, ok := c.get(r2); !ok || !c.loaded() {
		t.Fatal("r2 not recorded")
	}
	// Two owners' slots in one array: the first's appends stop at its
	// capacity instead of overwriting the second's record.
	recs := make([]collRec, 4)
	recs[0], recs[2] = collRec{r: r1}, collRec{r: r1}
	a, b := collsOf(recs[0:1:2]), collsOf(recs[2:3:4])
	a = a.add(r3, nil, 2)
	a = a.add(r2, nil, 2) // beyond the slot: a new array
	if _, ok := b.get(r3); ok {
		t.Fatal("the second owner's slot sees the first's record")
	}
	if got := len(a.recs()); got != 3 || recs[1].r != r3 || recs[2].r != r1 {
		t.Fatalf("%d records; shared array %v %v", got, recs[1].r, recs[2].r)
	}
}
