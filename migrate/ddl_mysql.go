package migrate

import (
	"slices"

	"github.com/athanor-orm/athanor/core"
)

// mysqlCol is c's full definition for ADD or MODIFY COLUMN on MySQL and
// MariaDB, with its COMMENT: MODIFY replaces the whole definition, so
// whatever it leaves out is lost.
func (r *renderer) mysqlCol(c *core.Column, name string) string {
	s := r.colSQL(c, name)
	if c.Comment != "" {
		s += " COMMENT " + r.lit(c.Comment)
	}
	return s
}

// myAlterColumn alters column name of t from a to b: one MODIFY COLUMN
// with b's full definition for its type, nullability, default and
// comment, and ADD or DROP of the column's UNIQUE index.
func (r *renderer) myAlterColumn(t *core.Table, name string, a, b *core.Column, aspects Aspect) []string {
	var out []string
	if aspects&^AspectUnique != 0 {
		out = append(out, r.alter(t, "MODIFY COLUMN "+r.mysqlCol(b, name)))
	}
	if aspects&AspectUnique != 0 {
		uq := r.ident(r.columnUniqueName(t, name))
		if b.Unique {
			out = append(out, r.alter(t, "ADD CONSTRAINT "+uq+" UNIQUE ("+r.ident(name)+")"))
		} else {
			out = append(out, r.alter(t, "DROP INDEX "+uq))
		}
	}
	return out
}

// myAlterEnum rewrites every column of the enum type with MODIFY COLUMN:
// on MySQL the values are part of each column's type. The column keeps
// its live definition apart from the values (an AlterColumn change of
// the same column follows it).
func (r *renderer) myAlterEnum(c Change, up bool) []string {
	e := c.OldEnum
	if up {
		e = c.NewEnum
	}
	var out []string
	for _, ref := range c.Columns {
		oc, ok := ref.Old.Col(ref.OldColumn)
		if !ok {
			continue
		}
		cc := *oc
		cc.Type.Enum = e
		out = append(out, r.alter(ref.New, "MODIFY COLUMN "+r.mysqlCol(&cc, ref.Column)))
	}
	return out
}

// dropFK drops a foreign key of t. On MySQL and MariaDB it also drops the
// index the server created for the key when t had none starting with
// its columns (the index is named after the constraint): it would
// otherwise outlive the key, and adding the key back creates it again.
func (r *renderer) dropFK(t *core.Table, fk core.ForeignKey) []string {
	out := []string{r.compile(core.DropForeignKey(t, fk, false))}
	if r.tag != "mysql" || hasIndexOn(t, fk.Columns) {
		return out
	}
	name := fk.Name
	if name == "" {
		for i, o := range core.TableDefOf(t).ForeignKeys {
			if slices.Equal(o.Columns, fk.Columns) && o.RefTable == fk.RefTable {
				name = r.named(t).ForeignKeys[i].Name
			}
		}
	}
	return append(out, r.alter(t, "DROP INDEX "+r.ident(name)))
}

// hasIndexOn reports an index, unique constraint or primary key of t
// whose columns start with cols.
func hasIndexOn(t *core.Table, cols []string) bool {
	starts := func(ix []string) bool { return len(ix) >= len(cols) && slices.Equal(ix[:len(cols)], cols) }
	if starts(t.PrimaryKey()) {
		return true
	}
	for _, ix := range t.Indexes() {
		if starts(ix.Columns) {
			return true
		}
	}
	for _, u := range t.Uniques() {
		if starts(u.Columns) {
			return true
		}
	}
	for _, c := range t.Columns() {
		if c.Unique && starts([]string{c.Name}) {
			return true
		}
	}
	return false
}
