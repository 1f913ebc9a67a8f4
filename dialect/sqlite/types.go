package sqlite

import (
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/sqlconv"
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

// conv is the SQLite conversion policy: times go as TimeText, and a time
// also scans from Unix seconds (an INTEGER column).
var conv = &sqlconv.Conv{
	Name:        "sqlite",
	Time:        func(v time.Time) any { return TimeText(v) },
	TimeLayouts: parseFormats,
	UnixSeconds: true,
}

// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into an argument
// modernc.org/sqlite stores without loss. It fails for Go slices and
// arrays other than []byte and UUIDs (arrays are PostgreSQL-only) and for
// structs or maps not bound to a JSON column.
func BindValue(v any, t core.Type) (any, error) { return conv.BindValue(v, t) }

// ScanTarget returns what to pass to Rows.Scan for dst (a non-nil pointer)
// reading a column of type t: dst itself where database/sql converts
// directly, or an adapter that converts and stores into dst — times
// (*time.Time, **time.Time and *sql.NullTime, normalised to UTC), [16]byte
// UUIDs, json.RawMessage, and any other value of a JSON column
// (unmarshalled). Slices other than []byte and json.RawMessage fail unless
// the column is JSON: arrays are PostgreSQL-only.
func ScanTarget(dst any, t core.Type) (any, error) { return conv.ScanTarget(dst, t) }
