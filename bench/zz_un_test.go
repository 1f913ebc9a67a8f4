package bench

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestZZUnnest(t *testing.T) {
	e := setupPG(t)
	ctx := context.Background()
	m := newModel()
	unnest := `INSERT INTO models (name, title, fax, web, age, "right", counter) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::bool[], $7::int8[]) RETURNING id`
	drain := func(rows pgx.Rows, err error) error {
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				return err
			}
			n++
		}
		if rows.Err() != nil {
			return rows.Err()
		}
		return check(n, 100)
	}
	ops := map[string]func() error{
		"values": func() error { return drain(e.pool.Query(ctx, e.sql.insertMulti100, modelArgs100(&m)...)) },
		"unnest": func() error {
			a, ti, f, w := make([]string, 100), make([]string, 100), make([]string, 100), make([]string, 100)
			ag, r, c := make([]int32, 100), make([]bool, 100), make([]int64, 100)
			for i := range 100 {
				a[i], ti[i], f[i], w[i] = m.Name, m.Title, m.Fax, m.Web
				ag[i], r[i], c[i] = int32(m.Age), m.Right, m.Counter
			}
			return drain(e.pool.Query(ctx, unnest, a, ti, f, w, ag, r, c))
		},
		"unnest-any": func() error {
			cols := make([][]any, 7)
			for j := range cols {
				cols[j] = make([]any, 100)
			}
			for i := range 100 {
				cols[0][i], cols[1][i], cols[2][i], cols[3][i] = m.Name, m.Title, m.Fax, m.Web
				cols[4][i], cols[5][i], cols[6][i] = m.Age, m.Right, m.Counter
			}
			return drain(e.pool.Query(ctx, unnest, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]))
		},
	}
	names := []string{"values", "unnest", "unnest-any"}
	tot, wall := map[string]time.Duration{}, map[string]time.Duration{}
	for round := 0; round < 6; round++ {
		for _, n := range names {
			c0, _ := processCPU()
			w0 := time.Now()
			for i := 0; i < 200; i++ {
				if err := ops[n](); err != nil {
					t.Fatal(n, err)
				}
			}
			c1, _ := processCPU()
			if round > 0 {
				tot[n] += c1 - c0
				wall[n] += time.Since(w0)
			}
		}
	}
	for _, n := range names {
		t.Logf("%-11s cpu/op %v wall/op %v", n, tot[n]/1000, wall[n]/1000)
	}
}
