package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/athanor-orm/athanor"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

type country struct {
	_    struct{} `athanor:",table:countries"`
	Code string   `athanor:",pk"`
	Name string
}

// A flush moves an object in the identity map when it changes the
// object's primary key, and only then: after a change of another column
// the object stays under its key, after a change of the key it is found
// under the new one, and the old key finds no row. Both ways a flush ends
// (Commit's one statement alone, and Flush in a transaction) are checked.
func TestFlushMovesIdentityOnlyWithTheKey(t *testing.T) {
	for _, viaFlush := range []bool{false, true} {
		name := "commit"
		if viaFlush {
			name = "flush"
		}
		t.Run(name, func(t *testing.T) {
			e := setup(t)
			ctx := context.Background()
			if _, err := mapper.RegisterIn[country](e.reg); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.Exec(ctx, core.Raw(`CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT NOT NULL)`)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.Exec(ctx, core.Raw(`INSERT INTO countries VALUES ('fr', 'France')`)); err != nil {
				t.Fatal(err)
			}
			s := e.session(session.Options{})
			write := func() {
				t.Helper()
				if viaFlush {
					if err := s.Flush(ctx); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			}
			c, err := session.Get[country](ctx, s, "fr")
			if err != nil {
				t.Fatal(err)
			}

			// held checks that Get finds c under key from the identity
			// map, with no SELECT.
			held := func(key, after string) {
				t.Helper()
				e.hk.reset()
				if got, err := session.Get[country](ctx, s, key); err != nil || got != c {
					t.Fatalf("after a change of %s, Get(%s) = %p, %v; want the held object %p", after, key, got, err, c)
				}
				if n := len(e.hk.with("SELECT")); n != 0 {
					t.Fatalf("after a change of %s, Get(%s) ran %d SELECTs, want none (the identity map holds it)", after, key, n)
				}
			}

			c.Name = "République française"
			write()
			held("fr", "name")

			c.Code = "fx"
			write()
			held("fx", "key")
			if got, err := session.Get[country](ctx, s, "fr"); !errors.Is(err, athanor.ErrNoRows) {
				t.Fatalf("after a change of key, Get(fr) = %v, %v; want ErrNoRows", got, err)
			}
			var code string
			if err := e.db.QueryRow(ctx, core.Raw(`SELECT code FROM countries`).ReadOnly()).Scan(&code); err != nil || code != "fx" {
				t.Fatalf("row's code %q, %v; want fx", code, err)
			}
		})
	}
}
