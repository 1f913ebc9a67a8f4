package session_test

import (
	"bytes"
	"context"
	"database/sql"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// arrayRow has a column of each kind a flush may send to PostgreSQL as
// an array (see the session's unnest).
type arrayRow struct {
	_     struct{} `athanor:",table:session_array_rows"`
	ID    int64    `athanor:",pk"`
	Name  string   `athanor:",size:8"`
	Note  *string
	Score float64
	Rank  int32
	On    bool
	At    time.Time
	Blob  []byte
}

// valuerRow has a column bound through a driver.Valuer, which keeps its
// rows in VALUES.
type valuerRow struct {
	_    struct{} `athanor:",table:session_valuer_rows"`
	ID   int64    `athanor:",pk"`
	Name sql.NullString
}

// sqlLog records the SQL of every statement a DB runs.
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) QueryStart(ctx context.Context, d engine.QueryStartData) context.Context {
	l.mu.Lock()
	l.sql = append(l.sql, d.SQL)
	l.mu.Unlock()
	return ctx
}
func (l *sqlLog) QueryEnd(context.Context, engine.QueryEndData) {}

func (l *sqlLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.sql
	l.sql = nil
	return out
}

// TestInsertBatchAsArrays: on PostgreSQL a flush of several new objects
// of a model is one INSERT … SELECT unnest(…) with an array per column;
// every kind of value, NULL included, arrives as VALUES would have sent
// it, keys come back in Add order, a value too long for its column is an
// error (not truncated by a cast) that writes nothing, and rows holding a
// value of another type (here a driver.Valuer), or a single row, go as
// VALUES.
func TestInsertBatchAsArrays(t *testing.T) {
	ctx := context.Background()
	cfg, err := engine.ParseConfig(testdb.PG(t).Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	log := &sqlLog{}
	cfg.Hook = log
	db, err := engine.OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tbl := range []string{"session_array_rows", "session_valuer_rows"} {
		if _, err := db.Exec(ctx, core.Raw("DROP TABLE IF EXISTS "+tbl)); err != nil {
			t.Fatal(err)
		}
	}
	reg := schema(t, db, mapper.RegisterIn[arrayRow], mapper.RegisterIn[valuerRow])
	log.take()
	inUse := func(where string) {
		if n := db.Stats().InUseConns; n != 0 {
			t.Errorf("%s: %d connections in use", where, n)
		}
	}
	inUse("schema")

	note := "a note"
	at := time.Date(2026, 12, 2, 1, 2, 3, 456789000, time.UTC)
	rows := []arrayRow{
		{Name: "first", Note: &note, Score: 1.5, Rank: -7, On: true, At: at, Blob: []byte{0, 1, 2}},
		{Name: "", Note: nil, Score: 0, Rank: 0, On: false, At: time.Time{}.Add(time.Hour), Blob: nil},
		{Name: "üñí", Note: &note, Score: -2.25e10, Rank: 1 << 30, On: true, At: at.Add(-time.Minute), Blob: []byte{}},
	}
	s := session.New(session.DB(db), session.Options{Registry: reg})
	for i := range rows {
		if err := s.Add(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	inUse("commit")
	if sent := log.take(); len(sent) != 1 || !strings.Contains(sent[0], "unnest(CAST(") {
		t.Fatalf("flush sent %q, want one INSERT … SELECT unnest", sent)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i].ID <= rows[i-1].ID {
			t.Fatalf("ids %d then %d: not in Add order", rows[i-1].ID, rows[i].ID)
		}
	}
	fresh := session.New(session.DB(db), session.Options{Registry: reg})
	for _, want := range rows {
		got, err := session.Get[arrayRow](ctx, fresh, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.At.Equal(want.At) {
			t.Errorf("row %d: at %v, want %v", want.ID, got.At, want.At)
		}
		if !bytes.Equal(got.Blob, want.Blob) || (got.Blob == nil) != (want.Blob == nil) {
			t.Errorf("row %d: blob %#v, want %#v", want.ID, got.Blob, want.Blob)
		}
		g := *got // a copy: changing the session's object would make it dirty
		g.At, g.Blob, want.At, want.Blob = time.Time{}, nil, time.Time{}, nil
		if !reflect.DeepEqual(g, want) {
			t.Errorf("row %d: read back %+v, want %+v", want.ID, g, want)
		}
	}

	count := func() int {
		var n int
		if err := db.QueryRow(ctx, core.Raw("SELECT count(*) FROM session_array_rows")).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	inUse("gets")
	before := count()
	inUse("count")
	long := []arrayRow{{Name: "ok"}, {Name: "too long!"}}
	s = session.New(session.DB(db), session.Options{Registry: reg})
	for i := range long {
		if err := s.Add(&long[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("commit of a 9-character name into VARCHAR(8): %v, want value too long", err)
	}
	inUse("failed commit")
	if n := count(); n != before || long[0].ID != 0 {
		t.Fatalf("after the failed insert: %d rows (was %d), first id %d", n, before, long[0].ID)
	}
	log.take()

	vs := []valuerRow{{Name: sql.NullString{String: "x", Valid: true}}, {}}
	s = session.New(session.DB(db), session.Options{Registry: reg})
	for i := range vs {
		if err := s.Add(&vs[i]); err != nil {
			t.Fatal(err)
		}
	}
	one := arrayRow{Name: "alone"}
	if err := s.Add(&one); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range log.take() {
		if strings.Contains(q, "INSERT") && !strings.Contains(q, " VALUES ") {
			t.Errorf("sent %q, want VALUES for a Valuer's rows and for a single row", q)
		}
	}
	got, err := session.Get[valuerRow](ctx, session.New(session.DB(db), session.Options{Registry: reg}), vs[1].ID)
	if err != nil || got.Name.Valid {
		t.Fatalf("valuer row read back %+v, %v; want a NULL name", got, err)
	}
}
