package migrate

import (
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
)

// sqlite renders a plan for SQLite. ADD COLUMN, DROP COLUMN, RENAME
// TABLE, RENAME COLUMN and index changes have ALTER statements there;
// any other change of a table is made by rebuilding it, as SQLite
// documents ("Making Other Kinds Of Table Schema Changes"): create the
// new table under a temporary name, copy the rows, drop the old table,
// rename the new one, recreate its indexes. The script holds only those
// statements; it is marked ForeignKeysOff, and the runner turns foreign
// keys off before its transaction begins and runs PRAGMA
// foreign_key_check before it commits.
func (r *renderer) sqlite(p *Plan, s *Rendered) (*Rendered, error) {
	// The tables to rebuild, with their live and model definitions, in
	// the order of their first change.
	type pair struct{ old, new *core.Table }
	rebuild := map[string]pair{}
	var order []string
	mark := func(name string, old, new *core.Table) {
		if _, ok := rebuild[name]; !ok {
			rebuild[name] = pair{old, new}
			order = append(order, name)
		}
	}
	for _, c := range p.Changes {
		if c.Kind == AlterEnum {
			for _, ref := range c.Columns {
				mark(ref.New.FullName(), ref.Old, ref.New)
			}
			continue
		}
		if sqliteNeedsRebuild(c) {
			mark(c.Table, c.Old, c.New)
		}
	}
	var ups, downs [][]string
	emitted := false
	emitRebuilds := func() {
		if emitted {
			return
		}
		emitted = true
		for _, name := range order {
			pr := rebuild[name]
			renames := map[string]string{} // model column → live column
			for _, o := range p.Changes {
				if o.Kind == RenameColumn && o.Table == name {
					renames[o.Column] = o.OldColumn
				}
			}
			ups = append(ups, r.rebuild(pr.new, pr.old, pr.new, renames))
			back := map[string]string{}
			for n, o := range renames {
				back[o] = n
			}
			downs = append(downs, r.rebuild(pr.new, pr.new, pr.old, back))
		}
	}
	for _, c := range p.Changes {
		switch {
		case c.Kind == DropTable || c.Kind == DropEnum:
			emitRebuilds()
		case c.Kind == AddTable || c.Kind == RenameTable || c.Kind == CreateEnum || c.Kind == AlterEnum:
		default:
			if _, ok := rebuild[c.Table]; ok {
				continue // part of the rebuild
			}
		}
		up, down := r.sqliteChange(c)
		if r.err != nil {
			return nil, fmt.Errorf("migrate: render %s for sqlite: %w", c, r.err)
		}
		ups, downs = append(ups, up), append(downs, down)
	}
	emitRebuilds()
	if r.err != nil {
		return nil, fmt.Errorf("migrate: render for sqlite: %w", r.err)
	}
	for _, up := range ups {
		s.Up = append(s.Up, up...)
	}
	for _, down := range slices.Backward(downs) {
		s.Down = append(s.Down, down...)
	}
	if len(rebuild) > 0 {
		s.ForeignKeysOff = true
	}
	return s, nil
}

// sqliteNeedsRebuild reports a change SQLite's ALTER TABLE cannot make.
func sqliteNeedsRebuild(c Change) bool {
	switch c.Kind {
	case AlterColumn:
		return c.Aspects&^AspectComment != 0
	case AddColumn:
		nc := c.NewCol
		return nc.PrimaryKey || nc.Unique || nc.Type.Kind == core.TypeEnum || (!nc.Nullable && nc.ServerDefault == nil) ||
			isExprDefault(nc.ServerDefault)
	case DropColumn:
		def := core.TableDefOf(c.Old)
		used := func(cols []string) bool { return slices.Contains(cols, c.Column) }
		if c.OldCol.PrimaryKey || c.OldCol.Unique || c.OldCol.Type.Kind == core.TypeEnum || len(def.Checks) > 0 {
			return true
		}
		for _, u := range def.Uniques {
			if used(u.Columns) {
				return true
			}
		}
		for _, fk := range def.ForeignKeys {
			if used(fk.Columns) {
				return true
			}
		}
		return false
	case AddUnique, DropUnique, AddForeignKey, DropForeignKey, AddCheck, DropCheck:
		return true
	}
	return false
}

// isExprDefault reports a default ADD COLUMN refuses on SQLite: anything
// but a constant (CURRENT_TIMESTAMP is a Raw, so any Raw counts).
func isExprDefault(e core.Expr) bool {
	_, raw := e.(*core.RawSQL)
	return raw
}

// sqliteChange renders a change SQLite's ALTER TABLE can make.
func (r *renderer) sqliteChange(c Change) (up, down []string) {
	one := func(s string) []string { return []string{s} }
	switch c.Kind {
	case AddColumn:
		return one(r.alter(c.New, "ADD COLUMN "+r.colSQL(c.NewCol, c.Column))), one(r.alter(c.New, "DROP COLUMN "+r.ident(c.Column)))
	case DropColumn:
		return one(r.alter(c.New, "DROP COLUMN "+r.ident(c.Column))), one(r.alter(c.New, "ADD COLUMN "+r.colSQL(c.OldCol, c.Column)))
	case AlterColumn, AlterTableComment, CreateEnum, DropEnum, AlterEnum:
		return nil, nil // comments are not kept; enums live in their columns (rebuilt)
	}
	return r.change(c)
}

// rebuild turns table cur (its name when the statements run) from
// definition from into definition to. renames maps a column of to to
// its name in from.
func (r *renderer) rebuild(cur, from, to *core.Table, renames map[string]string) []string {
	target := r.named(to)
	target.Name, target.Schema = cur.Name(), cur.Schema()
	final, err := core.NewTable(target)
	if err != nil {
		r.fail(err)
		return nil
	}
	tmpDef := target
	tmpDef.Name = "_ag_new_" + cur.Name()
	tmpDef.Indexes = nil
	tmp, err := core.NewTable(tmpDef)
	if err != nil {
		r.fail(err)
		return nil
	}
	var dst, src []string
	for _, c := range target.Columns {
		old := c.Name
		if o, ok := renames[c.Name]; ok {
			old = o
		}
		if _, ok := from.Col(old); ok {
			dst = append(dst, c.Name)
			src = append(src, old)
		}
	}
	out := []string{
		r.compile(core.CreateTable(tmp)),
		"INSERT INTO " + r.table(tmp) + " (" + r.cols(dst) + ") SELECT " + r.cols(src) + " FROM " + r.table(cur),
		"DROP TABLE " + r.table(cur),
		r.renameTable(tmp, cur),
	}
	for _, ix := range target.Indexes {
		out = append(out, r.compile(core.CreateIndex(final, ix)))
	}
	return out
}
