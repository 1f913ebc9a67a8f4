package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// Model is a row of the go-orm-benchmarks models table.
type Model struct {
	ID      int `db:"id"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func newModel() Model {
	return Model{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990", Web: "http://blog.milkpod29.me", Age: 100, Right: true, Counter: 1000}
}

var models = core.MustTable(core.TableDef{
	Name: "models",
	Columns: []core.Column{
		{Name: "id", Type: core.Int(), PrimaryKey: true, AutoIncrement: true},
		{Name: "name", Type: core.Text()},
		{Name: "title", Type: core.Text()},
		{Name: "fax", Type: core.Text()},
		{Name: "web", Type: core.Text()},
		{Name: "age", Type: core.Int()},
		{Name: "right", Type: core.Bool()},
		{Name: "counter", Type: core.BigInt()},
	},
})

const (
	createModels = `CREATE TABLE IF NOT EXISTS models (
		id SERIAL NOT NULL, name TEXT NOT NULL, title TEXT NOT NULL, fax TEXT NOT NULL,
		web TEXT NOT NULL, age INTEGER NOT NULL, "right" BOOLEAN NOT NULL, counter BIGINT NOT NULL,
		CONSTRAINT models_pkey PRIMARY KEY (id))`
	pgxInsert      = `INSERT INTO models (name, title, fax, web, age, "right", counter) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	pgxUpdate      = `UPDATE models SET name = $1, title = $2, fax = $3, web = $4, age = $5, "right" = $6, counter = $7 WHERE id = $8`
	pgxSelectByPK  = `SELECT id, name, title, fax, web, age, "right", counter FROM models WHERE id = $1`
	pgxSelectMulti = `SELECT id, name, title, fax, web, age, "right", counter FROM models WHERE id > 0 LIMIT 100`
)

// env is one benchmark database, shared by both implementations.
type env struct {
	pool *pgxpool.Pool
	db   *engine.DB
}

func setup(b *testing.B) *env {
	b.Helper()
	dsn := testdb.PG(b).Primary.URL()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := pool.Exec(ctx, createModels); err != nil {
		b.Fatal(err)
	}
	return &env{pool: pool, db: db}
}

func (e *env) seed(b *testing.B, n int) {
	b.Helper()
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, "TRUNCATE models RESTART IDENTITY"); err != nil {
		b.Fatal(err)
	}
	m := newModel()
	for range n {
		if _, err := e.pool.Exec(ctx, pgxInsert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter); err != nil {
			b.Fatal(err)
		}
	}
}

func insertStmt(m *Model) *core.InsertStmt {
	return core.Insert(models).
		Columns(models.C("name"), models.C("title"), models.C("fax"), models.C("web"), models.C("age"), models.C("right"), models.C("counter")).
		Values(m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
}

func BenchmarkInsertOne(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	b.Run("pgx", func(b *testing.B) {
		m := newModel()
		b.ReportAllocs()
		for b.Loop() {
			if err := e.pool.QueryRow(ctx, pgxInsert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("athanor-core", func(b *testing.B) {
		m := newModel()
		b.ReportAllocs()
		for b.Loop() {
			id, err := engine.One[int](ctx, e.db, insertStmt(&m).Returning(models.C("id")))
			if err != nil {
				b.Fatal(err)
			}
			m.ID = id
		}
	})
}

func BenchmarkInsertMulti100(b *testing.B) {
	e := setup(b)
	ctx := context.Background()
	// One multi-row INSERT … RETURNING id of 100 rows, the same SQL for
	// both implementations.
	var sql string
	{
		var sb []byte
		sb = append(sb, `INSERT INTO models (name, title, fax, web, age, "right", counter) VALUES `...)
		for i := range 100 {
			if i > 0 {
				sb = append(sb, ", "...)
			}
			n := i * 7
			sb = fmt.Appendf(sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		}
		sql = string(append(sb, " RETURNING id"...))
	}
	b.Run("pgx", func(b *testing.B) {
		m := newModel()
		b.ReportAllocs()
		for b.Loop() {
			args := make([]any, 0, 700)
			for range 100 {
				args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			}
			rows, err := e.pool.Query(ctx, sql, args...)
			if err != nil {
				b.Fatal(err)
			}
			ids := make([]int, 0, 100)
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					b.Fatal(err)
				}
				ids = append(ids, id)
			}
			if rows.Err() != nil || len(ids) != 100 {
				b.Fatal(rows.Err(), len(ids))
			}
		}
	})
	b.Run("athanor-core", func(b *testing.B) {
		m := newModel()
		b.ReportAllocs()
		for b.Loop() {
			st := insertStmt(&m)
			for range 99 {
				st = st.Values(m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			}
			ids, err := engine.All[int](ctx, e.db, st.Returning(models.C("id")))
			if err != nil || len(ids) != 100 {
				b.Fatal(err, len(ids))
			}
		}
	})
}

func BenchmarkUpdateOne(b *testing.B) {
	e := setup(b)
	e.seed(b, 1)
	ctx := context.Background()
	b.Run("pgx", func(b *testing.B) {
		m := newModel()
		m.ID = 1
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.pool.Exec(ctx, pgxUpdate, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter, m.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("athanor-core", func(b *testing.B) {
		m := newModel()
		m.ID = 1
		b.ReportAllocs()
		for b.Loop() {
			st := core.Update(models).
				Set(models.C("name"), m.Name).Set(models.C("title"), m.Title).Set(models.C("fax"), m.Fax).
				Set(models.C("web"), m.Web).Set(models.C("age"), m.Age).Set(models.C("right"), m.Right).
				Set(models.C("counter"), m.Counter).
				Where(core.Eq(models.C("id"), m.ID))
			if _, err := e.db.Exec(ctx, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadByPK(b *testing.B) {
	e := setup(b)
	e.seed(b, 1)
	ctx := context.Background()
	b.Run("pgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m Model
			if err := e.pool.QueryRow(ctx, pgxSelectByPK, 1).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("athanor-core", func(b *testing.B) {
		// Statements are immutable values: build once, run many times
		// (the compiled SQL is memoised on the statement).
		st := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), 1))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := engine.One[Model](ctx, e.db, st); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("athanor-core-rebuilt", func(b *testing.B) {
		// The statement built anew each time (the shape cache still
		// saves the rendering).
		b.ReportAllocs()
		for b.Loop() {
			st := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), 1))
			if _, err := engine.One[Model](ctx, e.db, st); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadSlice100(b *testing.B) {
	e := setup(b)
	e.seed(b, 100)
	ctx := context.Background()
	b.Run("pgx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := e.pool.Query(ctx, pgxSelectMulti)
			if err != nil {
				b.Fatal(err)
			}
			var ms []Model
			for rows.Next() {
				var m Model
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					b.Fatal(err)
				}
				ms = append(ms, m)
			}
			if rows.Err() != nil || len(ms) != 100 {
				b.Fatal(rows.Err(), len(ms))
			}
		}
	})
	b.Run("athanor-core", func(b *testing.B) {
		st := core.Select(models.Star()).From(models).Where(core.Gt(models.C("id"), 0)).Limit(100)
		b.ReportAllocs()
		for b.Loop() {
			ms, err := engine.All[Model](ctx, e.db, st)
			if err != nil || len(ms) != 100 {
				b.Fatal(err, len(ms))
			}
		}
	})
}
