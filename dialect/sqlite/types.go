package sqlite

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

// Value conversions on SQLite (modernc.org/sqlite).
//
// SQLite has five storage classes; Athanor fixes how each Go type is kept
// so that every value round-trips:
//
//	integers, floats, bool, string, []byte   native (bool is INTEGER 0/1)
//	time.Time                                TEXT in SQLite's own form (TimeText): the UTC wall
//	                                         clock "2006-01-02 15:04:05", with a fraction only when
//	                                         the value has one (nanoseconds kept, trailing zeros
//	                                         dropped), so it equals and sorts with what
//	                                         CURRENT_TIMESTAMP and datetime() write; scans back as
//	                                         UTC (the instant survives, the original zone does not)
//	DATE                                     BindValue: TEXT "2006-01-02", the calendar date of
//	                                         the instant in UTC; scans back at midnight UTC. The
//	                                         engine, which binds without column types, sends the
//	                                         TimeText form for every column
//	NUMERIC/DECIMAL                          string in and out; the column must have TEXT
//	                                         affinity (declared TEXT): SQLite converts text in a
//	                                         NUMERIC or DECIMAL column to a REAL, keeping 15 digits
//	UUID                                     TEXT, the canonical 36-character form (a BLOB column,
//	                                         core.Bytes(), gets the 16 bytes); scan into uuid.UUID,
//	                                         [16]byte or string
//	JSON                                     TEXT: json.RawMessage, []byte or string as JSON text;
//	                                         other values are marshalled with encoding/json when
//	                                         the column type is JSON, and unmarshalled on scan
//	NULL                                     nil, nil pointers, sql.Null* (any driver.Valuer)
//	arrays                                   not supported: an error naming the Go type
//
// BindValue and ScanTarget are what the engine calls per parameter and per
// result column.

// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into an argument
// modernc.org/sqlite stores without loss. It fails for Go slices and
// arrays other than []byte and UUIDs (arrays are PostgreSQL-only) and for
// structs or maps not bound to a JSON column.
func BindValue(v any, t core.Type) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64, float32, float64:
		if t.Kind == core.TypeJSON && x != nil {
			if s, ok := x.(string); ok {
				return s, nil
			}
			return marshalJSON(v)
		}
		return v, nil
	case []byte:
		if x == nil {
			return nil, nil
		}
		if t.Kind == core.TypeJSON {
			// A BLOB would be taken for JSONB by SQLite's JSON functions.
			return string(x), nil
		}
		return x, nil
	case json.RawMessage:
		if x == nil {
			return nil, nil
		}
		return string(x), nil
	case time.Time:
		return bindTime(x, t), nil
	case *time.Time:
		if x == nil {
			return nil, nil
		}
		return bindTime(*x, t), nil
	case sql.NullTime:
		if !x.Valid {
			return nil, nil
		}
		return bindTime(x.Time, t), nil
	case uuid.UUID:
		return bindUUID(x, t), nil
	case [16]byte:
		return bindUUID(x, t), nil
	}
	if t.Kind == core.TypeJSON {
		if _, ok := v.(driver.Valuer); !ok {
			return marshalJSON(v)
		}
	}
	if vr, ok := v.(driver.Valuer); ok {
		dv, err := vr.Value()
		if err != nil {
			return nil, fmt.Errorf("sqlite: bind %T: %w", v, err)
		}
		if _, again := dv.(driver.Valuer); again {
			return nil, fmt.Errorf("sqlite: bind %T: Value returned another driver.Valuer (%T)", v, dv)
		}
		return BindValue(dv, t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
		return BindValue(rv.Elem().Interface(), t)
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			if rv.Kind() == reflect.Array && rv.Len() == 16 {
				var u [16]byte
				reflect.Copy(reflect.ValueOf(u[:]), rv)
				return bindUUID(u, t), nil
			}
			if rv.Kind() == reflect.Slice {
				return BindValue(rv.Bytes(), t)
			}
		}
		return nil, fmt.Errorf("sqlite: cannot bind %T: array values are supported on PostgreSQL only; store it as JSON (core.JSON()) or in a child table", v)
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
	return nil, fmt.Errorf("sqlite: cannot bind %T to a %s column; declare the column JSON (core.JSON()) to store it as JSON", v, kindName(t))
}

func kindName(t core.Type) string {
	if t.Kind == core.TypeInvalid {
		return "non-JSON"
	}
	return t.Kind.String()
}

func marshalJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sqlite: bind %T as JSON: %w", v, err)
	}
	return string(b), nil
}

func bindTime(v time.Time, t core.Type) any {
	if t.Kind == core.TypeDate {
		return v.UTC().Format(time.DateOnly)
	}
	return TimeText(v)
}

// TimeFormat is the layout of TimeText: SQLite's own text form of a time
// (CURRENT_TIMESTAMP, datetime(), strftime's %Y-%m-%d %H:%M:%f), with the
// fraction's trailing zeros dropped.
const TimeFormat = "2006-01-02 15:04:05.999999999"

// TimeText is how a time.Time is stored and compared on SQLite: its UTC
// wall clock in TimeFormat, e.g. "2022-01-08 00:00:00" or
// "2022-01-08 00:00:00.25". Text in this form compares and sorts like the
// instants it holds, and equals what SQLite's date functions write for the
// same instant (to the second; SQLite's own fractions have three digits).
// The engine binds every time.Time argument this way.
func TimeText(v time.Time) string {
	return v.UTC().Format(TimeFormat)
}

// parseFormats are the text forms a time is read from: SQLite's own
// (TimeText, CURRENT_TIMESTAMP, datetime()), with an offset (the driver's
// "sqlite" format, older Athanor data) and RFC 3339.
var parseFormats = []string{
	TimeFormat,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	time.DateOnly,
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
// (*time.Time, **time.Time and *sql.NullTime, normalised to UTC), [16]byte UUIDs, json.RawMessage, and any other
// value of a JSON column (unmarshalled). Slices other than []byte and
// json.RawMessage fail unless the column is JSON: arrays are
// PostgreSQL-only.
func ScanTarget(dst any, t core.Type) (any, error) {
	switch d := dst.(type) {
	case *sql.NullTime:
		return &nullTimeScanner{dst: d}, nil
	case *string, *[]byte, *int64, *int32, *int16, *int8, *int, *uint64, *uint32, *uint16, *uint8, *uint,
		*float64, *float32, *bool, *any, *sql.RawBytes, sql.Scanner:
		return dst, nil
	case *time.Time:
		return &timeScanner{dst: d}, nil
	case **time.Time:
		return &timePtrScanner{dst: d}, nil
	case *[16]byte:
		return &uuidScanner{dst: d}, nil
	case *json.RawMessage:
		return &rawJSONScanner{dst: d}, nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, fmt.Errorf("sqlite: scan destination %T is not a non-nil pointer", dst)
	}
	if t.Kind == core.TypeJSON {
		return &jsonScanner{dst: dst}, nil
	}
	elem := rv.Type().Elem()
	for elem.Kind() == reflect.Pointer {
		elem = elem.Elem()
	}
	switch elem.Kind() {
	case reflect.Slice, reflect.Array:
		if elem.Elem().Kind() != reflect.Uint8 {
			return nil, fmt.Errorf("sqlite: cannot scan into %T: array values are supported on PostgreSQL only", dst)
		}
	case reflect.Struct, reflect.Map:
		return nil, fmt.Errorf("sqlite: cannot scan into %T from a %s column; declare the column JSON (core.JSON())", dst, kindName(t))
	}
	return dst, nil
}

// timeScanner stores a time as UTC: the driver's time.Time (columns
// declared DATE, DATETIME or TIMESTAMP), the text of any other column, or
// Unix seconds.
type timeScanner struct{ dst *time.Time }

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
		*s.dst = time.Unix(v, 0).UTC()
		return nil
	case nil:
		return fmt.Errorf("sqlite: cannot scan NULL into time.Time; scan into *time.Time or sql.NullTime")
	}
	return fmt.Errorf("sqlite: cannot scan %T into *time.Time", src)
}

func (s *timeScanner) parse(v string) error {
	for _, layout := range parseFormats {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			*s.dst = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("sqlite: cannot parse %q as a time", v)
}

type nullTimeScanner struct{ dst *sql.NullTime }

func (s *nullTimeScanner) Scan(src any) error {
	if src == nil {
		*s.dst = sql.NullTime{}
		return nil
	}
	var t time.Time
	if err := (&timeScanner{dst: &t}).Scan(src); err != nil {
		return err
	}
	*s.dst = sql.NullTime{Time: t, Valid: true}
	return nil
}

type timePtrScanner struct{ dst **time.Time }

func (s *timePtrScanner) Scan(src any) error {
	if src == nil {
		*s.dst = nil
		return nil
	}
	var t time.Time
	if err := (&timeScanner{dst: &t}).Scan(src); err != nil {
		return err
	}
	*s.dst = &t
	return nil
}

// uuidScanner reads CHAR(36) text or BINARY(16) bytes into a [16]byte.
type uuidScanner struct{ dst *[16]byte }

func (s *uuidScanner) Scan(src any) error {
	var u uuid.UUID
	if err := u.Scan(src); err != nil {
		return fmt.Errorf("sqlite: scan UUID: %w", err)
	}
	*s.dst = u
	return nil
}

type rawJSONScanner struct{ dst *json.RawMessage }

func (s *rawJSONScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.dst = nil
	case []byte:
		*s.dst = append(json.RawMessage(nil), v...)
	case string:
		*s.dst = json.RawMessage(v)
	default:
		return fmt.Errorf("sqlite: cannot scan %T into *json.RawMessage", src)
	}
	return nil
}

// jsonScanner unmarshals a JSON column into any destination; NULL leaves
// a pointer destination nil and others at their zero value.
type jsonScanner struct{ dst any }

func (s *jsonScanner) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		rv := reflect.ValueOf(s.dst).Elem()
		rv.SetZero()
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("sqlite: cannot scan %T from a JSON column into %T", src, s.dst)
	}
	if err := json.Unmarshal(b, s.dst); err != nil {
		return fmt.Errorf("sqlite: unmarshal JSON into %T: %w", s.dst, err)
	}
	return nil
}
