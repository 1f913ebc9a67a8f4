// Package sqlconv holds the parameter binding and result scanning shared
// by the dialects whose drivers go through database/sql without native
// UUID, JSON or array types (MySQL/MariaDB and SQLite). Each dialect
// describes what differs — its name in error messages, how a time.Time is
// sent, which text forms a time is read from — in a Conv, and exports
// BindValue and ScanTarget as thin calls to it.
package sqlconv

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/google/uuid"

	"github.com/athanor-orm/athanor/core"
)

// Conv is one dialect's conversion policy. Its fields are set once, at
// package initialisation, and only read afterwards.
type Conv struct {
	// Name prefixes every error ("mysql", "sqlite").
	Name string
	// Time is the argument sent for a time.Time bound to any column but
	// DATE (which always gets the UTC calendar date as "2006-01-02").
	Time func(time.Time) any
	// TimeLayouts are the text forms a time is parsed from on scan, in
	// order; a layout without a zone is read as UTC.
	TimeLayouts []string
	// UnixSeconds lets an integer scan into a time as Unix seconds.
	UnixSeconds bool
}

// BindValue converts v, bound as a parameter for a column or expression of
// type t (the zero core.Type when unknown), into an argument the driver
// encodes without loss. It fails for Go slices and arrays other than
// []byte and UUIDs (arrays are PostgreSQL-only) and for structs or maps
// not bound to a JSON column.
func (c *Conv) BindValue(v any, t core.Type) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, float32, float64:
		if t.Kind == core.TypeJSON && x != nil {
			if s, ok := x.(string); ok {
				return s, nil
			}
			return c.marshalJSON(v)
		}
		return v, nil
	case []byte:
		if x == nil {
			return nil, nil
		}
		if t.Kind == core.TypeJSON {
			// MySQL refuses JSON from a binary-charset string, and SQLite's
			// JSON functions would take a BLOB for JSONB.
			return string(x), nil
		}
		return x, nil
	case json.RawMessage:
		if x == nil {
			return nil, nil
		}
		return string(x), nil
	case time.Time:
		return c.bindTime(x, t), nil
	case *time.Time:
		if x == nil {
			return nil, nil
		}
		return c.bindTime(*x, t), nil
	case sql.NullTime:
		if !x.Valid {
			return nil, nil
		}
		return c.bindTime(x.Time, t), nil
	case uuid.UUID:
		return bindUUID(x, t), nil
	case [16]byte:
		return bindUUID(x, t), nil
	}
	if t.Kind == core.TypeJSON {
		if _, ok := v.(driver.Valuer); !ok {
			return c.marshalJSON(v)
		}
	}
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return nil, fmt.Errorf("%s: bind %T: %w", c.Name, v, err)
		}
		if _, again := dv.(driver.Valuer); again {
			return nil, fmt.Errorf("%s: bind %T: Value returned another driver.Valuer (%T)", c.Name, v, dv)
		}
		return c.BindValue(dv, t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
		return c.BindValue(rv.Elem().Interface(), t)
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			if rv.Kind() == reflect.Array && rv.Len() == 16 {
				var u [16]byte
				reflect.Copy(reflect.ValueOf(u[:]), rv)
				return bindUUID(u, t), nil
			}
			if rv.Kind() == reflect.Slice {
				return c.BindValue(rv.Bytes(), t)
			}
		}
		return nil, fmt.Errorf("%s: cannot bind %T: array values are supported on PostgreSQL only; store it as JSON (core.JSON()) or in a child table", c.Name, v)
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return rv.Uint(), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	}
	return nil, fmt.Errorf("%s: cannot bind %T to a %s column; declare the column JSON (core.JSON()) to store it as JSON", c.Name, v, kindName(t))
}

func kindName(t core.Type) string {
	if t.Kind == core.TypeInvalid {
		return "non-JSON"
	}
	return t.Kind.String()
}

func (c *Conv) marshalJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: bind %T as JSON: %w", c.Name, v, err)
	}
	return string(b), nil
}

func (c *Conv) bindTime(v time.Time, t core.Type) any {
	if t.Kind == core.TypeDate {
		return v.UTC().Format(time.DateOnly)
	}
	return c.Time(v)
}

func bindUUID(u [16]byte, t core.Type) any {
	if t.Kind == core.TypeBytes {
		return u[:]
	}
	return uuid.UUID(u).String()
}

// ScanTarget returns what to pass to Rows.Scan for dst (a non-nil pointer)
// reading a column of type t: dst itself where database/sql converts
// directly, or an adapter that converts and stores into dst — times
// (*time.Time, **time.Time and *sql.NullTime, normalised to UTC), [16]byte
// UUIDs, json.RawMessage, and any other value of a JSON column
// (unmarshalled). Slices other than []byte and json.RawMessage fail unless
// the column is JSON: arrays are PostgreSQL-only.
func (c *Conv) ScanTarget(dst any, t core.Type) (any, error) {
	switch d := dst.(type) {
	case *sql.NullTime:
		return &nullTimeScanner{c: c, dst: d}, nil
	case *string, *[]byte, *int64, *int32, *int16, *int8, *int, *uint64, *uint32, *uint16, *uint8, *uint,
		*float64, *float32, *bool, *any, *sql.RawBytes, sql.Scanner:
		return dst, nil
	case *time.Time:
		return &timeScanner{c: c, dst: d}, nil
	case **time.Time:
		return &timePtrScanner{c: c, dst: d}, nil
	case *[16]byte:
		return &uuidScanner{c: c, dst: d}, nil
	case *json.RawMessage:
		return &rawJSONScanner{c: c, dst: d}, nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("%s: scan destination %T is not a non-nil pointer", c.Name, dst)
	}
	if t.Kind == core.TypeJSON {
		return &jsonScanner{c: c, dst: dst}, nil
	}
	elem := rv.Type().Elem()
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	switch elem.Kind() {
	case reflect.Slice, reflect.Array:
		if elem.Elem().Kind() != reflect.Uint8 {
			return nil, fmt.Errorf("%s: cannot scan into %T: array values are supported on PostgreSQL only", c.Name, dst)
		}
	case reflect.Struct, reflect.Map:
		return nil, fmt.Errorf("%s: cannot scan into %T from a %s column; declare the column JSON (core.JSON())", c.Name, dst, kindName(t))
	}
	return dst, nil
}

// timeScanner stores a time as UTC: the driver's time.Time, text in one of
// the dialect's layouts, or (where the dialect allows it) Unix seconds.
type timeScanner struct {
	c   *Conv
	dst *time.Time
}

func (s *timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*s.dst = v.UTC()
		return nil
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	case int64:
		if s.c.UnixSeconds {
			*s.dst = time.Unix(v, 0).UTC()
			return nil
		}
	case nil:
		return fmt.Errorf("%s: cannot scan NULL into time.Time; scan into *time.Time or sql.NullTime", s.c.Name)
	}
	return fmt.Errorf("%s: cannot scan %T into *time.Time", s.c.Name, src)
}

func (s *timeScanner) parse(v string) error {
	for _, layout := range s.c.TimeLayouts {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			*s.dst = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("%s: cannot parse %q as a time", s.c.Name, v)
}

type nullTimeScanner struct {
	c   *Conv
	dst *sql.NullTime
}

func (s *nullTimeScanner) Scan(src any) error {
	t, ok, err := s.c.scanNullable(src)
	if err != nil {
		return err
	}
	*s.dst = sql.NullTime{Time: t, Valid: ok}
	return nil
}

type timePtrScanner struct {
	c   *Conv
	dst **time.Time
}

func (s *timePtrScanner) Scan(src any) error {
	t, ok, err := s.c.scanNullable(src)
	switch {
	case err != nil:
		return err
	case !ok:
		*s.dst = nil
	default:
		*s.dst = &t
	}
	return nil
}

// scanNullable reads src as a time; ok is false for NULL.
func (c *Conv) scanNullable(src any) (t time.Time, ok bool, err error) {
	if src == nil {
		return time.Time{}, false, nil
	}
	err = (&timeScanner{c: c, dst: &t}).Scan(src)
	return t, err == nil, err
}

// uuidScanner reads the canonical text form or 16 raw bytes into a
// [16]byte.
type uuidScanner struct {
	c   *Conv
	dst *[16]byte
}

func (s *uuidScanner) Scan(src any) error {
	var u uuid.UUID
	if err := u.Scan(src); err != nil {
		return fmt.Errorf("%s: scan UUID: %w", s.c.Name, err)
	}
	*s.dst = u
	return nil
}

type rawJSONScanner struct {
	c   *Conv
	dst *json.RawMessage
}

func (s *rawJSONScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.dst = nil
	case []byte:
		*s.dst = append(json.RawMessage(nil), v...)
	case string:
		*s.dst = json.RawMessage(v)
	default:
		return fmt.Errorf("%s: cannot scan %T into *json.RawMessage", s.c.Name, src)
	}
	return nil
}

// jsonScanner unmarshals a JSON column into any destination; NULL leaves
// a pointer destination nil and others at their zero value.
type jsonScanner struct {
	c   *Conv
	dst any
}

func (s *jsonScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		reflect.ValueOf(s.dst).Elem().SetZero()
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("%s: cannot scan %T from a JSON column into %T", s.c.Name, src, s.dst)
	}
	if err := json.Unmarshal(b, s.dst); err != nil {
		return fmt.Errorf("%s: unmarshal JSON into %T: %w", s.c.Name, s.dst, err)
	}
	return nil
}
