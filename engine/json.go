package engine

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
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

// jsonArg is the argument a database/sql driver is sent for a, a value
// the driver refused: its encoding/json text when a is a map, a slice
// other than bytes, or a struct other than time.Time (or a pointer to
// one; a nil pointer, map or slice is NULL). It reports whether a is of
// such a kind; a driver.Valuer is not.
func jsonArg(a any) (any, bool, error) {
	if _, ok := a.(driver.Valuer); ok {
		return nil, false, nil // its own encoding, or its own error
	}
	v := reflect.ValueOf(a)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, true, nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false, nil
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return nil, false, nil
		}
	default:
		return nil, false, nil
	}
	if (v.Kind() == reflect.Map || v.Kind() == reflect.Slice) && v.IsNil() {
		return nil, true, nil
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, true, fmt.Errorf("encode %s as JSON: %w", v.Type(), err)
	}
	return string(b), true, nil
}
