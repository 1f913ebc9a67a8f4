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
// the association's two key columns, with key types, and no other NOT NULL
// column without a default, since the relationship inserts rows with the
// two keys only.

// keyColumn is the association column name holding m's single-column key.
func (b *build) keyColumn(name string, m *Model) core.Column {
	f := m.pk[0]
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
func (r *Relation) setSecondary(t *core.Table, join, inverse string) {
	r.Secondary = t
	r.SecondaryOwnerCols = []*core.Column{t.C(join)}
	r.SecondaryTargetColumns = []*core.Column{t.C(inverse)}
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
