package inspect_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/internal/testdb"
)

// TestMariaDBSpecifics: a schema written by hand in MariaDB's own terms.
func TestMariaDBSpecifics(t *testing.T) {
	db := open(t, testdb.MySQL(t).Primary.URL())
	ctx := context.Background()
	for _, st := range []string{
		"CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY) COMMENT 'parents'",
		"CREATE TABLE c (" +
			"id BIGINT NOT NULL, " +
			"st ENUM('new', 'it''s', 'a,b') NOT NULL DEFAULT 'new' COMMENT 'state', " +
			"doc JSON, " +
			"flag TINYINT(1) NOT NULL DEFAULT 0, " +
			"small TINYINT, " +
			"price DECIMAL(8,3) UNSIGNED, " +
			"t TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, " +
			"p_id INT, " +
			"PRIMARY KEY (id), " +
			"CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE SET NULL, " +
			"CONSTRAINT c_small CHECK (small > 0))",
		"CREATE UNIQUE INDEX c_doc_flag ON c (flag, small)",
		"CREATE TABLE k (x INT, y INT, PRIMARY KEY (y, x))",
	} {
		if _, err := db.Exec(ctx, core.Raw(st)); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	s, err := inspect.Reflect(ctx, db, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Table("p")
	c, ok := s.Table("c")
	if !ok || len(s.Tables) != 3 || p.Comment != "parents" || !p.Columns[0].AutoIncrement {
		t.Fatalf("tables %+v", s.Tables)
	}
	types := map[string]string{}
	for _, col := range c.Columns {
		types[col.Name] = col.Type.Kind.String() + " " + col.Type.Native
	}
	want := map[string]string{"id": "bigint ", "st": "enum ", "doc": "json ", "flag": "bool ", "small": "native tinyint",
		"price": "native decimal(8,3) unsigned", "t": "native timestamp", "p_id": "int "}
	for k, v := range want {
		if types[k] != v {
			t.Errorf("column %q: type %q, want %q", k, types[k], v)
		}
	}
	st := c.Columns[1]
	if st.Type.Enum == nil || !slices.Equal(st.Type.Enum.Values, []string{"new", "it's", "a,b"}) || st.Comment != "state" {
		t.Errorf("enum column %+v %+v", st, st.Type.Enum)
	}
	if len(c.Checks) != 1 || c.Checks[0].Name != "c_small" {
		t.Errorf("checks %+v (the JSON column's json_valid check must not be one)", c.Checks)
	}
	// The unique index is a Unique; the index InnoDB made for c_p is not
	// listed.
	if len(c.Uniques) != 1 || c.Uniques[0].Name != "c_doc_flag" || len(c.Indexes) != 0 {
		t.Errorf("uniques %+v indexes %+v", c.Uniques, c.Indexes)
	}
	if len(c.ForeignKeys) != 1 || c.ForeignKeys[0].OnDelete != core.SetNull || c.ForeignKeys[0].OnUpdate != core.Restrict {
		t.Errorf("foreign keys %+v", c.ForeignKeys)
	}
	for _, w := range []string{`table "c": column "t": on update current_timestamp`, `table "k": primary key (y, x) is not in column order`} {
		if !strings.Contains(strings.Join(s.Warnings, "\n"), w) {
			t.Errorf("no warning %q in %q", w, s.Warnings)
		}
	}
	if _, err := s.MetaData(); err != nil {
		t.Fatal(err)
	}
}
