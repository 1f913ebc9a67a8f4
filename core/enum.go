package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// EnumType is the closed set of values of a TypeEnum column. Each dialect
// renders it its own way:
//
//   - PostgreSQL: a named type, CREATE TYPE "name" AS ENUM ('a', 'b'),
//     that MetaData creates before the tables using it and drops after
//     them; the column's type is the name.
//   - MySQL, MariaDB: the column type ENUM('a', 'b') (Name is unused).
//   - SQLite: TEXT with CHECK ("col" IN ('a', 'b')) (Name is unused).
//
// Tables may share one EnumType by name; MetaData rejects two enum types
// of one name with different values.
type EnumType struct {
	Name   string
	Values []string
}

// Enum is a TypeEnum column type named name with the given values, in
// their order (PostgreSQL and MySQL sort an enum by declaration order).
func Enum(name string, values ...string) Type {
	return Type{Kind: TypeEnum, Enum: &EnumType{Name: name, Values: slices.Clone(values)}}
}

// Has reports whether v is one of the enum's values.
func (e *EnumType) Has(v string) bool { return slices.Contains(e.Values, v) }

func (t Type) checkEnum() error {
	if t.Kind != TypeEnum {
		if t.Enum != nil {
			return fmt.Errorf("enum values on a %s column", t.Kind)
		}
		return nil
	}
	e := t.Enum
	switch {
	case e == nil || len(e.Values) == 0:
		return errors.New("enum without values")
	case e.Name == "":
		return errors.New("enum without a type name")
	case t.Array:
		return errors.New("enum arrays are not supported")
	}
	for i, v := range e.Values {
		if v == "" {
			return fmt.Errorf("enum %q: empty value", e.Name)
		}
		if slices.Contains(e.Values[:i], v) {
			return fmt.Errorf("enum %q: duplicate value %q", e.Name, v)
		}
	}
	return nil
}

// enumTypes returns the distinct enum types of the tables' columns, in
// table then column order, or an error if one name has two value lists.
func enumTypes(tables []*Table) ([]*EnumType, error) {
	var out []*EnumType
	for _, t := range tables {
		for _, c := range t.cols {
			e := c.Type.Enum
			if e == nil {
				continue
			}
			i := slices.IndexFunc(out, func(o *EnumType) bool { return o.Name == e.Name })
			if i < 0 {
				out = append(out, e)
			} else if !slices.Equal(out[i].Values, e.Values) {
				return nil, fmt.Errorf("core: metadata: enum type %q: table %q: column %q has values %v, another column %v",
					e.Name, t.Name(), c.Name, e.Values, out[i].Values)
			}
		}
	}
	return out, nil
}

// EnumTypeStmt is CREATE TYPE … AS ENUM or DROP TYPE (PostgreSQL).
type EnumTypeStmt struct {
	e           *EnumType
	drop        bool
	ifNotExists bool
	m           memo
}

// CreateEnumType renders CREATE TYPE "name" AS ENUM (…). With ifNotExists
// an existing type of that name is kept (PostgreSQL has no IF NOT EXISTS
// here: the statement is a DO block that ignores duplicate_object).
func CreateEnumType(e *EnumType, ifNotExists bool) *EnumTypeStmt {
	return &EnumTypeStmt{e: e, ifNotExists: ifNotExists}
}

// DropEnumType renders DROP TYPE IF EXISTS "name".
func DropEnumType(e *EnumType) *EnumTypeStmt { return &EnumTypeStmt{e: e, drop: true} }

func (s *EnumTypeStmt) Writes() bool     { return true }
func (s *EnumTypeStmt) Tables() []string { return nil }
func (s *EnumTypeStmt) stmtMemo() *memo  { return &s.m }
func (s *EnumTypeStmt) writeStmt(w *writer) {
	w.writes = true
	w.inline = true
	defer func() { w.inline = false }()
	if !w.f.EnumTypes {
		w.unsupported("CREATE TYPE … AS ENUM")
		return
	}
	if err := (Type{Kind: TypeEnum, Enum: s.e}).checkEnum(); err != nil {
		w.fail(err)
		return
	}
	if s.drop {
		w.s("DROP TYPE IF EXISTS ")
		w.ident(s.e.Name)
		return
	}
	const tag = "$athanor$"
	if s.ifNotExists {
		if strings.Contains(s.e.Name, tag) || slices.ContainsFunc(s.e.Values, func(v string) bool { return strings.Contains(v, tag) }) {
			w.fail(fmt.Errorf("enum %q: a name or value contains %s", s.e.Name, tag))
			return
		}
		w.s("DO " + tag + " BEGIN ")
	}
	w.s("CREATE TYPE ")
	w.ident(s.e.Name)
	w.s(" AS ENUM (")
	for i, v := range s.e.Values {
		if i > 0 {
			w.s(", ")
		}
		w.arg(v)
	}
	w.b(')')
	if s.ifNotExists {
		w.s("; EXCEPTION WHEN duplicate_object THEN NULL; END " + tag)
	}
}
