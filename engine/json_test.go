package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestScanJSONText: JSON text from a MySQL or SQLite column ([]byte or
// string) scans into a map, a slice, a struct, an array or a pointer to
// one, replacing what the destination held; NULL leaves a nil map or
// pointer; bytes and strings stay text; invalid JSON is an error.
func TestScanJSONText(t *testing.T) {
	type place struct {
		City string
		Zip  []int
	}
	for _, src := range []any{[]byte(`{"a":1,"b":[true]}`), `{"a":1,"b":[true]}`} {
		m := map[string]any{"stale": 1}
		if err := convertAssign(&m, src); err != nil {
			t.Fatalf("map from %T: %v", src, err)
		}
		if want := map[string]any{"a": 1.0, "b": []any{true}}; !reflect.DeepEqual(m, want) {
			t.Errorf("map from %T: %v, want %v", src, m, want)
		}
	}
	var p place
	if err := convertAssign(&p, []byte(`{"City":"Oslo","Zip":[1,2]}`)); err != nil || p.City != "Oslo" || len(p.Zip) != 2 {
		t.Errorf("struct: %+v, %v", p, err)
	}
	var pp *place
	if err := convertAssign(&pp, `{"City":"Rome"}`); err != nil || pp == nil || pp.City != "Rome" {
		t.Errorf("pointer to struct: %+v, %v", pp, err)
	}
	s := []string{"stale", "values", "here"}
	if err := convertAssign(&s, `["x"]`); err != nil || !reflect.DeepEqual(s, []string{"x"}) {
		t.Errorf("slice: %v, %v", s, err)
	}
	var a [2]int
	if err := convertAssign(&a, `[3,4]`); err != nil || a != [2]int{3, 4} {
		t.Errorf("array: %v, %v", a, err)
	}
	var raw json.RawMessage
	if err := convertAssign(&raw, `{"k": 1}`); err != nil || string(raw) != `{"k": 1}` {
		t.Errorf("raw message: %s, %v", raw, err)
	}
	var text string
	if err := convertAssign(&text, []byte(`{"k":1}`)); err != nil || text != `{"k":1}` {
		t.Errorf("string: %s, %v", text, err)
	}
	m := map[string]any{"x": 1}
	if err := convertAssign(&m, nil); err != nil || m != nil {
		t.Errorf("map from NULL: %v, %v", m, err)
	}
	if err := convertAssign(&m, `{"a":`); err == nil {
		t.Error("invalid JSON: no error")
	}
	var n map[string]int
	if err := convertAssign(&n, int64(3)); err == nil {
		t.Error("map from an integer: no error")
	}
}
