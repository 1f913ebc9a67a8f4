package conformance

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Dialect names, as questions name them in overrides.
const (
	pg    = "postgres"
	maria = "mariadb"
	lite  = "sqlite"
)

// env is one loaded Chinook database: Athanor's engine on it, the oracle
// (the plain driver), the Core tables and the ORM registry in the
// dialect's naming.
type env struct {
	name   string
	db     *engine.DB
	or     oracle
	n      func(string) string
	tables map[string]tbl
	reg    *mapper.Registry
	m2mReg *mapper.Registry // the many-to-many playlist model (see q_m2m_test.go)
}

// T returns a Chinook table by its PascalCase name.
func (e *env) T(name string) tbl {
	t, ok := e.tables[name]
	if !ok {
		panic("conformance: no table " + name)
	}
	return t
}

// session opens an ORM session on the loaded database.
func (e *env) session() *session.Session {
	return session.New(session.DB(e.db), session.Options{Registry: e.reg})
}

// rows runs a Core statement through the engine and returns its rows.
func (e *env) rows(ctx context.Context, stmt core.Statement) ([][]any, error) {
	return e.rowsWith(ctx, stmt, func(int) any { return nil })
}

// rowsWith is rows, scanning column i into dest(i) where that is not nil
// (a pointer, whose value is then the row's value), into an any otherwise.
func (e *env) rowsWith(ctx context.Context, stmt core.Statement, dest func(i int) any) ([][]any, error) {
	rs, err := e.db.Query(ctx, stmt)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	n := len(rs.Columns())
	var out [][]any
	for rs.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			if ptrs[i] = dest(i); ptrs[i] == nil {
				ptrs[i] = &vals[i]
			}
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, p := range ptrs {
			if p != &vals[i] {
				vals[i] = p
			}
		}
		out = append(out, vals)
	}
	return out, rs.Err()
}

// question is one thing asked of Chinook: Athanor's answer is compared
// with the oracle's, exactly.
type question struct {
	name string
	// athanor answers through Core (via the engine) or the ORM.
	athanor func(ctx context.Context, e *env) ([][]any, error)
	// sql is the oracle: hand-written SQL on the plain driver, with
	// Chinook's PascalCase identifiers (translated for PostgreSQL); per
	// overrides it for one dialect, and an empty override means the
	// feature does not exist there.
	sql string
	per map[string]string
	// anyOrder compares rows as multisets (the question has no ORDER BY).
	anyOrder bool
	// exact: a decimal question. No binary float may appear in either
	// answer (the oracle computes exactly, Athanor scans into
	// athanor.Decimal), so equal text is the exact value.
	exact bool
	// write is the oracle's version of a write question's change: it runs
	// in a transaction rolled back after sql reads the expected state;
	// then athanor makes the change for real and sql reads it again.
	write    string
	writePer map[string]string
	// empty allows an empty answer (otherwise a question proving nothing
	// is an error in the question).
	empty bool
}

func (q question) on(dialect, sql string) question {
	q.per = maps(q.per, dialect, sql)
	return q
}
func (q question) not(dialect string) question { return q.on(dialect, "") }
func (q question) unordered() question         { q.anyOrder = true; return q }
func (q question) allowEmpty() question        { q.empty = true; return q }
func (q question) exactly() question           { q.exact = true; return q }
func (q question) writeOn(dialect, sql string) question {
	q.writePer = maps(q.writePer, dialect, sql)
	return q
}

func maps(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for kk, vv := range m {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}

// coreQ is a question answered by a Core statement run through the engine.
func coreQ(name, sql string, stmt func(e *env) core.Statement) question {
	return question{name: name, sql: sql, athanor: func(ctx context.Context, e *env) ([][]any, error) {
		return e.rows(ctx, stmt(e))
	}}
}

// ormQ is a question answered through the ORM; fn returns the rows it
// builds from the loaded objects.
func ormQ(name, sql string, fn func(ctx context.Context, e *env) ([][]any, error)) question {
	return question{name: name, sql: sql, athanor: fn}
}

// writeQ is a write question: fn changes the database through Athanor,
// write is the same change in hand-written SQL, check reads the result.
func writeQ(name, write, check string, fn func(ctx context.Context, e *env) error) question {
	return question{name: name, sql: check, write: write, athanor: func(ctx context.Context, e *env) ([][]any, error) {
		return nil, fn(ctx, e)
	}}
}

func (q question) oracleSQL(e *env) (string, bool) {
	s := q.sql
	if o, ok := q.per[e.name]; ok {
		if o == "" {
			return "", false
		}
		s = o
	}
	return translate(s, e.n), true
}

func (q question) writeSQL(e *env) string {
	s := q.write
	if o, ok := q.writePer[e.name]; ok {
		s = o
	}
	return translate(s, e.n)
}

// --- normalisation: every value as a string, compared exactly ---

var (
	timeText    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)
	decimalText = regexp.MustCompile(`^-?\d+\.\d+$`)
)

func normRow(vals []any) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = norm(v)
	}
	return out
}

// normRows normalises an answer; in a decimal question (exact) a binary
// float is an error, named by row and column.
func normRows(rows [][]any, exact bool) ([][]string, error) {
	out := make([][]string, 0, len(rows))
	for i, r := range rows {
		if exact {
			for j, v := range r {
				switch v.(type) {
				case float64, float32:
					return nil, fmt.Errorf("row %d column %d is the binary float %v in a decimal question", i, j, v)
				}
			}
		}
		out = append(out, normRow(r))
	}
	return out, nil
}

// norm writes a value so that equal data from different drivers is equal
// text: times as UTC instants, decimals without trailing zeros (exact:
// the digits the driver gave, or the shortest float64 text), booleans as
// 1/0 (MySQL and SQLite have no boolean type).
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return normText(x)
	case []byte:
		return normText(string(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return trimZeros(strconv.FormatFloat(x, 'f', -1, 64))
	case float32:
		return trimZeros(strconv.FormatFloat(float64(x), 'f', -1, 32))
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case driver.Valuer:
		rv := reflect.ValueOf(x)
		if rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "NULL"
		}
		dv, err := x.Value()
		if err != nil {
			return "ERROR(" + err.Error() + ")"
		}
		return norm(dv)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "NULL"
		}
		return norm(rv.Elem().Interface())
	}
	if s, ok := v.(fmt.Stringer); ok {
		return normText(s.String())
	}
	return fmt.Sprint(v)
}

func normText(s string) string {
	if timeText.MatchString(s) {
		for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
	}
	if decimalText.MatchString(s) {
		return trimZeros(s)
	}
	return s
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// --- running ---

type outcome int

const (
	passed outcome = iota
	failed
	notApplicable
)

type tally struct {
	mu     sync.Mutex
	counts [3]int
	failed []string
}

func (t *tally) add(q question, o outcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[o]++
	if o == failed {
		t.failed = append(t.failed, q.name)
	}
}

// ask runs one question on e and reports its outcome: every wrong answer
// fails the test (no question is excused).
func ask(t *testing.T, e *env, q question, tl *tally) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	oq, ok := q.oracleSQL(e)
	if !ok {
		tl.add(q, notApplicable)
		t.Skipf("not applicable on %s", e.name)
	}
	err := answer(ctx, e, q, oq)
	var qerr errQuestion
	switch {
	case errors.As(err, &qerr):
		tl.add(q, failed)
		t.Errorf("%s on %s: the question is wrong: %v", q.name, e.name, err)
	case err == nil:
		tl.add(q, passed)
	default:
		tl.add(q, failed)
		t.Errorf("%s on %s: %v", q.name, e.name, err)
	}
}

// errQuestion is a mistake in the question itself (its oracle), not in
// Athanor.
type errQuestion struct{ error }

// oracle runs the oracle's SQL and normalises its answer; a binary float
// in a decimal question is a mistake in the question.
func (q question) oracle(ctx context.Context, o oracle, sql string) ([][]string, error) {
	rows, err := o.query(ctx, sql)
	if err != nil {
		return nil, err
	}
	out, err := normRows(rows, q.exact)
	if err != nil {
		return nil, errQuestion{fmt.Errorf("the oracle's answer: %w: compute it exactly", err)}
	}
	return out, nil
}

func answer(ctx context.Context, e *env, q question, oq string) error {
	var want [][]string
	if q.write != "" {
		before, err := q.oracle(ctx, e.or, oq)
		if err != nil {
			return errQuestion{fmt.Errorf("oracle check before the write: %w\n%s", err, oq)}
		}
		err = e.or.inTx(ctx, func(o oracle) error {
			if err := o.exec(ctx, q.writeSQL(e)); err != nil {
				return fmt.Errorf("oracle write: %w\n%s", err, q.writeSQL(e))
			}
			want, err = q.oracle(ctx, o, oq)
			return err
		})
		if err != nil {
			return errQuestion{err}
		}
		if slices.EqualFunc(before, want, slices.Equal) {
			return errQuestion{fmt.Errorf("the oracle's write changes nothing the check reads")}
		}
	} else {
		var err error
		if want, err = q.oracle(ctx, e.or, oq); err != nil {
			return errQuestion{fmt.Errorf("oracle: %w\n%s", err, oq)}
		}
	}
	if len(want) == 0 && !q.empty {
		return errQuestion{fmt.Errorf("oracle answer is empty: the question proves nothing\n%s", oq)}
	}
	raw, err := q.athanor(ctx, e)
	if err != nil {
		return fmt.Errorf("athanor: %w", err)
	}
	var got [][]string
	if q.write != "" {
		if got, err = q.oracle(ctx, e.or, oq); err != nil {
			return fmt.Errorf("oracle check after athanor's write: %w", err)
		}
	} else if got, err = normRows(raw, q.exact); err != nil {
		return fmt.Errorf("athanor: %w", err)
	}
	return compare(want, got, q.anyOrder)
}

func compare(want, got [][]string, anyOrder bool) error {
	if anyOrder {
		want, got = sortedRows(want), sortedRows(got)
	}
	if len(want) != len(got) {
		return fmt.Errorf("%d rows, oracle has %d\n%s", len(got), len(want), sample(want, got, 0))
	}
	for i := range want {
		if !slices.Equal(want[i], got[i]) {
			return fmt.Errorf("row %d differs\n%s", i, sample(want, got, i))
		}
	}
	return nil
}

func sortedRows(rows [][]string) [][]string {
	out := slices.Clone(rows)
	sort.Slice(out, func(i, j int) bool {
		return strings.Join(out[i], "\x1f") < strings.Join(out[j], "\x1f")
	})
	return out
}

func sample(want, got [][]string, from int) string {
	var b strings.Builder
	for _, side := range []struct {
		name string
		rows [][]string
	}{{"oracle ", want}, {"athanor", got}} {
		for i := from; i < min(from+3, len(side.rows)); i++ {
			fmt.Fprintf(&b, "  %s[%d] %q\n", side.name, i, side.rows[i])
		}
	}
	return b.String()
}

// report appends a line to ATHANOR_TEST_REPORT, which `make test` prints at
// the end (go test hides the logs of passing tests).
func report(t *testing.T, line string) {
	t.Helper()
	t.Log(line)
	path := os.Getenv("ATHANOR_TEST_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("test report: %v", err)
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, line); err != nil {
		t.Fatalf("test report: %v", err)
	}
}
