package session_test

import (
	"context"
	"reflect"
	"testing"

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
func (c *fakeConn) Query(_ context.Context, _ string, _ []any, _ engine.RowSource) (engine.RowSource, error) {
	c.next++
	c.rows = fakeRows{id: c.next}
	return &c.rows, nil
}
func (c *fakeConn) Batch(context.Context, string, []engine.BatchItem, []engine.BatchOut) error {
	return nil
}
func (c *fakeConn) Ping(context.Context) error  { return nil }
func (c *fakeConn) Alive() bool                 { return true }
func (c *fakeConn) Reusable() bool              { return true }
func (c *fakeConn) ServerError(error) bool      { return true }
func (c *fakeConn) Close(context.Context) error { return nil }

type fakeRows struct {
	id   int64
	done bool
}

func (r *fakeRows) Next() bool {
	if r.done {
		return false
	}
	r.done = true
	return true
}
func (r *fakeRows) Scan(dest []any, _ any) error {
	switch d := dest[0].(type) {
	case *int64:
		*d = r.id
	case *int:
		*d = int(r.id)
	}
	return nil
}
func (r *fakeRows) Values() ([]any, error) { return []any{r.id}, nil }
func (r *fakeRows) NumColumns() int        { return 1 }
func (r *fakeRows) ColumnName(int) string  { return "id" }
func (r *fakeRows) Err() error             { return nil }
func (r *fakeRows) Close() (int64, error)  { return 1, nil }

func init() { engine.Register(fakeRT{}) }

// BenchmarkFakeInsertOne is bench/'s InsertOne over a runtime that
// answers at once (see fakeRT): the session's client CPU per insert of
// one object, beside the engine's for the same statement built by hand.
func BenchmarkFakeInsertOne(b *testing.B) {
	ctx := context.Background()
	db, err := engine.OpenConfig(ctx, &engine.Config{Driver: "fakebench", Dialect: postgres.Dialect, MaxConns: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[overheadRow](reg); err != nil {
		b.Fatal(err)
	}
	m, err := reg.Of(reflect.TypeFor[overheadRow]())
	if err != nil {
		b.Fatal(err)
	}
	t := m.Table()
	cols := []*core.Column{t.C("name"), t.C("title"), t.C("fax"), t.C("web"), t.C("age"), t.C("right"), t.C("counter")}
	b.Run("core", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := newOverheadRow()
			if _, err := engine.One[int64](ctx, db, core.Insert(t).Columns(cols...).Values(r.Name, r.Title, r.Fax, r.Web, r.Age, r.Right, r.Counter).Returning(t.C("id"))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("orm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s := session.New(session.DB(db), session.Options{Registry: reg})
			r := newOverheadRow()
			if err := s.Add(&r); err != nil {
				b.Fatal(err)
			}
			if err := s.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			if r.ID == 0 {
				b.Fatal("no id")
			}
		}
	})
}
