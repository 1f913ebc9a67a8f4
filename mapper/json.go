package mapper

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/athanor-orm/athanor/core"
)

// JSON fields
//
// A field of a JSON column (type:json) is bound as its encoding/json text,
// so that every dialect stores it alike (the MySQL and SQLite drivers take
// no map or struct), and so is its snapshot: a change made inside a map, a
// slice or a struct the field holds shows as a different text, where a
// snapshot sharing the map would see none. Fields that are text already
// (a string kind: the JSON text itself) and types that encode themselves
// (driver.Valuer) are left as they are.

// ValueError is the error of a field value that cannot be bound: a JSON
// field encoding/json refuses (an infinite float, a channel). A snapshot
// of such a field holds it in place of the value.
type ValueError struct {
	Field string // the Go field name
	Err   error
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("mapper: field %s: encode JSON: %v", e.Field, e.Err)
}

func (e *ValueError) Unwrap() error { return e.Err }

// planJSON marks f, once its column is known, as encoded to JSON text.
func (f *Field) planJSON() {
	if f.Col == nil || f.Col.Type.Kind != core.TypeJSON {
		return
	}
	t := f.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.String || t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType) {
		return
	}
	f.json, f.inline = true, false
	if f.Type.Kind() == reflect.Interface && f.Type.NumMethod() == 0 {
		// Addr gives a *jsonAny, the field's own memory (an any, as
		// jsonAny is) seen as a sql.Scanner.
		f.ptrTyp = typeWord((*jsonAny)(nil))
	}
}

// jsonAny is a JSON field of type any as a scan destination (see Addr).
// pgx decodes a json column into an any itself, but the MySQL and SQLite
// drivers return the text, and an any would keep those bytes: Scan
// decodes the text with json.Unmarshal on every driver (pgx hands a
// sql.Scanner the text too), so the field holds the same map[string]any,
// []any, float64, string or bool everywhere, and nil for NULL.
type jsonAny struct{ v any }

func (j *jsonAny) Scan(src any) error {
	var text []byte
	switch s := src.(type) {
	case nil:
		j.v = nil
		return nil
	case []byte:
		text = s
	case string:
		text = []byte(s)
	default:
		j.v = s // a value the driver decoded already
		return nil
	}
	j.v = nil
	if err := json.Unmarshal(text, &j.v); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	return nil
}

// IsJSON reports a field bound as JSON text (see Bind).
func (f *Field) IsJSON() bool { return f.json }

// Bind returns the field's value to bind as a statement argument: Value,
// except for a JSON field, whose value is its JSON text, a string (the
// bytes themselves for a []byte or json.RawMessage), and nil (NULL) for a
// nil map, slice or pointer. The error is a *ValueError.
func (f *Field) Bind(obj Ref) (any, error) {
	if !f.json {
		return f.Value(obj), nil
	}
	return f.encodeJSON(obj)
}

func (f *Field) encodeJSON(obj Ref) (any, error) {
	v := reflect.NewAt(f.Type, obj.at(f.offset)).Elem()
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return string(v.Bytes()), nil // JSON text already
		}
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, &ValueError{Field: f.Name, Err: err}
	}
	return string(b), nil
}

// snapshotJSON is the snapshot of a JSON field: its text, nil for NULL,
// or the *ValueError of a value that cannot be encoded.
func (f *Field) snapshotJSON(obj Ref) any {
	v, err := f.encodeJSON(obj)
	if err != nil {
		return err
	}
	return v
}

// unchangedJSON is Unchanged for a JSON field: the same text (a value that
// cannot be encoded is always changed, so that writing it fails).
func (f *Field) unchangedJSON(obj Ref, snap any) bool {
	cur, err := f.encodeJSON(obj)
	if err != nil {
		return false
	}
	if _, bad := snap.(*ValueError); bad {
		return false
	}
	return cur == snap
}
