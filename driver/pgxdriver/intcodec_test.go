package pgxdriver_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/driver/pgxdriver"
)

// A float bound to an integer parameter is encoded only when it is a
// whole number in range; pgx alone truncates 1.5 to 1.
func TestWholeIntEncoding(t *testing.T) {
	m := pgtype.NewMap()
	pgxdriver.RegisterTypes(m)
	pgxdriver.RegisterTypes(m) // idempotent: no codec wrapped twice
	type myFloat float64
	half := 1.5
	whole := 2.0
	for _, oid := range []uint32{pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID} {
		for _, format := range []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode} {
			for _, v := range []any{1.5, float32(-0.25), &half, myFloat(3.75), pgtype.Float8{Float64: 0.5, Valid: true}, 1e300} {
				if _, err := m.Encode(oid, format, v, nil); err == nil || !strings.Contains(err.Error(), "not a whole number") {
					t.Errorf("oid %d format %d: %v (%T) encoded (%v)", oid, format, v, v, err)
				}
			}
			for _, v := range []any{2.0, float32(2), &whole, myFloat(2), pgtype.Float8{Float64: 2, Valid: true}} {
				b, err := m.Encode(oid, format, v, nil)
				if err != nil {
					t.Errorf("oid %d format %d: %v (%T): %v", oid, format, v, v, err)
					continue
				}
				var got int64
				if err := m.Scan(oid, format, b, &got); err != nil || got != 2 {
					t.Errorf("oid %d format %d: %v read back as %d (%v)", oid, format, v, got, err)
				}
			}
			if b, err := m.Encode(oid, format, pgtype.Float8{}, nil); err != nil || b != nil {
				t.Errorf("oid %d: a NULL Float8 gave %v, %v", oid, b, err)
			}
		}
	}
	if _, err := m.Encode(pgtype.Int2OID, pgtype.BinaryFormatCode, 40000.0, nil); err == nil {
		t.Error("40000.0 encoded as a smallint")
	}
	for _, oid := range []uint32{pgtype.Int2ArrayOID, pgtype.Int4ArrayOID, pgtype.Int8ArrayOID} {
		if _, err := m.Encode(oid, pgtype.BinaryFormatCode, []float64{1, 2.5}, nil); err == nil {
			t.Errorf("array oid %d: []float64{1, 2.5} encoded", oid)
		}
		if _, err := m.Encode(oid, pgtype.BinaryFormatCode, []float64{1, 2}, nil); err != nil {
			t.Errorf("array oid %d: %v", oid, err)
		}
	}
}
