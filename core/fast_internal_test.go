package core

import "testing"

// TestSimpleFormsSkipTheWalk: the statements of a key lookup, a range
// read, a one-row INSERT … RETURNING and an UPDATE by key, rebuilt, are
// found in their form caches (no shape walk) once compiled once, with
// their values as arguments.
func TestSimpleFormsSkipTheWalk(t *testing.T) {
	tb := benchWide()
	d := benchDialect{}
	m := newCrudModel()
	stmts := []func() Statement{
		func() Statement { return Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 7)) },
		func() Statement { return Select(tb.Star()).From(tb).Where(Gt(tb.C("id"), 0)).Limit(100) },
		func() Statement {
			return Select(tb.C("id"), tb.C("name")).From(tb).Where(Eq(tb.C("age"), 3), Le(tb.C("id"), 9)).Offset(5)
		},
		func() Statement { return crudInsert(tb, &m).Returning(tb.C("id")) },
		func() Statement {
			return Update(tb).Set(tb.C("name"), "n").Set(tb.C("age"), 4).Where(Eq(tb.C("id"), 7))
		},
	}
	for i, build := range stmts {
		want, err := Compile(d, build())
		if err != nil {
			t.Fatal(err)
		}
		e, args, ok := build().(cachedForm).fromCache(d, nil)
		if !ok {
			t.Errorf("statement %d: not found in its form cache", i)
			continue
		}
		if e.sql != want.SQL || len(args) != len(want.Args) {
			t.Errorf("statement %d: %s %v, want %s %v", i, e.sql, args, want.SQL, want.Args)
		}
		for j := range args {
			if args[j] != want.Args[j] {
				t.Errorf("statement %d: %v, want %v", i, args, want.Args)
			}
		}
	}
}

// TestSimpleFormsNeverMix compiles statements that differ only in what
// the form caches key on (tables, aliases, columns and their order,
// stars, operators, DISTINCT, LIMIT, OFFSET, RETURNING, row counts, an
// UPDATE's FROM and WITH, the dialect), interleaved and repeated: each
// compiles to what a full render without any cache gives.
func TestSimpleFormsNeverMix(t *testing.T) {
	tb := benchWide()
	u, o, _ := benchTables()
	ua := u.As("x")
	stmts := []Statement{
		Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 1)),
		Select(tb.Star()).From(tb).Where(Ne(tb.C("id"), 1)),
		Select(tb.Star()).From(tb).Where(Eq(tb.C("age"), 1)),
		Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 1)).Distinct(),
		Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 1)).Limit(3),
		Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 1)).Offset(3),
		Select(tb.Star()).From(tb).Where(Eq(tb.C("id"), 1)).Limit(2).Offset(3),
		Select(tb.Star()).From(tb),
		Select().From(tb).Where(Eq(tb.C("id"), 1)),
		Select(tb.C("name"), tb.C("id")).From(tb).Where(Eq(tb.C("id"), 1)),
		Select(tb.C("id"), tb.C("name")).From(tb).Where(Eq(tb.C("id"), 1)),
		Select(tb.C("id"), tb.C("name")).From(tb).Where(Eq(tb.C("id"), 1), Lt(tb.C("age"), 2)),
		Select(tb.C("id"), tb.C("name")).From(tb).Where(Lt(tb.C("age"), 2), Eq(tb.C("id"), 1)),
		Select(u.Star()).From(u).Where(Eq(u.C("id"), 1)),
		Select(ua.Star()).From(ua).Where(Eq(ua.C("id"), 1)),
		Select(ua.C("id")).From(ua).Where(Eq(ua.C("id"), 1)),
		Select(u.Star(), o.Star()).From(u, o).Where(Eq(u.C("id"), 1), Eq(o.C("user_id"), 2)),
		Select(o.Star(), u.Star()).From(u, o).Where(Eq(u.C("id"), 1), Eq(o.C("user_id"), 2)),
		Select(u.Star()).From(o, u).Where(Eq(u.C("id"), 1)),
		Insert(tb).Columns(tb.C("name"), tb.C("age")).Values("a", 1),
		Insert(tb).Columns(tb.C("age"), tb.C("name")).Values(1, "a"),
		Insert(tb).Columns(tb.C("name"), tb.C("age")).Values("a", 1).Returning(tb.C("id")),
		Insert(tb).Columns(tb.C("name"), tb.C("age")).Values("a", 1).Returning(tb.C("age"), tb.C("id")),
		Insert(tb).Columns(tb.C("name"), tb.C("age")).Values("a", 1).Values("b", 2),
		Insert(tb).Columns(tb.C("name"), tb.C("age")).Rows([]any{"a", 1}, []any{"b", 2}, []any{"c", 3}),
		Insert(u).Columns(u.C("email")).Values("e"),
		Update(tb).Set(tb.C("name"), "n").Where(Eq(tb.C("id"), 1)),
		Update(tb).Set(tb.C("name"), "n").Where(Eq(tb.C("id"), 1)).Returning(tb.C("id")),
		Update(tb).Set(tb.C("name"), "n").From(u).Where(Eq(tb.C("id"), 1)),
		Update(tb).Set(tb.C("name"), "n").With().Where(Eq(tb.C("id"), 1)),
		Update(tb).Set(tb.C("age"), 1).Set(tb.C("name"), "n").Where(Eq(tb.C("id"), 1)),
		Update(u).Set(u.C("email"), "e").Where(Eq(u.C("id"), 1)),
	}
	// flavourDialect values share a type, hence a key seed.
	for _, d := range []Dialect{benchDialect{}, genericDialect{}, flavourDialect{}, flavourDialect{flavour: true}} {
		for round := range 3 {
			for i, s := range stmts {
				want, err := compileFull(d, s, nil)
				if err != nil {
					t.Fatal(err)
				}
				// A rebuilt statement: its own memo, the caches' entries.
				got, err := Compile(d, rebuilt(s))
				if err != nil {
					t.Fatal(err)
				}
				if got.SQL != want.SQL || len(got.Args) != len(want.Args) {
					t.Fatalf("%T, round %d, statement %d: %s %v, want %s %v", d, round, i, got.SQL, got.Args, want.SQL, want.Args)
				}
				for j := range got.Args {
					if got.Args[j] != want.Args[j] {
						t.Fatalf("%T, round %d, statement %d: args %v, want %v", d, round, i, got.Args, want.Args)
					}
				}
			}
		}
	}
}

// rebuilt returns a copy of s with an empty memo.
func rebuilt(s Statement) Statement {
	switch x := s.(type) {
	case *SelectStmt:
		return &SelectStmt{q: x.q}
	case *InsertStmt:
		return &InsertStmt{q: x.q}
	case *UpdateStmt:
		return &UpdateStmt{q: x.q}
	}
	return s
}
