package engine_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// QueryFunc hands fn the rows and always gives the connection back: after
// a full read, an early return, fn's error, a panic, or a failing query.
// The Rows are reused, so a second QueryFunc must not see the first's.
func TestQueryFunc(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		for i := int64(1); i <= 5; i++ {
			if _, err := db.Exec(ctx, insertItem(i, "n", int(i))); err != nil {
				t.Fatal(err)
			}
		}
		all := core.Select(items.C("id")).From(items).OrderBy(items.C("id"))
		sum := func(rows *engine.Rows, stop int64) (int64, error) {
			var n int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return 0, err
				}
				n += id
				if id == stop {
					return n, nil // rows left unread
				}
			}
			return n, rows.Err()
		}
		boom, errAny := errors.New("boom"), errors.New("any error")
		cases := []struct {
			name    string
			run     func() (int64, error)
			want    int64
			wantErr error
		}{
			{"full read", func() (int64, error) {
				var n int64
				err := db.QueryFunc(ctx, all, func(r *engine.Rows) (err error) { n, err = sum(r, -1); return })
				return n, err
			}, 15, nil},
			{"early return", func() (int64, error) {
				var n int64
				err := db.QueryFunc(ctx, all, func(r *engine.Rows) (err error) { n, err = sum(r, 2); return })
				return n, err
			}, 3, nil},
			{"fn error wins", func() (int64, error) {
				return 0, db.QueryFunc(ctx, all, func(*engine.Rows) error { return boom })
			}, 0, boom},
			{"panic", func() (n int64, err error) {
				defer func() {
					if recover() == nil {
						err = errors.New("no panic")
					}
				}()
				return 0, db.QueryFunc(ctx, all, func(*engine.Rows) error { panic("in fn") })
			}, 0, nil},
			{"bad query", func() (int64, error) {
				return 0, db.QueryFunc(ctx, core.Raw("SELECT * FROM no_such_table").ReadOnly(), func(*engine.Rows) error {
					t.Error("fn called for a failed query")
					return nil
				})
			}, 0, errAny},
		}
		for _, c := range cases {
			n, err := c.run()
			if c.wantErr != nil {
				if err == nil || (c.wantErr != errAny && !errors.Is(err, c.wantErr)) {
					t.Fatalf("%s: err %v, want %v", c.name, err, c.wantErr)
				}
			} else if err != nil || n != c.want {
				t.Fatalf("%s: got %d, %v; want %d", c.name, n, err, c.want)
			}
			if s := poolSettled(t, db); s.InUseConns != 0 {
				t.Fatalf("%s: %d connections still in use", c.name, s.InUseConns)
			}
		}
		// Inside a transaction too, and the transaction goes on after.
		tx, err := db.Begin(ctx, engine.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		var n int64
		if err := tx.QueryFunc(ctx, all, func(r *engine.Rows) (err error) { n, err = sum(r, 1); return }); err != nil || n != 1 {
			t.Fatalf("tx: %d, %v", n, err)
		}
		if got := countItems(t, tx); got != 5 {
			t.Fatalf("tx after QueryFunc: count %d", got)
		}
	})
}

// A nil destination skips its column on every driver, so a row can be
// read in parts (the loader reads keys first, then the rest of new rows).
func TestScanSkipsNilDestinations(t *testing.T) {
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		if _, err := db.Exec(ctx, insertItem(1, "one", 10)); err != nil {
			t.Fatal(err)
		}
		stmt := core.Select(items.C("id"), items.C("name"), items.C("qty")).From(items)
		scan := func(rows *engine.Rows) error {
			n := 0
			for rows.Next() {
				var id int64
				var name string
				var qty int
				if err := rows.Scan(&id, nil, nil); err != nil {
					return err
				}
				if id != 1 || name != "" || qty != 0 {
					t.Errorf("keys only: %d %q %d", id, name, qty)
				}
				if err := rows.Scan(nil, &name, &qty); err != nil {
					return err
				}
				if name != "one" || qty != 10 {
					t.Errorf("then the rest: %q %d", name, qty)
				}
				n++
			}
			if n != 1 {
				t.Errorf("%d rows", n)
			}
			return rows.Err()
		}
		if err := db.QueryFunc(ctx, stmt, scan); err != nil {
			t.Fatal(err)
		}
		// Batch results are buffered: the same holds for them.
		res, err := db.Batch(ctx, stmt)
		if err != nil {
			t.Fatal(err)
		}
		rows := res[0].Rows()
		if err := scan(rows); err != nil {
			t.Fatal(err)
		}
	})
}

// ScanLayout scans one pointer per column, on every driver, from one
// result to the next under one key (the PostgreSQL driver then keeps its
// plans), in buffered batch results too, and never reads a single pointer
// as the whole row.
func TestScanLayout(t *testing.T) {
	type layout struct{ name string }
	key := layout{"items: id, name, qty"}
	eachDB(t, func(t *testing.T, db *engine.DB) {
		ctx := context.Background()
		createItems(t, db)
		for i, name := range []string{"one", "two"} {
			if _, err := db.Exec(ctx, insertItem(int64(i+1), name, 10*(i+1))); err != nil {
				t.Fatal(err)
			}
		}
		stmt := core.Select(items.C("id"), items.C("name"), items.C("qty")).From(items).OrderBy(core.Asc(items.C("id")))
		type item struct {
			id   int64
			name string
			qty  int
		}
		scan := func(rows *engine.Rows) ([]item, error) {
			var got []item
			for rows.Next() {
				var it item
				if err := rows.ScanLayout(key, &it.id, &it.name, &it.qty); err != nil {
					return nil, err
				}
				got = append(got, it)
			}
			return got, rows.Err()
		}
		want := []item{{1, "one", 10}, {2, "two", 20}}
		for run := range 3 { // the second and third reuse the first's plans
			var got []item
			err := db.QueryFunc(ctx, stmt, func(rows *engine.Rows) error {
				var err error
				got, err = scan(rows)
				return err
			})
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("run %d: %v, want %v", run, got, want)
			}
		}
		res, err := db.Batch(ctx, stmt)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := scan(res[0].Rows()); err != nil || !slices.Equal(got, want) {
			t.Fatalf("batch: %v %v, want %v", got, err, want)
		}
		// One struct pointer is one column's destination, not the row.
		type named struct{ Name string }
		var scanErr error
		_ = db.QueryFunc(ctx, core.Select(items.C("name")).From(items).Limit(1), func(rows *engine.Rows) error {
			for rows.Next() {
				var n named
				scanErr = rows.ScanLayout(layout{"items: name as named"}, &n)
			}
			return rows.Err()
		})
		if scanErr == nil {
			t.Error("a struct destination was read as the row")
		}
	})
}
