package mapper_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type refRow struct {
	ID   int64
	Name string
}

type otherRow struct{ ID int64 }

// mustPanic runs fn and returns the message it panicked with.
func mustPanic(t *testing.T, fn func()) string {
	t.Helper()
	var msg string
	func() {
		defer func() {
			r := recover()
			if r == nil {
				t.Fatal("no panic")
			}
			msg, _ = r.(string)
		}()
		fn()
	}()
	return msg
}

// A Ref is made only from an object of its model: anything else panics
// naming the model and the type given, and a Ref turns back into the
// very *T it came from.
func TestRefIsCheckedAgainstTheModel(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[refRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	obj := &refRow{ID: 7, Name: "x"}
	p := m.Ref(obj)
	if p.IsNil() || m.Object(p).(*refRow) != obj || p != m.Ref(obj) {
		t.Fatal("Ref and Object do not round-trip")
	}
	if n, ok := m.PrimaryKey()[0].Int(p); !ok || n != 7 {
		t.Fatalf("Int through the Ref: %d, %v", n, ok)
	}
	if !m.Ref((*refRow)(nil)).IsNil() || !(mapper.Ref{}).IsNil() {
		t.Fatal("a nil *T or the zero Ref references an object")
	}
	if got := m.Object(mapper.Ref{}).(*refRow); got != nil {
		t.Fatalf("Object of the zero Ref: %p", got)
	}
	fresh, fp := m.New()
	if fresh.(*refRow) == nil || m.Ref(fresh) != fp {
		t.Fatal("New's object and Ref disagree")
	}
	for _, bad := range []any{refRow{ID: 1}, &otherRow{ID: 1}, &obj, nil, "x"} {
		msg := mustPanic(t, func() { m.Ref(bad) })
		if !strings.Contains(msg, "refRow") || !strings.Contains(msg, "model") {
			t.Errorf("Ref(%T) panicked with %q: want the model named", bad, msg)
		}
	}
	if n := testing.AllocsPerRun(100, func() { p = m.Ref(obj); _ = m.Object(p) }); n != 0 {
		t.Errorf("Ref and Object: %v allocations", n)
	}
}

// SnapshotIn takes a block of the model's SnapshotType only; its snapshot
// equals Snapshot's, and Resnap takes a changed field again.
func TestSnapshotInChecksItsBlock(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[refRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	obj := &refRow{ID: 1, Name: "a"}
	p := m.Ref(obj)
	blk, _ := mapper.RegisterIn[otherRow](reg)
	msg := mustPanic(t, func() { m.SnapshotIn(p, blk.Object(blk.Ref(&otherRow{}))) })
	if !strings.Contains(msg, "refRow") {
		t.Fatalf("SnapshotIn of a wrong block panicked with %q", msg)
	}
	name, _ := m.Field("Name")
	snap := m.SnapshotIn(p, newBlock(m))
	want := m.Snapshot(p)
	for i := range want.Len() {
		if snap.Value(i) != want.Value(i) {
			t.Fatalf("field %d: %v, want %v", i, snap.Value(i), want.Value(i))
		}
	}
	obj.Name = "b"
	if name.Unchanged(p, snap.Value(1)) || snap.Unchanged(p, 1) {
		t.Fatal("change not seen")
	}
	snap.Resnap(p, 1)
	if !name.Unchanged(p, snap.Value(1)) || !snap.Unchanged(p, 1) || want.Value(1) != "a" {
		t.Fatalf("Resnap: %v (Snapshot's copy %v)", snap.Value(1), want.Value(1))
	}
}

// Objects hands refs over as a []*T only for the model's own T.
func TestObjects(t *testing.T) {
	m, err := mapper.RegisterIn[refRow](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	a, b := &refRow{ID: 1}, &refRow{ID: 2}
	got := mapper.Objects[refRow](m, []mapper.Ref{m.Ref(a), m.Ref(b)})
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("Objects: %v", got)
	}
	if msg := mustPanic(t, func() { mapper.Objects[otherRow](m, nil) }); !strings.Contains(msg, "refRow") {
		t.Fatalf("Objects of another type panicked with %q", msg)
	}
}

// newBlock allocates a zero snapshot block of m, as a *S.
func newBlock(m *mapper.Model) any { return reflect.New(m.SnapshotType()).Interface() }
