package mapper_test

import (
	"database/sql"
	"math"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

type (
	smallU uint16
	pair   struct{ A, B int32 }
	fpair  struct{ X, Y float32 }
)

// kinds has a field of each kind Snapshot keeps, raw or boxed.
type kinds struct {
	ID    int64 `athanor:",pk"`
	I     int
	I8    int8
	I32   int32
	U16   smallU
	U64   uint64
	B     bool
	F32   float32
	F64   float64
	S     string
	Label label
	At    time.Time
	UUID  [16]byte
	Odd   [3]byte `athanor:",type:bytes"`
	Pair  pair    `athanor:",type:bytes"`
	FPair fpair   `athanor:",type:bytes"`
	Null  sql.NullString
	Ptr   *int64
	TPtr  *time.Time
	Raw   []byte
	Ints  []int
}

// Every kind of field: no change right after the snapshot (nor after an
// equal value is set again), a change seen whatever its kind, and the
// snapshot's values unaffected by later changes to the object.
func TestSnapshotFindsEveryChange(t *testing.T) {
	m, err := mapper.RegisterIn[kinds](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	n := int64(5)
	at := time.Date(2024, 5, 6, 7, 8, 9, 1000, time.UTC)
	fresh := func() *kinds {
		return &kinds{ID: 1, I: -2, I8: -3, I32: 4, U16: 5, U64: math.MaxUint64, B: true, F32: 1.5, F64: -0.25,
			S: "s", Label: "l", At: at, UUID: [16]byte{1}, Odd: [3]byte{1, 2, 3},
			Pair: pair{1, 2}, FPair: fpair{1, 2}, Null: sql.NullString{String: "x", Valid: true},
			Ptr: &n, TPtr: &at, Raw: []byte("raw"), Ints: []int{1, 2}}
	}
	changes := map[string]func(o *kinds){
		"ID": func(o *kinds) { o.ID++ }, "I": func(o *kinds) { o.I = 1 << 40 }, "I8": func(o *kinds) { o.I8 = 3 },
		"I32": func(o *kinds) { o.I32 = -4 }, "U16": func(o *kinds) { o.U16 = 0 }, "U64": func(o *kinds) { o.U64 = 1 },
		"B": func(o *kinds) { o.B = false }, "F32": func(o *kinds) { o.F32 = 2 }, "F64": func(o *kinds) { o.F64 = math.NaN() },
		"S": func(o *kinds) { o.S = "ss"[:1] + "t" }, "Label": func(o *kinds) { o.Label = "" },
		"At": func(o *kinds) { o.At = o.At.Add(time.Microsecond) }, "UUID": func(o *kinds) { o.UUID[15] = 1 },
		"Odd": func(o *kinds) { o.Odd[2] = 0 }, "Pair": func(o *kinds) { o.Pair.B = 3 }, "FPair": func(o *kinds) { o.FPair.Y = 0 },
		"Null": func(o *kinds) { o.Null.Valid = false }, "Ptr": func(o *kinds) { *o.Ptr = 6 }, "TPtr": func(o *kinds) { o.TPtr = nil },
		"Raw": func(o *kinds) { o.Raw[0] = 'R' }, "Ints": func(o *kinds) { o.Ints = nil },
	}
	if len(changes) != len(m.Fields()) {
		t.Fatalf("%d changes for %d fields", len(changes), len(m.Fields()))
	}
	for i, f := range m.Fields() {
		o := fresh()
		p := m.Ref(o)
		snap := m.Snapshot(p)
		for j, g := range m.Fields() {
			if !snap.Unchanged(p, j) || !g.Unchanged(p, snap.Value(j)) {
				t.Fatalf("%s: changed right after the snapshot", g.Name)
			}
		}
		before := f.Snapshot(p)
		changes[f.Name](o)
		if snap.Unchanged(p, i) || f.Unchanged(p, snap.Value(i)) {
			t.Errorf("%s: change not seen", f.Name)
		}
		if !f.Equal(snap.Value(i), before) {
			t.Errorf("%s: the snapshot's value %#v followed the object (was %#v)", f.Name, snap.Value(i), before)
		}
		for j, g := range m.Fields() {
			if j != i && !snap.Unchanged(p, j) {
				t.Errorf("%s changed: %s reported too", f.Name, g.Name)
			}
		}
		// Taken again, the changed object is its own snapshot.
		if again := m.Snapshot(p); !again.Unchanged(p, i) && f.Name != "F64" { // NaN != NaN
			t.Errorf("%s: a new snapshot sees a change", f.Name)
		}
	}
}

// Equal values that differ in representation are no change: a time in
// another zone (or with a monotonic reading), a negative zero.
func TestSnapshotComparesValues(t *testing.T) {
	m, err := mapper.RegisterIn[kinds](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	o := &kinds{At: now.UTC(), F64: 0}
	p := m.Ref(o)
	snap := m.Snapshot(p)
	o.At, o.F64 = now.In(time.FixedZone("x", 3600)), math.Copysign(0, -1)
	for _, name := range []string{"At", "F64"} {
		f, _ := m.Field(name)
		if !snap.Unchanged(p, f.LoadIndex()) || !f.Unchanged(p, snap.Value(f.LoadIndex())) {
			t.Errorf("%s: an equal value seen as a change", name)
		}
	}
	// NULLs: nil to a value and back.
	ptr, _ := m.Field("Ptr")
	i := ptr.LoadIndex()
	if snap.Value(i) != nil {
		t.Fatalf("nil pointer snapshot %#v", snap.Value(i))
	}
	n := int64(0)
	o.Ptr = &n
	if snap.Unchanged(p, i) {
		t.Error("nil to zero not seen")
	}
	withZero := m.Snapshot(p)
	o.Ptr = nil
	if withZero.Unchanged(p, i) {
		t.Error("zero to nil not seen")
	}
	raw, _ := m.Field("Raw")
	o.Raw = []byte{}
	if snap.Unchanged(p, raw.LoadIndex()) {
		t.Error("nil to empty bytes not seen")
	}
}

// Retake copies a snapshot with some fields taken from another object;
// the original is left as it is. Resnap takes a field again in place.
func TestSnapshotRetakeAndResnap(t *testing.T) {
	m, err := mapper.RegisterIn[kinds](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	o := &kinds{ID: 1, S: "a", Raw: []byte("a")}
	p := m.Ref(o)
	snap := m.Snapshot(p)
	s, _ := m.Field("S")
	raw, _ := m.Field("Raw")
	src := m.Ref(&kinds{ID: 2, S: "b", Raw: []byte("b")})
	c := snap.Retake(src, []int{s.LoadIndex(), raw.LoadIndex()})
	if c.Value(s.LoadIndex()) != "b" || string(c.Value(raw.LoadIndex()).([]byte)) != "b" || c.Value(0) != int64(1) {
		t.Fatalf("Retake: %v %v %v", c.Value(0), c.Value(s.LoadIndex()), c.Value(raw.LoadIndex()))
	}
	if snap.Value(s.LoadIndex()) != "a" || string(snap.Value(raw.LoadIndex()).([]byte)) != "a" {
		t.Fatal("Retake changed the original")
	}
	o.ID = 9
	if snap.Unchanged(p, 0) {
		t.Fatal("change not seen")
	}
	snap.Resnap(p, 0)
	if !snap.Unchanged(p, 0) || snap.Value(0) != int64(9) || c.Value(0) != int64(1) {
		t.Fatalf("Resnap: %v (copy %v)", snap.Value(0), c.Value(0))
	}
	var zero mapper.Snapshot
	if !zero.IsZero() || zero.Len() != 0 || snap.IsZero() || snap.Len() != len(m.Fields()) {
		t.Fatal("IsZero or Len wrong")
	}
}

// Reading and comparing a snapshot's plain values allocates nothing.
func TestSnapshotReadAllocs(t *testing.T) {
	m, err := mapper.RegisterIn[kinds](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	p := m.Ref(&kinds{ID: 1 << 40, S: "s", At: time.Now(), UUID: [16]byte{1}})
	snap := m.Snapshot(p)
	var sink any
	for _, name := range []string{"ID", "I8", "U16", "B", "F32", "S", "Label", "At", "UUID", "Odd", "Pair", "FPair", "Ptr"} {
		f, _ := m.Field(name)
		i := f.LoadIndex()
		if n := testing.AllocsPerRun(100, func() { sink = snap.Value(i) }); n != 0 {
			t.Errorf("%s: Value allocates %v times", name, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = snap.Unchanged(p, i) }); n != 0 {
			t.Errorf("%s: Unchanged allocates %v times", name, n)
		}
	}
	_ = sink
}
