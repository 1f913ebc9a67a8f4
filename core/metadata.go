package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// MetaData is a collection of tables, created and dropped together in
// foreign-key dependency order whatever the order they were added in.
// It is immutable once built and safe for concurrent use.
type MetaData struct {
	tables []*Table
	byName map[string]*Table
}

// NewMetaData collects tables. Table names must be unique.
func NewMetaData(tables ...*Table) (*MetaData, error) {
	m := &MetaData{byName: make(map[string]*Table, len(tables))}
	for _, t := range tables {
		if err := m.add(t); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *MetaData) add(t *Table) error {
	t = t.root()
	if _, dup := m.byName[t.FullName()]; dup {
		return fmt.Errorf("core: metadata: duplicate table %q", t.FullName())
	}
	m.byName[t.FullName()] = t
	m.tables = append(m.tables, t)
	return nil
}

// MetaData returns m itself: a *MetaData is a schema wherever one is
// taken (engine.DB.CreateAll), as a mapper registry is.
func (m *MetaData) MetaData() (*MetaData, error) { return m, nil }

// Table returns the named table.
func (m *MetaData) Table(name string) (*Table, bool) {
	t, ok := m.byName[name]
	return t, ok
}

// Tables returns the tables in dependency order: every table after the
// tables its foreign keys reference, except where foreign keys form a
// cycle (see CreateStatements). Self-references are allowed. The order
// does not depend on the order tables were declared in.
func (m *MetaData) Tables() ([]*Table, error) {
	order, _ := m.plan()
	return order, nil
}

// plan orders the tables by a depth-first topological sort and returns,
// per table, the foreign keys (by index) that close a cycle and so must be
// added after both tables exist.
func (m *MetaData) plan() ([]*Table, map[*Table][]int) {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make(map[*Table]int, len(m.tables))
	deferred := make(map[*Table][]int)
	out := make([]*Table, 0, len(m.tables))
	var visit func(t *Table)
	visit = func(t *Table) {
		state[t] = visiting
		for i, fk := range t.def.ForeignKeys {
			ref := fk.RefTable
			if t.def.Schema != "" {
				ref = t.def.Schema + "." + ref
			}
			dep, ok := m.byName[ref]
			switch {
			case !ok || dep == t: // external table or self-reference
			case state[dep] == visiting:
				deferred[t] = append(deferred[t], i) // closes a cycle
			case state[dep] == unvisited:
				visit(dep)
			}
		}
		state[t] = done
		out = append(out, t)
	}
	// Visit in name order so the result does not depend on the order the
	// tables were declared in.
	sorted := slices.Clone(m.tables)
	slices.SortFunc(sorted, func(a, b *Table) int { return strings.Compare(a.FullName(), b.FullName()) })
	for _, t := range sorted {
		if state[t] == unvisited {
			visit(t)
		}
	}
	return out, deferred
}

// CreateStatements returns the DDL that creates every table and index in
// dependency order, preceded on PostgreSQL by the enum types the tables
// use (see EnumType) and with, on PostgreSQL, COMMENT ON statements after
// each CREATE TABLE for the table's and its columns' comments. A foreign key that closes a cycle between tables is
// left out of CREATE TABLE and added afterwards with ALTER TABLE, except
// on dialects without ALTER … FOREIGN KEY (SQLite), which accept the
// forward reference inline. With ifNotExists the statements can be run
// again on an existing schema (those foreign keys are dropped if present and
// re-added; MySQL 8, lacking ALTER TABLE IF EXISTS, cannot do that).
func (m *MetaData) CreateStatements(d Dialect, ifNotExists bool) ([]Statement, error) {
	order, deferred := m.plan()
	alter := d.Features().DropForeignKey != ""
	var out, later []Statement
	if d.Features().EnumTypes {
		enums, err := enumTypes(order)
		if err != nil {
			return nil, err
		}
		for _, e := range enums {
			out = append(out, CreateEnumType(e, ifNotExists))
		}
	}
	for _, t := range order {
		ct := CreateTable(t)
		if alter {
			ct.omitFKs = deferred[t]
			for _, i := range deferred[t] {
				fk := t.def.ForeignKeys[i]
				if ifNotExists && d.Features().AlterIfExists {
					// Keep CreateAll idempotent: there is no ADD CONSTRAINT
					// IF NOT EXISTS on PostgreSQL.
					later = append(later, DropForeignKey(t, fk, true))
				}
				later = append(later, AddForeignKey(t, fk))
			}
		}
		if ifNotExists {
			ct = ct.IfNotExists()
		}
		out = append(out, ct)
		if d.Features().Comments == CommentsOn {
			if t.def.Comment != "" {
				out = append(out, CommentOnTable(t))
			}
			for _, c := range t.cols {
				if c.Comment != "" {
					out = append(out, CommentOnColumn(t, c))
				}
			}
		}
		for _, ix := range t.def.Indexes {
			ci := CreateIndex(t, ix)
			if ifNotExists {
				ci = ci.IfNotExists()
			}
			out = append(out, ci)
		}
	}
	return append(out, later...), nil
}

// DropStatements returns DROP TABLE IF EXISTS for every table, dependents
// first, then on PostgreSQL DROP TYPE IF EXISTS for their enum types, preceded by dropping the cycle-closing foreign keys that
// CreateStatements added with ALTER TABLE.
func (m *MetaData) DropStatements(d Dialect) ([]Statement, error) {
	order, deferred := m.plan()
	var out []Statement
	if d.Features().DropForeignKey != "" {
		for _, t := range order {
			for _, i := range deferred[t] {
				out = append(out, DropForeignKey(t, t.def.ForeignKeys[i], true))
			}
		}
	}
	for _, t := range slices.Backward(order) {
		out = append(out, DropTable(t).IfExists())
	}
	if d.Features().EnumTypes {
		enums, err := enumTypes(order)
		if err != nil {
			return nil, err
		}
		for _, e := range enums {
			out = append(out, DropEnumType(e))
		}
	}
	return out, nil
}

// ExecFunc runs one compiled statement; adapt a connection to it, e.g.
//
//	func(ctx context.Context, c core.Compiled) error { _, err := db.ExecContext(ctx, c.SQL, c.Args...); return err }
type ExecFunc func(ctx context.Context, c Compiled) error

// CreateAll creates every table and index in dependency order. With
// ifNotExists, existing tables are kept.
func (m *MetaData) CreateAll(ctx context.Context, d Dialect, exec ExecFunc, ifNotExists bool) error {
	stmts, err := m.CreateStatements(d, ifNotExists)
	if err != nil {
		return err
	}
	return runAll(ctx, d, exec, stmts)
}

// DropAll drops every table, dependents first; missing tables are skipped
// (on MySQL 8, which lacks ALTER TABLE IF EXISTS, only when the schema has
// no foreign-key cycle).
func (m *MetaData) DropAll(ctx context.Context, d Dialect, exec ExecFunc) error {
	stmts, err := m.DropStatements(d)
	if err != nil {
		return err
	}
	return runAll(ctx, d, exec, stmts)
}

func runAll(ctx context.Context, d Dialect, exec ExecFunc, stmts []Statement) error {
	for _, s := range stmts {
		c, err := Compile(d, s)
		if err != nil {
			return err
		}
		if err := exec(ctx, c); err != nil {
			return fmt.Errorf("core: %s %v: %w", d.Name(), s.Tables(), err)
		}
	}
	return nil
}
