package session_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// overheadRow is the benchmarks' row: a generated key and seven columns,
// as in bench/.
type overheadRow struct {
	_       struct{} `athanor:",table:overhead_rows"`
	ID      int64    `athanor:",pk"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func newOverheadRow() overheadRow {
	return overheadRow{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990", Web: "http://blog.milkpod29.me", Age: 100, Right: true, Counter: 1000}
}

// BenchmarkOverhead measures what the session adds to the same statements
// run through the engine, in process on embedded SQLite, with no network
// or server to blur it: the difference between each orm/… and core/…
// pair is the session's own cost (unit of work, identity map, snapshots).
// Use it, with -cpuprofile, to work on that cost; bench/ compares with
// the peers on real servers.
func BenchmarkOverhead(b *testing.B) {
	ctx := context.Background()
	// On tmpfs where there is one, so that no fsync blurs the writes.
	dir := b.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if dir, err = os.MkdirTemp("/dev/shm", "athanor-bench"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
	}
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(dir, "o.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	reg := schema(b, db, mapper.RegisterIn[overheadRow])
	m, err := reg.Of(reflect.TypeFor[overheadRow]())
	if err != nil {
		b.Fatal(err)
	}
	t := m.Table()
	cols := []*core.Column{t.C("name"), t.C("title"), t.C("fax"), t.C("web"), t.C("age"), t.C("right"), t.C("counter")}
	values := func(r *overheadRow) []any {
		return []any{r.Name, r.Title, r.Fax, r.Web, r.Age, r.Right, r.Counter}
	}
	seed := make([][]any, 100)
	for i := range seed {
		r := newOverheadRow()
		seed[i] = values(&r)
	}
	if _, err := db.Exec(ctx, core.Insert(t).Columns(cols...).Rows(seed...)); err != nil {
		b.Fatal(err)
	}
	newSession := func() *session.Session { return session.New(session.DB(db), session.Options{Registry: reg}) }
	ops := []struct {
		name string
		op   func() error
	}{
		{"ReadByPK/core", func() error {
			_, err := engine.One[overheadRow](ctx, db, core.Select(t.Star()).From(t).Where(core.Eq(t.C("id"), 7)))
			return err
		}},
		{"ReadByPK/orm", func() error {
			_, err := session.Get[overheadRow](ctx, newSession(), 7)
			return err
		}},
		{"ReadSlice100/core", func() error {
			_, err := engine.All[overheadRow](ctx, db, core.Select(t.Star()).From(t).Where(core.Gt(t.C("id"), 0)).Limit(100))
			return err
		}},
		{"ReadSlice100/orm", func() error {
			q := session.Query[overheadRow](newSession())
			_, err := q.Where(core.Gt(q.C("ID"), 0)).Limit(100).All(ctx)
			return err
		}},
		{"InsertOne/core", func() error {
			r := newOverheadRow()
			_, err := engine.One[int64](ctx, db, core.Insert(t).Columns(cols...).Values(values(&r)...).Returning(t.C("id")))
			return err
		}},
		{"InsertOne/orm", func() error {
			s := newSession()
			r := newOverheadRow()
			if err := s.Add(&r); err != nil {
				return err
			}
			err := s.Commit(ctx)
			return err
		}},
		{"InsertMulti100/core", func() error {
			rows := make([][]any, 100)
			for i := range rows {
				r := newOverheadRow()
				rows[i] = values(&r)
			}
			_, err := engine.All[int64](ctx, db, core.Insert(t).Columns(cols...).Rows(rows...).Returning(t.C("id")))
			return err
		}},
		{"InsertMulti100/orm", func() error {
			s := newSession()
			rs := make([]overheadRow, 100)
			for i := range rs {
				rs[i] = newOverheadRow()
				if err := s.Add(&rs[i]); err != nil {
					return err
				}
			}
			err := s.Commit(ctx)
			return err
		}},
	}
	for _, o := range ops {
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := o.op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
