package cli_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/cli"
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// inspectSchemas creates, per database, a shop schema with each thing
// inspect prints: defaults, autoincrement, a unique, a foreign key with
// actions, a check, indexes (partial and on an expression where the
// server has them), comments and an enum where it has them, and a
// generated column, which reflection reports as a warning.
var inspectSchemas = map[string][]string{
	"postgres": {
		`CREATE TYPE cw_state AS ENUM ('draft', 'live')`,
		`CREATE TABLE cw_shops (
			id BIGSERIAL PRIMARY KEY,
			name VARCHAR(80) NOT NULL,
			state cw_state NOT NULL DEFAULT 'draft',
			CONSTRAINT cw_shops_name_uq UNIQUE (name))`,
		`COMMENT ON TABLE cw_shops IS 'the shops'`,
		`COMMENT ON COLUMN cw_shops.name IS 'display name'`,
		`CREATE TABLE cw_items (
			id BIGSERIAL PRIMARY KEY,
			shop_id BIGINT,
			price NUMERIC(10,2) NOT NULL DEFAULT 0,
			sku VARCHAR(40),
			CONSTRAINT cw_items_shop_fk FOREIGN KEY (shop_id) REFERENCES cw_shops (id) ON DELETE CASCADE ON UPDATE SET NULL,
			CONSTRAINT cw_items_price_ck CHECK (price >= 0))`,
		`CREATE INDEX cw_items_sku_ix ON cw_items (sku) WHERE sku IS NOT NULL`,
		`CREATE INDEX cw_items_lower_ix ON cw_items (lower(sku))`,
		`CREATE TABLE cw_gen (a INT, b INT GENERATED ALWAYS AS (a * 2) STORED)`,
	},
	"mariadb": {
		`CREATE TABLE cw_shops (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			name VARCHAR(80) NOT NULL COMMENT 'display name',
			state ENUM('draft', 'live') NOT NULL DEFAULT 'draft',
			CONSTRAINT cw_shops_name_uq UNIQUE (name)) COMMENT 'the shops'`,
		`CREATE TABLE cw_items (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			shop_id BIGINT,
			price DECIMAL(10,2) NOT NULL DEFAULT 0,
			sku VARCHAR(40),
			CONSTRAINT cw_items_shop_fk FOREIGN KEY (shop_id) REFERENCES cw_shops (id) ON DELETE CASCADE ON UPDATE SET NULL,
			CONSTRAINT cw_items_price_ck CHECK (price >= 0))`,
		`CREATE INDEX cw_items_sku_ix ON cw_items (sku)`,
		`CREATE TABLE cw_gen (a INT, b INT AS (a * 2) STORED)`,
	},
	"sqlite": {
		`CREATE TABLE cw_shops (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			name VARCHAR(80) NOT NULL,
			state TEXT NOT NULL DEFAULT 'draft' CHECK ("state" IN ('draft', 'live')),
			CONSTRAINT cw_shops_name_uq UNIQUE (name))`,
		`CREATE TABLE cw_items (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			shop_id INTEGER,
			price NUMERIC(10,2) NOT NULL DEFAULT 0,
			sku VARCHAR(40),
			CONSTRAINT cw_items_shop_fk FOREIGN KEY (shop_id) REFERENCES cw_shops (id) ON DELETE CASCADE ON UPDATE SET NULL,
			CONSTRAINT cw_items_price_ck CHECK (price >= 0))`,
		`CREATE INDEX cw_items_sku_ix ON cw_items (sku) WHERE sku IS NOT NULL`,
		`CREATE INDEX cw_items_lower_ix ON cw_items (lower(sku))`,
		`CREATE TABLE cw_gen (a INT, b INT GENERATED ALWAYS AS (a * 2) STORED)`,
	},
}

func TestInspect(t *testing.T) {
	for _, d := range dsns {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := d.dsn(t)
			db, err := engine.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, q := range inspectSchemas[d.name] {
				if _, err := db.Exec(ctx, core.Raw(q)); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			env := map[string]string{"ATHANOR_DSN": dsn}
			pg, sqlite := d.name == "postgres", d.name == "sqlite"

			code, out, errOut := run(t, cli.Options{}, env, "inspect")
			if code != 0 {
				t.Fatalf("inspect: exit %d: %s", code, errOut)
			}
			want := []string{
				"table cw_items\n", "table cw_shops\n",
				"price", "numeric(10,2)", "NOT NULL DEFAULT 0",
				"AUTOINCREMENT", "primary key (id)",
				"unique cw_shops_name_uq (name)",
				"foreign key cw_items_shop_fk (shop_id) REFERENCES cw_shops (id) ON DELETE CASCADE ON UPDATE SET NULL",
				"check cw_items_price_ck (",
				"index cw_items_sku_ix (sku)",
				"enum cw_", "'draft'",
				"table cw_gen\n", "1 warning(s)",
			}
			if !sqlite {
				want = append(want, `comment "the shops"`, `COMMENT "display name"`)
			}
			if pg || sqlite {
				want = append(want, "sku IS NOT NULL", "cw_items_lower_ix (lower(")
			}
			if pg {
				want = append(want, "enum cw_state ('draft', 'live')")
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("inspect output lacks %q", w)
				}
			}
			if t.Failed() {
				t.Fatalf("inspect output:\n%s", out)
			}

			code, out, errOut = run(t, cli.Options{}, env, "inspect", "--json", "--table", "cw_items", "--table", "cw_shops")
			if code != 0 {
				t.Fatalf("inspect --json: exit %d: %s", code, errOut)
			}
			var v cli.SchemaView
			dec := json.NewDecoder(strings.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("decode: %v\n%s", err, out)
			}
			var names []string
			for _, tb := range v.Tables {
				names = append(names, tb.Name)
			}
			if !slices.Equal(names, []string{"cw_items", "cw_shops"}) {
				t.Fatalf("tables %v, want cw_items and cw_shops only", names)
			}
			items := v.Tables[0]
			var cols []string
			for _, c := range items.Columns {
				cols = append(cols, c.Name)
			}
			if !slices.Equal(cols, []string{"id", "shop_id", "price", "sku"}) || !slices.Equal(items.PrimaryKey, []string{"id"}) {
				t.Fatalf("cw_items columns %v, key %v", cols, items.PrimaryKey)
			}
			price, sku := items.Columns[2], items.Columns[3]
			if price.Type != "numeric(10,2)" || price.Nullable || price.Default == "" || !sku.Nullable || sku.Type != "string(40)" || !items.Columns[0].AutoIncrement {
				t.Fatalf("cw_items columns: %+v", items.Columns)
			}
			wantFK := cli.ForeignKeyView{Name: "cw_items_shop_fk", Columns: []string{"shop_id"}, RefTable: "cw_shops",
				RefColumns: []string{"id"}, OnDelete: "CASCADE", OnUpdate: "SET NULL"}
			if len(items.ForeignKeys) != 1 || !equalFK(items.ForeignKeys[0], wantFK) {
				t.Fatalf("cw_items foreign keys %+v, want %+v", items.ForeignKeys, wantFK)
			}
			if len(items.Checks) != 1 || items.Checks[0].Name != "cw_items_price_ck" || !strings.Contains(items.Checks[0].Expr, "price") {
				t.Fatalf("cw_items checks %+v", items.Checks)
			}
			var sawPartial bool
			for _, ix := range items.Indexes {
				if ix.Name == "cw_items_sku_ix" && strings.Contains(ix.Where, "IS NOT NULL") {
					sawPartial = true
				}
			}
			if (pg || sqlite) != sawPartial {
				t.Fatalf("cw_items indexes %+v: partial index seen = %v", items.Indexes, sawPartial)
			}
			shops := v.Tables[1]
			if !strings.HasPrefix(shops.Columns[2].Type, "enum ") || len(shops.Uniques) != 1 || shops.Uniques[0].Name != "cw_shops_name_uq" {
				t.Fatalf("cw_shops: %+v", shops)
			}
			if len(v.Warnings) != 0 {
				t.Fatalf("warnings %q for tables without any", v.Warnings)
			}
			if pg && (len(v.Enums) != 1 || v.Enums[0].Name != "cw_state" || !slices.Equal(v.Enums[0].Values, []string{"draft", "live"})) {
				t.Fatalf("enums %+v", v.Enums)
			}

			if pg {
				code, out, errOut := run(t, cli.Options{}, env, "inspect", "--schema", "public", "--table", "cw_shops")
				if code != 0 || !strings.Contains(out, `postgres schema "public": 1 table(s)`) || strings.Contains(out, "cw_items") {
					t.Fatalf("inspect --schema public --table cw_shops: exit %d\n%s%s", code, out, errOut)
				}
			}
			if code, _, errOut := run(t, cli.Options{}, env, "inspect", "--table", "cw_nope"); code != cli.ExitError || !strings.Contains(errOut, `table "cw_nope": not found`) {
				t.Fatalf("inspect of a missing table: exit %d, %s", code, errOut)
			}
		})
	}
}

func equalFK(a, b cli.ForeignKeyView) bool {
	return a.Name == b.Name && slices.Equal(a.Columns, b.Columns) && a.RefTable == b.RefTable &&
		slices.Equal(a.RefColumns, b.RefColumns) && a.OnDelete == b.OnDelete && a.OnUpdate == b.OnUpdate
}
