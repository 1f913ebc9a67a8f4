package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/internal/testdb"
)

type doc struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	N    int      `json:"n"`
}

type roundTrip struct {
	name   string
	column string    // SQL type
	typ    core.Type // what BindValue and ScanTarget are told
	in     any
	dst    func() any // a fresh pointer to scan into
	want   any        // what *dst must hold
}

var (
	cet     = time.FixedZone("CET", 3600)
	tokyo   = time.FixedZone("JST", 9*3600)
	instant = time.Date(2024, 3, 10, 13, 14, 15, 123456789, cet)
	micros  = time.Date(2024, 3, 10, 12, 14, 15, 123456000, time.UTC) // instant in UTC, truncated to µs
	uid     = uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e")
)

func ptr[T any](v T) *T { return &v }

func newOf[T any]() func() any { return func() any { return new(T) } }

func pgCases() []roundTrip {
	return []roundTrip{
		{"smallint", "smallint", core.SmallInt(), int16(math.MaxInt16), newOf[int16](), int16(math.MaxInt16)},
		{"int", "int", core.Int(), int32(math.MinInt32), newOf[int32](), int32(math.MinInt32)},
		{"bigint", "bigint", core.BigInt(), int64(math.MaxInt64), newOf[int64](), int64(math.MaxInt64)},
		{"int into bigint", "bigint", core.BigInt(), 42, newOf[int](), 42},
		{"real", "real", core.Float(), float32(3.25), newOf[float32](), float32(3.25)},
		{"double", "double precision", core.Double(), math.Pi, newOf[float64](), math.Pi},
		{"bool", "boolean", core.Bool(), true, newOf[bool](), true},
		{"text", "text", core.Text(), "héllo 'wörld' \"q\" \\ ✓", newOf[string](), "héllo 'wörld' \"q\" \\ ✓"},
		{"varchar", "varchar(20)", core.String(20), "short", newOf[string](), "short"},
		{"bytea", "bytea", core.Bytes(), []byte{0, 1, 2, 254, 255}, newOf[[]byte](), []byte{0, 1, 2, 254, 255}},
		{"timestamptz keeps the instant, back in UTC", "timestamptz", core.TimestampTZ(), instant, newOf[time.Time](), micros},
		{"timestamptz from Tokyo", "timestamptz", core.TimestampTZ(), instant.In(tokyo), newOf[time.Time](), micros},
		{"timestamp stores the UTC wall clock", "timestamp", core.Timestamp(), instant, newOf[time.Time](), micros},
		{"timestamp of unknown type", "timestamp", core.Type{}, instant, newOf[time.Time](), micros},
		{"timestamp(6) microseconds kept", "timestamp(6)", core.Timestamp(), micros, newOf[time.Time](), micros},
		{"date", "date", core.Date(), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), newOf[time.Time](), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"date is the UTC calendar day of the instant", "date", core.Date(), time.Date(2024, 2, 29, 0, 30, 0, 0, tokyo), newOf[time.Time](), time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)},
		{"numeric as string, no float", "numeric", core.Numeric(0, 0), "12345678901234567890.012345678901234567890123", newOf[string](), "12345678901234567890.012345678901234567890123"},
		{"numeric(30,10) pads scale", "numeric(30,10)", core.Numeric(30, 10), "0.1", newOf[string](), "0.1000000000"},
		{"uuid from uuid.UUID", "uuid", core.UUID(), uid, newOf[uuid.UUID](), uid},
		{"uuid from [16]byte", "uuid", core.UUID(), [16]byte(uid), newOf[[16]byte](), [16]byte(uid)},
		{"uuid into string", "uuid", core.UUID(), uid, newOf[string](), uid.String()},
		{"json raw", "json", core.JSON(), json.RawMessage(`{"a": [1, 2.5, "x"]}`), newOf[json.RawMessage](), json.RawMessage(`{"a": [1, 2.5, "x"]}`)},
		{"jsonb raw", "jsonb", core.JSON(), json.RawMessage(`{"a":1}`), newOf[json.RawMessage](), json.RawMessage(`{"a": 1}`)},
		{"jsonb struct", "jsonb", core.JSON(), doc{Name: "n", Tags: []string{"a", "b"}, N: 3}, newOf[doc](), doc{Name: "n", Tags: []string{"a", "b"}, N: 3}},
		{"jsonb map", "jsonb", core.JSON(), map[string]any{"k": "v"}, newOf[map[string]any](), map[string]any{"k": "v"}},
		{"bigint[]", "bigint[]", core.ArrayOf(core.BigInt()), []int64{1, -2, math.MaxInt64}, newOf[[]int64](), []int64{1, -2, math.MaxInt64}},
		{"text[]", "text[]", core.ArrayOf(core.Text()), []string{"a", "b,c", `"q"`, "{x}", ""}, newOf[[]string](), []string{"a", "b,c", `"q"`, "{x}", ""}},
		{"timestamptz[]", "timestamptz[]", core.ArrayOf(core.TimestampTZ()), []time.Time{instant}, newOf[[]time.Time](), []time.Time{micros}},
		{"uuid[]", "uuid[]", core.ArrayOf(core.UUID()), []uuid.UUID{uid}, newOf[[]uuid.UUID](), []uuid.UUID{uid}},
		{"null pointer", "bigint", core.BigInt(), (*int64)(nil), newOf[*int64](), (*int64)(nil)},
		{"pointer", "bigint", core.BigInt(), ptr(int64(7)), newOf[*int64](), ptr(int64(7))},
		{"null time pointer", "timestamptz", core.TimestampTZ(), (*time.Time)(nil), newOf[*time.Time](), (*time.Time)(nil)},
		{"time pointer", "timestamp", core.Timestamp(), &instant, newOf[*time.Time](), &micros},
		{"sql.NullString null", "text", core.Text(), sql.NullString{}, newOf[sql.NullString](), sql.NullString{}},
		{"sql.NullString", "text", core.Text(), sql.NullString{String: "x", Valid: true}, newOf[sql.NullString](), sql.NullString{String: "x", Valid: true}},
		{"sql.NullInt64", "bigint", core.BigInt(), sql.NullInt64{Int64: 9, Valid: true}, newOf[sql.NullInt64](), sql.NullInt64{Int64: 9, Valid: true}},
		{"sql.NullTime", "timestamp", core.Timestamp(), sql.NullTime{Time: instant, Valid: true}, newOf[sql.NullTime](), sql.NullTime{Time: micros, Valid: true}},
		{"sql.NullTime null", "timestamptz", core.TimestampTZ(), sql.NullTime{}, newOf[sql.NullTime](), sql.NullTime{}},
		{"null jsonb into pointer", "jsonb", core.JSON(), nil, newOf[*doc](), (*doc)(nil)},
	}
}

// equal compares round-tripped values; times must match in instant and in
// location name (UTC by policy).
func equal(got, want any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && g.Equal(w) && g.Location().String() == w.Location().String()
	case *time.Time:
		g, ok := got.(*time.Time)
		return ok && (g == nil) == (w == nil) && (w == nil || equal(*g, *w))
	case sql.NullTime:
		g, ok := got.(sql.NullTime)
		return ok && g.Valid == w.Valid && (!w.Valid || equal(g.Time, w.Time))
	case []time.Time:
		g, ok := got.([]time.Time)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !equal(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

func TestRoundTrip(t *testing.T) {
	cl := testdb.PG(t)
	c := connect(t, cl.Primary)
	ctx := context.Background()
	for i, tc := range pgCases() {
		t.Run(tc.name, func(t *testing.T) {
			table := fmt.Sprintf("rt_%d", i)
			mustExec(t, c, fmt.Sprintf("CREATE TABLE %s (v %s)", table, tc.column))
			arg, err := postgres.BindValue(tc.in, tc.typ)
			if err != nil {
				t.Fatalf("BindValue(%T): %v", tc.in, err)
			}
			if _, err := c.Exec(ctx, "INSERT INTO "+table+" VALUES ($1)", arg); err != nil {
				t.Fatalf("insert %T: %v", tc.in, err)
			}
			dst := tc.dst()
			target, err := postgres.ScanTarget(dst, tc.typ)
			if err != nil {
				t.Fatalf("ScanTarget(%T): %v", dst, err)
			}
			if err := c.QueryRow(ctx, "SELECT v FROM "+table).Scan(target); err != nil {
				t.Fatalf("scan into %T: %v", dst, err)
			}
			got := reflect.ValueOf(dst).Elem().Interface()
			if !equal(got, tc.want) {
				t.Fatalf("round trip of %#v\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
		})
	}
}
