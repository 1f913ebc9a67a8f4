package integration_test

// The time policy (issue 14, bugs 1 and 2) on PostgreSQL, MariaDB and
// SQLite: a time.Time is bound as its UTC instant on every path (raw SQL,
// core.Insert, session insert and update, batches), so TIMESTAMP columns
// hold the UTC wall clock, a filter finds a row whatever zone the instant
// is given in, and on SQLite the bound text is SQLite's own form, equal to
// what datetime() writes. Each row is checked three ways: its text read
// with the plain driver, its values read through Athanor, and filters.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York without the system's zoneinfo

	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type tzEvent struct {
	_     struct{}  `athanor:",table:tz_events"`
	ID    int64     `athanor:",pk,noautoincrement"`
	At    time.Time `athanor:"at,type:timestamp"`
	AtTZ  time.Time `athanor:"at_tz,type:timestamptz"`
	Day   time.Time `athanor:"day,type:date"`
	Label string    `athanor:",size:20"`
}

// tzKeyed has a time as its primary key: its identity must not depend on
// the zone the key was given in.
type tzKeyed struct {
	_     struct{}  `athanor:",table:tz_keyed"`
	At    time.Time `athanor:",pk,type:timestamp"`
	Label string    `athanor:",size:20"`
}

var (
	utcPlus5 = time.FixedZone("UTC+5", 5*3600)
	tokyo    = time.FixedZone("JST", 9*3600)
	newYork  = mustLoad("America/New_York")
	// tzBase is the instant of the row the server writes; in UTC+5 it is
	// already the next day.
	tzBase = time.Date(2022, 1, 7, 22, 0, 0, 0, time.UTC)
)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

type tzEnv struct {
	name string
	db   *engine.DB
	reg  *mapper.Registry
	tbl  *core.Table
	log  *stmtLog
	// raw runs a query on the plain driver and returns every value as text.
	raw func(t *testing.T, query string) [][]string
	// rawExec runs a statement on the plain driver.
	rawExec func(t *testing.T, stmt string)
	// tsText is the text of a TIMESTAMP column holding u (in UTC);
	// dateText that of a DATE column given a time u (in UTC).
	tsText, dateText func(u time.Time) string
	// dateBack is what a DATE column given u reads back as.
	dateBack func(u time.Time) time.Time
	// asText casts a column to text in the dialect's SQL.
	asText func(col string) string
	// serverRow inserts row id at tzBase with the server's own literals
	// or functions (datetime() on SQLite).
	serverRow string
}

func utcMidnight(u time.Time) time.Time {
	u = u.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

func eachTZ(t *testing.T, body func(t *testing.T, e tzEnv)) {
	kinds := []struct {
		name string
		open func(t *testing.T) (string, *sql.DB, func(t *testing.T) pgRaw)
	}{
		{"postgres", func(t *testing.T) (string, *sql.DB, func(t *testing.T) pgRaw) {
			c := testdb.PG(t)
			return c.Primary.URL(), nil, func(t *testing.T) pgRaw {
				conn, err := testdb.ConnectPG(context.Background(), c.Primary)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { conn.Close(context.Background()) })
				return pgRaw{conn: conn}
			}
		}},
		{"mariadb", func(t *testing.T) (string, *sql.DB, func(t *testing.T) pgRaw) {
			c := testdb.MySQL(t)
			db, err := testdb.OpenMySQL(c.Primary)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return c.Primary.URL(), db, nil
		}},
		{"sqlite", func(t *testing.T) (string, *sql.DB, func(t *testing.T) pgRaw) {
			path := testdb.SQLite(t)
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			return "sqlite://" + path, db, nil
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			dsn, sdb, pgOpen := k.open(t)
			db, log := openORM(t, dsn)
			reg := mapper.NewRegistry()
			if _, err := mapper.RegisterIn[tzEvent](reg); err != nil {
				t.Fatal(err)
			}
			if _, err := mapper.RegisterIn[tzKeyed](reg); err != nil {
				t.Fatal(err)
			}
			createORMSchema(t, db, reg)
			md, err := reg.MetaData()
			if err != nil {
				t.Fatal(err)
			}
			tbl, _ := md.Table("tz_events")
			e := tzEnv{name: k.name, db: db, reg: reg, tbl: tbl, log: log}
			date := func(u time.Time) string { return u.UTC().Format(time.DateOnly) }
			switch k.name {
			case "postgres":
				pg := pgOpen(t)
				e.raw, e.rawExec = pg.query, pg.exec
				e.tsText = func(u time.Time) string { return u.UTC().Format("2006-01-02 15:04:05.999999") }
				e.dateText, e.dateBack = date, utcMidnight
				e.asText = func(c string) string {
					if c == "at_tz" {
						return "(at_tz AT TIME ZONE 'UTC')::text"
					}
					return c + "::text"
				}
				e.serverRow = "INSERT INTO tz_events (id, at, at_tz, day, label) VALUES (%d, '2022-01-07 22:00:00', '2022-01-07 22:00:00+00', '2022-01-07', 'server')"
			case "mariadb":
				e.raw, e.rawExec = sqlRawQuery(sdb), sqlRawExec(sdb)
				e.tsText = func(u time.Time) string { return u.UTC().Format("2006-01-02 15:04:05.000000") }
				e.dateText, e.dateBack = date, utcMidnight
				e.asText = func(c string) string { return "CAST(" + c + " AS CHAR)" }
				e.serverRow = "INSERT INTO tz_events (id, at, at_tz, day, label) VALUES (%d, '2022-01-07 22:00:00', '2022-01-07 22:00:00', '2022-01-07', 'server')"
			case "sqlite":
				e.raw, e.rawExec = sqlRawQuery(sdb), sqlRawExec(sdb)
				// SQLite has no DATE type: a DATE column keeps the time
				// as the engine binds it, SQLite's datetime text.
				e.tsText = func(u time.Time) string { return u.UTC().Format("2006-01-02 15:04:05.999999999") }
				e.dateText = e.tsText
				e.dateBack = func(u time.Time) time.Time { return u.UTC() }
				e.asText = func(c string) string { return "CAST(" + c + " AS TEXT)" }
				e.serverRow = "INSERT INTO tz_events (id, at, at_tz, day, label) VALUES (%d, datetime('2022-01-07 22:00:00'), datetime(1641592800, 'unixepoch'), date('2022-01-07'), 'server')"
			}
			body(t, e)
		})
	}
}

// pgRaw runs text queries on a plain pgx connection.
type pgRaw struct{ conn *pgx.Conn }

func (p pgRaw) query(t *testing.T, q string) [][]string {
	t.Helper()
	rows, err := p.conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			if v != nil {
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (p pgRaw) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := p.conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func sqlRawQuery(db *sql.DB) func(t *testing.T, q string) [][]string {
	return func(t *testing.T, q string) [][]string {
		t.Helper()
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			out = append(out, row)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func sqlRawExec(db *sql.DB) func(t *testing.T, q string) {
	return func(t *testing.T, q string) {
		t.Helper()
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// tzRow is one row written through one path.
type tzRow struct {
	id   int64
	path string
	at   time.Time // a non-UTC instant
}

func TestTimePolicyEveryPath(t *testing.T) {
	eachTZ(t, func(t *testing.T, e tzEnv) {
		ctx := context.Background()
		inst := func(h int, frac time.Duration, loc *time.Location) time.Time {
			return tzBase.Add(time.Duration(h)*time.Hour + frac).In(loc)
		}
		rows := []tzRow{
			{1, "raw", inst(1, 0, utcPlus5)},
			{2, "insert", inst(2, 500*time.Millisecond, newYork)},
			{3, "session", inst(3, 123456*time.Microsecond, utcPlus5)},
			{4, "session", inst(4, 0, newYork)}, // two rows: PostgreSQL sends arrays (unnest)
			{5, "update", inst(5, 0, tokyo)},
			{6, "batch", inst(6, 250*time.Millisecond, utcPlus5)},
			{7, "tx", inst(7, 0, newYork)},
		}
		cols := []*core.Column{e.tbl.C("id"), e.tbl.C("at"), e.tbl.C("at_tz"), e.tbl.C("day"), e.tbl.C("label")}
		insert := func(r tzRow) *core.InsertStmt {
			return core.Insert(e.tbl).Columns(cols...).Values(r.id, r.at, r.at, r.at, r.path)
		}
		s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
		for _, r := range rows {
			switch r.path {
			case "raw":
				if _, err := e.db.Exec(ctx, core.Raw("INSERT INTO tz_events (id, at, at_tz, day, label) VALUES (?, ?, ?, ?, ?)", r.id, r.at, r.at, r.at, r.path)); err != nil {
					t.Fatal(err)
				}
			case "insert":
				if _, err := e.db.Exec(ctx, insert(r)); err != nil {
					t.Fatal(err)
				}
			case "session":
				if err := s.Add(&tzEvent{ID: r.id, At: r.at, AtTZ: r.at, Day: r.at, Label: r.path}); err != nil {
					t.Fatal(err)
				}
			case "update":
				// Written in UTC first, then moved to r.at by the session.
				u := r.at.UTC().Add(-time.Hour)
				if _, err := e.db.Exec(ctx, core.Insert(e.tbl).Columns(cols...).Values(r.id, u, u, u, "before")); err != nil {
					t.Fatal(err)
				}
			case "batch":
				res, err := e.db.Batch(ctx, insert(r))
				if err != nil || res[0].Err != nil {
					t.Fatalf("batch: %v %v", err, res[0].Err)
				}
			case "tx":
				tx, err := e.db.Begin(ctx, engine.TxOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Batch(ctx, insert(r)); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.log.reset()
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if ins := e.log.with("INSERT"); e.name == "postgres" && (len(ins) != 1 || !strings.Contains(ins[0], "unnest")) {
			t.Errorf("session rows not sent as arrays (unnest): %q", ins)
		}
		up, err := session.Query[tzEvent](s).Filter("ID", int64(5)).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		up.At, up.AtTZ, up.Day, up.Label = rows[4].at, rows[4].at, rows[4].at, "update"
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		e.rawExec(t, fmt.Sprintf(e.serverRow, 100))

		// The stored text is the UTC wall clock (and the UTC date).
		got := e.raw(t, "SELECT id, "+e.asText("at")+", "+e.asText("at_tz")+", "+e.asText("day")+" FROM tz_events WHERE id < 100 ORDER BY id")
		var want [][]string
		for _, r := range rows {
			want = append(want, []string{fmt.Sprint(r.id), e.tsText(r.at), e.tsText(r.at), e.dateText(r.at)})
		}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("stored text (id, at, at_tz, day):\n got %q\nwant %q", got, want)
		}

		// Read back through Athanor: the instant, in UTC.
		s2 := session.New(session.DB(e.db), session.Options{Registry: e.reg})
		evs, err := session.Query[tzEvent](s2).Where(core.Lt(e.tbl.C("id"), 100)).OrderBy("ID").All(ctx)
		if err != nil || len(evs) != len(rows) {
			t.Fatalf("read back: %d rows, %v", len(evs), err)
		}
		for i, ev := range evs {
			r := rows[i]
			for name, v := range map[string]time.Time{"at": ev.At, "at_tz": ev.AtTZ} {
				if !v.Equal(r.at) || v.Location() != time.UTC {
					t.Errorf("row %d (%s) %s = %v, want %v in UTC", r.id, r.path, name, v, r.at.UTC())
				}
			}
			if d := e.dateBack(r.at); !ev.Day.Equal(d) || ev.Day.Location() != time.UTC {
				t.Errorf("row %d (%s) day = %v, want %v", r.id, r.path, ev.Day, d)
			}
		}

		// Filters find each row by its instant given in any zone, through
		// the session (Where, Filter) and through core.Raw.
		for _, r := range rows {
			for _, loc := range []*time.Location{time.UTC, tokyo, newYork} {
				v := r.at.In(loc)
				for _, col := range []string{"at", "at_tz"} {
					ids := e.ids(t, s2, core.Eq(e.tbl.C(col), v))
					if !slices.Equal(ids, []int64{r.id}) {
						t.Errorf("%s = %v (row %d, %s): ids %v", col, v, r.id, r.path, ids)
					}
				}
				var id int64
				if err := e.db.QueryRow(ctx, core.Raw("SELECT id FROM tz_events WHERE at = ?", v).ReadOnly()).Scan(&id); err != nil || id != r.id {
					t.Errorf("raw at = %v (row %d, %s): id %d, %v", v, r.id, r.path, id, err)
				}
			}
		}

		// The row the server wrote with its own literals or functions
		// (datetime() on SQLite) is found by equality and at the boundary
		// of >=, and reads back as the same instant.
		for _, loc := range []*time.Location{time.UTC, utcPlus5, newYork} {
			v := tzBase.In(loc)
			for _, col := range []string{"at", "at_tz"} {
				if ids := e.ids(t, s2, core.Eq(e.tbl.C(col), v)); !slices.Equal(ids, []int64{100}) {
					t.Errorf("server row: %s = %v: ids %v", col, v, ids)
				}
				if ids := e.ids(t, s2, core.Ge(e.tbl.C(col), v)); len(ids) != len(rows)+1 || ids[len(ids)-1] != 100 {
					t.Errorf("server row: %s >= %v: ids %v, want every row", col, v, ids)
				}
				if ids := e.ids(t, s2, core.Gt(e.tbl.C(col), v)); slices.Contains(ids, 100) || len(ids) != len(rows) {
					t.Errorf("server row: %s > %v: ids %v, want every row but 100", col, v, ids)
				}
			}
		}
		srv, err := session.Query[tzEvent](s2).Filter("ID", int64(100)).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !srv.At.Equal(tzBase) || !srv.AtTZ.Equal(tzBase) || !srv.Day.Equal(utcMidnight(tzBase)) {
			t.Errorf("server row read back as %v / %v / %v, want %v", srv.At, srv.AtTZ, srv.Day, tzBase)
		}
		// A DATE filter with a UTC midnight given in another zone. (Not on
		// SQLite, which has no DATE type: a bound time is datetime text,
		// and date() writes "2022-01-07"; see the engine's package doc.)
		if e.name == "sqlite" {
			// What the engine's doc says to do instead: date(?).
			day := core.Func("date", core.Val(utcMidnight(tzBase).In(newYork)))
			if ids := e.ids(t, s2, core.Eq(e.tbl.C("day"), day)); !slices.Equal(ids, []int64{100}) {
				t.Errorf("day = date(?): ids %v, want [100]", ids)
			}
			return
		}
		if ids := e.ids(t, s2, core.Eq(e.tbl.C("day"), utcMidnight(tzBase).In(newYork))); !slices.Contains(ids, 100) {
			t.Errorf("day = %v: ids %v, want 100 among them", utcMidnight(tzBase).In(newYork), ids)
		}
	})
}

// ids returns the ids of tz_events rows matching pred, in order.
func (e tzEnv) ids(t *testing.T, s *session.Session, pred core.Expr) []int64 {
	t.Helper()
	evs, err := session.Query[tzEvent](s).Where(pred).OrderBy("ID").All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, len(evs))
	for i, ev := range evs {
		out[i] = ev.ID
	}
	return out
}

// Server-side time functions agree with the bound UTC wall clock: the
// session time zone is UTC (PostgreSQL TimeZone, MySQL time_zone), and on
// SQLite CURRENT_TIMESTAMP is UTC text of the form the engine binds.
func TestTimePolicyServerNow(t *testing.T) {
	eachTZ(t, func(t *testing.T, e tzEnv) {
		ctx := context.Background()
		before := time.Now().Add(-2 * time.Second).Truncate(time.Second).In(utcPlus5)
		if _, err := e.db.Exec(ctx, core.Raw("INSERT INTO tz_events (id, at, at_tz, day, label) VALUES (1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_DATE, 'now')")); err != nil {
			t.Fatal(err)
		}
		after := time.Now().Add(2 * time.Second).In(newYork)
		var n int64
		if err := e.db.QueryRow(ctx, core.Raw("SELECT COUNT(*) FROM tz_events WHERE at >= ? AND at <= ? AND at_tz >= ? AND at_tz <= ?", before, after, before, after).ReadOnly()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("CURRENT_TIMESTAMP not between %v and %v", before, after)
		}
	})
}

// A time used as a primary key keeps its identity: the object added with
// a non-UTC key is the one a query returns for the row.
func TestTimePolicyTimeKeyIdentity(t *testing.T) {
	eachTZ(t, func(t *testing.T, e tzEnv) {
		ctx := context.Background()
		s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
		// Nanoseconds: PostgreSQL and MySQL keep microseconds.
		k := &tzKeyed{At: tzBase.Add(123456789).In(utcPlus5), Label: "k"}
		if err := s.Add(k); err != nil {
			t.Fatal(err)
		}
		if err := s.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		q := session.Query[tzKeyed](s)
		got, err := q.Where(core.Lt(q.C("At"), tzBase.Add(time.Second).In(newYork))).One(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got != k {
			t.Errorf("query returned another object (%v) than the one added (%v)", got.At, k.At)
		}
		// The text is SQLite's own (or the server's) UTC wall clock.
		want := e.tsText(tzBase.Add(123456789))
		if e.name != "sqlite" {
			want = e.tsText(tzBase.Add(123456000))
		}
		rows := e.raw(t, "SELECT "+e.asText("at")+" FROM tz_keyed")
		if len(rows) != 1 || rows[0][0] != want {
			t.Errorf("stored key %q, want %q", rows, want)
		}
	})
}
