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
// policy, the same on every dialect (see the package doc): a time.Time is
// an instant, converted to UTC before it is encoded, and times come back
// in UTC. RegisterTypes installs it on a connection's type map, so it
// holds for every parameter whatever built it:
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
// RegisterTypes also makes a float bound to a smallint, integer or bigint
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
// Connections must use a type map prepared by RegisterTypes.

// RegisterTypes prepares a connection's type map for the time policy:
// TIMESTAMP and DATE parameters (and arrays of them) are encoded from a
// time.Time converted to UTC, where pgx would keep the value's own wall
// clock; TIMESTAMP is scanned as a UTC wall clock and TIMESTAMPTZ in UTC
// instead of time.Local. Call it from pgx's AfterConnect, or on
// conn.TypeMap() right after pgx.Connect.
func RegisterTypes(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	m.RegisterType(&pgtype.Type{Name: "timestamp", OID: pgtype.TimestampOID, Codec: &utcTimestampCodec{pgtype.TimestampCodec{ScanLocation: time.UTC}}})
	m.RegisterType(&pgtype.Type{Name: "date", OID: pgtype.DateOID, Codec: utcDateCodec{}})
	// Array codecs hold their element type: registered again after it.
	array := func(name string, oid uint32, elem string) {
		et, _ := m.TypeForName(elem)
		m.RegisterType(&pgtype.Type{Name: name, OID: oid, Codec: &pgtype.ArrayCodec{ElementType: et}})
	}
	array("_timestamptz", pgtype.TimestamptzArrayOID, "timestamptz")
	array("_timestamp", pgtype.TimestampArrayOID, "timestamp")
	array("_date", pgtype.DateArrayOID, "date")
	registerWholeInts(m)
}

// utcTimestampCodec is pgx's TIMESTAMP codec, except that a time.Time is
// converted to UTC before pgx drops its zone. pgx plans pointers, named
// time types and sql.NullTime down to a plain time.Time, so this catches
// all of them.
type utcTimestampCodec struct{ pgtype.TimestampCodec }

func (c *utcTimestampCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(time.Time); ok {
		if next := c.TimestampCodec.PlanEncode(m, oid, format, pgtype.Timestamp{}); next != nil {
			return utcTimestampPlan{next}
		}
	}
	return c.TimestampCodec.PlanEncode(m, oid, format, value)
}

type utcTimestampPlan struct{ next pgtype.EncodePlan }

func (p utcTimestampPlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.Timestamp{Time: value.(time.Time).UTC(), Valid: true}, buf)
}

// utcDateCodec is pgx's DATE codec, except that a time.Time gives its
// UTC calendar date rather than the one in its own zone: the date is the
// same whichever path (typed, text, MySQL, SQLite) the value takes.
type utcDateCodec struct{ pgtype.DateCodec }

func (c utcDateCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(time.Time); ok {
		if next := c.DateCodec.PlanEncode(m, oid, format, pgtype.Date{}); next != nil {
			return utcDatePlan{next}
		}
	}
	return c.DateCodec.PlanEncode(m, oid, format, value)
}

type utcDatePlan struct{ next pgtype.EncodePlan }

func (p utcDatePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.Date{Time: value.(time.Time).UTC(), Valid: true}, buf)
}

// BindValue converts v, bound as a parameter for a column or expression
// of type t (the zero core.Type when unknown), into the argument pgx
// receives: a time.Time (or *time.Time, sql.NullTime) in UTC, except for
// a TIME column; every other value unchanged. A connection prepared by
// RegisterTypes applies the same policy by itself, so the engine does not
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
