package mapper

import (
	"fmt"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// Association tables mapped as models
//
// A many-to-many through secondary:T synthesizes table T unless a model
// maps it. A model may map T in any registration order: registered before
// the relationship, with it, or after it (then its table replaces the
// synthesized one in MetaData, and the relationships keep addressing T by
// the same name and columns). In every case the model's table must hold
// the association's key columns (one per key column of each side), with
// key types, and no other NOT NULL column without a default, since the
// relationship inserts rows with the two keys only.

// keyColumn is the association column name holding key field i of m.
func (b *build) keyColumn(name string, m *Model, i int) core.Column {
	f := m.pk[i]
	var ty core.Type
	if f.Col != nil {
		ty = f.Col.Type
	} else if pd := b.draftOf(m); pd != nil {
		for _, c := range pd.cols {
			if c.Name == f.Column {
				ty = c.Type
			}
		}
	}
	return core.Column{Name: name, Type: ty, PrimaryKey: true}
}

// m2mColumns returns the association columns holding m's key for the
// many-to-many rd: the tag's opt (joincol or inversecol), one name per key
// column joined by +, or by default <Model><Key> of each key field through
// the naming strategy.
func (b *build) m2mColumns(rd relDraft, opt string, m *Model) ([]string, error) {
	if v := rd.tag.vals[opt]; v != "" {
		names := strings.Split(v, "+")
		for i := range names {
			names[i] = strings.TrimSpace(names[i])
			if names[i] == "" {
				return nil, b.relErr(rd, "%s %q: empty column name", opt, v)
			}
		}
		if len(names) != len(m.pk) {
			return nil, b.relErr(rd, "%s %q names %d columns for the %d-column key of %s", opt, v, len(names), len(m.pk), m.Name)
		}
		return names, nil
	}
	names := make([]string, len(m.pk))
	for i, f := range m.pk {
		names[i] = b.reg.naming.ColumnName(keyNameOf(m.Name, m, f))
	}
	return names, nil
}

// synthesize builds the association table sec of a many-to-many from
// owner (key columns joins) to target (inverses), whose columns are want:
// the owner's then the target's.
func (b *build) synthesize(sec string, owner, target *Model, joins, inverses []string, want []core.Column) (*core.Table, error) {
	refCols := func(m *Model) []string {
		out := make([]string, len(m.pk))
		for i, f := range m.pk {
			out[i] = f.Column
		}
		return out
	}
	fks := []core.ForeignKey{
		{Columns: joins, RefTable: b.tableNameOf(owner), RefColumns: refCols(owner), OnDelete: core.Cascade},
		{Columns: inverses, RefTable: b.tableNameOf(target), RefColumns: refCols(target), OnDelete: core.Cascade},
	}
	// Sides in the order of their first column's name, whichever side is
	// drafted first, so the schema does not depend on the registration
	// order.
	cols := slices.Clone(want)
	second := inverses
	if inverses[0] < joins[0] {
		cols = append(slices.Clone(want[len(joins):]), want[:len(joins)]...)
		fks[0], fks[1] = fks[1], fks[0]
		second = joins
	}
	def := core.TableDef{Name: sec, Columns: cols, ForeignKeys: fks}
	// The key serves loads from the first side by its leading columns;
	// index the second side's for loads from the other side.
	def.Indexes = []core.Index{{Columns: slices.Clone(second)}}
	return core.NewTable(def)
}

// assocFits reports why a table with columns have cannot serve as the
// association table with key columns want, or nil if it can.
func assocFits(have, want []core.Column) error {
	for _, w := range want {
		i := slices.IndexFunc(have, func(c core.Column) bool { return c.Name == w.Name })
		if i < 0 {
			return fmt.Errorf("no column %q", w.Name)
		}
		if h := have[i].Type; h.Kind != w.Type.Kind && !(isIntKind(h.Kind) && isIntKind(w.Type.Kind)) {
			return fmt.Errorf("column %q is %s, the key it holds is %s", w.Name, h.Kind, w.Type.Kind)
		}
	}
	for _, c := range have {
		if slices.ContainsFunc(want, func(w core.Column) bool { return w.Name == c.Name }) {
			continue
		}
		if !c.Nullable && c.ServerDefault == nil && !c.AutoIncrement {
			return fmt.Errorf("column %q is NOT NULL without a default, and the many-to-many inserts the two keys only", c.Name)
		}
	}
	return nil
}

func columnsOf(t *core.Table) []core.Column {
	out := make([]core.Column, len(t.Columns()))
	for i, c := range t.Columns() {
		out[i] = *c
	}
	return out
}

func fullName(schema, table string) string {
	if schema == "" {
		return table
	}
	return schema + "." + table
}

// setSecondary points a many-to-many at its association table.
func (r *Relation) setSecondary(t *core.Table, joins, inverses []string) {
	r.Secondary = t
	r.SecondaryOwnerCols = make([]*core.Column, len(joins))
	for i, n := range joins {
		r.SecondaryOwnerCols[i] = t.C(n)
	}
	r.SecondaryTargetColumns = make([]*core.Column, len(inverses))
	for i, n := range inverses {
		r.SecondaryTargetColumns[i] = t.C(n)
	}
}

// takeOver checks the table t of a new model m against an association
// table an earlier registration synthesized under the same name, and marks
// that one replaced.
func (b *build) takeOver(m *Model, t *core.Table) error {
	st := b.reg.secondary[t.FullName()]
	if st == nil {
		return nil
	}
	if err := assocFits(columnsOf(t), columnsOf(st)); err != nil {
		return fmt.Errorf("mapper: model %s: table %q is the association table of %s, synthesized by an earlier registration: %v: %w",
			m.Name, t.FullName(), b.reg.usersOf(st), err, ErrBadRelation)
	}
	b.takeover = append(b.takeover, t.FullName())
	return nil
}

// usersOf names the many-to-many relationships through association table
// t, for errors.
func (r *Registry) usersOf(t *core.Table) string {
	var out []string
	for _, m := range r.byType {
		for _, rel := range m.rels {
			if rel.Secondary == t {
				out = append(out, m.Name+"."+rel.Name)
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, " and ")
}
