package mapper_test

import (
	"database/sql"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/mapper"
)

type (
	widgetID uint64
	level    int8
	label    string
)

// widget has one field of each kind the access plans treat apart.
type widget struct {
	ID      widgetID `athanor:",pk"`
	Level   level
	Small   int8
	Count   int
	Rank    int32
	Name    string
	Label   label
	Ratio   float64
	On      bool
	At      time.Time
	UUID    [16]byte
	Opt     sql.NullInt64
	Note    *string
	Raw     []byte
	Parts   []*part `athanor:",fk:widget_id"`
	Version int64   `athanor:",version"`
}

type part struct {
	ID       int64 `athanor:",pk"`
	WidgetID widgetID
	Widget   *widget
}

func widgets(t *testing.T) *mapper.Model {
	t.Helper()
	m, err := mapper.RegisterIn[widget](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSnapshotIsFieldSnapshotsAndPrivate(t *testing.T) {
	m := widgets(t)
	note := "n"
	w := &widget{ID: math.MaxUint64, Level: -3, Small: 5, Count: 1 << 40, Rank: -9, Name: "a", Label: "l", Ratio: 0.5, On: true,
		At: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), UUID: [16]byte{1, 2}, Opt: sql.NullInt64{Int64: 7, Valid: true},
		Note: &note, Raw: []byte("raw"), Version: 2}
	p := m.Ref(w)
	snap := m.Snapshot(p)
	if snap.Len() != len(m.Fields()) || snap.IsZero() || snap.Model() != m {
		t.Fatalf("%d values for %d fields", snap.Len(), len(m.Fields()))
	}
	for i, f := range m.Fields() {
		want, got := f.Snapshot(p), snap.Value(i)
		if reflect.TypeOf(got) != reflect.TypeOf(want) || !f.Equal(got, want) {
			t.Errorf("%s: snapshot %#v (%T), field snapshot %#v (%T)", f.Name, got, got, want, want)
		}
		if !snap.Unchanged(p, i) {
			t.Errorf("%s: changed right after the snapshot", f.Name)
		}
	}
	// Later changes, in place or through pointers, do not reach it.
	w.ID, w.Level, w.Small, w.Count, w.Rank, w.Name, w.Label, w.Ratio, w.On = 1, 1, 1, 1, 1, "b", "m", 2, false
	w.At, w.UUID[0], w.Opt.Int64, w.Version = time.Time{}, 9, 8, 3
	*w.Note, w.Raw[0] = "changed", 'x'
	for i, f := range m.Fields() {
		if f.Equal(snap.Value(i), f.Value(p)) || snap.Unchanged(p, i) {
			t.Errorf("%s: snapshot %#v follows the object", f.Name, snap.Value(i))
		}
	}
}

// A snapshot of plain columns is one allocation; integer keys are read,
// and field pointers made, without any.
func TestAccessAllocations(t *testing.T) {
	type plain struct {
		ID    int64 `athanor:",pk"`
		Title string
		Year  int
		At    time.Time
	}
	m, err := mapper.RegisterIn[plain](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	p := m.Ref(&plain{ID: 1 << 20, Title: "t", Year: 2000, At: time.Now()})
	id, _ := m.Field("ID")
	cases := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Model.Snapshot", 1, func() { _ = m.Snapshot(p) }},
		{"Field.Int", 0, func() { _, _ = id.Int(p) }},
		{"Field.Addr", 0, func() { _ = id.Addr(p) }},
	}
	for _, c := range cases {
		if n := testing.AllocsPerRun(100, c.fn); n > c.max {
			t.Errorf("%s: %v allocations, want at most %v", c.name, n, c.max)
		}
	}
}

func TestIntAndValueKeepTypes(t *testing.T) {
	m := widgets(t)
	w := &widget{ID: math.MaxUint64, Level: -3, Small: -7, Count: 42, Name: "n", Label: "l"}
	p := m.Ref(w)
	cases := []struct {
		field string
		n     int64
		ok    bool
		value any
	}{
		{"ID", -1, true, widgetID(math.MaxUint64)}, // the bits of an unsigned key
		{"Level", -3, true, level(-3)},
		{"Small", -7, true, int8(-7)},
		{"Count", 42, true, 42},
		{"Name", 0, false, "n"},
		{"Label", 0, false, label("l")},
	}
	for _, c := range cases {
		f, _ := m.Field(c.field)
		if n, ok := f.Int(p); n != c.n || ok != c.ok || f.IsInt() != c.ok {
			t.Errorf("%s: Int = %d, %v", c.field, n, ok)
		}
		if v := f.Value(p); v != c.value {
			t.Errorf("%s: Value = %#v (%T), want %#v (%T)", c.field, v, v, c.value, c.value)
		}
	}
	note, _ := m.Field("Note")
	if _, ok := note.Int(p); ok {
		t.Error("Int read a pointer field")
	}
}

func TestSetFromSharesOneBufferSafely(t *testing.T) {
	m := widgets(t)
	r, _ := m.Relation("Parts")
	back, _ := r.Target.Relation("Widget")
	ws := []*widget{{ID: 1}, {ID: 2}, {ID: 3}}
	ps := []*part{{ID: 10}, {ID: 11}, {ID: 12}}
	pm := r.Target
	owners := []mapper.Ref{m.Ref(ws[0]), m.Ref(ws[1]), m.Ref(ws[2])}
	targets := [][]mapper.Ref{{pm.Ref(ps[0]), pm.Ref(ps[1])}, {pm.Ref(ps[2])}, nil}
	buf := make([]mapper.Ref, 3)
	rest := buf
	for i, o := range owners {
		rest = r.SetFrom(o, targets[i], rest)
	}
	if len(ws[0].Parts) != 2 || ws[0].Parts[1] != ps[1] || len(ws[1].Parts) != 1 || ws[1].Parts[0] != ps[2] || len(rest) != 0 {
		t.Fatalf("parts %v %v, %d left", ws[0].Parts, ws[1].Parts, len(rest))
	}
	if ws[2].Parts == nil || len(ws[2].Parts) != 0 || r.IsNil(owners[2]) {
		t.Fatalf("an empty collection must be loaded and empty: %#v", ws[2].Parts)
	}
	ws[0].Parts = append(ws[0].Parts, &part{ID: 99})
	if ws[1].Parts[0] != ps[2] {
		t.Fatal("append to one owner's collection overwrote the next one's")
	}
	if got := r.Targets(owners[1]); len(got) != 1 || got[0] != pm.Ref(ps[2]) {
		t.Fatalf("Targets = %v", got)
	}
	if n := testing.AllocsPerRun(100, func() { r.SetFrom(owners[1], targets[1], buf) }); n != 0 {
		t.Errorf("SetFrom into a buffer: %v allocations", n)
	}
	// To-one: the first target, or nil.
	back.SetFrom(pm.Ref(ps[0]), []mapper.Ref{owners[0], owners[1]}, nil)
	if ps[0].Widget != ws[0] || back.IsNil(pm.Ref(ps[0])) || len(back.Targets(pm.Ref(ps[0]))) != 1 {
		t.Fatalf("to-one: %v", ps[0].Widget)
	}
	back.Set(pm.Ref(ps[0]), nil)
	if ps[0].Widget != nil || back.Targets(pm.Ref(ps[0])) != nil {
		t.Fatal("to-one not cleared")
	}
}
