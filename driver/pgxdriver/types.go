package pgxdriver

import (
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterTypes prepares a connection's type map for the time policy:
// TIMESTAMP and DATE parameters (and arrays of them) are encoded from a
// time.Time converted to UTC, where pgx would keep the value's own wall
// clock; TIMESTAMP is scanned as a UTC wall clock and TIMESTAMPTZ in UTC
// instead of time.Local; a core.RowColumn is encoded as an array of the
// type its parameter is cast to. Call it from pgx's AfterConnect, or on
// conn.TypeMap() right after pgx.Connect.
func RegisterTypes(m *pgtype.Map) { registerTypes(m, nil) }

// registerTypes is RegisterTypes for a map of the driver's own
// connection, whose large messages are built in bufs.
func registerTypes(m *pgtype.Map, bufs *sendBufs) {
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
	registerRowColumns(m, bufs)
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
