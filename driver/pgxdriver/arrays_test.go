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
		args[j] = core.RowColumn{Rows: rows, Col: j}
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
			big := core.RowColumn{Rows: [][]any{{int64(1)}, {int64(1 << 20)}}}
			if _, err := engine.One[int](t.Context(), db, core.Raw(`SELECT cardinality(CAST(? AS SMALLINT[]))`, big)); err == nil {
				t.Error("an integer out of the range of SMALLINT was sent")
			}
		})
	}
}
