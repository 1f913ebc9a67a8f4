package core

import (
	"fmt"
	"slices"
)

// This file holds the pieces of DDL rendering that schema migrations
// (package migrate) need outside CREATE TABLE: a table's definition back,
// the text of one column definition or expression, and expression
// equality for comparing two schemas.

// TableDefOf returns a copy of the definition t was built from, with its
// columns. Slices are copies; the enum types and expressions they point
// to are shared and must not be modified.
func TableDefOf(t *Table) TableDef {
	r := t.root()
	def := r.def
	def.Columns = make([]Column, len(r.cols))
	for i, c := range r.cols {
		cc := *c
		cc.table, cc.shape, cc.shapeName = nil, "", ""
		def.Columns[i] = cc
	}
	def.ForeignKeys = slices.Clone(def.ForeignKeys)
	def.Uniques = slices.Clone(def.Uniques)
	def.Checks = slices.Clone(def.Checks)
	def.Indexes = slices.Clone(def.Indexes)
	return def
}

// NamedDef is TableDefOf with every unnamed foreign key, unique
// constraint, check and index given the name CREATE TABLE and CREATE
// INDEX would give it on d. Renaming the table then keeps those names.
func NamedDef(d Dialect, t *Table) TableDef {
	def := TableDefOf(t)
	limit := d.Features().MaxIdentLen
	name := def.Name
	dn := func(prefix string, cols []string) string {
		w := writer{f: Features{MaxIdentLen: limit}}
		return defaultName(&w, prefix, name, cols)
	}
	for i := range def.ForeignKeys {
		def.ForeignKeys[i].Name = nameOr(def.ForeignKeys[i].Name, dn("fk", def.ForeignKeys[i].Columns))
	}
	for i := range def.Uniques {
		def.Uniques[i].Name = nameOr(def.Uniques[i].Name, dn("uq", def.Uniques[i].Columns))
	}
	for i := range def.Checks {
		def.Checks[i].Name = nameOr(def.Checks[i].Name, shortenIdent(fmt.Sprintf("ck_%s_%d", name, i+1), limit))
	}
	for i := range def.Indexes {
		def.Indexes[i].Name = nameOr(def.Indexes[i].Name, dn("ix", def.Indexes[i].Columns))
	}
	return def
}

// InlineSQL renders e for d as DDL writes it: values as literals, columns
// by their bare names (the text of a CHECK, a server default, an index
// expression) outside CREATE TABLE.
func InlineSQL(d Dialect, e Expr) (string, error) {
	if d == nil {
		return "", fmt.Errorf("core: inline sql: nil dialect")
	}
	if e == nil {
		return "", fmt.Errorf("core: inline sql: nil expression")
	}
	w := newWriter(d, modeSQL)
	defer w.release()
	w.inline = true
	w.expr(e, precLowest)
	if w.err != nil {
		return "", w.err
	}
	return string(w.buf), nil
}

// ColumnSQL renders c's definition as CREATE TABLE writes it, without
// the UNIQUE and inline primary-key clauses: the quoted name, the type
// (a TypeNative column's Type.Native as is), the autoincrement clause
// when it does not declare the primary key, NOT NULL and DEFAULT.
func ColumnSQL(d Dialect, c *Column) (string, error) {
	if d == nil {
		return "", fmt.Errorf("core: column sql: nil dialect")
	}
	w := newWriter(d, modeSQL)
	defer w.release()
	w.inline = true
	w.ident(c.Name)
	w.b(' ')
	if c.Type.Kind == TypeNative {
		if c.Type.Native == "" {
			w.failf("column %q: native type without a name", c.Name)
		}
		w.s(c.Type.Native)
	} else if typ, err := d.ColumnType(c); err != nil {
		w.fail(fmt.Errorf("column %q: %w", c.Name, err))
	} else {
		w.s(typ)
	}
	if c.AutoIncrement {
		clause, declaresPK, err := d.AutoIncrement(c)
		if err != nil {
			w.fail(fmt.Errorf("column %q: %w", c.Name, err))
		}
		if clause != "" && !declaresPK {
			w.b(' ')
			w.s(clause)
		}
	}
	if !c.Nullable {
		w.s(" NOT NULL")
	}
	if c.ServerDefault != nil {
		w.s(" DEFAULT ")
		w.expr(c.ServerDefault, precPrimary)
	}
	if w.err != nil {
		return "", w.err
	}
	return string(w.buf), nil
}

// SameExpr reports whether a and b are the same expression: equal node
// by node with equal values, where a Raw is equal to a Raw of the same
// text and arguments. Nil equals only nil.
func SameExpr(a, b Expr) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if ra, ok := a.(*RawSQL); ok {
		rb, ok := b.(*RawSQL)
		if !ok || ra.sql != rb.sql || len(ra.args) != len(rb.args) {
			return false
		}
		for i := range ra.args {
			if !sameValue(ra.args[i], rb.args[i]) {
				return false
			}
		}
		return true
	}
	return sameNode(a, b)
}
