package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// scanJSON stores JSON text (a MySQL or SQLite JSON column: text, which
// pgx decodes itself on PostgreSQL) into e when e is of a kind only JSON
// fills: a map, a slice other than bytes, a struct or an array. It
// reports whether it did; e is replaced, not merged into.
func scanJSON(e reflect.Value, src any) (bool, error) {
	var text []byte
	switch s := src.(type) {
	case []byte:
		text = s
	case string:
		text = []byte(s)
	default:
		return false, nil
	}
	switch e.Kind() {
	case reflect.Map, reflect.Struct:
	case reflect.Slice, reflect.Array:
		if e.Type().Elem().Kind() == reflect.Uint8 {
			return false, nil
		}
	default:
		return false, nil
	}
	e.SetZero()
	if err := json.Unmarshal(text, e.Addr().Interface()); err != nil {
		return true, fmt.Errorf("decode JSON into %s: %w", e.Type(), err)
	}
	return true, nil
}
