package pgxdriver_test

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestLargeArrayMessages: statements binding rows as arrays, of sizes
// around and above what a connection keeps for them, arrive intact one
// after the other on one connection (a kept buffer reused must not leak
// the previous statement's bytes), whatever ran in between; and a
// 20 KB one allocates no more than a small one: its message is not
// grown by doubling.
func TestLargeArrayMessages(t *testing.T) {
	db, err := engine.Open(t.Context(), testdb.PG(t).Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const q = `SELECT md5(array_to_string(CAST(? AS TEXT[]), ',')) || ' ' ||
		md5(array_to_string(CAST(? AS BIGINT[]), ',')) || ' ' || cardinality(CAST(? AS BOOLEAN[]))`
	// prepare returns the arguments binding rows rows of values made
	// from seed, and the answer the server must give for them.
	prepare := func(rows int, seed string) ([]any, string) {
		vals := make([][]any, rows)
		texts, ints := make([]string, rows), make([]string, rows)
		for i := range vals {
			s := fmt.Sprintf("%s-%d-%s", seed, i, strings.Repeat("x", i%50))
			vals[i] = []any{s, int64(i) * 7, i%2 == 0}
			texts[i], ints[i] = s, strconv.Itoa(i*7)
		}
		sum := func(parts []string) string {
			h := md5.Sum([]byte(strings.Join(parts, ",")))
			return hex.EncodeToString(h[:])
		}
		rs := core.ValueRows(vals)
		args := []any{&core.RowColumn{Rows: rs, Col: 0}, &core.RowColumn{Rows: rs, Col: 1}, &core.RowColumn{Rows: rs, Col: 2}}
		return args, fmt.Sprintf("%s %s %d", sum(texts), sum(ints), rows)
	}
	query := func(t *testing.T, args []any, want string) {
		t.Helper()
		got, err := engine.One[string](t.Context(), db, core.Raw(q, args...))
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	for i, rows := range []int{300, 2, 300, 20, 4000, 300, 9000, 1} {
		args, want := prepare(rows, "r"+strconv.Itoa(i))
		query(t, args, want)
		if _, err := engine.One[int](t.Context(), db, core.Raw(`SELECT 1`)); err != nil {
			t.Fatal(err)
		}
	}
	if raceEnabled {
		return // allocation counts are pinned without -race
	}
	// Bytes, not allocation counts: a message grown by doubling is a few
	// allocations, but about four times its size.
	perRun := func(f func()) int {
		f()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 50
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		return int(after.TotalAlloc-before.TotalAlloc) / runs
	}
	rowsBytes := func(rows int) (bytes, msg int) {
		args, want := prepare(rows, "a")
		for i := range rows {
			msg += 4 + len(args[0].(*core.RowColumn).Index(i).(string)) + 4 + 8 + 4 + 1
		}
		return perRun(func() { query(t, args, want) }), msg
	}
	small, _ := rowsBytes(2)
	large, msg := rowsBytes(300)
	t.Logf("bytes allocated per statement: 2 rows %d, 300 rows %d (message about %d)", small, large, msg)
	if extra := large - small; extra > msg/2 {
		t.Errorf("a 300-row statement allocates %d bytes more than a 2-row one, for a message of %d: want less than half of it", extra, msg)
	}
	// The slices of keys a relationship load binds (see planFlatSlice).
	keysBytes := func(n int) int {
		keys := make([]int64, n)
		for i := range keys {
			keys[i] = int64(i)
		}
		stmt := core.Raw(`SELECT cardinality(CAST(? AS BIGINT[]))`, keys)
		return perRun(func() {
			if got, err := engine.One[int](t.Context(), db, stmt); err != nil || got != n {
				t.Fatalf("%d keys: got %d, %v", n, got, err)
			}
		})
	}
	few, many := keysBytes(2), keysBytes(1500)
	t.Logf("bytes allocated per statement: 2 keys %d, 1500 keys %d (message about %d)", few, many, 12*1500)
	if extra := many - few; extra > 12*1500/2 {
		t.Errorf("1500 keys allocate %d bytes more than 2, for a message of %d: want less than half of it", extra, 12*1500)
	}
}
