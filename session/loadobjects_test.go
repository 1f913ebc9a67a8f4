package session

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

type (
	serial   uint64
	intRow   struct{ ID int64 }
	namedRow struct {
		ID   serial `athanor:",pk"`
		Name string
	}
	strRow struct {
		Code string `athanor:",pk"`
	}
	pairRow struct {
		A int64 `athanor:",pk"`
		B string
		C int32 `athanor:",pk"`
	}
)

// noBackend is a backend for sessions that never run a statement.
type noBackend struct{ Backend }

func (noBackend) Dialect() core.Dialect { return nil }

// The identity of an object adopted by a load is the one every other path
// computes (keyOf, makeKey from values, Get's key conversion), whether
// the key is an integer (kept apart, unboxed) or not.
func TestLoadedIdentityMatchesEveryKeyPath(t *testing.T) {
	reg := mapper.NewRegistry()
	model := func(m *mapper.Model, err error) *mapper.Model {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cases := []struct {
		name string
		m    *mapper.Model
		obj  any
		key  []any // as a caller would give it to Get
	}{
		{"int64", model(mapper.RegisterIn[intRow](reg)), &intRow{ID: 1 << 40}, []any{1 << 40}},
		{"named unsigned", model(mapper.RegisterIn[namedRow](reg)), &namedRow{ID: math.MaxUint64, Name: "x"}, []any{serial(math.MaxUint64)}},
		{"string", model(mapper.RegisterIn[strRow](reg)), &strRow{Code: "k"}, []any{"k"}},
		{"composite", model(mapper.RegisterIn[pairRow](reg)), &pairRow{A: 7, B: "b", C: 9}, []any{7, 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(noBackend{}, Options{Registry: reg})
			p := c.m.Ref(c.obj)
			if got := s.lookupLoaded(c.m, p); !got.IsNil() {
				t.Fatal("found before adoption")
			}
			if got := s.adoptLoaded(c.m, p); got != p {
				t.Fatal("adoption returned another object")
			}
			e := s.objs.get(p)
			if e == nil || e.State() != Persistent || e.key != keyOf(c.m, p) {
				t.Fatalf("entry %+v, key %v, want %v", e, e.key, keyOf(c.m, p))
			}
			key, _, err := pkLookup(c.m, c.key)
			if err != nil {
				t.Fatal(err)
			}
			if s.ids.get(key) != e || s.ids.get(keyOf(c.m, p)) != e || s.lookupLoaded(c.m, p) != p {
				t.Fatal("the key paths disagree")
			}
			// A second object with the same key is not published.
			_, dp := c.m.New()
			for _, f := range c.m.PrimaryKey() {
				if err := f.Set(dp, f.Value(p)); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.adoptLoaded(c.m, dp); got != p {
				t.Fatal("a second object for one key")
			}
			s.ids.remove(e.key, e)
			if !s.lookupLoaded(c.m, p).IsNil() || s.ids.len() != 0 {
				t.Fatal("not removed")
			}
		})
	}
}

func TestLookupOfAnIntegerKeyAllocatesNothing(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[intRow](reg)
	if err != nil {
		t.Fatal(err)
	}
	s := New(noBackend{}, Options{Registry: reg})
	held, probe := &intRow{ID: 1 << 40}, &intRow{ID: 1 << 40}
	s.adoptLoaded(m, m.Ref(held))
	var got mapper.Ref
	pr := m.Ref(probe)
	if n := testing.AllocsPerRun(100, func() { got = s.lookupLoaded(m, pr) }); n != 0 || got != m.Ref(held) {
		t.Fatalf("%v allocations, found %v", n, got)
	}
}

// Only a non-nil *T of a mapped T is an object: a T, a **T or a nil *T is
// refused with ErrNotMapped naming the model, never taken for an object.
func TestAddRefusesWhatIsNotAnObject(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[intRow](reg); err != nil {
		t.Fatal(err)
	}
	s := New(noBackend{}, Options{Registry: reg})
	obj := &intRow{ID: 1}
	for _, bad := range []any{nil, intRow{ID: 1}, &obj, (*intRow)(nil)} {
		err := s.Add(bad)
		if !errors.Is(err, ErrNotMapped) || bad != nil && !strings.Contains(err.Error(), "intRow") {
			t.Errorf("Add(%T): %v, want ErrNotMapped naming intRow", bad, err)
		}
	}
	if err := s.Add(obj); err != nil || s.StateOf(obj) != Pending {
		t.Fatalf("Add(*intRow): %v, state %v", err, s.StateOf(obj))
	}
}
