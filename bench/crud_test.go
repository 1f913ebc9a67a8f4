package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/session"
)

// impl is one implementation's way of doing each CRUD workload, written
// the way its documentation recommends. Every function does one operation
// and returns an error if the result is not what was asked for.
type impl struct {
	name string
	// readByPK loads row id into a struct.
	readByPK func(ctx context.Context, id int) error
	// readSlice100 loads 100 rows into a slice of structs.
	readSlice100 func(ctx context.Context) error
	// insertOne inserts one row and learns its id.
	insertOne func(ctx context.Context) error
	// insertMulti100 inserts 100 rows in one statement and learns their ids.
	insertMulti100 func(ctx context.Context) error
	// updateOne writes counter into row id (all columns, or the changed
	// ones where the implementation tracks changes) and returns the rows
	// affected, or -1 where the API does not say.
	updateOne func(ctx context.Context, id int, counter int64) (int64, error)
}

var errCount = errors.New("unexpected row count")

func check(n, want int) error {
	if n != want {
		return errCount
	}
	return nil
}

// impls returns the implementations that run on e's server family: on
// PostgreSQL pgx is the floor; on MariaDB raw database/sql with
// go-sql-driver/mysql ("database/sql") is.
func (e *env) impls() []impl {
	var out []impl
	if e.pg {
		out = append(out, e.pgxImpl())
	} else {
		out = append(out, e.stdImpl())
	}
	return append(out, e.coreImpl(), e.ormImpl(), e.gormImpl(), e.bunImpl(), e.sqlxImpl())
}

func (e *env) pgxImpl() impl {
	q := e.sql
	return impl{
		name: "pgx",
		readByPK: func(ctx context.Context, id int) error {
			var m Model
			return e.pool.QueryRow(ctx, q.selectByPK, id).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
		},
		readSlice100: func(ctx context.Context) error {
			rows, err := e.pool.Query(ctx, q.selectMulti)
			if err != nil {
				return err
			}
			var ms []Model
			for rows.Next() {
				var m Model
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					return err
				}
				ms = append(ms, m)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newModel()
			return e.pool.QueryRow(ctx, q.insert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID)
		},
		insertMulti100: func(ctx context.Context) error {
			m := newModel()
			rows, err := e.pool.Query(ctx, q.insertMulti100, modelArgs100(&m)...)
			if err != nil {
				return err
			}
			ids := make([]int, 0, 100)
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					return err
				}
				ids = append(ids, id)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return check(len(ids), 100)
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newModel()
			tag, err := e.pool.Exec(ctx, q.update, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, counter, id)
			return tag.RowsAffected(), err
		},
	}
}

// pgxCopyInsert100 is the pgx-copy entry of InsertMulti100: COPY FROM
// STDIN, which returns no ids; it is listed apart because it is not an
// INSERT.
func (e *env) pgxCopyInsert100(ctx context.Context) error {
	m := newModel()
	rows := make([][]any, 100)
	for i := range rows {
		rows[i] = []any{m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter}
	}
	n, err := e.pool.CopyFrom(ctx, pgx.Identifier{"models"},
		[]string{"name", "title", "fax", "web", "age", "right", "counter"}, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	return check(int(n), 100)
}

// stdImpl is raw database/sql over go-sql-driver/mysql: the floor on MariaDB.
func (e *env) stdImpl() impl {
	q := e.sql
	return impl{
		name: "database/sql",
		readByPK: func(ctx context.Context, id int) error {
			var m Model
			return e.std.QueryRowContext(ctx, q.selectByPK, id).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter)
		},
		readSlice100: func(ctx context.Context) error {
			rows, err := e.std.QueryContext(ctx, q.selectMulti)
			if err != nil {
				return err
			}
			defer rows.Close()
			var ms []Model
			for rows.Next() {
				var m Model
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					return err
				}
				ms = append(ms, m)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newModel()
			res, err := e.std.ExecContext(ctx, q.insert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			if err != nil {
				return err
			}
			_, err = res.LastInsertId()
			return err
		},
		insertMulti100: func(ctx context.Context) error {
			m := newModel()
			res, err := e.std.ExecContext(ctx, q.insertMulti100, modelArgs100(&m)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			return check(int(n), 100)
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newModel()
			res, err := e.std.ExecContext(ctx, q.update, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, counter, id)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
	}
}

func coreInsert(m *Model) *core.InsertStmt {
	return core.Insert(models).
		Columns(models.C("name"), models.C("title"), models.C("fax"), models.C("web"), models.C("age"), models.C("right"), models.C("counter")).
		Values(m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
}

// coreImpl is the engine with core statements, built per operation as a
// caller with a varying key would (the compiled SQL is cached by shape).
func (e *env) coreImpl() impl {
	return impl{
		name: "athanor-core",
		readByPK: func(ctx context.Context, id int) error {
			st := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), id))
			_, err := engine.One[Model](ctx, e.db, st)
			return err
		},
		readSlice100: func(ctx context.Context) error {
			st := core.Select(models.Star()).From(models).Where(core.Gt(models.C("id"), 0)).Limit(100)
			ms, err := engine.All[Model](ctx, e.db, st)
			if err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newModel()
			if e.pg {
				_, err := engine.One[int](ctx, e.db, coreInsert(&m).Returning(models.C("id")))
				return err
			}
			_, err := e.db.Exec(ctx, coreInsert(&m))
			return err
		},
		insertMulti100: func(ctx context.Context) error {
			m := newModel()
			rows := make([][]any, 99)
			for i := range rows {
				rows[i] = []any{m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter}
			}
			st := coreInsert(&m).Rows(rows...)
			if e.pg {
				ids, err := engine.All[int](ctx, e.db, st.Returning(models.C("id")))
				if err != nil {
					return err
				}
				return check(len(ids), 100)
			}
			res, err := e.db.Exec(ctx, st)
			if err != nil {
				return err
			}
			return check(int(res.RowsAffected), 100)
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newModel()
			st := core.Update(models).
				Set(models.C("name"), m.Name).Set(models.C("title"), m.Title).Set(models.C("fax"), m.Fax).
				Set(models.C("web"), m.Web).Set(models.C("age"), m.Age).Set(models.C("right"), m.Right).
				Set(models.C("counter"), counter).
				Where(core.Eq(models.C("id"), id))
			res, err := e.db.Exec(ctx, st)
			return res.RowsAffected, err
		},
	}
}

// ormImpl is the athanor session. Reads and inserts use a fresh session
// per operation (one request, one unit of work). UpdateOne reuses one
// session holding the loaded object: each operation changes it and
// commits, so only the UPDATE (BEGIN … COMMIT) is measured, not a load.
func (e *env) ormImpl() impl {
	var (
		upd    *session.Session
		updObj *ORMModel
	)
	return impl{
		name: "athanor",
		readByPK: func(ctx context.Context, id int) error {
			s := e.newSession()
			_, err := session.Get[ORMModel](ctx, s, id)
			return err
		},
		readSlice100: func(ctx context.Context) error {
			s := e.newSession()
			q := session.Query[ORMModel](s)
			ms, err := q.Where(core.Gt(q.C("ID"), 0)).Limit(100).All(ctx)
			if err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			s := e.newSession()
			m := newORMModel()
			if err := s.Add(&m); err != nil {
				return err
			}
			err := s.Commit(ctx)
			return err
		},
		insertMulti100: func(ctx context.Context) error {
			s := e.newSession()
			ms := make([]ORMModel, 100)
			for i := range ms {
				ms[i] = newORMModel()
				if err := s.Add(&ms[i]); err != nil {
					return err
				}
			}
			if err := s.Commit(ctx); err != nil {
				return err
			}
			if ms[99].ID == 0 {
				return errors.New("athanor: ids not assigned")
			}
			return nil
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			if upd == nil {
				upd = e.newSession()
				var err error
				if updObj, err = session.Get[ORMModel](ctx, upd, id); err != nil {
					return 0, err
				}
			}
			updObj.Counter = counter
			err := upd.Commit(ctx)
			return -1, err
		},
	}
}

func (e *env) gormImpl() impl {
	return impl{
		name: "gorm",
		readByPK: func(ctx context.Context, id int) error {
			var m GormModel
			return e.gorm.WithContext(ctx).First(&m, id).Error
		},
		readSlice100: func(ctx context.Context) error {
			var ms []GormModel
			if err := e.gorm.WithContext(ctx).Where("id > ?", 0).Limit(100).Find(&ms).Error; err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newGormModel()
			return e.gorm.WithContext(ctx).Create(&m).Error
		},
		insertMulti100: func(ctx context.Context) error {
			ms := make([]GormModel, 100)
			for i := range ms {
				ms[i] = newGormModel()
			}
			if err := e.gorm.WithContext(ctx).Create(&ms).Error; err != nil {
				return err
			}
			if ms[99].ID == 0 {
				return errors.New("gorm: ids not assigned")
			}
			return nil
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newGormModel()
			m.ID, m.Counter = id, counter
			res := e.gorm.WithContext(ctx).Save(&m)
			return res.RowsAffected, res.Error
		},
	}
}

func (e *env) bunImpl() impl {
	return impl{
		name: "bun",
		readByPK: func(ctx context.Context, id int) error {
			var m BunModel
			return e.bun.NewSelect().Model(&m).Where("id = ?", id).Scan(ctx)
		},
		readSlice100: func(ctx context.Context) error {
			var ms []BunModel
			if err := e.bun.NewSelect().Model(&ms).Where("id > ?", 0).Limit(100).Scan(ctx); err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newBunModel()
			_, err := e.bun.NewInsert().Model(&m).Exec(ctx)
			return err
		},
		insertMulti100: func(ctx context.Context) error {
			ms := make([]BunModel, 100)
			for i := range ms {
				ms[i] = newBunModel()
			}
			if _, err := e.bun.NewInsert().Model(&ms).Exec(ctx); err != nil {
				return err
			}
			if e.pg && ms[99].ID == 0 {
				return errors.New("bun: ids not assigned")
			}
			return nil
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newBunModel()
			m.ID, m.Counter = id, counter
			res, err := e.bun.NewUpdate().Model(&m).WherePK().Exec(ctx)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
	}
}

// sqlxImpl is sqlx over pgx's database/sql driver (PostgreSQL) or
// go-sql-driver/mysql, with the same hand-written SQL as the floor.
func (e *env) sqlxImpl() impl {
	q := e.sql
	return impl{
		name: "sqlx",
		readByPK: func(ctx context.Context, id int) error {
			var m Model
			return e.sqlx.GetContext(ctx, &m, q.selectByPK, id)
		},
		readSlice100: func(ctx context.Context) error {
			var ms []Model
			if err := e.sqlx.SelectContext(ctx, &ms, q.selectMulti); err != nil {
				return err
			}
			return check(len(ms), 100)
		},
		insertOne: func(ctx context.Context) error {
			m := newModel()
			if e.pg {
				return e.sqlx.QueryRowxContext(ctx, q.insert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter).Scan(&m.ID)
			}
			res, err := e.sqlx.ExecContext(ctx, q.insert, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
			if err != nil {
				return err
			}
			_, err = res.LastInsertId()
			return err
		},
		insertMulti100: func(ctx context.Context) error {
			m := newModel()
			if e.pg {
				var ids []int
				if err := e.sqlx.SelectContext(ctx, &ids, q.insertMulti100, modelArgs100(&m)...); err != nil {
					return err
				}
				return check(len(ids), 100)
			}
			res, err := e.sqlx.ExecContext(ctx, q.insertMulti100, modelArgs100(&m)...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			return check(int(n), 100)
		},
		updateOne: func(ctx context.Context, id int, counter int64) (int64, error) {
			m := newModel()
			res, err := e.sqlx.ExecContext(ctx, q.update, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, counter, id)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
	}
}

// The workloads, shared by PostgreSQL and MariaDB.

func benchReadByPK(b *testing.B, e *env) {
	e.seed(b, 1)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.readByPK(ctx, 1) })
			loop(b, func() error { return im.readByPK(ctx, 1) })
		})
	}
}

func benchParallelReadByPK(b *testing.B, e *env) {
	e.seed(b, 1)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			warmParallel(b, func() error { return im.readByPK(ctx, 1) })
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := im.readByPK(ctx, 1); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func benchReadSlice100(b *testing.B, e *env) {
	e.seed(b, 100)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.readSlice100(ctx) })
			loop(b, func() error { return im.readSlice100(ctx) })
		})
	}
}

func benchInsertOne(b *testing.B, e *env) {
	e.seed(b, 0)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.insertOne(ctx) })
			loop(b, func() error { return im.insertOne(ctx) })
		})
	}
}

func benchInsertMulti100(b *testing.B, e *env) {
	e.seed(b, 0)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.insertMulti100(ctx) })
			loop(b, func() error { return im.insertMulti100(ctx) })
		})
	}
	if e.pg {
		b.Run("pgx-copy", func(b *testing.B) {
			warm(b, func() error { return e.pgxCopyInsert100(ctx) })
			loop(b, func() error { return e.pgxCopyInsert100(ctx) })
		})
	}
}

// benchUpdateOne updates row 1, which exists: every operation must affect
// exactly one row (checked where the API reports it), and the row must
// hold the last counter written (checked for everyone afterwards).
func benchUpdateOne(b *testing.B, e *env) {
	e.seed(b, 1)
	ctx := context.Background()
	for _, im := range e.impls() {
		b.Run(im.name, func(b *testing.B) {
			var counter int64 = 1 << 20
			warm(b, func() error { counter++; _, err := im.updateOne(ctx, 1, counter); return err })
			loop(b, func() error {
				counter++
				n, err := im.updateOne(ctx, 1, counter)
				if err == nil && n != -1 && n != 1 {
					err = fmt.Errorf("%s: update affected %d rows, want 1", im.name, n)
				}
				return err
			})
			b.StopTimer()
			if got := e.counterOf(b, 1); got != counter {
				b.Fatalf("%s: row 1 has counter %d after the updates, want %d", im.name, got, counter)
			}
		})
	}
}

func BenchmarkReadByPK(b *testing.B)         { benchReadByPK(b, setupPG(b)) }
func BenchmarkParallelReadByPK(b *testing.B) { benchParallelReadByPK(b, setupPG(b)) }
func BenchmarkReadSlice100(b *testing.B)     { benchReadSlice100(b, setupPG(b)) }
func BenchmarkInsertOne(b *testing.B)        { benchInsertOne(b, setupPG(b)) }
func BenchmarkInsertMulti100(b *testing.B)   { benchInsertMulti100(b, setupPG(b)) }
func BenchmarkUpdateOne(b *testing.B)        { benchUpdateOne(b, setupPG(b)) }

// loop runs op under b.Loop, with allocations reported, and reports too
// the process's CPU time per operation, as cpu-ns/op: the client's cost
// (every goroutine's, the garbage collector's included; the database
// server's not), which bounds throughput on a busy many-core machine where
// ns/op, mostly waiting on the server, does not.
func loop(b *testing.B, op func() error) {
	b.Helper()
	b.ReportAllocs()
	c0, ok := processCPU()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	if c1, ok1 := processCPU(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
	}
}

// warmups is how many operations run before timing starts: enough to open
// the pool's connections and fill statement caches and plan caches.
const warmups = 8

// warm runs fn warmups times, untimed.
func warm(b *testing.B, fn func() error) {
	b.Helper()
	for range warmups {
		if err := fn(); err != nil {
			b.Fatal(err)
		}
	}
}

// warmParallel runs fn on poolSize goroutines at once, so that every
// pooled connection is open and has prepared its statements.
func warmParallel(b *testing.B, fn func() error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, poolSize*2)
	for range poolSize * 2 {
		wg.Go(func() {
			for range warmups {
				if err := fn(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
