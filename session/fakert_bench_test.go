package session_test

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"testing"
	"text/template"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// fakeRT is a runtime answering every query with one row holding one
// integer and doing nothing else: the benchmarks over it measure the
// client CPU of the session and engine alone, with no server to blur it.
type fakeRT struct{}

func (fakeRT) Driver() engine.Driver                       { return "fakebench" }
func (fakeRT) Configure(*engine.Config, *engine.DSN) error { return nil }
func (fakeRT) Endpoint(*engine.Config) engine.Endpoint     { return engine.Endpoint{Host: "fake"} }
func (fakeRT) Classify(err error) error                    { return err }
func (fakeRT) ServerError(error) (int, bool)               { return 0, false }
func (fakeRT) NotSent(error) bool                          { return false }
func (fakeRT) Interrupted(error) bool                      { return false }
func (fakeRT) Capabilities() engine.Capabilities           { return engine.Capabilities{} }
func (fakeRT) BeginSQL(engine.TxOptions) ([]string, error) { return []string{"BEGIN"}, nil }
func (fakeRT) EndSQL(engine.TxOptions) []string            { return nil }
func (fakeRT) Open(*engine.Config, engine.Host) (engine.Connector, error) {
	return fakeConnector{}, nil
}

type fakeConnector struct{}

func (fakeConnector) Connect(context.Context, engine.Host) (engine.Conn, error) {
	return &fakeConn{}, nil
}
func (fakeConnector) Dialect(context.Context, engine.Conn) (core.Dialect, error) {
	return postgres.Dialect, nil
}
func (fakeConnector) Close() error { return nil }

type fakeConn struct {
	rows fakeRows
	next int64
}

func (c *fakeConn) Exec(context.Context, string, []any) (engine.Result, error) {
	return engine.Result{RowsAffected: 1}, nil
}

// Query answers with one row per element of the statement's arrays (a
// multi-row INSERT's unnest), else one row, holding increasing ids. It
// reads every array element, as a driver encoding them would.
func (c *fakeConn) Query(_ context.Context, _ string, args []any, _ engine.RowSource) (engine.RowSource, error) {
	n := 1
	for _, a := range args {
		if arr, ok := a.(interface {
			Len() int
			Index(int) any
		}); ok {
			n = arr.Len()
			for i := range n {
				fakeSink = arr.Index(i)
			}
		}
	}
	c.rows = fakeRows{id: c.next + 1, left: n}
	c.next += int64(n)
	return &c.rows, nil
}

var fakeSink any

func (c *fakeConn) Batch(context.Context, string, []engine.BatchItem, []engine.BatchOut) error {
	return nil
}
func (c *fakeConn) Ping(context.Context) error  { return nil }
func (c *fakeConn) Alive() bool                 { return true }
func (c *fakeConn) Reusable() bool              { return true }
func (c *fakeConn) ServerError(error) bool      { return true }
func (c *fakeConn) Close(context.Context) error { return nil }

type fakeRows struct {
	id   int64 // the next row's
	left int   // rows not yet read
}

func (r *fakeRows) Next() bool {
	if r.left == 0 {
		return false
	}
	r.left--
	return true
}
func (r *fakeRows) Scan(dest []any, _ any) error {
	switch d := dest[0].(type) {
	case *int64:
		*d = r.id
	case *int:
		*d = int(r.id)
	}
	r.id++
	return nil
}
func (r *fakeRows) Values() ([]any, error) { return []any{r.id}, nil }
func (r *fakeRows) NumColumns() int        { return 1 }
func (r *fakeRows) ColumnName(int) string  { return "id" }
func (r *fakeRows) Err() error             { return nil }
func (r *fakeRows) Close() (int64, error)  { return 1, nil }

func init() { engine.Register(fakeRT{}) }

// openFake opens a one-connection engine over fakeRT and a registry
// holding overheadRow.
func openFake(b *testing.B) (*engine.DB, *mapper.Registry) {
	db, err := engine.OpenConfig(context.Background(), &engine.Config{Driver: "fakebench", Dialect: postgres.Dialect, MaxConns: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[overheadRow](reg); err != nil {
		b.Fatal(err)
	}
	return db, reg
}

// overheadTable is the table reg maps overheadRow to.
func overheadTable(b *testing.B, reg *mapper.Registry) *core.Table {
	m, err := reg.Of(reflect.TypeFor[overheadRow]())
	if err != nil {
		b.Fatal(err)
	}
	return m.Table()
}

// BenchmarkFakeInsertOne is bench/'s InsertOne over a runtime that
// answers at once (see fakeRT): the session's client CPU per insert of
// one object, beside the engine's for the same statement built by hand.
func BenchmarkFakeInsertOne(b *testing.B) {
	ctx := context.Background()
	db, reg := openFake(b)
	t := overheadTable(b, reg)
	cols := []*core.Column{t.C("name"), t.C("title"), t.C("fax"), t.C("web"), t.C("age"), t.C("right"), t.C("counter")}
	coreOp := func() error {
		r := newOverheadRow()
		_, err := engine.One[int64](ctx, db, core.Insert(t).Columns(cols...).Values(r.Name, r.Title, r.Fax, r.Web, r.Age, r.Right, r.Counter).Returning(t.C("id")))
		return err
	}
	ormOp := func() error {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		r := newOverheadRow()
		if err := s.Add(&r); err != nil {
			return err
		}
		if err := s.Commit(ctx); err != nil {
			return err
		}
		if r.ID == 0 {
			return errors.New("no id")
		}
		return nil
	}
	coreAndORM(b, coreOp, ormOp)
}

// coreAndORM runs the engine's and the session's version of one
// operation, each in a warm loop (core, orm) and two cold ones (see
// coldLoop): core-cold and orm-cold evict the data caches before each
// operation, core-coldcode and orm-coldcode run unrelated library code
// first as well.
func coreAndORM(b *testing.B, coreOp, ormOp func() error) {
	for _, c := range []struct {
		name string
		op   func() error
	}{{"core", coreOp}, {"orm", ormOp}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.op(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"-cold", func(b *testing.B) { coldLoop(b, c.op, false) })
		b.Run(c.name+"-coldcode", func(b *testing.B) { coldLoop(b, c.op, true) })
	}
}

// coldLoop runs op b.N times, each after evicting the caches, and
// reports op's own time (op-ns). A statement against a real server on
// the same small machine finds the client's caches much like that: the
// server ran in between. The ORM's excess over core here, not in the
// warm loop, is the one the paired benchmarks measure on such a machine
// (bench/README, "Client and server on separate CPUs"). Writing evictBuf
// evicts data only; with code set, op also finds its instructions
// evicted, as it does after the kernel and the server have run (bench/
// README, "Where a gap goes: client CPU").
func coldLoop(b *testing.B, op func() error, code bool) {
	var spent time.Duration
	for b.Loop() {
		if code {
			runOtherCode()
		}
		for i := 0; i < len(evictBuf); i += 64 { // a cache line
			evictBuf[i]++
		}
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		spent += time.Since(t0)
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "op-ns")
}

// evictBuf is larger than the last-level cache a small VM's CPU gets.
var evictBuf = make([]byte, 8<<20)

// runOtherCode runs a spread of the standard library (parsers, encoders,
// a compressor, a hash) for its instruction footprint, some hundreds of
// kilobytes; otherSink keeps its results.
func runOtherCode() {
	re := regexp.MustCompile(`^([a-z]+)\s*=\s*(\d{1,4})$`)
	otherSink = re.FindStringSubmatch("abc = 12")
	js, _ := json.Marshal(map[string]any{"a": []int{1, 2, 3}, "b": "x", "c": map[string]float64{"z": 1.5}})
	var v map[string]any
	_ = json.Unmarshal(js, &v)
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = w.Write(bytes.Repeat(js, 20))
	_ = w.Close()
	otherSink = sha256.Sum256(buf.Bytes())
	t := template.Must(template.New("t").Parse(`{{range .}}{{.}},{{end}}`))
	_ = t.Execute(&buf, []int{1, 2, 3})
	otherSink = fmt.Sprintf("%v %q %x", v, "s", buf.Len())
}

var otherSink any

// BenchmarkFakeInsertMulti100 is bench/'s InsertMulti100 over fakeRT:
// the session's client CPU per flush of 100 new objects (one unnest
// INSERT), with no server.
func BenchmarkFakeInsertMulti100(b *testing.B) {
	ctx := context.Background()
	db, reg := openFake(b)
	b.ReportAllocs()
	for b.Loop() {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		rs := make([]overheadRow, 100)
		for i := range rs {
			rs[i] = newOverheadRow()
			if err := s.Add(&rs[i]); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		if rs[99].ID == 0 || rs[99].ID != rs[0].ID+99 {
			b.Fatalf("ids %d…%d, want 100 increasing", rs[0].ID, rs[99].ID)
		}
	}
}

// BenchmarkFakeUpdateOne is bench/'s UpdateOne over fakeRT: one session
// holds a loaded object, and each operation changes its counter and
// commits (an UPDATE of that column alone), beside the engine's UPDATE of
// the row's columns as bench/'s athanor-core sends it.
func BenchmarkFakeUpdateOne(b *testing.B) {
	ctx := context.Background()
	db, reg := openFake(b)
	t := overheadTable(b, reg)
	var n int64
	coreOp := func() error {
		n++
		r := newOverheadRow()
		_, err := db.Exec(ctx, core.Update(t).
			Set(t.C("name"), r.Name).Set(t.C("title"), r.Title).Set(t.C("fax"), r.Fax).
			Set(t.C("web"), r.Web).Set(t.C("age"), r.Age).Set(t.C("right"), r.Right).
			Set(t.C("counter"), n).
			Where(core.Eq(t.C("id"), 1)))
		return err
	}
	s := session.New(session.DB(db), session.Options{Registry: reg})
	obj, err := session.Get[overheadRow](ctx, s, 1)
	if err != nil {
		b.Fatal(err)
	}
	ormOp := func() error {
		n++
		obj.Counter = n
		return s.Commit(ctx)
	}
	coreAndORM(b, coreOp, ormOp)
}

// BenchmarkFakeReadByPK is bench/'s ReadByPK over fakeRT: the client CPU
// of a fresh session's Get against the engine's One for the same row.
func BenchmarkFakeReadByPK(b *testing.B) {
	ctx := context.Background()
	db, reg := openFake(b)
	t := overheadTable(b, reg)
	coreOp := func() error {
		_, err := engine.One[overheadRow](ctx, db, core.Select(t.Star()).From(t).Where(core.Eq(t.C("id"), 1)))
		return err
	}
	ormOp := func() error {
		s := session.New(session.DB(db), session.Options{Registry: reg})
		r, err := session.Get[overheadRow](ctx, s, 1)
		if err == nil && r.ID == 0 {
			return errors.New("no id")
		}
		return err
	}
	coreAndORM(b, coreOp, ormOp)
}
