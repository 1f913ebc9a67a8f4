package mysql

import (
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/sqlconv"
)

// Value conversions on MySQL and MariaDB (go-sql-driver/mysql).
//
// Time policy (the same on every dialect; see the package doc). DATETIME
// has no time zone, so Athanor stores the UTC wall clock in it: every
// time.Time is converted to UTC and truncated to microseconds (TimeValue;
// DATETIME(6) — MySQL 8 would otherwise round, MariaDB truncate), and
// values scan back as UTC. The engine opens connections with
// parseTime=true, loc=UTC (so go-sql-driver writes and reads UTC) and the
// session time_zone '+00:00' (so NOW() and CURRENT_TIMESTAMP give the UTC
// wall clock too). TIMESTAMPTZ columns are DATETIME(6) as well: the
// instant survives, the original zone does not (no SQL database keeps
// it). DATE takes the calendar date of the instant in UTC and scans back
// at midnight UTC.
//
// Other types:
//
//	integers, floats, bool, string, []byte   native (bool is TINYINT(1))
//	DECIMAL                                  string in and out: no float on the way
//	UUID                                     CHAR(36), the canonical text form; bind
//	                                         uuid.UUID or [16]byte, scan into either or a string
//	                                         (a BINARY(16) column, core.Bytes(), gets the 16 bytes)
//	JSON                                     json.RawMessage, []byte or string as JSON text; other
//	                                         values are marshalled with encoding/json when the
//	                                         column type is JSON, and scan back by json.Unmarshal
//	NULL                                     nil, nil pointers, sql.Null* (any driver.Valuer)
//	arrays                                   not supported: an error naming the Go type
//
// BindValue and ScanTarget are what the engine calls per parameter and per
// result column.

// TimeValue is the time.Time sent for v: the same instant in UTC,
// truncated to the microsecond DATETIME(6) keeps. The engine binds every
// time.Time argument this way.
func TimeValue(v time.Time) time.Time {
	return v.UTC().Truncate(time.Microsecond)
}

// conv is the MySQL conversion policy; the text layouts are what a
// connection without parseTime=true returns.
var conv = &sqlconv.Conv{
	Name:        "mysql",
	Time:        func(v time.Time) any { return TimeValue(v) },
	TimeLayouts: []string{"2006-01-02 15:04:05.999999999", time.DateOnly},
}

// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into an argument
// go-sql-driver/mysql encodes without loss. It fails for Go slices and
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
