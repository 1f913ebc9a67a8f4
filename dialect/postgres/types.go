package postgres

import (
	"database/sql"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/core"
)

// Value conversions on PostgreSQL.
//
// pgx encodes and decodes almost every Go type natively, so BindValue and
// ScanTarget mostly hand values through. What this file adds is the time
// policy, identical on every dialect:
//
//   - TIMESTAMPTZ holds an instant; it comes back in UTC (RegisterTypes).
//   - TIMESTAMP (without time zone) holds the UTC wall clock: a bound
//     time.Time is converted to UTC first, and scanned values come back in
//     UTC, so a round trip keeps the instant whatever the value's zone.
//   - DATE takes the calendar date of the value in its own zone and comes
//     back at midnight UTC.
//   - Precision is microseconds (PostgreSQL's), truncated, never rounded.
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
// Connections must use a type map prepared by RegisterTypes.

// RegisterTypes prepares a connection's type map: timestamps are scanned
// in UTC (TIMESTAMP as a UTC wall clock, TIMESTAMPTZ converted to UTC)
// instead of time.Local. Call it from pgx's AfterConnect, or on
// conn.TypeMap() right after pgx.Connect.
func RegisterTypes(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	m.RegisterType(&pgtype.Type{Name: "timestamp", OID: pgtype.TimestampOID, Codec: &pgtype.TimestampCodec{ScanLocation: time.UTC}})
	tsArray := func(name string, oid uint32, elem string) {
		et, _ := m.TypeForName(elem)
		m.RegisterType(&pgtype.Type{Name: name, OID: oid, Codec: &pgtype.ArrayCodec{ElementType: et}})
	}
	tsArray("_timestamptz", pgtype.TimestamptzArrayOID, "timestamptz")
	tsArray("_timestamp", pgtype.TimestampArrayOID, "timestamp")
}

// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into the argument pgx
// receives. Only times change: TIMESTAMP and unknown types get the UTC
// wall clock (see the policy above); TIMESTAMPTZ, DATE and every other
// value go through unchanged, pgx encoding them natively. It never fails
// on PostgreSQL; the error is there for symmetry with the other dialects.
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
	switch t.Kind {
	case core.TypeDate, core.TypeTimestampTZ, core.TypeTime:
		// A date is the value's own calendar date; TIMESTAMPTZ is the
		// instant whatever the zone; TIME is the wall clock.
		return v
	}
	return v.UTC()
}

// ScanTarget returns what to pass to pgx's Scan for dst (a non-nil
// pointer) reading a column of type t. pgx scans every supported type
// natively, so it returns dst.
func ScanTarget(dst any, t core.Type) (any, error) {
	return dst, nil
}
