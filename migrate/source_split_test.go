package migrate

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct {
		name    string
		dialect string
		src     string
		want    []statement
	}{
		{"two statements and a trailing one without semicolon", "postgres",
			"CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\nSELECT 1",
			[]statement{{"CREATE TABLE a (x int)", 1}, {"INSERT INTO a VALUES (1)", 2}, {"SELECT 1", 3}}},
		{"semicolon in a string and doubled quote", "postgres",
			"INSERT INTO a VALUES ('x;y', 'it''s;');\nSELECT 2;",
			[]statement{{"INSERT INTO a VALUES ('x;y', 'it''s;')", 1}, {"SELECT 2", 2}}},
		{"comments are dropped before a statement, kept inside", "postgres",
			"-- first; not a statement\n/* block; */\nSELECT 1 /* in; */ ;\n-- only a comment;\n",
			[]statement{{"SELECT 1 /* in; */", 3}}},
		{"nested block comment on postgres", "postgres",
			"/* a /* b; */ c; */ SELECT 1;", []statement{{"SELECT 1", 1}}},
		{"dollar-quoted function body", "postgres",
			"CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\nSELECT f();",
			[]statement{{"CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql", 1}, {"SELECT f()", 6}}},
		{"tagged dollar quote holding $$", "postgres",
			"DO $body$ BEGIN PERFORM '$$;'; END $body$;",
			[]statement{{"DO $body$ BEGIN PERFORM '$$;'; END $body$", 1}}},
		{"positional parameter is not a dollar quote", "postgres",
			"PREPARE p AS SELECT $1;", []statement{{"PREPARE p AS SELECT $1", 1}}},
		{"E string with backslash-escaped quote", "postgres",
			"SELECT E'a\\';b';", []statement{{"SELECT E'a\\';b'", 1}}},
		{"mysql backslash escape, hash comment, backticks", "mysql",
			"# c;\nINSERT INTO `a;b` VALUES ('x\\';y', \"q;\");",
			[]statement{{"INSERT INTO `a;b` VALUES ('x\\';y', \"q;\")", 2}}},
		{"mysql executable comment is a statement", "mysql",
			"/*!40101 SET NAMES utf8 */;", []statement{{"/*!40101 SET NAMES utf8 */", 1}}},
		{"sqlite trigger body with CASE", "sqlite",
			"CREATE TRIGGER t AFTER INSERT ON a BEGIN\n UPDATE a SET x = CASE WHEN 1 THEN 2 END;\n DELETE FROM b;\nEND;\nSELECT 1;",
			[]statement{{"CREATE TRIGGER t AFTER INSERT ON a BEGIN\n UPDATE a SET x = CASE WHEN 1 THEN 2 END;\n DELETE FROM b;\nEND", 1}, {"SELECT 1", 5}}},
		{"sqlite bracket identifier", "sqlite",
			"SELECT [a;b] FROM t;", []statement{{"SELECT [a;b] FROM t", 1}}},
		{"empty statements skipped", "sqlite", ";;\n ; SELECT 1;;", []statement{{"SELECT 1", 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := split(c.src, c.dialect)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("split:\n got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestSplitErrors(t *testing.T) {
	cases := []struct {
		name, dialect, src string
		line               int
		msg                string
	}{
		{"unterminated string", "postgres", "SELECT 1;\n\nSELECT 'abc;\n", 3, "unterminated '"},
		{"unterminated comment", "mysql", "SELECT 1;\n/* x", 2, "unterminated /*"},
		{"unterminated dollar quote", "postgres", "SELECT 1;\nDO $x$ BEGIN END $y$;", 2, "dollar-quoted"},
		{"trigger without END", "sqlite", "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1;", 1, "trigger body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := split(c.src, c.dialect)
			se, ok := err.(*splitError)
			if !ok {
				t.Fatalf("split = %v, want a *splitError", err)
			}
			if se.Line != c.line || !strings.Contains(se.Msg, c.msg) {
				t.Fatalf("error %q at line %d, want %q at line %d", se.Msg, se.Line, c.msg, c.line)
			}
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 'a;b';", "DO $$ ; $$;", "/* ; */ SELECT `x;`", "CREATE TRIGGER t BEGIN x; END;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range Dialects {
			st, err := split(src, d)
			if err != nil {
				continue
			}
			for _, s := range st {
				if s.SQL == "" || s.Line < 1 || !strings.Contains(src, s.SQL) {
					t.Fatalf("%s: bad statement %+v from %q", d, s, src)
				}
			}
		}
	})
}
