package core

import (
	"errors"
	"fmt"
	"slices"
)

// TypeKind is a portable column type; each dialect names it in DDL.
type TypeKind uint8

const (
	TypeInvalid TypeKind = iota
	TypeSmallInt
	TypeInt
	TypeBigInt
	TypeFloat  // 4-byte float
	TypeDouble // 8-byte float
	TypeNumeric
	TypeBool
	TypeString // VARCHAR(Size); Size 0 is unbounded text where the dialect allows
	TypeText
	TypeBytes
	TypeDate
	TypeTime
	TypeTimestamp   // without time zone
	TypeTimestampTZ // with time zone
	TypeUUID
	TypeJSON
	TypeEnum // a closed set of strings, Type.Enum; see EnumType
	// TypeNative is a server type no other kind describes, named by
	// Type.Native and rendered as is (reflection of, say, PostgreSQL's
	// inet or MySQL's MEDIUMINT UNSIGNED).
	TypeNative
)

// Type is a column's type with its size or precision.
type Type struct {
	Kind      TypeKind
	Size      int // TypeString: maximum length in characters
	Precision int // TypeNumeric: total digits
	Scale     int // TypeNumeric: digits after the point
	// Array makes the column an array of Kind (PostgreSQL only).
	Array bool
	// Enum is the set of values of a TypeEnum column (nil otherwise). A
	// pointer keeps Type comparable.
	Enum *EnumType
	// Native is the server's spelling of a TypeNative type, such as
	// "inet" or "mediumint unsigned" (empty for the other kinds).
	Native string
}

// Type constructors, for Column.Type.
func SmallInt() Type              { return Type{Kind: TypeSmallInt} }
func Int() Type                   { return Type{Kind: TypeInt} }
func BigInt() Type                { return Type{Kind: TypeBigInt} }
func Float() Type                 { return Type{Kind: TypeFloat} }
func Double() Type                { return Type{Kind: TypeDouble} }
func Numeric(p, s int) Type       { return Type{Kind: TypeNumeric, Precision: p, Scale: s} }
func Bool() Type                  { return Type{Kind: TypeBool} }
func String(size int) Type        { return Type{Kind: TypeString, Size: size} }
func Text() Type                  { return Type{Kind: TypeText} }
func Bytes() Type                 { return Type{Kind: TypeBytes} }
func Date() Type                  { return Type{Kind: TypeDate} }
func Time() Type                  { return Type{Kind: TypeTime} }
func Timestamp() Type             { return Type{Kind: TypeTimestamp} }
func TimestampTZ() Type           { return Type{Kind: TypeTimestampTZ} }
func UUID() Type                  { return Type{Kind: TypeUUID} }
func JSON() Type                  { return Type{Kind: TypeJSON} }
func ArrayOf(elem Type) Type      { elem.Array = true; return elem }
func (k TypeKind) String() string { return typeKindNames[k] }

var typeKindNames = [...]string{"invalid", "smallint", "int", "bigint", "float", "double", "numeric", "bool",
	"string", "text", "bytes", "date", "time", "timestamp", "timestamptz", "uuid", "json", "enum", "native"}

// FKAction is an ON DELETE / ON UPDATE action.
type FKAction uint8

const (
	NoAction FKAction = iota
	Restrict
	Cascade
	SetNull
	SetDefault
)

var fkActionSQL = [...]string{"NO ACTION", "RESTRICT", "CASCADE", "SET NULL", "SET DEFAULT"}

// Column describes a table column. Fill the fields, pass it to NewTable;
// the table keeps its own copy.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
	// PrimaryKey marks the column part of the primary key; several columns
	// make a composite key, in declaration order.
	PrimaryKey    bool
	AutoIncrement bool
	// Default is a client-side default: Insert binds it for this column
	// when the statement does not set the column.
	Default any
	// ServerDefault is the DDL DEFAULT: a Literal (rendered as a quoted
	// literal by the dialect) or Raw SQL such as Raw("CURRENT_TIMESTAMP").
	ServerDefault Expr
	// Unique adds a single-column UNIQUE constraint.
	Unique bool
	// Comment is the column's comment in the database (COMMENT ON COLUMN
	// on PostgreSQL, the COMMENT clause on MySQL; SQLite has none).
	Comment string

	table *Table
	// shape is what writeExpr writes in shape mode, built with the table;
	// it stands only while Name is still shapeName (see writeExpr).
	shape, shapeName string
}

// ForeignKey is a FOREIGN KEY constraint.
type ForeignKey struct {
	Name       string // optional; defaults to fk_<table>_<cols>
	Columns    []string
	RefTable   string
	RefColumns []string
	OnDelete   FKAction
	OnUpdate   FKAction
}

// Unique is a (possibly multi-column) UNIQUE constraint.
type Unique struct {
	Name    string // optional; defaults to uq_<table>_<cols>
	Columns []string
}

// Check is a CHECK constraint. Its values are rendered as literals.
type Check struct {
	Name string // optional; defaults to ck_<table>_<n>
	Expr Expr
}

// Index is a secondary index.
//
// Default names (ix_, and the uq_, fk_ and ck_ of Unique, ForeignKey and
// Check, joined with '_') longer than the dialect's identifier limit
// (Features.MaxIdentLen: 63 bytes on PostgreSQL, 64 on MySQL, none on
// SQLite) keep their start and end in '_' and 8 hex digits of a hash of
// the whole name, so they stay distinct and the same on every run. A
// Name given explicitly is used as is, and a too-long one is an error.
type Index struct {
	Name    string // optional; defaults to ix_<table>_<cols>
	Columns []string
	Unique  bool
	// Expressions, when not empty, are what the index covers instead of
	// Columns (an expression index, such as lower(email)); Columns is
	// then empty and Name is required. Each is written in parentheses,
	// columns by their bare names. MariaDB has none (ErrUnsupported).
	Expressions []Expr
	// Where makes the index partial (PostgreSQL and SQLite; on MariaDB
	// CREATE INDEX fails with ErrUnsupported): only rows satisfying it
	// are indexed. Nil indexes every row.
	Where Expr
}

// TableDef declares a table for NewTable.
type TableDef struct {
	Schema      string // optional schema (PostgreSQL) or database (MySQL)
	Name        string
	Columns     []Column
	ForeignKeys []ForeignKey
	Uniques     []Unique
	Checks      []Check
	Indexes     []Index
	// Comment is the table's comment in the database (COMMENT ON TABLE on
	// PostgreSQL, the table option on MySQL; SQLite has none).
	Comment string
}

// Table is immutable schema metadata for one table, and the FROM item for
// statements on it. Build it with NewTable.
type Table struct {
	def   TableDef
	cols  []*Column
	byNm  map[string]*Column
	pk    []string
	alias string
	base  *Table // non-nil for an aliased view of base
	star  Expr   // "table".* (or "alias".*), built once
	full  string // FullName, built once: every compilation reports it
	shape string // what writeFrom writes in shape mode, built once
	// fromList is the one-item FROM list of the table, shared read-only
	// by the statements selecting from it alone.
	fromList []FromItem
}

// NewTable validates def and returns the table. Errors name the table and
// column at fault.
func NewTable(def TableDef) (*Table, error) {
	if def.Name == "" {
		return nil, errors.New("core: table without a name")
	}
	t := &Table{byNm: make(map[string]*Column, len(def.Columns))}
	if len(def.Columns) == 0 {
		return nil, fmt.Errorf("core: table %q: no columns", def.Name)
	}
	for i := range def.Columns {
		c := def.Columns[i] // copy
		if c.Name == "" {
			return nil, fmt.Errorf("core: table %q: column %d has no name", def.Name, i)
		}
		if c.Type.Kind == TypeInvalid || int(c.Type.Kind) >= len(typeKindNames) {
			return nil, fmt.Errorf("core: table %q: column %q: no type", def.Name, c.Name)
		}
		if _, dup := t.byNm[c.Name]; dup {
			return nil, fmt.Errorf("core: table %q: duplicate column %q", def.Name, c.Name)
		}
		if c.PrimaryKey && c.Nullable {
			return nil, fmt.Errorf("core: table %q: column %q: primary key cannot be nullable", def.Name, c.Name)
		}
		if err := c.Type.checkEnum(); err != nil {
			return nil, fmt.Errorf("core: table %q: column %q: %w", def.Name, c.Name, err)
		}
		if (c.Type.Kind == TypeNative) != (c.Type.Native != "") {
			if c.Type.Native == "" {
				return nil, fmt.Errorf("core: table %q: column %q: native type without a name (Type.Native)", def.Name, c.Name)
			}
			return nil, fmt.Errorf("core: table %q: column %q: Type.Native %q on a %s column", def.Name, c.Name, c.Type.Native, c.Type.Kind)
		}
		if c.AutoIncrement {
			switch c.Type.Kind {
			case TypeSmallInt, TypeInt, TypeBigInt:
			default:
				return nil, fmt.Errorf("core: table %q: column %q: autoincrement needs an integer type, not %s", def.Name, c.Name, c.Type.Kind)
			}
		}
		c.table = t
		t.cols = append(t.cols, &c)
		t.byNm[c.Name] = &c
		if c.PrimaryKey {
			t.pk = append(t.pk, c.Name)
		}
	}
	for _, c := range t.cols {
		if c.AutoIncrement && (len(t.pk) != 1 || !c.PrimaryKey) {
			return nil, fmt.Errorf("core: table %q: column %q: autoincrement needs a single-column primary key", def.Name, c.Name)
		}
	}
	check := func(what string, cols []string) error {
		if len(cols) == 0 {
			return fmt.Errorf("core: table %q: %s without columns", def.Name, what)
		}
		for _, n := range cols {
			if _, ok := t.byNm[n]; !ok {
				return fmt.Errorf("core: table %q: %s: unknown column %q", def.Name, what, n)
			}
		}
		return nil
	}
	for _, fk := range def.ForeignKeys {
		if err := check("foreign key", fk.Columns); err != nil {
			return nil, err
		}
		if fk.RefTable == "" || len(fk.RefColumns) != len(fk.Columns) {
			return nil, fmt.Errorf("core: table %q: foreign key %v: needs a referenced table and as many referenced columns", def.Name, fk.Columns)
		}
	}
	for _, u := range def.Uniques {
		if err := check("unique", u.Columns); err != nil {
			return nil, err
		}
	}
	for i, ix := range def.Indexes {
		if err := checkIndex(def.Name, i, ix, check); err != nil {
			return nil, err
		}
	}
	for i, ck := range def.Checks {
		if ck.Expr == nil {
			return nil, fmt.Errorf("core: table %q: check %d has no expression", def.Name, i)
		}
	}
	def.Columns = nil // the *Column copies are authoritative
	t.def = def
	t.full = fullName(def.Schema, def.Name)
	t.buildShapes()
	t.star = star{qualifier: t.refName()}
	t.fromList = []FromItem{t}
	return t, nil
}

// checkIndex validates the i-th index of table: columns that exist, or
// expressions with a name and no columns.
func checkIndex(table string, i int, ix Index, check func(string, []string) error) error {
	what := fmt.Sprintf("index %d", i)
	if ix.Name != "" {
		what = fmt.Sprintf("index %q", ix.Name)
	}
	if len(ix.Expressions) == 0 {
		return check(what, ix.Columns)
	}
	switch {
	case len(ix.Columns) > 0:
		return fmt.Errorf("core: table %q: %s: both columns and expressions", table, what)
	case ix.Name == "":
		return fmt.Errorf("core: table %q: %s: an expression index needs a name", table, what)
	case slices.Contains(ix.Expressions, nil):
		return fmt.Errorf("core: table %q: %s: nil expression", table, what)
	}
	return nil
}

// MustTable is NewTable that panics on error, for package-level tables.
func MustTable(def TableDef) *Table {
	t, err := NewTable(def)
	if err != nil {
		panic(err)
	}
	return t
}

// Name is the table's name.
func (t *Table) Name() string { return t.root().def.Name }

// Schema is the table's schema, or "".
func (t *Table) Schema() string { return t.root().def.Schema }

// FullName is "schema.name" or "name"; it is what Statement.Tables reports.
func (t *Table) FullName() string {
	r := t.root()
	if r.full != "" {
		return r.full
	}
	return fullName(r.def.Schema, r.def.Name) // a zero Table
}

func fullName(schema, name string) string {
	if schema != "" {
		return schema + "." + name
	}
	return name
}

// Columns returns the columns in declaration order.
func (t *Table) Columns() []*Column { return t.cols }

// PrimaryKey returns the primary-key column names in order.
func (t *Table) PrimaryKey() []string { return t.root().pk }

// ForeignKeys returns the declared foreign keys.
func (t *Table) ForeignKeys() []ForeignKey { return t.root().def.ForeignKeys }

// Indexes returns the declared indexes.
func (t *Table) Indexes() []Index { return t.root().def.Indexes }

// Uniques returns the declared multi-column unique constraints.
func (t *Table) Uniques() []Unique { return t.root().def.Uniques }

// Checks returns the declared check constraints.
func (t *Table) Checks() []Check { return t.root().def.Checks }

func (t *Table) root() *Table {
	if t.base != nil {
		return t.base
	}
	return t
}

// C returns the named column, or, if there is none, an expression that
// fails at compile time naming the table and column.
func (t *Table) C(name string) *Column {
	if c, ok := t.byNm[name]; ok {
		return c
	}
	return &Column{Name: name, table: t, Type: Type{Kind: TypeInvalid}}
}

// Col returns the named column and whether it exists.
func (t *Table) Col(name string) (*Column, bool) {
	c, ok := t.byNm[name]
	return c, ok
}

// As returns an aliased view of the table: its columns render as
// "alias"."col", and it renders in FROM as "table" AS "alias".
func (t *Table) As(alias string) *Table {
	r := t.root()
	a := &Table{base: r, alias: alias, byNm: make(map[string]*Column, len(r.cols)), pk: r.pk}
	for _, c := range r.cols {
		cc := *c
		cc.table = a
		a.cols = append(a.cols, &cc)
		a.byNm[cc.Name] = &cc
	}
	a.star = star{qualifier: a.refName()}
	a.fromList = []FromItem{a}
	a.buildShapes()
	return a
}

// Alias is the name given with As, or "" for the table itself.
func (t *Table) Alias() string { return t.alias }

// buildShapes renders, once, the shape text of the table as a FROM item
// and of its column references: the commonest nodes of a statement then
// each cost the shape walk one append. They are rendered by the same
// writer code as on every walk, so they hold the same bytes.
func (t *Table) buildShapes() {
	w := &writer{mode: modeShape}
	t.writeFrom(w)
	t.shape = string(w.buf)
	for _, c := range t.cols {
		w.buf = w.buf[:0]
		c.shape = ""
		c.writeExpr(w)
		c.shape, c.shapeName = string(w.buf), c.Name
	}
}

// Star is "table".* (or "alias".*).
func (t *Table) Star() Expr {
	if t.star == nil { // a zero Table
		return star{qualifier: t.refName()}
	}
	return t.star
}

// refName is how columns qualify themselves: the alias or the table name.
func (t *Table) refName() string {
	if t.alias != "" {
		return t.alias
	}
	return t.root().def.Name
}

func (t *Table) writeFrom(w *writer) {
	if t == nil {
		w.failf("core: nil table")
		return
	}
	w.table(t.FullName())
	if w.mode == modeShape && t.shape != "" {
		w.s(t.shape) // the bytes of the lines below (see buildShapes)
		return
	}
	r := t.root()
	w.qualified(r.def.Schema, r.def.Name)
	if t.alias != "" {
		w.s(" AS ")
		w.ident(t.alias)
	}
}

// Table returns the column's table (or aliased view).
func (c *Column) Table() *Table { return c.table }

func (c *Column) writeExpr(w *writer) {
	if c == nil {
		w.failf("core: nil column")
		return
	}
	if c.Type.Kind == TypeInvalid && c.table != nil {
		w.failf("core: table %q has no column %q", c.table.Name(), c.Name)
		return
	}
	if c.table == nil || w.inline { // DDL (CHECK) names columns bare
		w.ident(c.Name)
		return
	}
	// The shape built with the table (see buildShapes), unless Name has
	// been changed since: Column's fields are exported, and the shape must
	// never disagree with the SQL.
	if w.mode == modeShape && c.shape != "" && c.shapeName == c.Name {
		w.s(c.shape)
		return
	}
	w.qualified(c.table.refName(), c.Name)
}
func (*Column) prec() int { return precPrimary }
