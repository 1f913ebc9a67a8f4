package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/uptrace/bun"

	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Stream100k: every row of a 100,000-row table, in key order, read into
// one struct at a time by each library's streaming API (the row is
// dropped before the next one is read), and once into a slice by the
// athanor session (athanor-all: what streaming saves). Besides time, each
// entry reports peak-heap-B: the highest HeapAlloc above the level after a
// full GC, sampled with runtime.ReadMemStats every streamSampleEvery rows
// of one extra, untimed operation. HeapAlloc counts garbage not yet
// collected, so a streaming reader's peak is about the garbage collector's
// minimum heap target plus its batch, not its live data.

const (
	streamRows        = 100_000
	streamBatch       = 1000 // athanor's Stream batch size
	streamSampleEvery = 1000
)

// StreamModel is a row of stream_models (the models columns) for the
// athanor session.
type StreamModel struct {
	_       struct{} `athanor:",table:stream_models"`
	ID      int      `athanor:",pk"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

type gormStream struct{ GormModel }

func (gormStream) TableName() string { return "stream_models" }

type bunStream struct {
	bun.BaseModel `bun:"table:stream_models"`

	ID      int `bun:",pk,autoincrement"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func init() { mapper.MustRegister[StreamModel]() }

// seedStream creates stream_models with streamRows (10^5) rows, ids 1..n, in one
// statement (once per benchmark run: every entry reads the same table).
func (e *env) seedStream(b testing.TB) {
	b.Helper()
	ctx := context.Background()
	var stmts []string
	if e.pg {
		stmts = []string{
			`CREATE TABLE stream_models (id SERIAL PRIMARY KEY, name TEXT NOT NULL, title TEXT NOT NULL, fax TEXT NOT NULL,
			web TEXT NOT NULL, age INTEGER NOT NULL, "right" BOOLEAN NOT NULL, counter BIGINT NOT NULL)`,
			fmt.Sprintf(`INSERT INTO stream_models (name, title, fax, web, age, "right", counter)
			SELECT 'Orm Benchmark', 'Just a Benchmark for fun', '99909990', 'http://blog.milkpod29.me', 100, true, g
			FROM generate_series(1, %d) g`, streamRows),
			"ANALYZE stream_models",
		}
	} else {
		stmts = []string{
			"CREATE TABLE stream_models (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, title TEXT NOT NULL, fax TEXT NOT NULL, " +
				"web TEXT NOT NULL, age INT NOT NULL, `right` BOOLEAN NOT NULL, counter BIGINT NOT NULL) ENGINE=InnoDB",
			// 10^5 rows from a cross join of digits (a recursive CTE
			// stops at max_recursive_iterations, 1000 by default).
			"INSERT INTO stream_models (name, title, fax, web, age, `right`, counter) " +
				"WITH d (n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 " +
				"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) " +
				"SELECT 'Orm Benchmark', 'Just a Benchmark for fun', '99909990', 'http://blog.milkpod29.me', 100, true, " +
				"a.n + 10 * b.n + 100 * c.n + 1000 * d4.n + 10000 * d5.n FROM d a, d b, d c, d d4, d d5",
		}
	}
	for _, q := range stmts {
		if _, err := e.std.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed stream_models: %v", err)
		}
	}
}

// streamImpl reads every row of stream_models, calling row after each.
type streamImpl struct {
	name string
	fn   func(ctx context.Context, row func()) error
}

func (e *env) streamImpls() []streamImpl {
	sel := `SELECT id, name, title, fax, web, age, "right", counter FROM stream_models ORDER BY id`
	if !e.pg {
		sel = "SELECT id, name, title, fax, web, age, `right`, counter FROM stream_models ORDER BY id"
	}
	var out []streamImpl
	if e.pg {
		out = append(out, streamImpl{"pgx", func(ctx context.Context, row func()) error {
			rows, err := e.pool.Query(ctx, sel)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				var m Model
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					rows.Close()
					return err
				}
				n++
				row()
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return checkStream(n)
		}})
	} else {
		out = append(out, streamImpl{"database/sql", func(ctx context.Context, row func()) error {
			rows, err := e.std.QueryContext(ctx, sel)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var m Model
				if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Right, &m.Counter); err != nil {
					return err
				}
				n++
				row()
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return checkStream(n)
		}})
	}
	return append(out,
		streamImpl{"athanor", func(ctx context.Context, row func()) error {
			s := e.newSession()
			n := 0
			for m, err := range session.Query[StreamModel](s).OrderBy("ID").Stream(ctx, streamBatch) {
				if err != nil {
					return err
				}
				if m.ID == 0 {
					return fmt.Errorf("athanor: streamed an object without its key")
				}
				n++
				row()
			}
			return checkStream(n)
		}},
		streamImpl{"athanor-all", func(ctx context.Context, row func()) error {
			s := e.newSession()
			ms, err := session.Query[StreamModel](s).OrderBy("ID").All(ctx)
			if err != nil {
				return err
			}
			for range ms {
				row()
			}
			return checkStream(len(ms))
		}},
		streamImpl{"gorm", func(ctx context.Context, row func()) error {
			db := e.gorm.WithContext(ctx)
			rows, err := db.Model(&gormStream{}).Order("id").Rows()
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var m gormStream
				if err := db.ScanRows(rows, &m); err != nil {
					return err
				}
				n++
				row()
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return checkStream(n)
		}},
		streamImpl{"bun", func(ctx context.Context, row func()) error {
			rows, err := e.bun.NewSelect().Model((*bunStream)(nil)).Order("id").Rows(ctx)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var m bunStream
				if err := e.bun.ScanRow(ctx, rows, &m); err != nil {
					return err
				}
				n++
				row()
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return checkStream(n)
		}},
		streamImpl{"sqlx", func(ctx context.Context, row func()) error {
			rows, err := e.sqlx.QueryxContext(ctx, sel)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var m Model
				if err := rows.StructScan(&m); err != nil {
					return err
				}
				n++
				row()
			}
			if err := rows.Err(); err != nil {
				return err
			}
			return checkStream(n)
		}},
	)
}

func checkStream(n int) error {
	if n != streamRows {
		return fmt.Errorf("streamed %d rows, want %d", n, streamRows)
	}
	return nil
}

func benchStream(b *testing.B, e *env) {
	e.seedStream(b)
	ctx := context.Background()
	for _, im := range e.streamImpls() {
		b.Run(im.name, func(b *testing.B) {
			nop := func() {}
			if err := im.fn(ctx, nop); err != nil { // warm-up: one full read
				b.Fatal(err)
			}
			loop(b, func() error { return im.fn(ctx, nop) })
			b.StopTimer()
			peak, err := peakHeap(func(row func()) error { return im.fn(ctx, row) })
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
		})
	}
}

// peakHeap runs op once after a full GC and returns the highest HeapAlloc
// seen above the post-GC level, sampled every streamSampleEvery rows and
// at the end.
func peakHeap(op func(row func()) error) (uint64, error) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	n := 0
	err := op(func() {
		if n++; n%streamSampleEvery == 0 {
			sample()
		}
	})
	sample()
	return peak - base, err
}

func BenchmarkStream100k(b *testing.B)        { benchStream(b, setupPG(b)) }
func BenchmarkMariaDBStream100k(b *testing.B) { benchStream(b, setupMySQL(b)) }
