package core_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
)

// kept is what the tests of INSERT templates insert into: a table with
// a generated key, its templates without and with RETURNING, and a
// table with a client-side default and its template.
type kept struct {
	tbl, withDefault *core.Table
	cols             []*core.Column
	plain, ret, def  *core.InsertStmt
}

func newKept(name string) kept {
	k := kept{
		tbl: core.MustTable(core.TableDef{Name: name, Columns: []core.Column{
			{Name: "id", Type: core.Type{Kind: core.TypeBigInt}, PrimaryKey: true, AutoIncrement: true},
			{Name: "name", Type: core.Type{Kind: core.TypeText}},
			{Name: "n", Type: core.Type{Kind: core.TypeInt}},
		}}),
		withDefault: core.MustTable(core.TableDef{Name: name + "_def", Columns: []core.Column{
			{Name: "name", Type: core.Type{Kind: core.TypeText}},
			{Name: "n", Type: core.Type{Kind: core.TypeInt}, Default: 7},
		}}),
	}
	k.cols = []*core.Column{k.tbl.C("name"), k.tbl.C("n")}
	k.plain = core.Insert(k.tbl).Columns(k.cols...).Template()
	k.ret = k.plain.Returning(k.tbl.C("id")).Template()
	k.def = core.Insert(k.withDefault).Columns(k.withDefault.C("name")).Template()
	return k
}

// fresh is the INSERT of rows built without a template.
func (k kept) fresh(rows ...[]any) *core.InsertStmt {
	return core.Insert(k.tbl).Columns(k.cols...).Rows(rows...)
}

// compilesAlike checks that got compiles as want does, on PostgreSQL's and
// MySQL's dialects: the same SQL, arguments and routing facts, or an
// error for both.
func compilesAlike(t *testing.T, name string, got, want core.Statement) {
	t.Helper()
	for _, d := range []core.Dialect{postgres.Dialect, mysql.Dialect} {
		g, err := core.Compile(d, got)
		w, werr := core.Compile(d, want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%s %s: error %v, want %v", d.Name(), name, err, werr)
		}
		if err != nil {
			continue
		}
		if g.SQL != w.SQL || g.Writes != w.Writes || !slices.Equal(g.Tables, w.Tables) ||
			got.Writes() != want.Writes() || !slices.Equal(got.Tables(), want.Tables()) {
			t.Errorf("%s %s:\n got %s %v %v\nwant %s %v %v", d.Name(), name, g.SQL, g.Tables, got.Tables(), w.SQL, w.Tables, want.Tables())
		}
		if !slices.Equal(g.Args, w.Args) {
			t.Errorf("%s %s: args %v, want %v", d.Name(), name, g.Args, w.Args)
		}
	}
}

// TestInsertFromKeptStatement compiles INSERTs built by adding rows to one
// kept statement, as an ORM does on every flush: after the first, their
// SQL comes from the template cache, and it must be what a statement
// built afresh compiles to, whatever the rows, the dialect, and the
// clauses added after the rows.
func TestInsertFromKeptStatement(t *testing.T) {
	k := newKept("kept")
	tbl, withDefault, cols, plain, ret, def, fresh := k.tbl, k.withDefault, k.cols, k.plain, k.ret, k.def, k.fresh
	untemplated := core.Insert(tbl).Columns(cols...)
	type tc struct {
		name      string
		kept, new core.Statement
	}
	var cases []tc
	for round := range 3 { // the first round fills the cache
		a, b := []any{"a", round}, []any{"b", round + 1}
		cases = append(cases,
			tc{"one row", plain.Rows(a), fresh(a)},
			tc{"no template", untemplated.Rows(a), fresh(a)},
			tc{"returning on the template", plain.Returning(tbl.C("id")).Rows(a), fresh(a).Returning(tbl.C("id"))},
			tc{"two rows", plain.Rows(a, b), fresh(a, b)},
			tc{"values then values", plain.Values(a...).Values(b...), fresh(a, b)},
			tc{"rows then rows", plain.Rows(a).Rows(b), fresh(a, b)},
			tc{"returning", ret.Rows(a), fresh(a).Returning(tbl.C("id"))},
			tc{"returning after rows", plain.Rows(a).Returning(tbl.C("n")), fresh(a).Returning(tbl.C("n"))},
			tc{"expression value", plain.Rows([]any{core.Func("lower", "X"), round}), fresh([]any{core.Func("lower", "X"), round})},
			tc{"upsert after rows", plain.Rows(a).OnConflictDoUpdate([]*core.Column{tbl.C("name")}, core.Set(tbl.C("n"), 9)),
				fresh(a).OnConflictDoUpdate([]*core.Column{tbl.C("name")}, core.Set(tbl.C("n"), 9))},
			tc{"client default", def.Values("a"), core.Insert(withDefault).Columns(withDefault.C("name")).Values("a")},
		)
	}
	for _, c := range cases {
		compilesAlike(t, c.name, c.kept, c.new)
	}
	// Rows that are wrong are reported as they are afresh.
	for _, bad := range []*core.InsertStmt{plain.Rows([]any{"a"}), plain.Rows([]any{"a", 1.5})} {
		if _, err := core.Compile(postgres.Dialect, bad); err == nil {
			t.Errorf("%v compiled", bad)
		}
	}
	if _, err := core.Compile(postgres.Dialect, plain.Rows()); err == nil || errors.Is(err, core.ErrUnsupported) {
		t.Errorf("an insert of no rows: %v", err)
	}
}

// TestUpdateOfKeepsCopies checks that UpdateOf's statement does not change
// when the caller reuses the slices it was given.
func TestUpdateOfKeepsCopies(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "u", Columns: []core.Column{
		{Name: "id", Type: core.Type{Kind: core.TypeBigInt}, PrimaryKey: true},
		{Name: "name", Type: core.Type{Kind: core.TypeText}},
	}})
	sets := []core.Assignment{core.Set(tbl.C("name"), "a")}
	where := []core.Expr{core.Eq(tbl.C("id"), 1)}
	st := core.UpdateOf(tbl, sets, where...)
	sets[0], where[0] = core.Set(tbl.C("id"), 9), core.Eq(tbl.C("name"), "x")
	c, err := core.Compile(postgres.Dialect, st)
	if err != nil {
		t.Fatal(err)
	}
	if want := `UPDATE "u" SET "name" = $1 WHERE "u"."id" = $2`; c.SQL != want || c.Args[0] != "a" || c.Args[1] != 1 {
		t.Errorf("got %s %v, want %s [a 1]", c.SQL, c.Args, want)
	}
	if _, err := core.Compile(postgres.Dialect, core.UpdateOf(tbl, nil)); err == nil {
		t.Error("an UPDATE of no columns compiled")
	}
}

// TestTemplateSeesColumnChanges changes a column's exported fields after
// the template's SQL is cached: the next statement built from it must
// compile to the new SQL, as a walk would.
func TestTemplateSeesColumnChanges(t *testing.T) {
	builds := []struct {
		name  string
		build func(tmpl *core.InsertStmt, vals ...any) core.Statement
	}{
		{"Values", func(tmpl *core.InsertStmt, vals ...any) core.Statement { return tmpl.Values(vals...) }},
		{"Row", func(tmpl *core.InsertStmt, vals ...any) core.Statement { return tmpl.Row(vals...) }},
	}
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			tbl := core.MustTable(core.TableDef{Name: "renamed", Columns: []core.Column{
				{Name: "id", Type: core.Type{Kind: core.TypeBigInt}, PrimaryKey: true, AutoIncrement: true},
				{Name: "a", Type: core.Type{Kind: core.TypeText}},
				{Name: "b", Type: core.Type{Kind: core.TypeText}},
			}})
			tmpl := core.Insert(tbl).Columns(tbl.C("a")).Returning(tbl.C("id")).Template()
			for range 2 {
				if _, err := core.Compile(postgres.Dialect, b.build(tmpl, "x")); err != nil {
					t.Fatal(err)
				}
			}
			tbl.C("a").Name = "a2"
			c, err := core.Compile(postgres.Dialect, b.build(tmpl, "x"))
			if want := `INSERT INTO "renamed" ("a2") VALUES ($1) RETURNING "renamed"."id"`; err != nil || c.SQL != want {
				t.Errorf("after a rename: %s, %v; want %s", c.SQL, err, want)
			}
			tbl.C("b").Default = "d"
			c, err = core.Compile(postgres.Dialect, b.build(tmpl, "x"))
			if want := `INSERT INTO "renamed" ("a2", "b") VALUES ($1, $2) RETURNING "renamed"."id"`; err != nil || c.SQL != want || len(c.Args) != 2 {
				t.Errorf("after a default is set: %s %v, %v; want %s", c.SQL, c.Args, err, want)
			}
		})
	}
}

// TestSelectFromTemplate compiles lookups built from a kept SELECT, as a
// session's Get does: after the first, their SQL comes from the template
// cache, and it must be what a statement built afresh compiles to.
func TestSelectFromTemplate(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "sel", Columns: []core.Column{
		{Name: "id", Type: core.Type{Kind: core.TypeBigInt}, PrimaryKey: true},
		{Name: "name", Type: core.Type{Kind: core.TypeText}},
	}})
	fresh := func() *core.SelectStmt { return core.Select(tbl.C("id"), tbl.C("name")).From(tbl) }
	tmpl := fresh().Template()
	star := core.Select().From(tbl).Template()
	limited := fresh().Limit(3).Template()
	type tc struct {
		name      string
		kept, new *core.SelectStmt
	}
	var cases []tc
	for round := range 3 {
		cases = append(cases,
			tc{"eq id", tmpl.Where(core.Eq(tbl.C("id"), round)), fresh().Where(core.Eq(tbl.C("id"), round))},
			tc{"eq name", tmpl.Where(core.Eq(tbl.C("name"), "x")), fresh().Where(core.Eq(tbl.C("name"), "x"))},
			tc{"gt id", tmpl.Where(core.Gt(tbl.C("id"), round)), fresh().Where(core.Gt(tbl.C("id"), round))},
			tc{"star", star.Where(core.Eq(tbl.C("id"), round)), core.Select().From(tbl).Where(core.Eq(tbl.C("id"), round))},
			tc{"limit", limited.Where(core.Eq(tbl.C("id"), round)), fresh().Limit(3).Where(core.Eq(tbl.C("id"), round))},
			tc{"is null", tmpl.Where(core.Eq(tbl.C("name"), nil)), fresh().Where(core.Eq(tbl.C("name"), nil))},
			tc{"two preds", tmpl.Where(core.Eq(tbl.C("id"), round), core.Eq(tbl.C("name"), "y")),
				fresh().Where(core.Eq(tbl.C("id"), round), core.Eq(tbl.C("name"), "y"))},
			tc{"where then where", tmpl.Where(core.Eq(tbl.C("id"), round)).Where(core.Eq(tbl.C("name"), "y")),
				fresh().Where(core.Eq(tbl.C("id"), round), core.Eq(tbl.C("name"), "y"))},
			tc{"for update after", tmpl.Where(core.Eq(tbl.C("id"), round)).ForUpdate(), fresh().Where(core.Eq(tbl.C("id"), round)).ForUpdate()},
			tc{"order after", tmpl.Where(core.Eq(tbl.C("id"), round)).OrderBy(tbl.C("name")), fresh().Where(core.Eq(tbl.C("id"), round)).OrderBy(tbl.C("name"))},
			tc{"expression", tmpl.Where(core.Eq(tbl.C("name"), core.Func("lower", "X"))), fresh().Where(core.Eq(tbl.C("name"), core.Func("lower", "X")))},
		)
	}
	for _, d := range []core.Dialect{postgres.Dialect, mysql.Dialect} {
		for _, c := range cases {
			got, err := core.Compile(d, c.kept)
			want, werr := core.Compile(d, c.new)
			if err != nil || werr != nil {
				t.Fatalf("%s %s: %v, afresh %v", d.Name(), c.name, err, werr)
			}
			if got.SQL != want.SQL || !slices.Equal(got.Tables, want.Tables) || got.Writes != want.Writes || !slices.Equal(got.Args, want.Args) {
				t.Errorf("%s %s:\n got %s %v %v\nwant %s %v %v", d.Name(), c.name, got.SQL, got.Args, got.Writes, want.SQL, want.Args, want.Writes)
			}
		}
	}
	tbl.C("name").Name = "name2"
	got, err := core.Compile(postgres.Dialect, tmpl.Where(core.Eq(tbl.C("id"), 1)))
	if want := `SELECT "sel"."id", "sel"."name2" FROM "sel" WHERE "sel"."id" = $1`; err != nil || got.SQL != want {
		t.Errorf("after a rename: %s, %v; want %s", got.SQL, err, want)
	}
}

// TestSimpleUpdateForms compiles UPDATEs rebuilt with other values, as a
// flush does: after the first of each form their SQL comes from the form
// cache, and it must be the SQL of that form, with these values.
func TestSimpleUpdateForms(t *testing.T) {
	tbl := core.MustTable(core.TableDef{Name: "upd", Columns: []core.Column{
		{Name: "id", Type: core.Type{Kind: core.TypeBigInt}, PrimaryKey: true},
		{Name: "name", Type: core.Type{Kind: core.TypeText}},
		{Name: "n", Type: core.Type{Kind: core.TypeInt}},
	}})
	id, name, n := tbl.C("id"), tbl.C("name"), tbl.C("n")
	type tc struct {
		stmt func(round int) *core.UpdateStmt
		pg   string
		my   string
		args func(round int) []any
	}
	cases := []tc{
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(n, r).Where(core.Eq(id, r+1)) },
			`UPDATE "upd" SET "n" = $1 WHERE "upd"."id" = $2`, "UPDATE `upd` SET `n` = ? WHERE `upd`.`id` = ?",
			func(r int) []any { return []any{r, r + 1} }},
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(name, "a").Set(n, r).Where(core.Eq(id, 1)) },
			`UPDATE "upd" SET "name" = $1, "n" = $2 WHERE "upd"."id" = $3`, "UPDATE `upd` SET `name` = ?, `n` = ? WHERE `upd`.`id` = ?",
			func(r int) []any { return []any{"a", r, 1} }},
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(n, "a").Set(name, r).Where(core.Eq(id, 1)) },
			`UPDATE "upd" SET "n" = $1, "name" = $2 WHERE "upd"."id" = $3`, "UPDATE `upd` SET `n` = ?, `name` = ? WHERE `upd`.`id` = ?",
			func(r int) []any { return []any{"a", r, 1} }},
		{func(r int) *core.UpdateStmt {
			return core.UpdateOf(tbl, []core.Assignment{core.Set(n, r)}, core.Eq(id, 1), core.Eq(n, r-1))
		},
			`UPDATE "upd" SET "n" = $1 WHERE "upd"."id" = $2 AND "upd"."n" = $3`, "UPDATE `upd` SET `n` = ? WHERE `upd`.`id` = ? AND `upd`.`n` = ?",
			func(r int) []any { return []any{r, 1, r - 1} }},
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(n, r).Where(core.Gt(id, 1)) },
			`UPDATE "upd" SET "n" = $1 WHERE "upd"."id" > $2`, "UPDATE `upd` SET `n` = ? WHERE `upd`.`id` > ?",
			func(r int) []any { return []any{r, 1} }},
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(n, core.Add(n, r)).Where(core.Eq(id, 1)) },
			`UPDATE "upd" SET "n" = "upd"."n" + $1 WHERE "upd"."id" = $2`, "UPDATE `upd` SET `n` = `upd`.`n` + ? WHERE `upd`.`id` = ?",
			func(r int) []any { return []any{r, 1} }},
		{func(r int) *core.UpdateStmt { return core.Update(tbl).Set(n, r).Where(core.Eq(id, 1)).Returning(id) },
			`UPDATE "upd" SET "n" = $1 WHERE "upd"."id" = $2 RETURNING "upd"."id"`, "",
			func(r int) []any { return []any{r, 1} }},
	}
	for round := range 3 {
		for i, c := range cases {
			for _, d := range []core.Dialect{postgres.Dialect, mysql.Dialect} {
				want := c.pg
				if d == mysql.Dialect {
					want = c.my
				}
				got, err := core.Compile(d, c.stmt(round))
				if want == "" {
					if err == nil {
						t.Errorf("case %d on %s compiled: %s", i, d.Name(), got.SQL)
					}
					continue
				}
				if err != nil || got.SQL != want || !slices.Equal(got.Args, c.args(round)) || !got.Writes || !slices.Equal(got.Tables, []string{"upd"}) {
					t.Errorf("case %d on %s, round %d: %s %v %v (%v)\nwant %s %v", i, d.Name(), round, got.SQL, got.Args, got.Tables, err, want, c.args(round))
				}
			}
		}
	}
	if _, err := core.Compile(postgres.Dialect, core.Update(tbl).Set(n, 1.5).Where(core.Eq(id, 1))); err == nil {
		t.Error("a fraction set on an integer column compiled")
	}
	name.Name = "name2"
	got, err := core.Compile(postgres.Dialect, core.Update(tbl).Set(name, "a").Set(n, 1).Where(core.Eq(id, 1)))
	if want := `UPDATE "upd" SET "name2" = $1, "n" = $2 WHERE "upd"."id" = $3`; err != nil || got.SQL != want {
		t.Errorf("after a rename: %s (%v), want %s", got.SQL, err, want)
	}
}

// TestInsertRowFromTemplate compiles one-row INSERTs built with Row, as
// a session's flush of one object does: each must compile to what the
// same statement built with Values afresh compiles to, through the
// template cache when it qualifies and through a walk when it does not
// (a value that is an expression, a client-side default, a template that
// already has rows, a row that is wrong).
func TestInsertRowFromTemplate(t *testing.T) {
	k := newKept("row_kept")
	tbl, withDefault, cols, plain, ret, def, fresh := k.tbl, k.withDefault, k.cols, k.plain, k.ret, k.def, k.fresh
	other := core.MustTable(core.TableDef{Name: "row_other", Columns: []core.Column{
		{Name: "n", Type: core.Type{Kind: core.TypeInt}},
	}})
	sub := core.Select(core.Func("max", other.C("n"))).From(other)
	type tc struct {
		name string
		row  core.Statement
		want core.Statement
	}
	var cases []tc
	for round := range 3 { // the first round fills the cache
		a, b := []any{"a", round}, []any{"b", round + 1}
		cases = append(cases,
			tc{"one row", plain.Row(a...), fresh(a)},
			tc{"returning", ret.Row(a...), fresh(a).Returning(tbl.C("id"))},
			tc{"no template", core.Insert(tbl).Columns(cols...).Row(a...), fresh(a)},
			tc{"template with a row", plain.Values(a...).Row(b...), fresh(a, b)},
			tc{"expression value", plain.Row(core.Func("lower", "X"), round), fresh([]any{core.Func("lower", "X"), round})},
			tc{"subquery value", plain.Row("s", sub), fresh([]any{"s", sub})},
			tc{"nil value", plain.Row(nil, round), fresh([]any{nil, round})},
			tc{"client default", def.Row("a"), core.Insert(withDefault).Columns(withDefault.C("name")).Values("a")},
			tc{"too few values", plain.Row("a"), fresh([]any{"a"})},
			tc{"value that does not fit", plain.Row("a", 1.5), fresh([]any{"a", 1.5})},
		)
	}
	for _, c := range cases {
		compilesAlike(t, c.name, c.row, c.want)
	}
	if got, want := plain.Row("a", 1).String(), plain.Values("a", 1).String(); got != want {
		t.Errorf("String: %s, want %s", got, want)
	}
	if got, want := plain.Row("a", 1).Stmt().Returning(tbl.C("id")).String(), ret.Values("a", 1).String(); got != want {
		t.Errorf("Stmt then Returning: %s, want %s", got, want)
	}

	// The row is a copy: the caller may reuse its slice.
	vals := []any{"mine", 1}
	r := plain.Row(vals...)
	vals[0], vals[1] = "changed", 2
	if c, err := core.Compile(postgres.Dialect, r); err != nil || c.Args[0] != "mine" || c.Args[1] != 1 {
		t.Errorf("after the caller reused its slice: %v, %v", c.Args, err)
	}
	// Compiled from the cache, a row costs nothing more than itself.
	if testing.AllocsPerRun(100, func() {
		if _, err := core.Compile(postgres.Dialect, r); err != nil {
			t.Fatal(err)
		}
	}) != 0 {
		t.Error("compiling a row of a cached template allocates")
	}

}
