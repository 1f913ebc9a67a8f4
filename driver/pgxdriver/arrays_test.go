package pgxdriver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestRowColumnArrays: a core.RowColumn is bound as an array of its
// column's values, NULLs included, for the element types the fast path
// writes and those it leaves to pgx's element plans, in the default exec
// mode and in one that sends parameters untyped; an integer out of range
// of the element type is an error, not a wrapped value.
func TestRowColumnArrays(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	rows := [][]any{
		{"a", int64(1), int32(7), true, 1.5, at, []byte{1}},
		{nil, nil, nil, nil, nil, nil, nil},
		{"c\"d", 3, int16(-2), false, -0.25, at.Add(time.Hour), []byte{}},
	}
	const q = `SELECT array_to_string(CAST(? AS TEXT[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS BIGINT[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS SMALLINT[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS BOOLEAN[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS FLOAT8[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS TIMESTAMPTZ[]), ',', 'NULL') || '|' ||
		array_to_string(CAST(? AS BYTEA[]), ',', 'NULL')`
	const want = `a,NULL,c"d|1,NULL,3|7,NULL,-2|t,NULL,f|1.5,NULL,-0.25|2026-03-01 12:30:00+00,NULL,2026-03-01 13:30:00+00|\x01,NULL,\x`
	args := make([]any, 7)
	for j := range args {
		args[j] = core.RowColumn{Rows: core.ValueRows(rows), Col: j}
	}
	for _, mode := range []string{"", "exec", "simple_protocol"} {
		t.Run("mode="+mode, func(t *testing.T) {
			url := testdb.PG(t).Primary.URL()
			if mode != "" {
				sep := "?"
				if strings.Contains(url, "?") {
					sep = "&"
				}
				url += sep + "default_query_exec_mode=" + mode
			}
			db, err := engine.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			got, err := engine.One[string](t.Context(), db, core.Raw(q, args...))
			if err != nil || got != want {
				t.Fatalf("got %q, %v\nwant %q", got, err, want)
			}
			big := core.RowColumn{Rows: core.ValueRows{{int64(1)}, {int64(1 << 20)}}}
			if _, err := engine.One[int](t.Context(), db, core.Raw(`SELECT cardinality(CAST(? AS SMALLINT[]))`, big)); err == nil {
				t.Error("an integer out of the range of SMALLINT was sent")
			}
		})
	}
}

// TestKeySliceArrays: the key slices a relationship load binds as one
// array (= ANY) arrive whole, in order, empty slices included (nil ones are NULL),
// and = ANY of many keys finds each.
func TestKeySliceArrays(t *testing.T) {
	db, err := engine.Open(t.Context(), testdb.PG(t).Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		q    string
		arg  any
		want string
	}{
		{`SELECT array_to_string(CAST(? AS BIGINT[]), ',')`, []int64{-1, 0, 1 << 40}, "-1,0,1099511627776"},
		{`SELECT array_to_string(CAST(? AS INTEGER[]), ',')`, []int32{-7, 2147483647}, "-7,2147483647"},
		{`SELECT array_to_string(CAST(? AS INTEGER[]), ',')`, []int64{-2147483648, 0, 2147483647}, "-2147483648,0,2147483647"}, // an int64 field of a SERIAL column
		{`SELECT array_to_string(CAST(? AS SMALLINT[]), ',')`, []int64{-32768, 32767}, "-32768,32767"},
		{`SELECT array_to_string(CAST(? AS BIGINT[]), ',')`, []int32{-7, 2147483647}, "-7,2147483647"},
		{`SELECT array_to_string(CAST(? AS TEXT[]), ',')`, []string{"", "é,ß", "a\"b"}, `,é,ß,a"b`},
		{`SELECT coalesce(array_to_string(CAST(? AS BIGINT[]), ','), 'null') || cardinality(CAST(? AS BIGINT[]))`, []int64{}, "0"},
		{`SELECT coalesce(cardinality(CAST(? AS TEXT[])), -1)`, []string(nil), "-1"}, // nil is NULL, as pgx binds it
	} {
		args := []any{c.arg}
		if strings.Count(c.q, "?") == 2 {
			args = append(args, c.arg)
		}
		got, err := engine.One[string](t.Context(), db, core.Raw(c.q, args...))
		if err != nil || got != c.want {
			t.Errorf("%T %v: got %q, %v; want %q", c.arg, c.arg, got, err, c.want)
		}
	}
	for _, c := range []struct {
		q   string
		arg any
	}{
		{`SELECT cardinality(CAST(? AS INTEGER[]))`, []int64{1, 1 << 31}},
		{`SELECT cardinality(CAST(? AS SMALLINT[]))`, []int64{-32769}},
		{`SELECT cardinality(CAST(? AS SMALLINT[]))`, []int32{1 << 15}},
	} {
		if got, err := engine.One[int](t.Context(), db, core.Raw(c.q, c.arg)); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("%T %v: got %d, %v; want an out-of-range error", c.arg, c.arg, got, err)
		}
	}
	keys := make([]int64, 1000)
	for i := range keys {
		keys[i] = int64(i) * 1000
	}
	stmt := core.Raw(`SELECT count(*) FROM generate_series(CAST(0 AS BIGINT), 999999, 1000) AS g WHERE g = ANY(?)`, keys)
	n, err := engine.One[int](t.Context(), db, stmt)
	if err != nil || n != 1000 {
		t.Fatalf("= ANY of 1000 keys: %d rows, %v", n, err)
	}
}

// TestKeySliceArrayAllocs: a []int64 of 1000 keys is encoded without an
// allocation per key, into int8[] and into int4[] (an int64 field of an
// INTEGER column).
func TestKeySliceArrayAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are pinned without -race (sync.Pool drops items under it)")
	}
	db, err := engine.Open(t.Context(), testdb.PG(t).Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := make([]int64, 1000)
	for i := range keys {
		keys[i] = int64(i) * 1000
	}
	for _, typ := range []string{"BIGINT", "INTEGER"} {
		stmt := core.Raw(`SELECT count(*) FROM generate_series(CAST(0 AS `+typ+`), 999999, 1000) AS g WHERE g = ANY(?)`, keys)
		allocs := testing.AllocsPerRun(10, func() {
			if _, err := engine.One[int](t.Context(), db, stmt); err != nil {
				t.Fatal(err)
			}
		})
		t.Logf("%s: %v allocations", typ, allocs)
		if allocs > 15 { // measured 10: the statement, pgx's row, the count
			t.Errorf("= ANY of 1000 int64 keys as %s[] allocates %v times, want no allocation per key", typ, allocs)
		}
	}
}
