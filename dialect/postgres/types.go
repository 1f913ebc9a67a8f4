package postgres

import (
	"database/sql"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// Value conversions on PostgreSQL.
//
// pgx encodes and decodes almost every Go type natively, so BindValue and
// ScanTarget mostly hand values through. What this file adds is the time
// policy, the same on every dialect (see the package doc): a time.Time is
// an instant, converted to UTC before it is encoded, and times come back
// in UTC. The pgx driver (package driver/pgxdriver) installs it on each
// connection's type map, so it holds for every parameter whatever built
// it:
//
//   - TIMESTAMPTZ holds the instant.
//   - TIMESTAMP (without time zone) holds the UTC wall clock.
//   - DATE holds the calendar date of the instant in UTC.
//   - TIME is a time of day: a time.Time is not converted for it.
//   - Precision is microseconds (PostgreSQL's), truncated, never rounded.
//
// A pgtype.Timestamp or pgtype.Date is pgx's own wall-clock value and is
// sent as it is.
//
// The driver also makes a float bound to a smallint, integer or bigint
// parameter an error unless it is a whole number (pgx would truncate
// 1.5 to 1); 2.0 is sent as 2.
//
// The other mappings are pgx's own:
//
//	integers, floats, bool, string, []byte   native
//	NUMERIC                                  string or pgtype.Numeric (no float on the way)
//	UUID                                     [16]byte, uuid.UUID, pgtype.UUID or its string
//	JSON/JSONB                               json.RawMessage, []byte, string, or any value pgx marshals with encoding/json
//	arrays                                   Go slices ([]int64, []string, …) and pgtype.Array
//	NULL                                     nil pointers, sql.Null*, pgtype types
//
// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into the argument pgx
// receives: a time.Time (or *time.Time, sql.NullTime) in UTC, except for
// a TIME column; every other value unchanged. A connection of driver/pgxdriver
// applies the same policy by itself, so the engine does not
// call it. It never fails on PostgreSQL; the error is there for symmetry
// with the other dialects.
func BindValue(v any, t core.Type) (any, error) {
	switch x := v.(type) {
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
	}
	return v, nil
}

func bindTime(v time.Time, t core.Type) time.Time {
	if t.Kind == core.TypeTime {
		return v // a time of day: its wall clock
	}
	return v.UTC()
}

// ScanTarget returns what to pass to pgx's Scan for dst (a non-nil
// pointer) reading a column of type t. pgx scans every supported type
// natively, so it returns dst.
func ScanTarget(dst any, t core.Type) (any, error) {
	return dst, nil
}
