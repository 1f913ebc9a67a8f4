package pgxdriver

import (
	"fmt"
	"math"

	"github.com/jackc/pgx/v5/pgtype"
)

// registerWholeInts makes smallint, integer and bigint parameters (and
// arrays of them) refuse a float that is not a whole number: pgx would
// truncate it (1.9 is stored as 1). A whole float (2.0) is encoded as that
// integer, and the integer codec then checks its range as for any int64.
func registerWholeInts(m *pgtype.Map) {
	for _, t := range []struct {
		name, array   string
		oid, arrayOID uint32
	}{
		{"int2", "_int2", pgtype.Int2OID, pgtype.Int2ArrayOID},
		{"int4", "_int4", pgtype.Int4OID, pgtype.Int4ArrayOID},
		{"int8", "_int8", pgtype.Int8OID, pgtype.Int8ArrayOID},
	} {
		base, ok := m.TypeForOID(t.oid)
		if !ok {
			continue
		}
		if _, done := base.Codec.(wholeIntCodec); done {
			continue
		}
		m.RegisterType(&pgtype.Type{Name: t.name, OID: t.oid, Codec: wholeIntCodec{base.Codec}})
		// Array codecs hold their element type: registered again after it.
		et, _ := m.TypeForName(t.name)
		m.RegisterType(&pgtype.Type{Name: t.array, OID: t.arrayOID, Codec: &pgtype.ArrayCodec{ElementType: et}})
	}
}

// wholeIntCodec is pgx's integer codec, except that a float is checked
// before it is encoded. pgx plans pointers and named float types down to
// float64 or float32 first, so this catches them too.
type wholeIntCodec struct{ pgtype.Codec }

func (c wholeIntCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	switch value.(type) {
	case float64, float32, pgtype.Float8, pgtype.Float4:
		// pgtype.Int8 is planned by every integer codec (an Int64Valuer),
		// with its range check.
		if next := c.Codec.PlanEncode(m, oid, format, pgtype.Int8{}); next != nil {
			return wholeIntPlan{next}
		}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

type wholeIntPlan struct{ next pgtype.EncodePlan }

func (p wholeIntPlan) Encode(value any, buf []byte) ([]byte, error) {
	var f float64
	switch x := value.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case pgtype.Float8:
		if !x.Valid {
			return nil, nil
		}
		f = x.Float64
	case pgtype.Float4:
		if !x.Valid {
			return nil, nil
		}
		f = float64(x.Float32)
	default:
		return nil, fmt.Errorf("postgres: cannot encode %T as an integer", value)
	}
	// -2^63 is an int64; 2^63 is not.
	if f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return nil, fmt.Errorf("postgres: %v is not a whole number in the range of an integer parameter", f)
	}
	return p.next.Encode(pgtype.Int8{Int64: int64(f), Valid: true}, buf)
}
