package core_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/internal/coretest"
)

// TestSetChainsNeverShareSlots grows UPDATEs Set by Set past every array
// size Set grows into (appends in place where it can), deriving from each
// intermediate statement twice and from many goroutines at once (run with
// -race): every statement keeps exactly its own assignments.
func TestSetChainsNeverShareSlots(t *testing.T) {
	b := coretest.NewSchema().Books
	cols := []*core.Column{b.C("author_id"), b.C("title"), b.C("price"), b.C("published")}
	// set k of a chain assigns cols[k%4] the value "<tag>:<k>".
	type built struct {
		u   *core.UpdateStmt
		tag string
		n   int
	}
	check := func(t *testing.T, x built, tags []string) {
		t.Helper()
		c := compileTB(t, x.u)
		if len(c.Args) != x.n {
			t.Errorf("%d sets: args %v", x.n, c.Args)
			return
		}
		for k := range x.n {
			if want := fmt.Sprintf("%s:%d", tags[k], k); c.Args[k] != want {
				t.Errorf("%d sets: arg %d = %v, want %s (all %v)", x.n, k, c.Args[k], want, c.Args)
			}
		}
	}
	// Two branches from every prefix: the second finds the slot after
	// the prefix taken and must copy.
	u := core.Update(b)
	var chain []*core.UpdateStmt
	for k := range 20 {
		u = u.Set(cols[k%4], fmt.Sprintf("a:%d", k))
		chain = append(chain, u)
	}
	for n, p := range chain {
		other := p.Set(cols[(n+1)%4], fmt.Sprintf("b:%d", n+1))
		tags := slices.Repeat([]string{"a"}, n+1)
		check(t, built{u: p, n: n + 1}, tags)
		check(t, built{u: other, n: n + 2}, append(tags, "b"))
		// SetAll of several at once, in place or not.
		many := p.SetAll(core.Set(cols[(n+1)%4], fmt.Sprintf("c:%d", n+1)), core.Set(cols[(n+2)%4], fmt.Sprintf("c:%d", n+2)))
		check(t, built{u: many, n: n + 3}, append(tags, "c", "c"))
		check(t, built{u: p, n: n + 1}, tags)
	}

	// Many goroutines extending one base at once.
	base := core.Update(b).Set(cols[0], "a:0").Set(cols[1], "a:1")
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			tag := fmt.Sprintf("g%d", g)
			x := base
			tags := []string{"a", "a"}
			for k := 2; k < 2+g%12; k++ {
				x = x.Set(cols[k%4], fmt.Sprintf("%s:%d", tag, k))
				tags = append(tags, tag)
			}
			check(t, built{u: x, n: len(tags)}, tags)
		})
	}
	wg.Wait()
	check(t, built{u: base, n: 2}, []string{"a", "a"})
}

// TestSimpleInsertFormsNeverMix compiles INSERTs that the simple-form
// cache keys apart (columns and their order, RETURNING, the number of
// rows, the table, the dialect) twice each, interleaved: every one gets
// its own SQL and values, from the cache or not.
func TestSimpleInsertFormsNeverMix(t *testing.T) {
	s := coretest.NewSchema()
	a, b := s.Authors, s.Books
	cases := []struct {
		stmt func() *core.InsertStmt
		sql  string
		args []any
	}{
		{func() *core.InsertStmt { return core.Insert(a).Columns(a.C("name"), a.C("email")).Values("n", "e") },
			`INSERT INTO "authors" ("name", "email") VALUES ($1, $2)`, []any{"n", "e"}},
		{func() *core.InsertStmt { return core.Insert(a).Columns(a.C("email"), a.C("name")).Values("e", "n") },
			`INSERT INTO "authors" ("email", "name") VALUES ($1, $2)`, []any{"e", "n"}},
		{func() *core.InsertStmt {
			return core.Insert(a).Columns(a.C("name"), a.C("email")).Values("n", "e").Returning(a.C("id"))
		}, `INSERT INTO "authors" ("name", "email") VALUES ($1, $2) RETURNING "authors"."id"`, []any{"n", "e"}},
		{func() *core.InsertStmt {
			return core.Insert(a).Columns(a.C("name"), a.C("email")).Values("n", "e").Returning(a.C("id"), a.C("name"))
		}, `INSERT INTO "authors" ("name", "email") VALUES ($1, $2) RETURNING "authors"."id", "authors"."name"`, []any{"n", "e"}},
		{func() *core.InsertStmt {
			return core.Insert(a).Columns(a.C("name"), a.C("email")).Values("n", "e").Rows([]any{"m", "f"})
		}, `INSERT INTO "authors" ("name", "email") VALUES ($1, $2), ($3, $4)`, []any{"n", "e", "m", "f"}},
		{func() *core.InsertStmt { return core.Insert(b).Columns(b.C("title")).Values("t") },
			`INSERT INTO "books" ("title") VALUES ($1)`, []any{"t"}},
		{func() *core.InsertStmt { return core.Insert(a).Columns(a.C("name")).Values("n") },
			`INSERT INTO "authors" ("name") VALUES ($1)`, []any{"n"}},
	}
	for round := range 3 {
		for i, tc := range cases {
			c := compilePG(t, tc.stmt())
			if c.SQL != tc.sql || !slices.Equal(c.Args, tc.args) {
				t.Errorf("round %d, case %d: %s %v, want %s %v", round, i, c.SQL, c.Args, tc.sql, tc.args)
			}
			if cap(c.Args) != len(c.Args) {
				t.Errorf("round %d, case %d: args have spare capacity", round, i)
			}
		}
	}
	// Another dialect's SQL for the same form.
	m, err := core.Compile(mysql.MariaDB, cases[0].stmt())
	if err != nil || m.SQL != "INSERT INTO `authors` (`name`, `email`) VALUES (?, ?)" {
		t.Errorf("mariadb: %s, %v", m.SQL, err)
	}
	// A value that does not fit its column is still reported, also once
	// its form is cached.
	compilePG(t, core.Insert(b).Columns(b.C("price")).Values(int64(2)))
	compilePG(t, core.Insert(b).Columns(b.C("price")).Values(int64(3)))
	if _, err := core.Compile(postgres.Dialect, core.Insert(b).Columns(b.C("price")).Values(1.5)); err == nil {
		t.Error("a fraction for an integer column compiled")
	}
}

// TestRowsAfterValuesLeavesTheRowAlone: Rows on a one-row statement copies
// that row into its own array; the one-row statement, and another Rows
// from it, keep their own values.
func TestRowsAfterValuesLeavesTheRowAlone(t *testing.T) {
	a := coretest.NewSchema().Authors
	one := core.Insert(a).Columns(a.C("name"), a.C("email")).Values("n", "e")
	x := one.Rows([]any{"x", "x"})
	y := one.Rows([]any{"y", "y"}, []any{"z", "z"})
	for _, c := range []struct {
		s    *core.InsertStmt
		args []any
	}{{one, []any{"n", "e"}}, {x, []any{"n", "e", "x", "x"}}, {y, []any{"n", "e", "y", "y", "z", "z"}}, {one, []any{"n", "e"}}} {
		if got := compilePG(t, c.s); !slices.Equal(got.Args, c.args) {
			t.Errorf("args %v, want %v", got.Args, c.args)
		}
	}
}
