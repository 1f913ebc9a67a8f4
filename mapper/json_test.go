package mapper_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type jsonSpot struct {
	City string
	Zip  []int
}

type jsonHolder struct {
	ID   int64           `athanor:",pk"`
	Map  map[string]any  `athanor:",type:json"`
	Spot jsonSpot        `athanor:",type:json"`
	Ptr  *jsonSpot       `athanor:",type:json"`
	List []*jsonSpot     `athanor:",type:json"`
	Raw  json.RawMessage `athanor:",type:json"`
	Text string          `athanor:",type:json"`
	Null sql.NullString  `athanor:",type:json"`
}

// TestJSONFieldBindAndSnapshot: a type:json field binds as its JSON text
// (NULL when nil; bytes, strings and driver.Valuers as they are), a *T or
// []*T with type: is a column, the snapshot is the text, so a change
// inside a map, a nested slice or a pointed-to struct is seen, and a value
// encoding/json refuses binds as a *mapper.ValueError and is always
// changed.
func TestJSONFieldBindAndSnapshot(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[jsonHolder](reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Relations()) != 0 {
		t.Fatalf("relations %v: type: fields must be columns", m.Relations())
	}
	field := func(name string) *mapper.Field {
		f, ok := m.Field(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		return f
	}
	h := &jsonHolder{
		Map:  map[string]any{"b": 2, "a": []int{1}},
		Spot: jsonSpot{City: "Oslo", Zip: []int{1}},
		Ptr:  &jsonSpot{City: "Rome"},
		List: []*jsonSpot{{City: "Nice"}},
		Raw:  json.RawMessage(`{"k": 1}`),
		Text: `[1]`,
		Null: sql.NullString{String: `{}`, Valid: true},
	}
	p := m.Ref(h)
	for _, c := range []struct {
		field string
		json  bool
		want  any
	}{
		{"Map", true, `{"a":[1],"b":2}`},
		{"Spot", true, `{"City":"Oslo","Zip":[1]}`},
		{"Ptr", true, `{"City":"Rome","Zip":null}`},
		{"List", true, `[{"City":"Nice","Zip":null}]`},
		{"Raw", true, `{"k": 1}`},
		{"Text", false, `[1]`},
		{"Null", false, sql.NullString{String: `{}`, Valid: true}},
	} {
		f := field(c.field)
		if f.IsJSON() != c.json {
			t.Errorf("%s: IsJSON %v, want %v", c.field, f.IsJSON(), c.json)
		}
		got, err := f.Bind(p)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Bind %#v, %v; want %#v", c.field, got, err, c.want)
		}
	}

	snap := m.Snapshot(p)
	unchanged := func(name string) bool {
		for i, f := range m.Fields() {
			if f.Name == name {
				if f.Unchanged(p, snap.Value(i)) != snap.Unchanged(p, i) {
					t.Errorf("%s: Field.Unchanged and Snapshot.Unchanged differ", name)
				}
				return snap.Unchanged(p, i)
			}
		}
		t.Fatalf("no field %s", name)
		return false
	}
	for _, name := range []string{"Map", "Spot", "Ptr", "List", "Raw", "Text"} {
		if !unchanged(name) {
			t.Errorf("%s: changed right after the snapshot", name)
		}
	}
	for _, c := range []struct {
		field  string
		change func()
	}{
		{"Map", func() { h.Map["b"] = 3 }},
		{"Spot", func() { h.Spot.Zip[0] = 9 }},
		{"Ptr", func() { h.Ptr.City = "Paris" }},
		{"List", func() { h.List[0].City = "Lyon" }},
		{"Raw", func() { h.Raw[6] = '2' }},
	} {
		c.change()
		if unchanged(c.field) {
			t.Errorf("%s: a change in place is not seen", c.field)
		}
	}

	h.Map, h.Ptr, h.List, h.Raw = nil, nil, nil, nil
	for _, name := range []string{"Map", "Ptr", "List", "Raw"} {
		if v, err := field(name).Bind(p); v != nil || err != nil {
			t.Errorf("%s: nil binds %#v, %v; want NULL", name, v, err)
		}
	}

	h.Map = map[string]any{"inf": math.Inf(1)}
	_, err = field("Map").Bind(p)
	var ve *mapper.ValueError
	var ue *json.UnsupportedValueError
	if !errors.As(err, &ve) || ve.Field != "Map" || !errors.As(err, &ue) {
		t.Errorf("infinite float: %v, want a *mapper.ValueError for Map wrapping the encoding error", err)
	}
	snap = m.Snapshot(p)
	if unchanged("Map") {
		t.Error("a value that cannot be encoded is unchanged")
	}
}
