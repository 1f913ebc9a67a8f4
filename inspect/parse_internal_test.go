package inspect

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalizeSQL(t *testing.T) {
	cases := []struct {
		dialect, a, b string // a and b must normalize alike
	}{
		{"postgres", `"qty" > 0`, `(qty > 0)`},
		{"postgres", `"a" >= 0 AND "a" < 100`, `((a >= 0) AND (a < 100))`},
		{"postgres", `'x'`, `'x'::character varying`},
		{"postgres", `'it''s'`, `'it''s'::text`},
		{"postgres", `'happy'`, `'happy'::"Mood"`},
		{"postgres", `CURRENT_TIMESTAMP`, `now()`},
		{"postgres", `'{}'`, `'{}'::integer[]`},
		{"postgres", `"t" > '2020-01-01'`, `t > '2020-01-01'::timestamp without time zone`},
		{"postgres", `(LOWER("email"))`, `lower(email::text)`},
		{"postgres", `"a" != 1`, `a <> 1`},
		{"postgres", `'1.50'`, `1.50`},
		{"mariadb", "`c` > 0", `"c" > 0`},
		{"mariadb", `TRUE`, `1`},
		{"mariadb", `CURRENT_TIMESTAMP`, `current_timestamp(6)`},
		{"mariadb", `CURRENT_TIMESTAMP`, `current_timestamp()`},
		{"sqlite", `"Mixed" IN ('a', 'b')`, `Mixed IN ('a','b')`},
	}
	for _, c := range cases {
		if x, y := NormalizeSQL(c.dialect, c.a), NormalizeSQL(c.dialect, c.b); x != y {
			t.Errorf("%s: %q -> %q, %q -> %q", c.dialect, c.a, x, c.b, y)
		}
	}
	different := []struct{ dialect, a, b string }{
		{"postgres", `a > 0`, `a >= 0`},
		{"postgres", `'x'`, `'y'`},
		{"postgres", `"Qty" > 0`, `qty > 0`}, // a quoted name keeps its case
		{"postgres", `lower(a)`, `upper(a)`},
		{"postgres", `a IN ('x')`, `a IN ('x', 'y')`},
		{"mariadb", `'1'`, `'a'`},
		{"sqlite", `'A'`, `'a'`},
	}
	for _, c := range different {
		if x, y := NormalizeSQL(c.dialect, c.a), NormalizeSQL(c.dialect, c.b); x == y {
			t.Errorf("%s: %q and %q both normalize to %q", c.dialect, c.a, c.b, x)
		}
	}
}

func TestParseCreateTable(t *testing.T) {
	sql := `CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT,
  "s" TEXT CHECK ("s" IN ('a', 'b,c')) NOT NULL, -- a comment, with a comma
  [x] VARCHAR(10) CONSTRAINT "ck_x" CHECK (length(x) > 1) UNIQUE,
  CONSTRAINT "uq_t" UNIQUE ("s", [x]),
  CONSTRAINT fk_t FOREIGN KEY (x) REFERENCES p (id) ON DELETE CASCADE,
  FOREIGN KEY ("s") REFERENCES q,
  CHECK (id > 0))`
	lt := parseCreateTable(sql)
	if !lt.autoinc["id"] || lt.autoinc["s"] {
		t.Errorf("autoincrement %v", lt.autoinc)
	}
	if got := lt.colChecks["s"]; len(got) != 1 || got[0].text != `"s" IN ('a', 'b,c')` || got[0].name != "" {
		t.Errorf("checks of s: %+v", got)
	}
	if got := lt.colChecks["x"]; len(got) != 1 || got[0].text != `length(x) > 1` || got[0].name != "ck_x" {
		t.Errorf("checks of x: %+v", got)
	}
	if len(lt.checks) != 1 || lt.checks[0].text != "id > 0" || lt.checks[0].name != "" {
		t.Errorf("table checks: %+v", lt.checks)
	}
	if len(lt.uniques) != 1 || lt.uniques[0].name != "uq_t" || !slices.Equal(lt.uniques[0].cols, []string{"s", "x"}) {
		t.Errorf("uniques: %+v", lt.uniques)
	}
	if len(lt.fks) != 2 || lt.fks[0].name != "fk_t" || !slices.Equal(lt.fks[0].cols, []string{"x"}) || lt.fks[1].name != "" {
		t.Errorf("foreign keys: %+v", lt.fks)
	}
	if vals, ok := enumCheck("s", lt.colChecks["s"][0].text); !ok || !slices.Equal(vals, []string{"a", "b,c"}) {
		t.Errorf("enum check: %q, %v", vals, ok)
	}
	if _, ok := enumCheck("s", `"s" IN ('a', 1)`); ok {
		t.Error("enum check with a number accepted")
	}
}

func TestParseCreateIndex(t *testing.T) {
	items, bare, where, ok := parseCreateIndex(`CREATE UNIQUE INDEX "ix" ON "t" ("a", lower("b"), (c + 1)) WHERE "a" IS NOT NULL AND c > 0`)
	if !ok || !slices.Equal(items, []string{"a", `lower("b")`, "(c + 1)"}) || !slices.Equal(bare, []bool{true, false, false}) ||
		where != `"a" IS NOT NULL AND c > 0` {
		t.Errorf("items %q bare %v where %q ok %v", items, bare, where, ok)
	}
}

func TestEnumValues(t *testing.T) {
	vals, err := enumValues(`enum('a','it''s','b\,c','')`)
	if err != nil || !slices.Equal(vals, []string{"a", "it's", "b,c", ""}) {
		t.Errorf("%q, %v", vals, err)
	}
	if _, err := enumValues("enum('a"); err == nil {
		t.Error("unterminated value accepted")
	}
}

func TestPGObjectName(t *testing.T) {
	if got := pgObjectName("t", "c", "key"); got != "t_c_key" {
		t.Errorf("short: %q", got)
	}
	table, col := strings.Repeat("a", 50), strings.Repeat("b", 20)
	got := pgObjectName(table, col, "key")
	// 63 bytes: the longer part loses bytes first, down to the other's length.
	if want := strings.Repeat("a", 38) + "_" + strings.Repeat("b", 20) + "_key"; got != want {
		t.Errorf("long: %q (%d bytes), want %q", got, len(got), want)
	}
}
