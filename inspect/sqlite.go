package inspect

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

const (
	liteTables = `SELECT name, COALESCE(sql, '') FROM sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name`
	liteColumns = `SELECT name, COALESCE(type, ''), "notnull", dflt_value IS NULL, COALESCE(dflt_value, ''), pk, hidden
FROM pragma_table_xinfo(?) ORDER BY cid`
	liteIndexList = `SELECT l.name, l."unique", l.origin, COALESCE(m.sql, '')
FROM pragma_index_list(?) l LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.name`
	liteIndexInfo = `SELECT COALESCE(name, '') FROM pragma_index_info(?) ORDER BY seqno`
	liteFKs       = `SELECT id, "table", "from", COALESCE("to", ''), on_update, on_delete
FROM pragma_foreign_key_list(?) ORDER BY id, seq`
)

// namedCols is a table constraint parsed from CREATE TABLE.
type namedCols struct {
	name string
	cols []string
}

type namedExpr struct{ name, text string }

// liteTable is what the stored CREATE TABLE text says beyond the pragmas:
// constraint names, CHECKs and AUTOINCREMENT.
type liteTable struct {
	colChecks map[string][]namedExpr
	autoinc   map[string]bool
	checks    []namedExpr
	uniques   []namedCols
	fks       []namedCols
	options   string // WITHOUT ROWID, STRICT
}

func parseCreateTable(sql string) liteTable {
	lt := liteTable{colChecks: map[string][]namedExpr{}, autoinc: map[string]bool{}}
	toks := tokenize(sql)
	p := slices.IndexFunc(toks, func(t token) bool { return t.kind == tokLParen })
	if p < 0 {
		return lt
	}
	q := matching(toks, p)
	if q < 0 {
		return lt
	}
	for _, t := range toks[q+1:] {
		if t.isWord("WITHOUT") || t.isWord("STRICT") {
			lt.options = source(sql, toks[q+1:])
			break
		}
	}
	names := func(item []token) []string {
		var out []string
		for _, t := range item {
			if t.kind == tokWord || t.kind == tokIdent {
				out = append(out, t.name())
			}
		}
		return out
	}
	for _, item := range splitTop(toks, p+1, q) {
		if len(item) == 0 {
			continue
		}
		first := item[0]
		if first.isWord("CONSTRAINT") || first.isWord("PRIMARY") || first.isWord("UNIQUE") || first.isWord("CHECK") || first.isWord("FOREIGN") {
			name, j := "", 0
			if first.isWord("CONSTRAINT") && len(item) > 2 {
				name, j = item[1].name(), 2
			}
			k := slices.IndexFunc(item[j:], func(t token) bool { return t.kind == tokLParen })
			if k < 0 {
				continue
			}
			k += j
			m := matching(item, k)
			if m < 0 {
				continue
			}
			switch {
			case item[j].isWord("CHECK"):
				lt.checks = append(lt.checks, namedExpr{name, source(sql, item[k+1:m])})
			case item[j].isWord("UNIQUE"):
				lt.uniques = append(lt.uniques, namedCols{name, names(item[k+1 : m])})
			case item[j].isWord("FOREIGN"):
				lt.fks = append(lt.fks, namedCols{name, names(item[k+1 : m])})
			}
			continue
		}
		col, pending := first.name(), ""
		for k := 1; k < len(item); k++ {
			switch t := item[k]; {
			case t.isWord("CONSTRAINT") && k+1 < len(item):
				pending = item[k+1].name()
				k++
			case t.isWord("AUTOINCREMENT"):
				lt.autoinc[col] = true
			case t.isWord("CHECK") && k+1 < len(item) && item[k+1].kind == tokLParen:
				m := matching(item, k+1)
				if m < 0 {
					break
				}
				lt.colChecks[col] = append(lt.colChecks[col], namedExpr{pending, source(sql, item[k+2:m])})
				pending = ""
				k = m
			}
		}
	}
	return lt
}

// parseCreateIndex returns the key items of CREATE INDEX text (each a
// column name or an expression's text), whether each is a bare column,
// and the WHERE text.
func parseCreateIndex(sql string) (items []string, bare []bool, where string, ok bool) {
	toks := tokenize(sql)
	on := slices.IndexFunc(toks, func(t token) bool { return t.isWord("ON") })
	if on < 0 {
		return nil, nil, "", false
	}
	p := slices.IndexFunc(toks[on:], func(t token) bool { return t.kind == tokLParen })
	if p < 0 {
		return nil, nil, "", false
	}
	p += on
	q := matching(toks, p)
	if q < 0 {
		return nil, nil, "", false
	}
	for _, item := range splitTop(toks, p+1, q) {
		if len(item) == 1 && (item[0].kind == tokWord || item[0].kind == tokIdent) {
			items = append(items, item[0].name())
			bare = append(bare, true)
			continue
		}
		items = append(items, source(sql, item))
		bare = append(bare, false)
	}
	if q+1 < len(toks) && toks[q+1].isWord("WHERE") {
		where = strings.TrimSuffix(source(sql, toks[q+2:]), ";")
	}
	return items, bare, where, true
}

// enumCheck recognises "col" IN ('a', 'b'), the CHECK of an enum column.
func enumCheck(col, text string) ([]string, bool) {
	toks := tokenize(text)
	if len(toks) < 5 || toks[0].kind != tokIdent && toks[0].kind != tokWord || toks[0].name() != col ||
		!toks[1].isWord("IN") || toks[2].kind != tokLParen || toks[len(toks)-1].kind != tokRParen {
		return nil, false
	}
	var vals []string
	for i, t := range toks[3 : len(toks)-1] {
		if i%2 == 0 && t.kind != tokString || i%2 == 1 && t.kind != tokComma {
			return nil, false
		}
		if t.kind == tokString {
			vals = append(vals, t.text)
		}
	}
	return vals, len(vals) > 0
}

func reflectSQLite(ctx context.Context, ex engine.Executor, opts Options) (*Schema, error) {
	if opts.Schema != "" && opts.Schema != "main" {
		return nil, fmt.Errorf("inspect: sqlite: Options.Schema %q: only the main database is reflected", opts.Schema)
	}
	b := newBuilder(opts)
	b.schema = ""
	parsed := map[string]liteTable{}
	err := query(ctx, ex, liteTables, nil, func(r *engine.Rows) error {
		var name, sql string
		if err := r.Scan(&name, &sql); err != nil {
			return err
		}
		b.add(name, "")
		lt := parseCreateTable(sql)
		parsed[name] = lt
		if lt.options != "" && b.table(name) != nil {
			b.warnf("table %q: table options %s are not reflected", name, lt.options)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, name := range b.order {
		if err := reflectSQLiteTable(ctx, ex, b, b.defs[name], parsed[name]); err != nil {
			return nil, err
		}
	}
	// A foreign key that names no referenced columns means the referenced
	// table's primary key.
	for _, name := range b.order {
		t := b.defs[name]
		for i := range t.ForeignKeys {
			fk := &t.ForeignKeys[i]
			if len(fk.RefColumns) > 0 && fk.RefColumns[0] != "" {
				continue
			}
			ref := b.table(fk.RefTable)
			if ref == nil {
				return nil, fmt.Errorf("inspect: table %q: foreign key to %q: referenced columns implicit and table not reflected", name, fk.RefTable)
			}
			fk.RefColumns = fk.RefColumns[:0]
			for _, c := range ref.Columns {
				if c.PrimaryKey {
					fk.RefColumns = append(fk.RefColumns, c.Name)
				}
			}
		}
	}
	return b.result("sqlite", "main"), nil
}

func reflectSQLiteTable(ctx context.Context, ex engine.Executor, b *builder, t *core.TableDef, lt liteTable) error {
	type pkCol struct {
		name string
		pos  int64
	}
	var pk []pkCol
	arg := []any{t.Name}
	err := query(ctx, ex, liteColumns, arg, func(r *engine.Rows) error {
		var (
			name, decl, noDefault, def string
			notNull, pkPos, hidden     int64
		)
		if err := r.Scan(&name, &decl, &notNull, &noDefault, &def, &pkPos, &hidden); err != nil {
			return err
		}
		if hidden != 0 {
			b.warnf("table %q: column %q: hidden or generated column left out", t.Name, name)
			return nil
		}
		c := core.Column{Name: name, Nullable: notNull == 0, Type: sqliteType(decl)}
		if decl == "" {
			b.warnf("table %q: column %q has no declared type; reflected as bytes (BLOB affinity)", t.Name, name)
		}
		if noDefault != "1" && !strings.EqualFold(def, "NULL") {
			c.ServerDefault = rawText(def)
		}
		for _, ck := range lt.colChecks[name] {
			if vals, ok := enumCheck(name, ck.text); ok && ck.name == "" && c.Type.Kind == core.TypeText {
				c.Type = core.Type{Kind: core.TypeEnum, Enum: &core.EnumType{Name: t.Name + "_" + name, Values: vals}}
				continue
			}
			t.Checks = append(t.Checks, core.Check{Name: ck.name, Expr: rawText(ck.text)})
		}
		c.AutoIncrement = lt.autoinc[name]
		if pkPos > 0 {
			pk = append(pk, pkCol{name, pkPos})
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(pk, func(i, j int) bool { return pk[i].pos < pk[j].pos })
	var pkNames []string
	for _, p := range pk {
		pkNames = append(pkNames, p.name)
	}
	b.setPK(t, pkNames)
	for _, ck := range lt.checks {
		t.Checks = append(t.Checks, core.Check{Name: ck.name, Expr: rawText(ck.text)})
	}
	type idx struct {
		name, origin, sql string
		unique            bool
	}
	var list []idx
	err = query(ctx, ex, liteIndexList, arg, func(r *engine.Rows) error {
		var x idx
		var unique int64
		if err := r.Scan(&x.name, &unique, &x.origin, &x.sql); err != nil {
			return err
		}
		x.unique = unique != 0
		list = append(list, x)
		return nil
	})
	if err != nil {
		return err
	}
	for _, x := range list {
		switch x.origin {
		case "pk":
			continue
		case "u":
			var cols []string
			err := query(ctx, ex, liteIndexInfo, []any{x.name}, func(r *engine.Rows) error {
				var c string
				if err := r.Scan(&c); err != nil {
					return err
				}
				cols = append(cols, c)
				return nil
			})
			if err != nil {
				return err
			}
			// SQLite names the index sqlite_autoindex_…; the constraint's
			// own name is in the CREATE TABLE text, if it was given one.
			name := ""
			if i := slices.IndexFunc(lt.uniques, func(u namedCols) bool { return slices.Equal(u.cols, cols) }); i >= 0 {
				name = lt.uniques[i].name
			}
			if name == "" && len(cols) == 1 {
				// An unnamed one-column constraint is the column's UNIQUE.
				if c := b.col(t, cols[0]); c != nil {
					c.Unique = true
					continue
				}
			}
			t.Uniques = append(t.Uniques, core.Unique{Name: name, Columns: cols})
			continue
		}
		items, bare, where, ok := parseCreateIndex(x.sql)
		if !ok {
			return fmt.Errorf("inspect: table %q: index %q: cannot parse %q", t.Name, x.name, x.sql)
		}
		ix := core.Index{Name: x.name, Unique: x.unique}
		if slices.Contains(bare, false) {
			for _, it := range items {
				ix.Expressions = append(ix.Expressions, rawText(it))
			}
		} else {
			ix.Columns = items
		}
		if where != "" {
			ix.Where = rawText(where)
		}
		t.Indexes = append(t.Indexes, ix)
	}
	var fks []*core.ForeignKey
	var ids []int64
	err = query(ctx, ex, liteFKs, arg, func(r *engine.Rows) error {
		var (
			id                      int64
			ref, from, to, upd, del string
		)
		if err := r.Scan(&id, &ref, &from, &to, &upd, &del); err != nil {
			return err
		}
		if len(ids) == 0 || ids[len(ids)-1] != id {
			onUpd, ok1 := fkAction(upd)
			onDel, ok2 := fkAction(del)
			if !ok1 || !ok2 {
				return fmt.Errorf("inspect: table %q: foreign key to %q: unknown action %q/%q", t.Name, ref, upd, del)
			}
			ids = append(ids, id)
			fks = append(fks, &core.ForeignKey{RefTable: ref, OnUpdate: onUpd, OnDelete: onDel})
		}
		fk := fks[len(fks)-1]
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to)
		return nil
	})
	if err != nil {
		return err
	}
	// The pragma lists foreign keys last declared first.
	for _, fk := range slices.Backward(fks) {
		if i := slices.IndexFunc(lt.fks, func(u namedCols) bool { return slices.Equal(u.cols, fk.Columns) }); i >= 0 {
			fk.Name = lt.fks[i].name
		}
		t.ForeignKeys = append(t.ForeignKeys, *fk)
	}
	return nil
}

var liteSized = regexp.MustCompile(`^([A-Z ]+?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$`)

// sqliteType maps a declared type to a core type. SQLite keeps the text
// as written; the names athanor's DDL writes, and their common synonyms,
// map back to kinds, the rest is TypeNative with the declared text.
func sqliteType(decl string) core.Type {
	if decl == "" {
		return core.Bytes()
	}
	m := liteSized.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(decl)))
	if m == nil {
		return core.Type{Kind: core.TypeNative, Native: decl}
	}
	n1, _ := strconv.Atoi(m[2])
	n2, _ := strconv.Atoi(m[3])
	sized := m[2] != ""
	switch m[1] {
	case "INTEGER":
		if !sized {
			return core.BigInt()
		}
	case "REAL":
		return core.Double()
	case "NUMERIC", "DECIMAL":
		return core.Numeric(n1, n2)
	case "BOOLEAN":
		return core.Bool()
	case "VARCHAR", "NVARCHAR", "CHARACTER VARYING":
		if sized {
			return core.String(n1)
		}
	case "TEXT":
		return core.Text()
	case "BLOB":
		return core.Bytes()
	case "DATE":
		return core.Date()
	case "TIME":
		return core.Time()
	case "TIMESTAMP", "DATETIME":
		return core.Timestamp()
	}
	return core.Type{Kind: core.TypeNative, Native: decl}
}
