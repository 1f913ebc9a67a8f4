package engine

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// convertAssign stores a database/sql/driver value (nil, int64, float64,
// bool, []byte, string, time.Time) into dest, a pointer. []byte sources
// are driver memory: they are always copied.
func convertAssign(dest any, src any) error {
	switch d := dest.(type) {
	case *any:
		if b, ok := src.([]byte); ok {
			*d = append([]byte(nil), b...)
		} else {
			*d = src
		}
		return nil
	case *string:
		switch s := src.(type) {
		case string:
			*d = s
			return nil
		case []byte:
			*d = string(s)
			return nil
		case int64:
			*d = strconv.FormatInt(s, 10)
			return nil
		case float64:
			*d = strconv.FormatFloat(s, 'g', -1, 64)
			return nil
		case bool:
			*d = strconv.FormatBool(s)
			return nil
		case time.Time:
			*d = s.Format(time.RFC3339Nano)
			return nil
		}
	case *[]byte:
		switch s := src.(type) {
		case nil:
			*d = nil
			return nil
		case []byte:
			*d = append((*d)[:0:0], s...)
			return nil
		case string:
			*d = []byte(s)
			return nil
		}
	case *int64:
		if n, ok, err := asInt(src); ok || err != nil {
			*d = n
			return err
		}
	case *int:
		if n, ok, err := asInt(src); ok || err != nil {
			*d = int(n)
			return err
		}
	case *int32:
		if n, ok, err := asInt(src); ok || err != nil {
			if err == nil && int64(int32(n)) != n {
				return fmt.Errorf("value %d overflows int32", n)
			}
			*d = int32(n)
			return err
		}
	case *float64:
		if f, ok, err := asFloat(src); ok || err != nil {
			*d = f
			return err
		}
	case *bool:
		switch s := src.(type) {
		case bool:
			*d = s
			return nil
		case int64:
			*d = s != 0
			return nil
		case []byte, string:
			v, err := strconv.ParseBool(asString(s))
			*d = v
			return err
		}
	case *time.Time:
		switch s := src.(type) {
		case time.Time:
			*d = s.UTC() // the time policy: times come back in UTC
			return nil
		case []byte, string:
			t, err := parseTime(asString(s))
			*d = t
			return err
		case int64:
			*d = time.Unix(s, 0).UTC()
			return nil
		}
	case *sql.NullTime:
		if src == nil {
			*d = sql.NullTime{}
			return nil
		}
		var t time.Time
		if err := convertAssign(&t, src); err != nil {
			return err
		}
		*d = sql.NullTime{Time: t, Valid: true}
		return nil
	case sql.Scanner:
		if b, ok := src.([]byte); ok {
			src = append([]byte(nil), b...)
		}
		return d.Scan(src)
	}
	return convertReflect(dest, src)
}

func asString(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case []byte:
		return string(s)
	}
	return fmt.Sprint(v)
}

func asInt(src any) (int64, bool, error) {
	switch s := src.(type) {
	case int64:
		return s, true, nil
	case bool:
		if s {
			return 1, true, nil
		}
		return 0, true, nil
	case []byte, string:
		n, err := strconv.ParseInt(asString(s), 10, 64)
		if err != nil {
			return 0, true, fmt.Errorf("converting %q to an integer: %w", asString(s), err)
		}
		return n, true, nil
	}
	return 0, false, nil
}

func asFloat(src any) (float64, bool, error) {
	switch s := src.(type) {
	case float64:
		return s, true, nil
	case int64:
		return float64(s), true, nil
	case []byte, string:
		f, err := strconv.ParseFloat(asString(s), 64)
		return f, true, err
	}
	return 0, false, nil
}

// timeLayouts are the text forms a time is read from: SQLite's own (the
// form the engine binds on SQLite, CURRENT_TIMESTAMP, datetime()), MySQL's
// DATETIME text (parseTime=false), with an offset or Z (the driver's
// "sqlite" format, older data) and RFC 3339, then shorter forms. A text
// without an offset is a UTC wall clock.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime reads a time from text, in UTC.
func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("converting %q to a time", s)
}

var errNilPtr = errors.New("destination pointer is nil")

// convertReflect handles pointers to pointers and named types.
func convertReflect(dest, src any) error {
	dv := reflect.ValueOf(dest)
	if dv.Kind() != reflect.Pointer {
		return fmt.Errorf("destination %T is not a pointer", dest)
	}
	if dv.IsNil() {
		return errNilPtr
	}
	e := dv.Elem()
	if src == nil {
		switch e.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
			e.SetZero()
			return nil
		}
		return fmt.Errorf("converting NULL to %s is unsupported (use a pointer or sql.Null type)", e.Type())
	}
	if e.Kind() == reflect.Pointer {
		nv := reflect.New(e.Type().Elem())
		if err := convertAssign(nv.Interface(), src); err != nil {
			return err
		}
		e.Set(nv)
		return nil
	}
	sv := reflect.ValueOf(src)
	if b, ok := src.([]byte); ok && e.Kind() != reflect.Slice {
		s := string(b)
		sv = reflect.ValueOf(s)
	}
	if sv.Type().AssignableTo(e.Type()) {
		if b, ok := src.([]byte); ok {
			e.Set(reflect.ValueOf(append([]byte(nil), b...)))
			return nil
		}
		e.Set(sv)
		return nil
	}
	switch e.Kind() {
	case reflect.String:
		e.SetString(asString(src))
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok, err := asInt(src)
		if ok || err != nil {
			if err == nil && e.OverflowInt(n) {
				return fmt.Errorf("value %d overflows %s", n, e.Type())
			}
			e.SetInt(n)
			return err
		}
		if f, ok := src.(float64); ok {
			// Only a whole number in range: no fraction dropped, no wrap.
			if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 || e.OverflowInt(int64(f)) {
				return fmt.Errorf("value %v does not fit %s", f, e.Type())
			}
			e.SetInt(int64(f))
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch s := src.(type) {
		case int64:
			if s < 0 || e.OverflowUint(uint64(s)) {
				return fmt.Errorf("value %d overflows %s", s, e.Type())
			}
			e.SetUint(uint64(s))
			return nil
		case uint64:
			if e.OverflowUint(s) {
				return fmt.Errorf("value %d overflows %s", s, e.Type())
			}
			e.SetUint(s)
			return nil
		case []byte, string:
			u, err := strconv.ParseUint(asString(s), 10, 64)
			if err != nil {
				return fmt.Errorf("converting %q to an unsigned integer: %w", asString(s), err)
			}
			if e.OverflowUint(u) {
				return fmt.Errorf("value %d overflows %s", u, e.Type())
			}
			e.SetUint(u)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		if f, ok, err := asFloat(src); ok || err != nil {
			if err == nil && e.OverflowFloat(f) {
				return fmt.Errorf("value %v overflows %s", f, e.Type())
			}
			e.SetFloat(f)
			return err
		}
	case reflect.Bool:
		var b bool
		if err := convertAssign(&b, src); err != nil {
			return err
		}
		e.SetBool(b)
		return nil
	}
	if sv.Type().ConvertibleTo(e.Type()) {
		e.Set(sv.Convert(e.Type()))
		return nil
	}
	if ok, err := scanJSON(e, src); ok {
		return err
	}
	return fmt.Errorf("cannot store %T into %s", src, e.Type())
}
