package inspect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

// Options selects what Schema reflects.
type Options struct {
	// Schema is the PostgreSQL schema ("public" when empty) or the MariaDB
	// database (the connection's current one when empty) to reflect. It
	// must be empty on SQLite. When set, the reflected TableDefs carry it
	// in TableDef.Schema; when empty they leave TableDef.Schema empty.
	Schema string
	// Include, when not empty, limits reflection to the tables it names.
	Include []string
	// Exclude names tables to leave out (a migration version table, say).
	Exclude []string
}

func (o Options) wants(table string) bool {
	if len(o.Include) > 0 && !slices.Contains(o.Include, table) {
		return false
	}
	return !slices.Contains(o.Exclude, table)
}

// Schema is a reflected database schema.
type Schema struct {
	// Dialect is the name of the dialect reflected ("postgres", "mariadb",
	// "mysql", "sqlite").
	Dialect string
	// Name is the PostgreSQL schema or MariaDB database reflected ("main"
	// on SQLite).
	Name string
	// Tables holds one definition per table, sorted by name, with its
	// constraints and indexes sorted by name too.
	Tables []core.TableDef
	// Enums are the PostgreSQL enum types of the schema, sorted by name,
	// with their values in declaration order (nil elsewhere).
	Enums []core.EnumType
	// Warnings lists what was found but cannot be described by core
	// metadata (a generated column, an index with a prefix length or a
	// non-default method, …), each naming its table. Those parts are left
	// out of Tables.
	Warnings []string
}

// Table returns the definition of the named table.
func (s *Schema) Table(name string) (core.TableDef, bool) {
	for _, t := range s.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return core.TableDef{}, false
}

// MetaData builds core tables from the definitions: the value
// engine.CreateAll takes, as a mapper registry's MetaData is. It fails,
// naming the table, if a definition does not validate.
func (s *Schema) MetaData() (*core.MetaData, error) {
	tables := make([]*core.Table, 0, len(s.Tables))
	for _, def := range s.Tables {
		t, err := core.NewTable(def)
		if err != nil {
			return nil, fmt.Errorf("inspect: table %q: %w", def.Name, err)
		}
		tables = append(tables, t)
	}
	return core.NewMetaData(tables...)
}

// ErrUnsupportedDialect is returned for an executor whose dialect the
// package cannot reflect.
var ErrUnsupportedDialect = errors.New("inspect: dialect not supported")

// Reflect reads the schema of the database behind ex: PostgreSQL through
// pg_catalog, MariaDB through information_schema, SQLite through
// sqlite_master and its pragmas. Catalog queries are sent as writing
// statements, so a router runs them on the primary, which has every
// table just created.
func Reflect(ctx context.Context, ex engine.Executor, opts Options) (*Schema, error) {
	d := ex.Dialect()
	if d == nil {
		return nil, errors.New("inspect: executor has no dialect")
	}
	var (
		s   *Schema
		err error
	)
	switch d.Name() {
	case "postgres":
		s, err = reflectPG(ctx, ex, opts)
	case "mariadb", "mysql":
		s, err = reflectMySQL(ctx, ex, opts, d.Name())
	case "sqlite":
		s, err = reflectSQLite(ctx, ex, opts)
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedDialect, d.Name())
	}
	if err != nil {
		return nil, err
	}
	s.Dialect = d.Name()
	for i := range s.Tables {
		sortDef(&s.Tables[i])
	}
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	return s, nil
}

// sortDef orders constraints and indexes by name: servers list them in
// their own orders, and a comparison should not depend on it.
func sortDef(def *core.TableDef) {
	slices.SortStableFunc(def.Uniques, func(a, b core.Unique) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(def.Indexes, func(a, b core.Index) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(def.ForeignKeys, func(a, b core.ForeignKey) int { return strings.Compare(a.Name, b.Name) })
	slices.SortStableFunc(def.Checks, func(a, b core.Check) int { return strings.Compare(a.Name, b.Name) })
}

// query runs a catalog query and calls fn for each row.
func query(ctx context.Context, ex engine.Executor, sql string, args []any, fn func(*engine.Rows) error) error {
	err := ex.QueryFunc(ctx, core.Raw(sql, args...), func(rows *engine.Rows) error {
		for rows.Next() {
			if err := fn(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	return nil
}

// rawText is server SQL text as a core expression: Raw reads '?' as a
// placeholder, so a literal one is doubled.
func rawText(s string) core.Expr { return core.Raw(strings.ReplaceAll(s, "?", "??")) }

// builder collects table definitions by name in reflection order.
type builder struct {
	opts   Options
	schema string // TableDef.Schema
	defs   map[string]*core.TableDef
	order  []string
	warn   []string
}

func newBuilder(opts Options) *builder {
	return &builder{opts: opts, schema: opts.Schema, defs: map[string]*core.TableDef{}}
}

func (b *builder) add(name, comment string) {
	if !b.opts.wants(name) {
		return
	}
	b.defs[name] = &core.TableDef{Schema: b.schema, Name: name, Comment: comment}
	b.order = append(b.order, name)
}

// table returns the definition of name, or nil for a table not reflected.
func (b *builder) table(name string) *core.TableDef { return b.defs[name] }

func (b *builder) col(t *core.TableDef, name string) *core.Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

func (b *builder) warnf(format string, a ...any) { b.warn = append(b.warn, fmt.Sprintf(format, a...)) }

func (b *builder) result(dialect, name string) *Schema {
	s := &Schema{Dialect: dialect, Name: name}
	for _, n := range b.order {
		t := b.defs[n]
		var pk []string
		for _, c := range t.Columns {
			if c.PrimaryKey {
				pk = append(pk, c.Name)
			}
		}
		// Core knows an autoincrement only as the whole primary key.
		for i := range t.Columns {
			c := &t.Columns[i]
			if c.AutoIncrement && (len(pk) != 1 || !c.PrimaryKey) {
				c.AutoIncrement = false
				b.warnf("table %q: column %q: autoincrement (identity) on a column that is not the whole primary key is not reflected", n, c.Name)
			}
		}
		s.Tables = append(s.Tables, *t)
	}
	s.Warnings = b.warn
	return s
}

// setPK marks the key columns; a key whose order is not the columns'
// order cannot be described (core keeps declaration order) and is warned
// about.
func (b *builder) setPK(t *core.TableDef, cols []string) {
	pos := -1
	for _, n := range cols {
		c := b.col(t, n)
		if c == nil {
			b.warnf("table %q: primary key column %q not found", t.Name, n)
			continue
		}
		c.PrimaryKey = true
		c.Nullable = false
		i := slices.IndexFunc(t.Columns, func(x core.Column) bool { return x.Name == n })
		if i < pos {
			b.warnf("table %q: primary key (%s) is not in column order; it is reflected in column order", t.Name, strings.Join(cols, ", "))
		}
		pos = i
	}
}

func fkAction(s string) (core.FKAction, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "NO ACTION", "A", "":
		return core.NoAction, true
	case "RESTRICT", "R":
		return core.Restrict, true
	case "CASCADE", "C":
		return core.Cascade, true
	case "SET NULL", "N":
		return core.SetNull, true
	case "SET DEFAULT", "D":
		return core.SetDefault, true
	}
	return 0, false
}

// A Schema is a schema source for engine.CreateAll.
var _ engine.Schema = (*Schema)(nil)
