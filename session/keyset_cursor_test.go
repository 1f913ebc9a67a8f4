package session

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/mapper"
)

type (
	cursorLevel uint8
	cursorName  string
	cursorRow   struct {
		ID     int64 `athanor:",pk"`
		I8     int8
		U64    uint64
		Level  cursorLevel
		F32    float32
		F64    float64
		Name   cursorName
		On     bool
		At     time.Time
		Blob   []byte
		UUID   [16]byte
		Price  athanor.Decimal
		Maybe  *int64
		MaybeT *time.Time
	}
)

// TestCursorRoundTrip: every supported type comes back exactly, as the
// field's own type, extremes and NULLs included; a cursor is refused when
// its fingerprint, value count or a value's type does not fit.
func TestCursorRoundTrip(t *testing.T) {
	m, err := mapper.RegisterIn[cursorRow](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var keys []keysetKey
	for _, f := range m.Fields() {
		keys = append(keys, keysetKey{name: f.Name, col: f.Col, field: f, nullable: f.Nullable})
	}
	fp := fingerprint(m.Name, keys)
	at := time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("x", 3600))
	rows := []cursorRow{
		{ID: math.MinInt64, I8: -128, U64: math.MaxUint64, Level: 255, F32: math.SmallestNonzeroFloat32,
			F64: 0.1 + 0.2, Name: "Ωmega\x00 end", On: true, At: at, Blob: []byte{0, 255, 1},
			UUID: [16]byte{1, 2, 3, 15: 9}, Price: athanor.MustDecimal("-12345678901234567890.001"),
			Maybe: new(int64), MaybeT: &at},
		{ID: math.MaxInt64, F64: math.Inf(-1), Blob: []byte{}, Price: athanor.MustDecimal("0.10")},
		{F64: math.Copysign(0, -1), At: time.Unix(-62135596800, 1).UTC()},
	}
	for i := range rows {
		p := m.Ref(&rows[i])
		vals := make([]any, len(keys))
		for j, k := range keys {
			vals[j] = k.field.Value(p)
		}
		c, err := encodeCursor(fp, keys, vals)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if strings.ContainsAny(c, "+/=") {
			t.Errorf("row %d: cursor %q is not unpadded base64url", i, c)
		}
		got, err := decodeCursor(c, fp, keys)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for j, k := range keys {
			want := vals[j]
			if tm, ok := want.(time.Time); ok {
				g, ok := got[j].(time.Time)
				if !ok || !g.Equal(tm) || g.Location() != time.UTC {
					t.Errorf("row %d %s: %v, want %v (UTC)", i, k.name, got[j], tm)
				}
				continue
			}
			if f, ok := want.(float64); ok {
				if g, ok := got[j].(float64); !ok || math.Float64bits(g) != math.Float64bits(f) {
					t.Errorf("row %d %s: %v, want %v", i, k.name, got[j], f)
				}
				continue
			}
			if b, ok := want.([]byte); ok && b == nil {
				if got[j] != nil {
					t.Errorf("row %d %s: %#v, want NULL for a nil slice", i, k.name, got[j])
				}
				continue
			}
			if reflect.TypeOf(got[j]) != reflect.TypeOf(want) || !reflect.DeepEqual(got[j], want) {
				t.Errorf("row %d %s: %#v, want %#v", i, k.name, got[j], want)
			}
		}
		if _, err := decodeCursor(c, fp+1, keys); !errors.Is(err, ErrInvalidCursor) {
			t.Errorf("row %d: other fingerprint: %v", i, err)
		}
		if _, err := decodeCursor(c, fp, keys[:len(keys)-1]); !errors.Is(err, ErrInvalidCursor) {
			t.Errorf("row %d: fewer keys: %v", i, err)
		}
	}
	// A value of one type read for a key of another.
	swapped := append([]keysetKey{keys[6], keys[0]}, keys[2:]...) // Name first, ID second
	c, err := encodeCursor(fingerprint(m.Name, swapped), keys, func() []any {
		p := m.Ref(&rows[0])
		vals := make([]any, len(keys))
		for j, k := range keys {
			vals[j] = k.field.Value(p)
		}
		return vals
	}())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeCursor(c, fingerprint(m.Name, swapped), swapped); !errors.Is(err, ErrInvalidCursor) || !strings.Contains(err.Error(), "Name") {
		t.Errorf("mistyped value: %v", err)
	}
	// NULL for a column that cannot be NULL.
	vals := make([]any, len(keys))
	c, _ = encodeCursor(fp, keys, vals)
	if _, err := decodeCursor(c, fp, keys); !errors.Is(err, ErrInvalidCursor) {
		t.Errorf("NULL id: %v", err)
	}
}
