package engine_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// Timestamps come back in UTC on PostgreSQL whatever the process's zone:
// the dialect's time policy, applied to every pooled connection.
func TestPostgresTimestampsScanInUTC(t *testing.T) {
	c := testdb.PG(t)
	db, err := engine.Open(context.Background(), c.Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got time.Time
	in := time.Date(2026, 3, 1, 12, 30, 15, 123456000, time.FixedZone("UTC+5", 5*3600))
	if err := db.QueryRow(context.Background(), core.Raw("SELECT ?::timestamptz", in).ReadOnly()).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got.Location() != time.UTC || !got.Equal(in) {
		t.Fatalf("got %v (%v), want %v in UTC", got, got.Location(), in)
	}
}

func openTZ(t *testing.T, dsn string) *engine.DB {
	t.Helper()
	db, err := engine.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var utcPlus5 = time.FixedZone("UTC+5", 5*3600)

// withParam adds a query parameter to a DSN.
func withParam(dsn, p string) string {
	if strings.Contains(dsn, "?") {
		return dsn + "&" + p
	}
	return dsn + "?" + p
}

// The session time zone is UTC on PostgreSQL and MySQL unless the DSN
// names one, so that the server's own clock (now(), LOCALTIMESTAMP,
// CURRENT_TIMESTAMP) agrees with the UTC wall clocks Athanor writes.
func TestSessionTimeZoneIsUTC(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, q, want string
		dsn           func(t *testing.T) string
	}{
		{"postgres", "SHOW TimeZone", "UTC", func(t *testing.T) string { return testdb.PG(t).Primary.URL() }},
		{"postgres explicit", "SHOW TimeZone", "Asia/Tokyo", func(t *testing.T) string { return withParam(testdb.PG(t).Primary.URL(), "timezone=Asia/Tokyo") }},
		{"mariadb", "SELECT @@session.time_zone", "+00:00", func(t *testing.T) string { return testdb.MySQL(t).Primary.URL() }},
		{"mariadb explicit", "SELECT @@session.time_zone", "+01:00", func(t *testing.T) string {
			return withParam(testdb.MySQL(t).Primary.URL(), "time_zone=%27%2B01%3A00%27")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTZ(t, tc.dsn(t))
			var got string
			if err := db.QueryRow(ctx, core.Raw(tc.q).ReadOnly()).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.q, got, tc.want)
			}
		})
	}
}

// go-sql-driver writes every time in the DSN's loc: one other than UTC
// would store local wall clocks, so Open refuses it.
func TestMySQLLocOtherThanUTCRefused(t *testing.T) {
	url := testdb.MySQL(t).Primary.URL()
	_, err := engine.Open(context.Background(), withParam(url, "loc=Asia%2FTokyo"))
	if err == nil || !strings.Contains(err.Error(), "loc=Asia/Tokyo") {
		t.Fatalf("Open with loc=Asia/Tokyo: %v, want an error naming loc", err)
	}
	db := openTZ(t, withParam(url, "loc=UTC"))
	var got time.Time
	in := time.Date(2022, 1, 8, 3, 0, 0, 0, utcPlus5)
	if err := db.QueryRow(context.Background(), core.Raw("SELECT CAST(? AS DATETIME(6))", in).ReadOnly()).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(in) || got.Location() != time.UTC {
		t.Errorf("got %v, want %v in UTC", got, in.UTC())
	}
}

// PostgreSQL: TIMESTAMP and DATE parameters, alone or in arrays (the
// session's INSERT … SELECT unnest path), get the UTC wall clock and the
// UTC date; batch results come back in UTC like a query's.
func TestPostgresTimestampParams(t *testing.T) {
	ctx := context.Background()
	db := openTZ(t, testdb.PG(t).Primary.URL())
	in := time.Date(2022, 1, 8, 3, 0, 0, 123456000, utcPlus5) // 2022-01-07 22:00:00.123456 UTC
	for _, tc := range []struct {
		q    string
		arg  any
		want string
	}{
		{"SELECT ?::timestamp::text", in, "2022-01-07 22:00:00.123456"},
		{"SELECT ?::date::text", in, "2022-01-07"},
		{"SELECT (?::timestamptz AT TIME ZONE 'UTC')::text", in, "2022-01-07 22:00:00.123456"},
		{"SELECT string_agg(v::text, ',') FROM unnest(?::timestamp[]) v", []time.Time{in, in.In(time.UTC)}, "2022-01-07 22:00:00.123456,2022-01-07 22:00:00.123456"},
		{"SELECT string_agg(v::text, ',') FROM unnest(?::date[]) v", []time.Time{in}, "2022-01-07"},
		{"SELECT ?::timestamp::text", &in, "2022-01-07 22:00:00.123456"},
		{"SELECT ?::timestamp::text", sql.NullTime{Time: in, Valid: true}, "2022-01-07 22:00:00.123456"},
	} {
		var got string
		if err := db.QueryRow(ctx, core.Raw(tc.q, tc.arg).ReadOnly()).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if got != tc.want {
			t.Errorf("%s with %T: %q, want %q", tc.q, tc.arg, got, tc.want)
		}
		// A batch sends parameters as text, typed by the server.
		res, err := db.Batch(ctx, core.Raw(tc.q, tc.arg).ReadOnly())
		if err != nil || res[0].Err != nil {
			t.Fatalf("batch %s: %v %v", tc.q, err, res[0].Err)
		}
		rows := res[0].Rows()
		if !rows.Next() {
			t.Fatalf("batch %s: no row", tc.q)
		}
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if got != tc.want {
			t.Errorf("batch %s with %T: %q, want %q", tc.q, tc.arg, got, tc.want)
		}
	}
	res, err := db.Batch(ctx, core.Raw("SELECT ?::timestamptz, ?::timestamp", in, in).ReadOnly())
	if err != nil || res[0].Err != nil {
		t.Fatalf("batch: %v %v", err, res[0].Err)
	}
	rows := res[0].Rows()
	var tz, ts time.Time
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(&tz, &ts); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, got := range []time.Time{tz, ts} {
		if !got.Equal(in) || got.Location() != time.UTC {
			t.Errorf("batch result %v (%v), want %v in UTC", got, got.Location(), in.UTC())
		}
	}
}

// SQLite: a bound time is SQLite's own text of its UTC wall clock,
// fraction only when present, so it equals CURRENT_TIMESTAMP's and
// datetime()'s text; any text form with an offset reads back in UTC.
func TestSQLiteTimeText(t *testing.T) {
	ctx := context.Background()
	db := openTZ(t, "sqlite://"+testdb.SQLite(t))
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2022, 1, 8, 5, 0, 0, 0, utcPlus5), "2022-01-08 00:00:00"},
		{time.Date(2022, 1, 8, 5, 0, 0, 500000000, utcPlus5), "2022-01-08 00:00:00.5"},
		{time.Date(2022, 1, 8, 0, 0, 0, 123456789, time.UTC), "2022-01-08 00:00:00.123456789"},
	} {
		var got string
		if err := db.QueryRow(ctx, core.Raw("SELECT ?", tc.in).ReadOnly()).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("bound %v as %q, want %q", tc.in, got, tc.want)
		}
	}
	var eq bool
	if err := db.QueryRow(ctx, core.Raw("SELECT ? = datetime('2022-01-08 00:00:00') AND ? = datetime(0, 'unixepoch')", time.Date(2022, 1, 8, 5, 0, 0, 0, utcPlus5), time.Unix(0, 0)).ReadOnly()).Scan(&eq); err != nil || !eq {
		t.Errorf("bound time = datetime(): %v, %v", eq, err)
	}
	for _, text := range []string{"2022-01-08 05:00:00+05:00", "2022-01-08T05:00:00+05:00", "2022-01-08 00:00:00", "2022-01-08T00:00:00Z", "2022-01-08 00:00:00Z"} {
		var got time.Time
		if err := db.QueryRow(ctx, core.Raw("SELECT ? AS t", text).ReadOnly()).Scan(&got); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if !got.Equal(time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
			t.Errorf("%q read as %v", text, got)
		}
	}
	// A column declared TIMESTAMP is parsed by the driver; a map scan
	// gets the time in UTC too.
	if _, err := db.Exec(ctx, core.Raw("CREATE TABLE legacy (t TIMESTAMP)")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, core.Raw("INSERT INTO legacy VALUES ('2022-01-08 05:00:00+05:00')")); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := db.QueryRow(ctx, core.Raw("SELECT t FROM legacy").ReadOnly()).Scan(&m); err != nil {
		t.Fatal(err)
	}
	if got, ok := m["t"].(time.Time); !ok || !got.Equal(time.Date(2022, 1, 8, 0, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("map scan of a TIMESTAMP column: %#v", m["t"])
	}
}
