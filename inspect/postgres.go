package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

const pgTables = `SELECT c.relname::text, COALESCE(obj_description(c.oid, 'pg_class'), '')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname`

const pgEnums = `SELECT n.nspname::text, t.typname::text, e.enumlabel::text
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
ORDER BY n.nspname, t.typname, e.enumsortorder`

const pgColumns = `SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
  t.typtype::text, t.typname::text, tn.nspname::text, t.typcategory::text,
  COALESCE(et.typtype::text, ''),
  a.attnotnull, a.attidentity::text, a.attgenerated::text,
  d.adbin IS NOT NULL, COALESCE(pg_get_expr(d.adbin, d.adrelid), ''),
  COALESCE(col_description(c.oid, a.attnum), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ? AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum`

const pgConstraints = `SELECT c.relname::text, k.conname::text, k.contype::text,
  COALESCE((SELECT json_agg(a.attname ORDER BY u.i)::text FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n), '[]'),
  COALESCE((SELECT json_agg(a.attname ORDER BY u.i)::text FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n), '[]'),
  COALESCE(fc.relname::text, ''), COALESCE(fn.nspname::text, ''),
  k.confupdtype::text, k.confdeltype::text,
  COALESCE(pg_get_expr(k.conbin, k.conrelid, true), '')
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = ? AND k.contype IN ('p', 'u', 'f', 'c', 'x')
ORDER BY c.relname, k.conname`

// Indexes that back a primary key, unique or exclusion constraint are the
// constraints themselves.
const pgIndexes = `SELECT c.relname::text, ic.relname::text, i.indisunique, am.amname::text,
  i.indnatts <> i.indnkeyatts,
  (SELECT json_agg(json_build_array(COALESCE(a.attname::text, ''), pg_get_indexdef(i.indexrelid, u.i::int, true)) ORDER BY u.i)::text
     FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(n, i)
     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.n AND u.n > 0
     WHERE u.i <= i.indnkeyatts),
  COALESCE(pg_get_expr(i.indpred, i.indrelid, true), ''),
  COALESCE((SELECT bool_or(o <> 0) FROM unnest(i.indoption::int2[]) o), false),
  EXISTS (SELECT 1 FROM unnest(i.indclass::oid[]) oc JOIN pg_opclass o ON o.oid = oc WHERE NOT o.opcdefault)
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ? AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, ic.relname`

func reflectPG(ctx context.Context, ex engine.Executor, opts Options) (*Schema, error) {
	schema := opts.Schema
	if schema == "" {
		schema = "public"
	}
	b := newBuilder(opts)
	arg := []any{schema}
	err := query(ctx, ex, pgTables, arg, func(r *engine.Rows) error {
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
	enums := map[string]*core.EnumType{} // by schema.name
	var schemaEnums []string
	err = query(ctx, ex, pgEnums, nil, func(r *engine.Rows) error {
		var ns, name, label string
		if err := r.Scan(&ns, &name, &label); err != nil {
			return err
		}
		k := ns + "." + name
		e := enums[k]
		if e == nil {
			e = &core.EnumType{Name: name}
			enums[k] = e
			if ns == schema {
				schemaEnums = append(schemaEnums, k)
			}
		}
		e.Values = append(e.Values, label)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = query(ctx, ex, pgColumns, arg, func(r *engine.Rows) error {
		var (
			table, name, format, typtype, typname, typns, category, elemtype string
			notNull, hasDefault                                              bool
			identity, generated, def, comment                                string
		)
		if err := r.Scan(&table, &name, &format, &typtype, &typname, &typns, &category, &elemtype,
			&notNull, &identity, &generated, &hasDefault, &def, &comment); err != nil {
			return err
		}
		t := b.table(table)
		if t == nil {
			return nil
		}
		c := core.Column{Name: name, Nullable: !notNull, Comment: comment}
		switch {
		case typtype == "e":
			e := enums[typns+"."+typname]
			if e == nil {
				return fmt.Errorf("inspect: table %q: column %q: enum type %s.%s has no values", table, name, typns, typname)
			}
			c.Type = core.Type{Kind: core.TypeEnum, Enum: e}
			if typns != schema {
				b.warnf("table %q: column %q: enum type %q is in schema %q", table, name, typname, typns)
			}
		case category == "A" && elemtype != "e":
			c.Type = pgType(strings.TrimSuffix(format, "[]"))
			if c.Type.Kind == core.TypeNative {
				c.Type.Native = format
			} else {
				c.Type.Array = true
			}
		default:
			c.Type = pgType(format)
		}
		if identity != "" {
			c.AutoIncrement = true
			if identity == "a" {
				b.warnf("table %q: column %q: GENERATED ALWAYS identity reflected as an autoincrement (BY DEFAULT)", table, name)
			}
		}
		switch {
		case generated != "":
			b.warnf("table %q: column %q: generated column (%s); its expression is not reflected", table, name, def)
		case hasDefault && isSerialDefault(def):
			c.AutoIncrement = true // a serial column: its sequence is the server's business
		case hasDefault:
			c.ServerDefault = rawText(def)
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = query(ctx, ex, pgConstraints, arg, func(r *engine.Rows) error {
		var table, name, kind, colsJSON, refColsJSON, refTable, refSchema, upd, del, check string
		if err := r.Scan(&table, &name, &kind, &colsJSON, &refColsJSON, &refTable, &refSchema, &upd, &del, &check); err != nil {
			return err
		}
		t := b.table(table)
		if t == nil {
			return nil
		}
		var cols, refCols []string
		if err := json.Unmarshal([]byte(colsJSON), &cols); err != nil {
			return fmt.Errorf("inspect: table %q: constraint %q: %w", table, name, err)
		}
		if err := json.Unmarshal([]byte(refColsJSON), &refCols); err != nil {
			return fmt.Errorf("inspect: table %q: constraint %q: %w", table, name, err)
		}
		switch kind {
		case "p":
			b.setPK(t, cols)
		case "u":
			t.Uniques = append(t.Uniques, core.Unique{Name: name, Columns: cols})
		case "c":
			t.Checks = append(t.Checks, core.Check{Name: name, Expr: rawText(check)})
		case "x":
			b.warnf("table %q: exclusion constraint %q is not reflected", table, name)
		case "f":
			if refSchema != schema {
				b.warnf("table %q: foreign key %q references %s.%s, outside schema %q; left out", table, name, refSchema, refTable, schema)
				return nil
			}
			onUpd, ok1 := fkAction(upd)
			onDel, ok2 := fkAction(del)
			if !ok1 || !ok2 {
				return fmt.Errorf("inspect: table %q: foreign key %q: unknown action %q/%q", table, name, upd, del)
			}
			t.ForeignKeys = append(t.ForeignKeys, core.ForeignKey{Name: name, Columns: cols, RefTable: refTable,
				RefColumns: refCols, OnDelete: onDel, OnUpdate: onUpd})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = query(ctx, ex, pgIndexes, arg, func(r *engine.Rows) error {
		var (
			table, name, method, keysJSON, where string
			unique, include, options, opclass    bool
		)
		if err := r.Scan(&table, &name, &unique, &method, &include, &keysJSON, &where, &options, &opclass); err != nil {
			return err
		}
		t := b.table(table)
		if t == nil {
			return nil
		}
		var keys [][2]string // column name ("" for an expression), text
		if err := json.Unmarshal([]byte(keysJSON), &keys); err != nil {
			return fmt.Errorf("inspect: table %q: index %q: %w", table, name, err)
		}
		if method != "btree" {
			b.warnf("table %q: index %q uses method %s, reflected as a default (btree) index", table, name, method)
		}
		if include {
			b.warnf("table %q: index %q: INCLUDE columns are not reflected", table, name)
		}
		if opclass {
			b.warnf("table %q: index %q: a non-default operator class is not reflected", table, name)
		}
		if options {
			b.warnf("table %q: index %q: DESC or NULLS FIRST/LAST key options are not reflected", table, name)
		}
		ix := core.Index{Name: name, Unique: unique}
		expr := false
		for _, k := range keys {
			expr = expr || k[0] == ""
		}
		for _, k := range keys {
			if expr {
				ix.Expressions = append(ix.Expressions, rawText(k[1]))
			} else {
				ix.Columns = append(ix.Columns, k[0])
			}
		}
		if where != "" {
			ix.Where = rawText(where)
		}
		t.Indexes = append(t.Indexes, ix)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := b.result("postgres", schema)
	for _, k := range schemaEnums {
		s.Enums = append(s.Enums, *enums[k])
	}
	return s, nil
}

var serialDefault = regexp.MustCompile(`^nextval\('[^']*'::regclass\)$`)

func isSerialDefault(def string) bool { return serialDefault.MatchString(def) }

var pgSized = regexp.MustCompile(`^([a-z ]+)(?:\((\d+)(?:,(\d+))?\))?$`)

// pgType maps format_type's text back to a core type; what has no core
// kind is TypeNative with that text.
func pgType(format string) core.Type {
	m := pgSized.FindStringSubmatch(format)
	if m == nil {
		return core.Type{Kind: core.TypeNative, Native: format}
	}
	n1, _ := strconv.Atoi(m[2])
	n2, _ := strconv.Atoi(m[3])
	sized := m[2] != ""
	switch m[1] {
	case "smallint":
		return core.SmallInt()
	case "integer":
		return core.Int()
	case "bigint":
		return core.BigInt()
	case "real":
		return core.Float()
	case "double precision":
		return core.Double()
	case "numeric":
		return core.Numeric(n1, n2)
	case "boolean":
		return core.Bool()
	case "character varying":
		if sized {
			return core.String(n1)
		}
	case "text":
		return core.Text()
	case "bytea":
		return core.Bytes()
	case "date":
		return core.Date()
	case "time without time zone":
		if !sized {
			return core.Time()
		}
	case "timestamp without time zone":
		if !sized {
			return core.Timestamp()
		}
	case "timestamp with time zone":
		if !sized {
			return core.TimestampTZ()
		}
	case "uuid":
		return core.UUID()
	case "jsonb":
		return core.JSON()
	}
	return core.Type{Kind: core.TypeNative, Native: format}
}
