package mapper

import (
	"testing"
	"time"
)

type (
	// layoutPlain is laid out as its snapshot block.
	layoutPlain struct {
		ID   int64 `athanor:",pk"`
		Name string
		At   time.Time
		N    int32
		B    bool
	}
	// layoutShifted has the block's layout after a skipped field.
	layoutShifted struct {
		Memo string `athanor:"-"`
		ID   int64  `athanor:",pk"`
		Name string
	}
	// layoutTail has a skipped field, holding a pointer, after the
	// columns: the block's type laid over the object stops before it.
	layoutTail struct {
		ID   int64 `athanor:",pk"`
		Name string
		Tags []string `athanor:"-"`
	}
	// layoutGap has a skipped pointer between two columns.
	layoutGap struct {
		ID   int64 `athanor:",pk"`
		Memo *int  `athanor:"-"`
		Name string
	}
	// layoutBoxed has a column the block holds as an any.
	layoutBoxed struct {
		ID   int64 `athanor:",pk"`
		Note *string
	}
	// layoutPadded has a skipped byte in the padding the block has too.
	layoutPadded struct {
		ID   int64 `athanor:",pk"`
		A    int8
		Pad  int8 `athanor:"-"`
		Name string
	}
)

// A snapshot holds the column values as they were taken, whatever the
// object's layout around them: a later change of any column is seen, and
// skipped fields (before, between and after the columns, in padding) are
// not columns.
func TestSnapshotOfLayouts(t *testing.T) {
	reg := NewRegistry()
	note := "n"
	cases := []struct {
		name string
		reg  func() (*Model, error)
		obj  func() any
		edit func(any) // changes every column
		skip func(any) // changes only skipped fields
	}{
		{"plain", func() (*Model, error) { return RegisterIn[layoutPlain](reg) },
			func() any { return &layoutPlain{ID: 1, Name: "a", At: time.Unix(5, 0).UTC(), N: 3, B: true} },
			func(o any) {
				p := o.(*layoutPlain)
				p.ID, p.Name, p.At, p.N, p.B = 2, "b", p.At.Add(time.Second), 4, false
			}, func(any) {}},
		{"shifted", func() (*Model, error) { return RegisterIn[layoutShifted](reg) },
			func() any { return &layoutShifted{Memo: "m", ID: 1, Name: "a"} },
			func(o any) { p := o.(*layoutShifted); p.ID, p.Name = 2, "b" },
			func(o any) { o.(*layoutShifted).Memo = "x" }},
		{"tail", func() (*Model, error) { return RegisterIn[layoutTail](reg) },
			func() any { return &layoutTail{ID: 1, Name: "a", Tags: []string{"t"}} },
			func(o any) { p := o.(*layoutTail); p.ID, p.Name = 2, "b" },
			func(o any) { o.(*layoutTail).Tags = nil }},
		{"gap", func() (*Model, error) { return RegisterIn[layoutGap](reg) },
			func() any { return &layoutGap{ID: 1, Name: "a"} },
			func(o any) { p := o.(*layoutGap); p.ID, p.Name = 2, "b" },
			func(o any) { o.(*layoutGap).Memo = new(int) }},
		{"boxed", func() (*Model, error) { return RegisterIn[layoutBoxed](reg) },
			func() any { return &layoutBoxed{ID: 1, Note: &note} },
			func(o any) { p := o.(*layoutBoxed); p.ID, p.Note = 2, nil },
			func(any) {}},
		{"padded", func() (*Model, error) { return RegisterIn[layoutPadded](reg) },
			func() any { return &layoutPadded{ID: 1, A: 2, Pad: 3, Name: "a"} },
			func(o any) { p := o.(*layoutPadded); p.ID, p.A, p.Name = 2, 3, "b" },
			func(o any) { o.(*layoutPadded).Pad = 9 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.reg()
			if err != nil {
				t.Fatal(err)
			}
			o := c.obj()
			p := m.Ref(o)
			want := make([]any, len(m.Fields()))
			for i, f := range m.Fields() {
				want[i] = f.Value(p)
			}
			snap := m.Snapshot(p)
			c.skip(o)
			for i, f := range m.Fields() {
				if !snap.Unchanged(p, i) {
					t.Errorf("%s changed by a skipped field", f.Name)
				}
			}
			c.edit(o)
			for i, f := range m.Fields() {
				if snap.Unchanged(p, i) {
					t.Errorf("%s: change not seen", f.Name)
				}
				if !f.Equal(snap.Value(i), want[i]) {
					t.Errorf("%s: snapshot holds %v, want %v", f.Name, snap.Value(i), want[i])
				}
			}
		})
	}
}
