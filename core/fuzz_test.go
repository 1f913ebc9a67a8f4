package core_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/coretest"
)

// FuzzValuesAreAlwaysBound compiles statements carrying a fuzzed value in
// every value position and checks, for every dialect, that the SQL text is
// exactly the text compiled for a harmless value (values never reach SQL)
// and that the value arrives intact in Args. Seeds: testdata/fuzz.
func FuzzValuesAreAlwaysBound(f *testing.F) {
	for _, s := range []string{"--", "/* */", "$$", "$1", `\`, `'`, `"`, "`", "?", "??", "\x00", "'; DROP TABLE authors; --"} {
		f.Add(s)
	}
	s := coretest.NewSchema()
	a := s.Authors
	build := func(v string) []core.Statement {
		return []core.Statement{
			core.Select(a.C("id"), core.As(core.Val(v), "v")).From(a).
				Where(core.Eq(a.C("name"), v), core.ILike(a.C("email"), v), core.In(a.C("country"), []string{v, v}),
					core.Between(a.C("name"), v, v), core.Eq(core.Coalesce(a.C("country"), v), core.Concat(v, v))).
				OrderBy(core.Case().When(core.Eq(a.C("name"), v), v).Else(v)),
			core.Insert(a).Columns(a.C("name"), a.C("email")).Values(v, v).
				OnConflictDoUpdate([]*core.Column{a.C("email")}, core.Set(a.C("name"), v)),
			core.Update(a).Set(a.C("name"), v).Where(core.Like(a.C("email"), v)),
			core.Delete(a).Where(core.NotIn(a.C("name"), []string{v})),
		}
	}
	safe := build("x")
	f.Fuzz(func(t *testing.T, v string) {
		for _, dl := range dialects {
			for i, st := range build(v) {
				want, werr := core.Compile(dl.d, safe[i])
				got, err := core.Compile(dl.d, st)
				if (werr == nil) != (err == nil) {
					t.Fatalf("%s #%d: error differs with value %q: %v", dl.name, i, v, err)
				}
				if err != nil {
					continue
				}
				if got.SQL != want.SQL {
					t.Fatalf("%s #%d: value %q changed the SQL:\n%s", dl.name, i, v, got.SQL)
				}
				if len(got.Args) != len(want.Args) {
					t.Fatalf("%s #%d: %d args, want %d", dl.name, i, len(got.Args), len(want.Args))
				}
				for _, arg := range got.Args {
					switch x := arg.(type) {
					case string:
						if x != v {
							t.Fatalf("%s #%d: arg %q, want %q", dl.name, i, x, v)
						}
					case []string:
						if !slices.Equal(x, slices.Repeat([]string{v}, len(x))) {
							t.Fatalf("%s #%d: arg %q", dl.name, i, x)
						}
					}
				}
			}
		}
	})
}

// FuzzRawPlaceholders checks Raw's placeholder rewriting: each lone '?'
// consumes one argument, "??" is a literal '?', and nothing else changes.
func FuzzRawPlaceholders(f *testing.F) {
	for _, s := range []string{"SELECT ?", "a ?? b", "$1 ? $$ ?", "'?'", "--?\n?", "/* ? */"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		n := strings.Count(strings.ReplaceAll(sql, "??", ""), "?")
		args := make([]any, n)
		for i := range args {
			args[i] = i
		}
		for _, dl := range dialects {
			c, err := core.Compile(dl.d, core.Raw(sql, args...))
			if err != nil {
				t.Fatalf("%s: %v", dl.name, err)
			}
			if len(c.Args) != n {
				t.Fatalf("%s: %d args, want %d", dl.name, len(c.Args), n)
			}
			if _, err := core.Compile(dl.d, core.Raw(sql, append(args, "extra")...)); err == nil {
				t.Fatalf("%s: extra argument accepted", dl.name)
			}
		}
	})
}
