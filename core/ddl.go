package core

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode/utf8"
)

// CreateTableStmt is CREATE TABLE with columns and constraints (primary
// key, unique, check, foreign keys) inline.
type CreateTableStmt struct {
	t           *Table
	ifNotExists bool
	omitFKs     []int // foreign keys added later by ALTER TABLE
	m           memo
}

// CreateTable renders DDL for t. Values in defaults and checks are written
// as literals by the dialect (DDL takes no parameters).
func CreateTable(t *Table) *CreateTableStmt { return &CreateTableStmt{t: t} }

// IfNotExists returns the statement with IF NOT EXISTS.
func (s *CreateTableStmt) IfNotExists() *CreateTableStmt {
	return &CreateTableStmt{t: s.t, ifNotExists: true, omitFKs: s.omitFKs}
}

// Writes implements Statement.
func (s *CreateTableStmt) Writes() bool     { return true }
func (s *CreateTableStmt) Tables() []string { return []string{s.t.FullName()} }
func (s *CreateTableStmt) stmtMemo() *memo  { return &s.m }
func (s *CreateTableStmt) writeStmt(w *writer) {
	writeCreateTable(w, s.t.root(), s.ifNotExists, s.omitFKs)
}

// defaultName names a constraint or index its definition leaves unnamed:
// prefix_table_cols, shortened to the dialect's identifier limit.
func defaultName(w *writer, prefix, table string, cols []string) string {
	return shortenIdent(prefix+"_"+table+"_"+strings.Join(cols, "_"), w.f.MaxIdentLen)
}

// shortenIdent keeps name within limit bytes (0: no limit). A longer name
// keeps as much of its start as fits, then "_" and 8 hex digits of a hash
// of the whole name: the result is the same on every run and dialect with
// that limit, and two names that differ only past the cut still differ
// (PostgreSQL's own truncation would make them collide).
func shortenIdent(name string, limit int) string {
	if limit <= 0 || len(name) <= limit {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	suffix := fmt.Sprintf("_%08x", h.Sum32())
	cut := max(limit-len(suffix), 0)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + suffix
}

func writeCreateTable(w *writer, t *Table, ifNotExists bool, omitFKs []int) {
	w.writes = true
	w.inline = true
	defer func() { w.inline = false }()
	name := t.Name()
	w.s("CREATE TABLE ")
	if ifNotExists {
		w.s("IF NOT EXISTS ")
	}
	t.writeFrom(w)
	w.s(" (")
	pkInline := false
	for i, c := range t.cols {
		if i > 0 {
			w.s(", ")
		}
		w.ident(c.Name)
		w.b(' ')
		if w.mode == modeShape {
			w.s(c.Type.Kind.String())
		} else if typ, err := w.d.ColumnType(c); err != nil {
			w.fail(fmt.Errorf("table %q: column %q: %w", name, c.Name, err))
		} else {
			w.s(typ)
		}
		if !c.Nullable {
			w.s(" NOT NULL")
		}
		if c.ServerDefault != nil {
			w.s(" DEFAULT ")
			w.expr(c.ServerDefault, precPrimary)
		}
		if c.AutoIncrement && w.mode != modeShape {
			clause, declaresPK, err := w.d.AutoIncrement(c)
			if err != nil {
				w.fail(fmt.Errorf("table %q: column %q: %w", name, c.Name, err))
			}
			if clause != "" {
				w.b(' ')
				w.s(clause)
			}
			pkInline = pkInline || declaresPK
		}
		if c.Unique {
			w.s(" UNIQUE")
		}
		if c.Comment != "" && w.f.Comments == CommentsInline {
			w.s(" COMMENT ")
			w.arg(c.Comment)
		}
	}
	if pk := t.pk; len(pk) > 0 && !pkInline {
		w.s(", PRIMARY KEY (")
		writeIdentList(w, pk)
		w.b(')')
	}
	for _, u := range t.def.Uniques {
		w.s(", CONSTRAINT ")
		w.ident(nameOr(u.Name, defaultName(w, "uq", name, u.Columns)))
		w.s(" UNIQUE (")
		writeIdentList(w, u.Columns)
		w.b(')')
	}
	for i, ck := range t.def.Checks {
		w.s(", CONSTRAINT ")
		w.ident(nameOr(ck.Name, shortenIdent(fmt.Sprintf("ck_%s_%d", name, i+1), w.f.MaxIdentLen)))
		w.s(" CHECK (")
		w.expr(ck.Expr, precLowest)
		w.b(')')
	}
	for i, fk := range t.def.ForeignKeys {
		if slices.Contains(omitFKs, i) {
			continue
		}
		w.s(", ")
		writeForeignKey(w, t, fk)
	}
	w.b(')')
	if t.def.Comment != "" && w.f.Comments == CommentsInline {
		w.s(" COMMENT ")
		w.arg(t.def.Comment)
	}
}

func fkName(w *writer, t *Table, fk ForeignKey) string {
	return nameOr(fk.Name, defaultName(w, "fk", t.Name(), fk.Columns))
}

func writeForeignKey(w *writer, t *Table, fk ForeignKey) {
	w.s("CONSTRAINT ")
	w.ident(fkName(w, t, fk))
	w.s(" FOREIGN KEY (")
	writeIdentList(w, fk.Columns)
	w.s(") REFERENCES ")
	w.qualified(t.def.Schema, fk.RefTable)
	w.s(" (")
	writeIdentList(w, fk.RefColumns)
	w.b(')')
	if fk.OnDelete != NoAction {
		w.s(" ON DELETE ")
		w.s(fkActionSQL[fk.OnDelete])
	}
	if fk.OnUpdate != NoAction {
		w.s(" ON UPDATE ")
		w.s(fkActionSQL[fk.OnUpdate])
	}
}

// AlterForeignKeyStmt adds or drops one foreign key of an existing table;
// MetaData uses it for foreign keys that close a dependency cycle.
type AlterForeignKeyStmt struct {
	t        *Table
	fk       ForeignKey
	drop     bool
	ifExists bool
	m        memo
}

// AddForeignKey is ALTER TABLE t ADD CONSTRAINT … FOREIGN KEY ….
func AddForeignKey(t *Table, fk ForeignKey) *AlterForeignKeyStmt {
	return &AlterForeignKeyStmt{t: t, fk: fk}
}

// DropForeignKey is ALTER TABLE t DROP CONSTRAINT (DROP FOREIGN KEY on
// MySQL), with IF EXISTS where the dialect has it when ifExists is set.
func DropForeignKey(t *Table, fk ForeignKey, ifExists bool) *AlterForeignKeyStmt {
	return &AlterForeignKeyStmt{t: t, fk: fk, drop: true, ifExists: ifExists}
}

func (s *AlterForeignKeyStmt) Writes() bool     { return true }
func (s *AlterForeignKeyStmt) Tables() []string { return []string{s.t.FullName()} }
func (s *AlterForeignKeyStmt) stmtMemo() *memo  { return &s.m }
func (s *AlterForeignKeyStmt) writeStmt(w *writer) {
	w.writes = true
	if w.f.DropForeignKey == "" {
		w.unsupported("ALTER TABLE … FOREIGN KEY")
	}
	t := s.t.root()
	ifExists := s.ifExists && w.f.AlterIfExists
	w.s("ALTER TABLE ")
	if ifExists {
		w.s("IF EXISTS ")
	}
	t.writeFrom(w)
	if !s.drop {
		w.s(" ADD ")
		writeForeignKey(w, t, s.fk)
		return
	}
	w.b(' ')
	w.s(w.f.DropForeignKey)
	if ifExists {
		w.s(" IF EXISTS")
	}
	w.b(' ')
	w.ident(fkName(w, t, s.fk))
}

func nameOr(name, def string) string {
	if name != "" {
		return name
	}
	return def
}

func writeIdentList(w *writer, names []string) {
	for i, n := range names {
		if i > 0 {
			w.s(", ")
		}
		w.ident(n)
	}
}

// CreateIndexStmt is CREATE [UNIQUE] INDEX.
type CreateIndexStmt struct {
	t           *Table
	ix          Index
	ifNotExists bool
	m           memo
}

// CreateIndex renders DDL for one index of t.
func CreateIndex(t *Table, ix Index) *CreateIndexStmt { return &CreateIndexStmt{t: t, ix: ix} }

// IfNotExists returns the statement with IF NOT EXISTS where the dialect
// has it (it is left out elsewhere).
func (s *CreateIndexStmt) IfNotExists() *CreateIndexStmt {
	return &CreateIndexStmt{t: s.t, ix: s.ix, ifNotExists: true}
}

func (s *CreateIndexStmt) Writes() bool     { return true }
func (s *CreateIndexStmt) Tables() []string { return []string{s.t.FullName()} }
func (s *CreateIndexStmt) stmtMemo() *memo  { return &s.m }
func (s *CreateIndexStmt) writeStmt(w *writer) {
	w.writes = true
	w.s("CREATE ")
	if s.ix.Unique {
		w.s("UNIQUE ")
	}
	w.s("INDEX ")
	if s.ifNotExists && w.f.CreateIndexIfNotExists {
		w.s("IF NOT EXISTS ")
	}
	name := nameOr(s.ix.Name, defaultName(w, "ix", s.t.Name(), s.ix.Columns))
	w.ident(name)
	w.s(" ON ")
	s.t.root().writeFrom(w)
	w.s(" (")
	w.inline = true // literals and bare column names, as in CREATE TABLE
	defer func() { w.inline = false }()
	if len(s.ix.Expressions) > 0 {
		if !w.f.ExpressionIndexes {
			w.fail(fmt.Errorf("%s: table %q: index %q: expression indexes: %w", w.d.Name(), s.t.Name(), name, ErrUnsupported))
			return
		}
		for i, e := range s.ix.Expressions {
			if i > 0 {
				w.s(", ")
			}
			// Parenthesised: PostgreSQL and MySQL take a bare expression
			// only when it is a function call.
			w.b('(')
			w.expr(e, precLowest)
			w.b(')')
		}
	} else {
		writeIdentList(w, s.ix.Columns)
	}
	w.b(')')
	if s.ix.Where != nil {
		if !w.f.PartialIndexes {
			w.fail(fmt.Errorf("%s: table %q: index %q: partial indexes (WHERE): %w", w.d.Name(), s.t.Name(), name, ErrUnsupported))
			return
		}
		w.s(" WHERE ")
		w.expr(s.ix.Where, precLowest)
	}
}

// DefaultName is the name the DDL gives a constraint or index its
// definition leaves unnamed, on dialect d: prefix "ix" (Index), "uq"
// (Unique), "fk" (ForeignKey) with the columns, or "ck" (Check) with the
// 1-based position of the check as the only element of cols.
func DefaultName(d Dialect, prefix, table string, cols []string) string {
	return shortenIdent(prefix+"_"+table+"_"+strings.Join(cols, "_"), d.Features().MaxIdentLen)
}

// CommentStmt sets the comment of a table or of one of its columns with
// COMMENT ON (PostgreSQL); an empty comment removes it (IS NULL).
type CommentStmt struct {
	t      *Table
	column string // "" for the table
	text   string
	m      memo
}

// CommentOnTable is COMMENT ON TABLE t IS its TableDef.Comment.
func CommentOnTable(t *Table) *CommentStmt {
	return &CommentStmt{t: t, text: t.root().def.Comment}
}

// CommentOnColumn is COMMENT ON COLUMN t.c IS c.Comment.
func CommentOnColumn(t *Table, c *Column) *CommentStmt {
	return &CommentStmt{t: t, column: c.Name, text: c.Comment}
}

func (s *CommentStmt) Writes() bool     { return true }
func (s *CommentStmt) Tables() []string { return []string{s.t.FullName()} }
func (s *CommentStmt) stmtMemo() *memo  { return &s.m }
func (s *CommentStmt) writeStmt(w *writer) {
	w.writes = true
	w.inline = true
	defer func() { w.inline = false }()
	if w.f.Comments != CommentsOn {
		w.unsupported("COMMENT ON")
		return
	}
	t := s.t.root()
	if s.column == "" {
		w.s("COMMENT ON TABLE ")
		t.writeFrom(w)
	} else {
		w.s("COMMENT ON COLUMN ")
		if t.def.Schema != "" {
			w.ident(t.def.Schema)
			w.b('.')
		}
		w.qualified(t.def.Name, s.column)
	}
	w.s(" IS ")
	if s.text == "" {
		w.s("NULL")
	} else {
		w.arg(s.text)
	}
}

// DropTableStmt is DROP TABLE [IF EXISTS].
type DropTableStmt struct {
	t        *Table
	ifExists bool
	m        memo
}

// DropTable renders DROP TABLE t.
func DropTable(t *Table) *DropTableStmt { return &DropTableStmt{t: t} }

// IfExists returns the statement with IF EXISTS.
func (s *DropTableStmt) IfExists() *DropTableStmt { return &DropTableStmt{t: s.t, ifExists: true} }

func (s *DropTableStmt) Writes() bool     { return true }
func (s *DropTableStmt) Tables() []string { return []string{s.t.FullName()} }
func (s *DropTableStmt) stmtMemo() *memo  { return &s.m }
func (s *DropTableStmt) writeStmt(w *writer) {
	w.writes = true
	w.s("DROP TABLE ")
	if s.ifExists {
		w.s("IF EXISTS ")
	}
	s.t.root().writeFrom(w)
}

func (*CommentStmt) ddl() {}

// CREATE TYPE … AS ENUM writes its values as literals: through the shape
// cache, two enums of one name would share the first one's SQL.
func (*EnumTypeStmt) ddl() {}
