package mysql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/internal/testdb"
)

type doc struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	N    int      `json:"n"`
}

type roundTrip struct {
	name   string
	column string
	typ    core.Type
	in     any
	dst    func() any
	want   any
}

var (
	cet     = time.FixedZone("CET", 3600)
	tokyo   = time.FixedZone("JST", 9*3600)
	instant = time.Date(2024, 3, 10, 13, 14, 15, 123456789, cet)
	micros  = time.Date(2024, 3, 10, 12, 14, 15, 123456000, time.UTC)
	uid     = uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e")
)

func ptr[T any](v T) *T { return &v }

func newOf[T any]() func() any { return func() any { return new(T) } }

func myCases() []roundTrip {
	return []roundTrip{
		{"tinyint", "TINYINT", core.SmallInt(), int8(math.MinInt8), newOf[int8](), int8(math.MinInt8)},
		{"smallint", "SMALLINT", core.SmallInt(), int16(math.MaxInt16), newOf[int16](), int16(math.MaxInt16)},
		{"int", "INT", core.Int(), int32(math.MinInt32), newOf[int32](), int32(math.MinInt32)},
		{"bigint", "BIGINT", core.BigInt(), int64(math.MaxInt64), newOf[int64](), int64(math.MaxInt64)},
		{"bigint unsigned", "BIGINT UNSIGNED", core.BigInt(), uint64(math.MaxUint64), newOf[uint64](), uint64(math.MaxUint64)},
		{"float", "FLOAT", core.Float(), float32(3.25), newOf[float32](), float32(3.25)},
		{"double", "DOUBLE", core.Double(), math.Pi, newOf[float64](), math.Pi},
		{"bool true", "BOOLEAN", core.Bool(), true, newOf[bool](), true},
		{"bool false", "BOOLEAN", core.Bool(), false, newOf[bool](), false},
		{"varchar", "VARCHAR(100)", core.String(100), "héllo 'wörld' \"q\" \\ ✓ 😀", newOf[string](), "héllo 'wörld' \"q\" \\ ✓ 😀"},
		{"longtext", "LONGTEXT", core.Text(), strings.Repeat("x", 70000), newOf[string](), strings.Repeat("x", 70000)},
		{"longblob", "LONGBLOB", core.Bytes(), []byte{0, 1, 2, 254, 255}, newOf[[]byte](), []byte{0, 1, 2, 254, 255}},
		{"datetime(6) stores UTC, µs truncated", "DATETIME(6)", core.TimestampTZ(), instant, newOf[time.Time](), micros},
		{"datetime(6) from Tokyo", "DATETIME(6)", core.Timestamp(), instant.In(tokyo), newOf[time.Time](), micros},
		{"datetime(6) unknown type", "DATETIME(6)", core.Type{}, instant, newOf[time.Time](), micros},
		{"date", "DATE", core.Date(), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), newOf[time.Time](), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{"date is the UTC calendar day of the instant", "DATE", core.Date(), time.Date(2024, 2, 29, 0, 30, 0, 0, tokyo), newOf[time.Time](), time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)},
		{"decimal as string, no float", "DECIMAL(65,30)", core.Numeric(65, 30), "12345678901234567890.012345678901234567890123456789", newOf[string](), "12345678901234567890.012345678901234567890123456789"},
		{"decimal(30,10) pads scale", "DECIMAL(30,10)", core.Numeric(30, 10), "0.1", newOf[string](), "0.1000000000"},
		{"uuid as CHAR(36) from uuid.UUID", "CHAR(36)", core.UUID(), uid, newOf[uuid.UUID](), uid},
		{"uuid as CHAR(36) from [16]byte", "CHAR(36)", core.UUID(), [16]byte(uid), newOf[[16]byte](), [16]byte(uid)},
		{"uuid as CHAR(36) into string", "CHAR(36)", core.UUID(), uid, newOf[string](), uid.String()},
		{"uuid as BINARY(16)", "BINARY(16)", core.Bytes(), uid, newOf[uuid.UUID](), uid},
		{"uuid as BINARY(16) into [16]byte", "BINARY(16)", core.Bytes(), [16]byte(uid), newOf[[16]byte](), [16]byte(uid)},
		{"json raw", "JSON", core.JSON(), json.RawMessage(`{"a": [1, 2.5, "x"]}`), newOf[json.RawMessage](), json.RawMessage(`{"a": [1, 2.5, "x"]}`)},
		{"json struct", "JSON", core.JSON(), doc{Name: "n", Tags: []string{"a", "b"}, N: 3}, newOf[doc](), doc{Name: "n", Tags: []string{"a", "b"}, N: 3}},
		{"json struct pointer", "JSON", core.JSON(), &doc{Name: "p"}, newOf[*doc](), &doc{Name: "p"}},
		{"json map", "JSON", core.JSON(), map[string]any{"k": "v"}, newOf[map[string]any](), map[string]any{"k": "v"}},
		{"json slice", "JSON", core.JSON(), []int64{1, 2}, newOf[[]int64](), []int64{1, 2}},
		{"json null into pointer", "JSON", core.JSON(), nil, newOf[*doc](), (*doc)(nil)},
		{"null pointer", "BIGINT", core.BigInt(), (*int64)(nil), newOf[*int64](), (*int64)(nil)},
		{"pointer", "BIGINT", core.BigInt(), ptr(int64(7)), newOf[*int64](), ptr(int64(7))},
		{"null time pointer", "DATETIME(6)", core.TimestampTZ(), (*time.Time)(nil), newOf[*time.Time](), (*time.Time)(nil)},
		{"time pointer", "DATETIME(6)", core.Timestamp(), &instant, newOf[*time.Time](), &micros},
		{"sql.NullString null", "TEXT", core.Text(), sql.NullString{}, newOf[sql.NullString](), sql.NullString{}},
		{"sql.NullString", "TEXT", core.Text(), sql.NullString{String: "x", Valid: true}, newOf[sql.NullString](), sql.NullString{String: "x", Valid: true}},
		{"sql.NullInt64", "BIGINT", core.BigInt(), sql.NullInt64{Int64: 9, Valid: true}, newOf[sql.NullInt64](), sql.NullInt64{Int64: 9, Valid: true}},
		{"sql.NullBool", "BOOLEAN", core.Bool(), sql.NullBool{Bool: true, Valid: true}, newOf[sql.NullBool](), sql.NullBool{Bool: true, Valid: true}},
		{"sql.NullTime", "DATETIME(6)", core.Timestamp(), sql.NullTime{Time: instant, Valid: true}, newOf[sql.NullTime](), sql.NullTime{Time: micros, Valid: true}},
		{"sql.Null[time.Time]", "DATETIME(6)", core.Timestamp(), sql.Null[time.Time]{V: instant, Valid: true}, newOf[time.Time](), micros},
		{"sql.NullTime null", "DATETIME(6)", core.TimestampTZ(), sql.NullTime{}, newOf[sql.NullTime](), sql.NullTime{}},
	}
}

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
	}
	return reflect.DeepEqual(got, want)
}

func TestRoundTrip(t *testing.T) {
	cl := testdb.MySQL(t)
	db := open(t, cl.Primary)
	ctx := context.Background()
	for i, tc := range myCases() {
		t.Run(tc.name, func(t *testing.T) {
			table := fmt.Sprintf("rt_%d", i)
			mustExec(t, db, fmt.Sprintf("CREATE TABLE %s (v %s)", table, tc.column))
			arg, err := mysql.BindValue(tc.in, tc.typ)
			if err != nil {
				t.Fatalf("BindValue(%T): %v", tc.in, err)
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO "+table+" VALUES (?)", arg); err != nil {
				t.Fatalf("insert %T: %v", tc.in, err)
			}
			dst := tc.dst()
			target, err := mysql.ScanTarget(dst, tc.typ)
			if err != nil {
				t.Fatalf("ScanTarget(%T): %v", dst, err)
			}
			if err := db.QueryRowContext(ctx, "SELECT v FROM "+table).Scan(target); err != nil {
				t.Fatalf("scan into %T: %v", dst, err)
			}
			got := reflect.ValueOf(dst).Elem().Interface()
			if !equal(got, tc.want) {
				t.Fatalf("round trip of %#v\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
		})
	}
}

func TestArraysAreRefused(t *testing.T) {
	_, err := mysql.BindValue([]int64{1, 2}, core.ArrayOf(core.BigInt()))
	if err == nil || !strings.Contains(err.Error(), "[]int64") || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("BindValue([]int64) error = %v, want one naming the type and PostgreSQL", err)
	}
	_, err = mysql.ScanTarget(new([]string), core.ArrayOf(core.Text()))
	if err == nil || !strings.Contains(err.Error(), "*[]string") {
		t.Errorf("ScanTarget(*[]string) error = %v, want one naming the type", err)
	}
	if _, err := mysql.BindValue(struct{ A int }{1}, core.Text()); err == nil {
		t.Error("BindValue(struct) into a TEXT column succeeded")
	}
}
