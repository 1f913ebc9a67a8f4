package bench

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
	"gorm.io/gorm"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/session"
)

// UpdateDetached: row 1 rewritten from an object built by hand with its
// key (as from a request), without reading the row first: one UPDATE of
// every column by key, one round trip. pgx, athanor-core, GORM (Save),
// Bun (WherePK) and sqlx do what they do in UpdateOne; athanor is a fresh
// session with session.Attach and Commit (a one-statement flush sends no
// BEGIN/COMMIT); athanor-merge is session.Merge, which loads the row
// first (two round trips), for contrast.

func (e *env) updateDetachedImpls() []impl {
	ims := e.impls()
	for i := range ims {
		if ims[i].name == "athanor" {
			ims[i].updateOne = e.attachUpdate
		}
	}
	merge := impl{name: "athanor-merge", updateOne: e.mergeUpdate}
	return append(ims[:3:3], append([]impl{merge}, ims[3:]...)...)
}

func (e *env) attachUpdate(ctx context.Context, id int, counter int64) (int64, error) {
	s := e.newSession()
	m := newORMModel()
	m.ID, m.Counter = id, counter
	if err := s.Attach(&m); err != nil {
		return 0, err
	}
	return -1, s.Commit(ctx)
}

func (e *env) mergeUpdate(ctx context.Context, id int, counter int64) (int64, error) {
	s := e.newSession()
	m := newORMModel()
	m.ID, m.Counter = id, counter
	if _, err := session.Merge(ctx, s, &m); err != nil {
		return 0, err
	}
	return -1, s.Commit(ctx)
}

func benchUpdateDetached(b *testing.B, e *env) {
	e.seed(b, 1)
	ctx := context.Background()
	for _, im := range e.updateDetachedImpls() {
		b.Run(im.name, func(b *testing.B) {
			var counter int64 = 1 << 20
			op := func() error {
				counter++
				n, err := im.updateOne(ctx, 1, counter)
				if err == nil && n != -1 && n != 1 {
					err = fmt.Errorf("%s: update affected %d rows, want 1", im.name, n)
				}
				return err
			}
			warm(b, op)
			loop(b, op)
			b.StopTimer()
			if got := e.counterOf(b, 1); got != counter {
				b.Fatalf("%s: row 1 has counter %d after the updates, want %d", im.name, got, counter)
			}
		})
	}
}

func BenchmarkUpdateDetached(b *testing.B)        { benchUpdateDetached(b, setupPG(b)) }
func BenchmarkMariaDBUpdateDetached(b *testing.B) { benchUpdateDetached(b, setupMySQL(b)) }

// Tx3: a transaction of three statements: read row 1 by key, write its
// counter (only that column), insert a new row (learning its id), commit.
// Each library through its transaction API: pgx Begin, engine Begin (on
// PostgreSQL it sends BEGIN with the first statement), a fresh session's
// Begin (Get, change, Add, Commit: the flush writes the UPDATE and the
// INSERT in the transaction), GORM Transaction, Bun RunInTx, sqlx Beginx.

// tx3Impl runs one Tx3 with the given counter.
type tx3Impl struct {
	name string
	fn   func(ctx context.Context, counter int64) error
}

func (e *env) tx3Impls() []tx3Impl {
	q := e.sql
	updCounter := "UPDATE models SET counter = " + placeholders(e.pg, 1, 1) + " WHERE id = " + placeholders(e.pg, 2, 1)
	var out []tx3Impl
	if e.pg {
		out = append(out, tx3Impl{"pgx", func(ctx context.Context, counter int64) error {
			return pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
				var m Model
				if err := tx.QueryRow(ctx, q.selectByPK, 1).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					return err
				}
				tag, err := tx.Exec(ctx, updCounter, counter, m.ID)
				if err != nil {
					return err
				}
				if err := check(int(tag.RowsAffected()), 1); err != nil {
					return err
				}
				n := newModel()
				return tx.QueryRow(ctx, q.insert, n.Name, n.Title, n.Fax, n.Web, n.Age, n.Right, n.Counter).Scan(&n.ID)
			})
		}})
	} else {
		out = append(out, tx3Impl{"database/sql", func(ctx context.Context, counter int64) error {
			return stdTx3(ctx, e.std, q, updCounter, counter)
		}})
	}
	selectOne := core.Select(models.Star()).From(models).Where(core.Eq(models.C("id"), 1))
	out = append(out,
		tx3Impl{"athanor-core", func(ctx context.Context, counter int64) (err error) {
			tx, err := e.db.Begin(ctx, engine.TxOptions{})
			if err != nil {
				return err
			}
			defer func() {
				if err != nil {
					_ = tx.Rollback(ctx)
				}
			}()
			m, err := engine.One[Model](ctx, tx, selectOne)
			if err != nil {
				return err
			}
			res, err := tx.Exec(ctx, core.Update(models).Set(models.C("counter"), counter).Where(core.Eq(models.C("id"), m.ID)))
			if err != nil {
				return err
			}
			if err := check(int(res.RowsAffected), 1); err != nil {
				return err
			}
			n := newModel()
			if e.pg {
				if _, err := engine.One[int](ctx, tx, coreInsert(&n).Returning(models.C("id"))); err != nil {
					return err
				}
			} else if _, err := tx.Exec(ctx, coreInsert(&n)); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}},
		tx3Impl{"athanor", func(ctx context.Context, counter int64) (err error) {
			s := e.newSession()
			if _, err := s.Begin(ctx); err != nil {
				return err
			}
			defer func() {
				if err != nil {
					_ = s.Rollback(ctx)
				}
			}()
			m, err := session.Get[ORMModel](ctx, s, 1)
			if err != nil {
				return err
			}
			m.Counter = counter
			n := newORMModel()
			if err := s.Add(&n); err != nil {
				return err
			}
			if err := s.Commit(ctx); err != nil {
				return err
			}
			if n.ID == 0 {
				return fmt.Errorf("athanor: id not assigned")
			}
			return nil
		}},
		tx3Impl{"gorm", func(ctx context.Context, counter int64) error {
			return e.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var m GormModel
				if err := tx.First(&m, 1).Error; err != nil {
					return err
				}
				res := tx.Model(&m).Update("counter", counter)
				if res.Error != nil {
					return res.Error
				}
				if err := check(int(res.RowsAffected), 1); err != nil {
					return err
				}
				n := newGormModel()
				return tx.Create(&n).Error
			})
		}},
		tx3Impl{"bun", func(ctx context.Context, counter int64) error {
			return e.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var m BunModel
				if err := tx.NewSelect().Model(&m).Where("id = ?", 1).Scan(ctx); err != nil {
					return err
				}
				m.Counter = counter
				res, err := tx.NewUpdate().Model(&m).Column("counter").WherePK().Exec(ctx)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil || n != 1 {
					return fmt.Errorf("bun: update affected %d rows (%v), want 1", n, err)
				}
				n := newBunModel()
				_, err = tx.NewInsert().Model(&n).Exec(ctx)
				return err
			})
		}},
		tx3Impl{"sqlx", func(ctx context.Context, counter int64) (err error) {
			tx, err := e.sqlx.BeginTxx(ctx, nil)
			if err != nil {
				return err
			}
			defer func() {
				if err != nil {
					_ = tx.Rollback()
				}
			}()
			var m Model
			if err := tx.GetContext(ctx, &m, q.selectByPK, 1); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, updCounter, counter, m.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("sqlx: update affected %d rows (%v), want 1", n, err)
			}
			n := newModel()
			if e.pg {
				if err := tx.QueryRowxContext(ctx, q.insert, n.Name, n.Title, n.Fax, n.Web, n.Age, n.Right, n.Counter).Scan(&n.ID); err != nil {
					return err
				}
			} else if _, err := tx.ExecContext(ctx, q.insert, n.Name, n.Title, n.Fax, n.Web, n.Age, n.Right, n.Counter); err != nil {
				return err
			}
			return tx.Commit()
		}},
	)
	return out
}

// stdTx3 is Tx3 on raw database/sql.
func stdTx3(ctx context.Context, db *sql.DB, q sqlText, updCounter string, counter int64) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var m Model
	if err := tx.QueryRowContext(ctx, q.selectByPK, 1).Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, updCounter, counter, m.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("database/sql: update affected %d rows (%v), want 1", n, err)
	}
	n := newModel()
	res, err = tx.ExecContext(ctx, q.insert, n.Name, n.Title, n.Fax, n.Web, n.Age, n.Right, n.Counter)
	if err != nil {
		return err
	}
	if _, err := res.LastInsertId(); err != nil {
		return err
	}
	return tx.Commit()
}

// benchTx3 checks after each entry that row 1 holds its last counter and
// that every transaction inserted its row.
func benchTx3(b *testing.B, e *env) {
	e.seed(b, 1)
	ctx := context.Background()
	for _, im := range e.tx3Impls() {
		b.Run(im.name, func(b *testing.B) {
			var counter int64 = 1 << 20
			before := e.countModels(b)
			op := func() error { counter++; return im.fn(ctx, counter) }
			warm(b, op)
			loop(b, op)
			b.StopTimer()
			if got := e.counterOf(b, 1); got != counter {
				b.Fatalf("%s: row 1 has counter %d after the transactions, want %d", im.name, got, counter)
			}
			if got, want := e.countModels(b), before+int(counter-(1<<20)); got != want {
				b.Fatalf("%s: %d rows after the transactions, want %d", im.name, got, want)
			}
		})
	}
}

func (e *env) countModels(b testing.TB) int {
	b.Helper()
	var n int
	if err := e.std.QueryRowContext(context.Background(), e.sql.count).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

func BenchmarkTx3(b *testing.B)        { benchTx3(b, setupPG(b)) }
func BenchmarkMariaDBTx3(b *testing.B) { benchTx3(b, setupMySQL(b)) }
