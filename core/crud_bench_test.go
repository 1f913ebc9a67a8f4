package core

import "testing"

// crudModel is the row of the bench module's CRUD workloads, with the
// values it binds boxed by each statement as the caller's code does.
type crudModel struct {
	Name, Title, Fax, Web string
	Age                   int
	Right                 bool
	Counter               int64
}

func newCrudModel() crudModel {
	return crudModel{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990", Web: "http://blog.milkpod29.me", Age: 100, Right: true, Counter: 1000}
}

//go:noinline
func crudInsert(t *Table, m *crudModel) *InsertStmt {
	return Insert(t).
		Columns(t.C("name"), t.C("title"), t.C("fax"), t.C("web"), t.C("age"), t.C("right"), t.C("counter")).
		Values(m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
}

// BenchmarkCRUDStatements builds and compiles the statements of the bench
// module's athanor-core CRUD workloads exactly as they are written there:
// core's share of each operation's client cost.
func BenchmarkCRUDStatements(b *testing.B) {
	t := benchWide()
	d := benchDialect{}
	run := func(name string, build func(i int) Statement) {
		b.Run(name, func(b *testing.B) {
			if _, err := Compile(d, build(1)); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := Compile(d, build(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("ReadByPK", func(i int) Statement {
		return Select(t.Star()).From(t).Where(Eq(t.C("id"), i))
	})
	run("ReadSlice100", func(int) Statement {
		return Select(t.Star()).From(t).Where(Gt(t.C("id"), 0)).Limit(100)
	})
	run("InsertOne", func(int) Statement {
		m := newCrudModel()
		return crudInsert(t, &m).Returning(t.C("id"))
	})
	run("InsertMulti100", func(int) Statement {
		m := newCrudModel()
		rows := make([][]any, 99)
		for i := range rows {
			rows[i] = []any{m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter}
		}
		return crudInsert(t, &m).Rows(rows...).Returning(t.C("id"))
	})
	run("UpdateOne", func(i int) Statement {
		m := newCrudModel()
		return Update(t).
			Set(t.C("name"), m.Name).Set(t.C("title"), m.Title).Set(t.C("fax"), m.Fax).
			Set(t.C("web"), m.Web).Set(t.C("age"), m.Age).Set(t.C("right"), m.Right).
			Set(t.C("counter"), int64(i)).
			Where(Eq(t.C("id"), i))
	})
}
