package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/session"
)

// TestCutMidResult closes the connection after a given number of bytes of
// the server's answer while a result of many rows streams in: every read
// path must return either every row or an error, never a short result
// that looks complete.
func TestCutMidResult(t *testing.T) {
	const rows = 1000
	each(t, networked, func(t *testing.T, e *env) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for i := 0; i < rows; i += 250 {
			var stmts []core.Statement
			for j := i; j < i+250; j++ {
				stmts = append(stmts, e.insertRow(fmt.Sprintf("bulk-%04d", j), j))
			}
			if _, err := e.direct.Batch(ctx, stmts...); err != nil {
				t.Fatal(err)
			}
		}
		all := core.Select(e.rows.C("id"), e.rows.C("k"), e.rows.C("w")).From(e.rows)
		paths := []struct {
			name string
			read func() (int, error)
		}{
			{"engine Query", func() (int, error) {
				r, err := e.db.Query(ctx, all)
				if err != nil {
					return 0, err
				}
				n := 0
				for r.Next() {
					n++
				}
				err = r.Err()
				if cerr := r.Close(); err == nil {
					err = cerr
				}
				return n, err
			}},
			{"engine QueryFunc", func() (int, error) {
				n := 0
				err := e.db.QueryFunc(ctx, all, func(r *engine.Rows) error {
					for r.Next() {
						n++
					}
					return r.Err()
				})
				return n, err
			}},
			{"engine All", func() (int, error) {
				got, err := engine.All[faultRow](ctx, e.db, all)
				return len(got), err
			}},
			{"session Query.All", func() (int, error) {
				s := session.New(session.DB(e.db), session.Options{Registry: e.reg})
				got, err := session.Query[faultRow](s).All(ctx)
				return len(got), err
			}},
		}
		// Byte counts from inside the first packets to deep in the rows.
		limits := []int64{0, 40, 300, 2000, 9000, 30000}
		short, errored, complete := 0, 0, 0
		for _, p := range paths {
			for _, lim := range limits {
				if _, err := p.read(); err != nil { // warm: connection open, statement prepared
					t.Fatalf("%s: warm-up read: %v", p.name, err)
				}
				e.proxy.CutAfter(lim)
				n, err := p.read()
				e.proxy.Disarm()
				switch {
				case err != nil:
					errored++
				case n == rows:
					complete++
				default:
					short++
					t.Errorf("%s cut after %d bytes: %d of %d rows and no error", p.name, lim, n, rows)
				}
			}
		}
		report(t, "faults: cut mid-result %s: %d reads of %d rows cut after 0–30000 bytes: %d errors, %d complete, %d short without error",
			e.name, len(paths)*len(limits), rows, errored, complete, short)
	})
}
