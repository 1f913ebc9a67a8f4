package inspect

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

const myTables = `SELECT TABLE_NAME, COALESCE(TABLE_COMMENT, '') FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`

const myColumns = `SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE,
  COLUMN_DEFAULT IS NULL, COALESCE(COLUMN_DEFAULT, ''), EXTRA, COALESCE(COLUMN_COMMENT, ''),
  COALESCE(CHARACTER_MAXIMUM_LENGTH, 0), COALESCE(NUMERIC_PRECISION, 0), COALESCE(NUMERIC_SCALE, 0)
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`

const myKeys = `SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, k.COLUMN_NAME,
  COALESCE(k.REFERENCED_TABLE_SCHEMA, ''), COALESCE(k.REFERENCED_TABLE_NAME, ''), COALESCE(k.REFERENCED_COLUMN_NAME, '')
FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.KEY_COLUMN_USAGE k
  ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'FOREIGN KEY')
ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, k.ORDINAL_POSITION`

const myRules = `SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?`

// MariaDB's CHECK_CONSTRAINTS names the table (check names are unique per
// table there); MySQL 8's does not (they are unique per schema).
const (
	mariaChecks = `SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME`
	mysqlChecks = `SELECT tc.TABLE_NAME, cc.CONSTRAINT_NAME, cc.CHECK_CLAUSE, 'Table'
FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc
  ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
WHERE cc.CONSTRAINT_SCHEMA = ? ORDER BY tc.TABLE_NAME, cc.CONSTRAINT_NAME`
)

const myIndexes = `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COALESCE(COLUMN_NAME, ''), COALESCE(SUB_PART, 0), INDEX_TYPE
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME <> 'PRIMARY'
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`

type myColumn struct {
	table, name, dataType, columnType string
	length, precision, scale          int64
}

func reflectMySQL(ctx context.Context, ex engine.Executor, opts Options, dialect string) (*Schema, error) {
	db := opts.Schema
	if db == "" {
		if err := ex.QueryRow(ctx, core.Raw("SELECT COALESCE(DATABASE(), '')")).Scan(&db); err != nil {
			return nil, fmt.Errorf("inspect: current database: %w", err)
		}
		if db == "" {
			return nil, fmt.Errorf("inspect: %s: no current database; set Options.Schema", dialect)
		}
	}
	b := newBuilder(opts)
	arg := []any{db}
	err := query(ctx, ex, myTables, arg, func(r *engine.Rows) error {
		var name, comment string
		if err := r.Scan(&name, &comment); err != nil {
			return err
		}
		b.add(name, comment)
		return nil
	})
	if err != nil {
		return nil, err
	}
	longtext := map[[2]string]bool{} // columns that may be JSON (see the checks)
	err = query(ctx, ex, myColumns, arg, func(r *engine.Rows) error {
		var (
			c                                    myColumn
			nullable, noDefault, def, extra, cmt string
		)
		if err := r.Scan(&c.table, &c.name, &c.dataType, &c.columnType, &nullable, &noDefault, &def, &extra, &cmt,
			&c.length, &c.precision, &c.scale); err != nil {
			return err
		}
		t := b.table(c.table)
		if t == nil {
			return nil
		}
		col := core.Column{Name: c.name, Nullable: nullable == "YES", Comment: cmt}
		var err error
		if col.Type, err = myType(c); err != nil {
			return err
		}
		if col.Type.Kind == core.TypeText && c.dataType == "longtext" {
			longtext[[2]string{c.table, c.name}] = true
		}
		extra = strings.ToLower(extra)
		if strings.Contains(extra, "auto_increment") {
			col.AutoIncrement = true
		}
		if strings.Contains(extra, "generated") || strings.Contains(extra, "virtual") || strings.Contains(extra, "persistent") || strings.Contains(extra, "stored") {
			b.warnf("table %q: column %q: generated column (%s); its expression is not reflected", c.table, c.name, extra)
		} else if strings.Contains(extra, "on update") {
			b.warnf("table %q: column %q: %s is not reflected", c.table, c.name, extra)
		}
		// MariaDB reports a nullable column without a default as DEFAULT
		// NULL; the two are not told apart.
		if noDefault != "1" && def != "NULL" {
			col.ServerDefault = rawText(def)
		}
		t.Columns = append(t.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}
	fks := map[[2]string]*core.ForeignKey{}
	pks := map[string][]string{}
	err = query(ctx, ex, myKeys, arg, func(r *engine.Rows) error {
		var table, name, kind, col, refSchema, refTable, refCol string
		if err := r.Scan(&table, &name, &kind, &col, &refSchema, &refTable, &refCol); err != nil {
			return err
		}
		t := b.table(table)
		if t == nil {
			return nil
		}
		if kind == "PRIMARY KEY" {
			pks[table] = append(pks[table], col)
			return nil
		}
		if refSchema != db {
			b.warnf("table %q: foreign key %q references %s.%s, outside database %q; left out", table, name, refSchema, refTable, db)
			return nil
		}
		k := [2]string{table, name}
		fk := fks[k]
		if fk == nil {
			fk = &core.ForeignKey{Name: name, RefTable: refTable}
			fks[k] = fk
		}
		fk.Columns = append(fk.Columns, col)
		fk.RefColumns = append(fk.RefColumns, refCol)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for table, cols := range pks {
		b.setPK(b.table(table), cols)
	}
	err = query(ctx, ex, myRules, arg, func(r *engine.Rows) error {
		var table, name, upd, del string
		if err := r.Scan(&table, &name, &upd, &del); err != nil {
			return err
		}
		fk := fks[[2]string{table, name}]
		if fk == nil {
			return nil
		}
		var ok1, ok2 bool
		fk.OnUpdate, ok1 = fkAction(upd)
		fk.OnDelete, ok2 = fkAction(del)
		if !ok1 || !ok2 {
			return fmt.Errorf("inspect: table %q: foreign key %q: unknown action %q/%q", table, name, upd, del)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, fk := range fks {
		t := b.table(k[0])
		t.ForeignKeys = append(t.ForeignKeys, *fk)
	}
	checks := mysqlChecks
	if dialect == "mariadb" {
		checks = mariaChecks
	}
	err = query(ctx, ex, checks, arg, func(r *engine.Rows) error {
		var table, name, clause, level string
		if err := r.Scan(&table, &name, &clause, &level); err != nil {
			return err
		}
		t := b.table(table)
		if t == nil {
			return nil
		}
		// MariaDB's JSON is LONGTEXT with CHECK (json_valid(col)), a
		// column-level check named after the column.
		if level == "Column" && longtext[[2]string{table, name}] && isJSONValid(clause, name) {
			b.col(t, name).Type = core.JSON()
			return nil
		}
		t.Checks = append(t.Checks, core.Check{Name: name, Expr: rawText(clause)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	type myIndex struct {
		table string
		ix    core.Index
	}
	var ixs []*myIndex
	err = query(ctx, ex, myIndexes, arg, func(r *engine.Rows) error {
		var (
			table, name, col, method string
			nonUnique, subPart       int64
		)
		if err := r.Scan(&table, &name, &nonUnique, &col, &subPart, &method); err != nil {
			return err
		}
		if b.table(table) == nil {
			return nil
		}
		if len(ixs) == 0 || ixs[len(ixs)-1].table != table || ixs[len(ixs)-1].ix.Name != name {
			ixs = append(ixs, &myIndex{table: table, ix: core.Index{Name: name, Unique: nonUnique == 0}})
			if method != "BTREE" {
				b.warnf("table %q: index %q uses method %s, reflected as a default index", table, name, method)
			}
		}
		if subPart > 0 {
			b.warnf("table %q: index %q: prefix length %d of column %q is not reflected", table, name, subPart, col)
		}
		if col == "" {
			b.warnf("table %q: index %q: an expression key part is not reflected", table, name)
			return nil
		}
		ix := &ixs[len(ixs)-1].ix
		ix.Columns = append(ix.Columns, col)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range ixs {
		t := b.table(x.table)
		// InnoDB creates an index for a foreign key that has none and names
		// it after the constraint: it belongs to the foreign key.
		if slices.ContainsFunc(t.ForeignKeys, func(fk core.ForeignKey) bool {
			return fk.Name == x.ix.Name && slices.Equal(fk.Columns, x.ix.Columns)
		}) && !x.ix.Unique {
			continue
		}
		// A unique index and a UNIQUE constraint are the same thing here.
		if x.ix.Unique {
			t.Uniques = append(t.Uniques, core.Unique{Name: x.ix.Name, Columns: x.ix.Columns})
			continue
		}
		t.Indexes = append(t.Indexes, x.ix)
	}
	for _, n := range b.order {
		t := b.defs[n]
		for i := range t.Columns {
			if e := t.Columns[i].Type.Enum; e != nil {
				e.Name = n + "_" + t.Columns[i].Name
			}
		}
	}
	return b.result(dialect, db), nil
}

func isJSONValid(clause, col string) bool {
	c := strings.ReplaceAll(strings.ToLower(clause), " ", "")
	return c == "json_valid(`"+strings.ToLower(col)+"`)"
}

var intWidth = regexp.MustCompile(`^(tinyint|smallint|mediumint|int|bigint)\(\d+\)`)

// myType maps a column back to a core type; what has no core kind is
// TypeNative with its COLUMN_TYPE (without integer display widths).
func myType(c myColumn) (core.Type, error) {
	ct := strings.ToLower(c.columnType)
	native := core.Type{Kind: core.TypeNative, Native: intWidth.ReplaceAllString(ct, "$1")}
	unsigned := strings.Contains(ct, "unsigned") || strings.Contains(ct, "zerofill")
	switch c.dataType {
	case "tinyint":
		if ct == "tinyint(1)" {
			return core.Bool(), nil
		}
	case "smallint":
		if !unsigned {
			return core.SmallInt(), nil
		}
	case "int":
		if !unsigned {
			return core.Int(), nil
		}
	case "bigint":
		if !unsigned {
			return core.BigInt(), nil
		}
	case "float":
		if ct == "float" {
			return core.Float(), nil
		}
	case "double":
		if ct == "double" {
			return core.Double(), nil
		}
	case "decimal":
		if !unsigned {
			return core.Numeric(int(c.precision), int(c.scale)), nil
		}
	case "varchar":
		return core.String(int(c.length)), nil
	case "char":
		if c.length == 36 {
			return core.UUID(), nil
		}
	case "longtext":
		return core.Text(), nil
	case "longblob":
		return core.Bytes(), nil
	case "date":
		return core.Date(), nil
	case "time":
		if ct == "time(6)" {
			return core.Time(), nil
		}
	case "datetime":
		if ct == "datetime(6)" {
			return core.Timestamp(), nil
		}
	case "json":
		return core.JSON(), nil
	case "enum":
		vals, err := enumValues(c.columnType)
		if err != nil {
			return core.Type{}, fmt.Errorf("inspect: table %q: column %q: %w", c.table, c.name, err)
		}
		return core.Type{Kind: core.TypeEnum, Enum: &core.EnumType{Values: vals}}, nil
	}
	return native, nil
}

// enumValues parses enum('a','b”c') into its values.
func enumValues(ct string) ([]string, error) {
	s := ct
	if i := strings.IndexByte(s, '('); i < 0 || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("enum type %q: no value list", ct)
	} else {
		s = s[i+1 : len(s)-1]
	}
	var out []string
	for len(s) > 0 {
		if s[0] != '\'' {
			return nil, fmt.Errorf("enum type %q: bad value list", ct)
		}
		var v strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				v.WriteByte(s[i])
				continue
			}
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					v.WriteByte('\'')
					i++
					continue
				}
				break
			}
			v.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, fmt.Errorf("enum type %q: unterminated value", ct)
		}
		out = append(out, v.String())
		s = strings.TrimPrefix(s[i+1:], ",")
	}
	return out, nil
}
