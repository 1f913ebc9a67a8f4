package migrate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// Rendered is a plan rendered for one dialect: the statements that apply
// it and the statements that undo it, each without a trailing semicolon.
type Rendered struct {
	// Dialect is the file-name tag of the dialect: postgres, mysql or
	// sqlite.
	Dialect string
	Up      []string
	Down    []string
	// ForeignKeysOff reports a script that must run with foreign-key
	// enforcement off (the SQLite table rebuild: dropping the old table
	// would otherwise fire its referencing tables' ON DELETE actions).
	// Its files carry the ForeignKeysOff directive, so the runner runs
	// them in one transaction with engine.TxOptions.ForeignKeysOff and
	// checks the references with PRAGMA foreign_key_check before commit.
	ForeignKeysOff bool
}

// DialectTag is the file-name tag of d: postgres, mysql (MySQL and
// MariaDB) or sqlite.
func DialectTag(d core.Dialect) (string, error) {
	if d == nil {
		return "", fmt.Errorf("migrate: nil dialect")
	}
	switch d.Name() {
	case "postgres":
		return "postgres", nil
	case "mysql", "mariadb":
		return "mysql", nil
	case "sqlite":
		return "sqlite", nil
	}
	return "", fmt.Errorf("migrate: dialect %q: %w", d.Name(), core.ErrUnsupported)
}

// Render renders the plan's up and down SQL for d. The down script undoes
// the changes in reverse order; a dropped table or column is recreated
// from its live definition, without its rows. A plan with destructive
// changes renders only if Diff was given AllowDestructive; otherwise the
// error is a *DestructiveError listing them.
//
// Per dialect:
//
//   - PostgreSQL: ALTER TABLE … ALTER COLUMN TYPE (with USING col::type
//     where no assignment cast exists), SET/DROP NOT NULL, SET/DROP
//     DEFAULT, ADD/DROP CONSTRAINT, CREATE/DROP INDEX, COMMENT ON. Enum
//     values only added are ALTER TYPE … ADD VALUE (a value added in a
//     transaction cannot be used before it commits); any other enum change
//     replaces the type and converts its columns through text.
//   - MySQL, MariaDB: MODIFY COLUMN with the column's full definition
//     (type, NOT NULL, DEFAULT, COMMENT; enum values are part of the type),
//     RENAME COLUMN, DROP FOREIGN KEY (and the index the server made for
//     it), DROP INDEX.
//   - SQLite: ADD COLUMN, DROP COLUMN, RENAME TABLE, RENAME COLUMN and
//     index changes directly; every other change of a table rebuilds it
//     (see Rendered.ForeignKeysOff). Comments are not stored.
//
// Default constraint and index names are those core's CREATE gives them
// on the table's name at the time (a renamed table keeps its old ones).
func (p *Plan) Render(d core.Dialect) (*Rendered, error) {
	tag, err := DialectTag(d)
	if err != nil {
		return nil, err
	}
	if bad := p.Destructive(); len(bad) > 0 && !p.allowDestructive {
		return nil, &DestructiveError{Changes: bad}
	}
	r := &renderer{d: d, tag: tag}
	s := &Rendered{Dialect: tag}
	if tag == "sqlite" {
		return r.sqlite(p, s)
	}
	var downs [][]string
	for _, c := range p.Changes {
		up, down := r.change(c)
		if r.err != nil {
			return nil, fmt.Errorf("migrate: render %s for %s: %w", c, tag, r.err)
		}
		s.Up = append(s.Up, up...)
		downs = append(downs, down)
	}
	for _, down := range slices.Backward(downs) {
		s.Down = append(s.Down, down...)
	}
	return s, nil
}

// renderer renders changes for one dialect, keeping the first error.
type renderer struct {
	d   core.Dialect
	tag string
	err error
}

func (r *renderer) fail(err error) {
	if r.err == nil && err != nil {
		r.err = err
	}
}

func (r *renderer) compile(s core.Statement) string {
	c, err := core.Compile(r.d, s)
	r.fail(err)
	return c.SQL
}

func (r *renderer) ident(name string) string {
	b, err := r.d.AppendIdent(nil, name)
	r.fail(err)
	return string(b)
}

// table is the quoted, schema-qualified name of t.
func (r *renderer) table(t *core.Table) string {
	if t.Schema() != "" {
		return r.ident(t.Schema()) + "." + r.ident(t.Name())
	}
	return r.ident(t.Name())
}

func (r *renderer) lit(v any) string {
	b, err := r.d.AppendLiteral(nil, v)
	r.fail(err)
	return string(b)
}

func (r *renderer) inline(e core.Expr) string {
	s, err := core.InlineSQL(r.d, e)
	r.fail(err)
	return s
}

// colSQL is c's definition as CREATE TABLE writes it, with its name
// replaced by name (the name it has when the statement runs).
func (r *renderer) colSQL(c *core.Column, name string) string {
	cc := *c
	cc.Name = name
	s, err := core.ColumnSQL(r.d, &cc)
	r.fail(err)
	return s
}

// colType is the DDL type of c.
func (r *renderer) colType(c *core.Column) string {
	if c.Type.Kind == core.TypeNative {
		return c.Type.Native
	}
	s, err := r.d.ColumnType(c)
	r.fail(err)
	return s
}

func (r *renderer) cols(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = r.ident(n)
	}
	return strings.Join(q, ", ")
}

// named returns t's definition with default constraint names filled in.
func (r *renderer) named(t *core.Table) core.TableDef { return core.NamedDef(r.d, t) }

// indexName is the name ix has on t (its own or the default).
func (r *renderer) indexName(t *core.Table, ix core.Index) string {
	if ix.Name != "" {
		return ix.Name
	}
	def := r.named(t)
	for i, o := range core.TableDefOf(t).Indexes {
		if o.Unique == ix.Unique && slices.Equal(o.Columns, ix.Columns) {
			return def.Indexes[i].Name
		}
	}
	r.fail(fmt.Errorf("table %q: no index on %v", t.FullName(), ix.Columns))
	return ""
}

func (r *renderer) uniqueName(t *core.Table, u core.Unique) string {
	if u.Name != "" {
		return u.Name
	}
	def := r.named(t)
	for i, o := range core.TableDefOf(t).Uniques {
		if slices.Equal(o.Columns, u.Columns) {
			return def.Uniques[i].Name
		}
	}
	r.fail(fmt.Errorf("table %q: no unique constraint on %v", t.FullName(), u.Columns))
	return ""
}

func (r *renderer) checkName(t *core.Table, ck core.Check) string {
	if ck.Name != "" {
		return ck.Name
	}
	def := r.named(t)
	for i, o := range core.TableDefOf(t).Checks {
		if core.SameExpr(o.Expr, ck.Expr) {
			return def.Checks[i].Name
		}
	}
	r.fail(fmt.Errorf("table %q: no such check constraint", t.FullName()))
	return ""
}

// createTable is CREATE TABLE t, its indexes and (PostgreSQL, MySQL) its
// comments.
func (r *renderer) createTable(t *core.Table) []string {
	out := []string{r.compile(core.CreateTable(t))}
	for _, ix := range t.Indexes() {
		out = append(out, r.compile(core.CreateIndex(t, ix)))
	}
	def := core.TableDefOf(t)
	switch r.tag {
	case "postgres":
		if def.Comment != "" {
			out = append(out, "COMMENT ON TABLE "+r.table(t)+" IS "+r.lit(def.Comment))
		}
		for _, c := range def.Columns {
			if c.Comment != "" {
				out = append(out, "COMMENT ON COLUMN "+r.table(t)+"."+r.ident(c.Name)+" IS "+r.lit(c.Comment))
			}
		}
	case "mysql":
		if def.Comment != "" {
			out = append(out, "ALTER TABLE "+r.table(t)+" COMMENT = "+r.lit(def.Comment))
		}
		for _, c := range def.Columns {
			if c.Comment != "" {
				out = append(out, "ALTER TABLE "+r.table(t)+" MODIFY COLUMN "+r.mysqlCol(&c, c.Name))
			}
		}
	}
	return out
}

func (r *renderer) alter(t *core.Table, action string) string {
	return "ALTER TABLE " + r.table(t) + " " + action
}

// renameTo is the bare new name of a renamed table (the schema stays).
func (r *renderer) renameTable(from, to *core.Table) string {
	return r.alter(from, "RENAME TO "+r.ident(to.Name()))
}

// change renders one change for PostgreSQL or MySQL.
func (r *renderer) change(c Change) (up, down []string) {
	one := func(s string) []string { return []string{s} }
	switch c.Kind {
	case AddTable:
		return r.createTable(c.New), one("DROP TABLE " + r.table(c.New))
	case DropTable:
		return one("DROP TABLE " + r.table(c.Old)), r.createTable(c.Old)
	case RenameTable:
		return one(r.renameTable(c.Old, c.New)), one(r.renameTable(c.New, c.Old))
	case RenameColumn:
		return one(r.alter(c.New, "RENAME COLUMN "+r.ident(c.OldColumn)+" TO "+r.ident(c.Column))),
			one(r.alter(c.New, "RENAME COLUMN "+r.ident(c.Column)+" TO "+r.ident(c.OldColumn)))
	case AddColumn:
		return r.addColumn(c.New, c.NewCol), one(r.alter(c.New, "DROP COLUMN "+r.ident(c.Column)))
	case DropColumn:
		return one(r.alter(c.New, "DROP COLUMN "+r.ident(c.Column))), r.addColumn(c.New, c.OldCol)
	case AlterColumn:
		if r.tag == "postgres" {
			return r.pgAlterColumn(c.New, c.Column, c.OldCol, c.NewCol, c.Aspects),
				r.pgAlterColumn(c.New, c.Column, c.NewCol, c.OldCol, c.Aspects)
		}
		return r.myAlterColumn(c.New, c.Column, c.OldCol, c.NewCol, c.Aspects),
			r.myAlterColumn(c.New, c.Column, c.NewCol, c.OldCol, c.Aspects)
	case AddIndex:
		return one(r.compile(core.CreateIndex(c.New, c.Index))), one(r.dropIndex(c.New, c.Index))
	case DropIndex:
		return one(r.dropIndex(c.Old, c.Index)), one(r.compile(core.CreateIndex(c.Old, c.Index)))
	case AddUnique:
		return one(r.addUnique(c.New, c.Unique)), one(r.dropUnique(c.New, c.Unique))
	case DropUnique:
		return one(r.dropUnique(c.Old, c.Unique)), one(r.addUnique(c.Old, c.Unique))
	case AddForeignKey:
		return one(r.compile(core.AddForeignKey(c.New, c.ForeignKey))), r.dropFK(c.New, c.ForeignKey)
	case DropForeignKey:
		return r.dropFK(c.Old, c.ForeignKey), one(r.compile(core.AddForeignKey(c.Old, c.ForeignKey)))
	case AddCheck:
		return one(r.addCheck(c.New, c.Check)), one(r.dropCheck(c.New, c.Check))
	case DropCheck:
		return one(r.dropCheck(c.Old, c.Check)), one(r.addCheck(c.Old, c.Check))
	case CreateEnum:
		if r.tag != "postgres" {
			return nil, nil // the type lives in its columns
		}
		return one(r.compile(core.CreateEnumType(c.NewEnum, false))), one(r.compile(core.DropEnumType(c.NewEnum)))
	case DropEnum:
		if r.tag != "postgres" {
			return nil, nil
		}
		return one(r.compile(core.DropEnumType(c.OldEnum))), one(r.compile(core.CreateEnumType(c.OldEnum, false)))
	case AlterEnum:
		if r.tag == "postgres" {
			return r.pgAlterEnum(c, c.OldEnum, c.NewEnum), r.pgAlterEnum(c, c.NewEnum, c.OldEnum)
		}
		return r.myAlterEnum(c, true), r.myAlterEnum(c, false)
	case AlterTableComment:
		return r.tableComment(c.New, core.TableDefOf(c.New).Comment), r.tableComment(c.New, core.TableDefOf(c.Old).Comment)
	}
	r.fail(fmt.Errorf("unknown change kind %d", c.Kind))
	return nil, nil
}

func (r *renderer) addColumn(t *core.Table, c *core.Column) []string {
	def := r.colSQL(c, c.Name)
	if r.tag == "mysql" {
		def = r.mysqlCol(c, c.Name)
	}
	if c.Unique {
		def += " UNIQUE"
	}
	out := []string{r.alter(t, "ADD COLUMN "+def)}
	if r.tag == "postgres" && c.Comment != "" {
		out = append(out, "COMMENT ON COLUMN "+r.table(t)+"."+r.ident(c.Name)+" IS "+r.lit(c.Comment))
	}
	return out
}

func (r *renderer) dropIndex(t *core.Table, ix core.Index) string {
	name := r.indexName(t, ix)
	if r.tag == "mysql" {
		return "DROP INDEX " + r.ident(name) + " ON " + r.table(t)
	}
	if t.Schema() != "" {
		return "DROP INDEX " + r.ident(t.Schema()) + "." + r.ident(name)
	}
	return "DROP INDEX " + r.ident(name)
}

func (r *renderer) addUnique(t *core.Table, u core.Unique) string {
	return r.alter(t, "ADD CONSTRAINT "+r.ident(r.uniqueName(t, u))+" UNIQUE ("+r.cols(u.Columns)+")")
}

func (r *renderer) dropUnique(t *core.Table, u core.Unique) string {
	if r.tag == "mysql" {
		return r.alter(t, "DROP INDEX "+r.ident(r.uniqueName(t, u)))
	}
	return r.alter(t, "DROP CONSTRAINT "+r.ident(r.uniqueName(t, u)))
}

func (r *renderer) addCheck(t *core.Table, ck core.Check) string {
	return r.alter(t, "ADD CONSTRAINT "+r.ident(r.checkName(t, ck))+" CHECK ("+r.inline(ck.Expr)+")")
}

func (r *renderer) dropCheck(t *core.Table, ck core.Check) string {
	return r.alter(t, "DROP CONSTRAINT "+r.ident(r.checkName(t, ck)))
}

func (r *renderer) tableComment(t *core.Table, comment string) []string {
	if r.tag == "mysql" {
		return []string{r.alter(t, "COMMENT = "+r.lit(comment))}
	}
	v := "NULL"
	if comment != "" {
		v = r.lit(comment)
	}
	return []string{"COMMENT ON TABLE " + r.table(t) + " IS " + v}
}

// columnUniqueName is the name the server gives a column's inline UNIQUE
// constraint: <table>_<column>_key on PostgreSQL, the column's name on
// MySQL.
func (r *renderer) columnUniqueName(t *core.Table, col string) string {
	if r.tag == "mysql" {
		return col
	}
	return t.Name() + "_" + col + "_key"
}
