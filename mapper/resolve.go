package mapper

import (
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// resolve links relationships to their targets and foreign keys.
func (b *build) resolve() error {
	// To-one relationships first: a collection without fk: borrows the key
	// of the many-to-one pointing back.
	for _, many := range []bool{false, true} {
		for _, d := range b.order {
			for _, rd := range d.rels {
				if rd.rel.many != many {
					continue
				}
				if err := b.resolveRel(d, rd); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pair links back-references. It runs once the tables are built: a
// many-to-many through a table a new model maps gets that table then.
func (b *build) pair() error {
	for _, d := range b.order {
		for _, rd := range d.rels {
			if err := b.pairBackref(rd); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *build) relErr(rd relDraft, format string, a ...any) error {
	return fieldError(rd.rel.Owner.Name, rd.rel.Name, rd.tag.raw, ErrBadRelation, format, a...)
}

// fkFields resolves a `fk:` list (column or field names joined by +) on
// model m.
func fkFields(m *Model, spec string) ([]*Field, bool) {
	var out []*Field
	for _, n := range strings.Split(spec, "+") {
		f, ok := m.Field(strings.TrimSpace(n))
		if !ok {
			return nil, false
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

// taggedFK returns the fields of m whose fk: column tags reference
// target's table. m may be pending or already registered: models are
// registered one call at a time, in any order, so the key of a
// relationship may sit on a model an earlier call registered.
func (b *build) taggedFK(m *Model, target *Model) []*Field {
	tname := b.tableNameOf(target)
	var out []*Field
	if d := b.draftOf(m); d != nil {
		for _, c := range d.colFK {
			if tbl, _, _ := strings.Cut(c.ref, "."); tbl == tname {
				out = append(out, c.field)
			}
		}
		return out
	}
	// A registered model's foreign keys to a model registered after it
	// can only come from its column tags: its relationships' targets were
	// registered with it.
	for _, fk := range m.table.ForeignKeys() {
		if fk.RefTable != tname {
			continue
		}
		for _, c := range fk.Columns {
			if f, ok := m.byColumn[c]; ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func (b *build) tableNameOf(m *Model) string {
	if d := b.pending[m.Type]; d != nil {
		return d.table
	}
	return m.table.Name()
}

func (b *build) draftOf(m *Model) *draft { return b.pending[m.Type] }

func (b *build) resolveRel(d *draft, rd relDraft) error {
	rel := rd.rel
	owner := d.m
	target := b.model(rd.target)
	if target == nil {
		return b.relErr(rd, "target %s is not a model", rd.target)
	}
	rel.Target = target
	kind := RelKind(0)
	if v, ok := rd.tag.vals["rel"]; ok {
		switch strings.ToLower(strings.ReplaceAll(v, "_", "-")) {
		case "many-to-one", "belongs-to":
			kind = ManyToOne
		case "one-to-many", "has-many":
			kind = OneToMany
		case "one-to-one", "has-one":
			kind = OneToOne
		case "many-to-many":
			kind = ManyToMany
		default:
			return b.relErr(rd, "unknown rel %q (want many-to-one, one-to-many, one-to-one, many-to-many)", v)
		}
	}
	_, hasSecondary := rd.tag.vals["secondary"]
	if kind == 0 {
		switch {
		case hasSecondary:
			kind = ManyToMany
		case rel.many:
			kind = OneToMany
		default:
			kind = ManyToOne // refined below when the fk lives on the target
		}
	}
	if rel.many != (kind == OneToMany || kind == ManyToMany) {
		return b.relErr(rd, "%s needs a %s field", kind, map[bool]string{true: "[]*T", false: "*T"}[kind == OneToMany || kind == ManyToMany])
	}
	if kind == ManyToMany {
		rel.Kind = kind
		return b.resolveM2M(d, rd)
	}
	if hasSecondary {
		return b.relErr(rd, "secondary is only for many-to-many")
	}
	spec, hasFK := rd.tag.vals["fk"]
	_, explicit := rd.tag.vals["rel"]
	switch {
	case kind == ManyToOne && hasFK:
		if fs, ok := fkFields(owner, spec); ok {
			rel.FK = fs
		} else if fs, ok := fkFields(target, spec); ok && !explicit {
			kind, rel.FK = OneToOne, fs
		} else {
			return b.relErr(rd, "fk %q is not a column of %s or %s", spec, owner.Name, target.Name)
		}
	case kind == ManyToOne:
		if fs := b.taggedFK(owner, target); len(fs) > 0 && len(fs) == len(target.pk) {
			rel.FK = fs
		} else if f, ok := owner.Field(rel.Name + "ID"); ok && len(target.pk) == 1 {
			rel.FK = []*Field{f}
		} else if f, ok := b.keyField(owner, rel.Name, target); ok {
			rel.FK = []*Field{f}
		} else if !explicit {
			if fs := b.taggedFK(target, owner); len(fs) > 0 && len(fs) == len(owner.pk) && target != owner {
				kind, rel.FK = OneToOne, fs
			}
		}
		if rel.FK == nil {
			return b.relErr(rd, "no foreign key from %s to %s (add fk:column)", owner.Name, target.Name)
		}
	default: // OneToMany, OneToOne: fk on the target
		if hasFK {
			fs, ok := fkFields(target, spec)
			if !ok {
				return b.relErr(rd, "fk %q is not a column of %s", spec, target.Name)
			}
			rel.FK = fs
		} else if fs := b.taggedFK(target, owner); len(fs) > 0 {
			rel.FK = fs
		}
		if rel.FK == nil {
			// A many-to-one on the target pointing back names the key.
			var cands [][]*Field
			for _, tr := range target.rels {
				if tr.Target == owner && tr.Kind == ManyToOne && tr.FK != nil && tr != rel {
					cands = append(cands, tr.FK)
				}
			}
			if len(cands) == 1 {
				rel.FK = cands[0]
			}
		}
		if rel.FK == nil {
			return b.relErr(rd, "no foreign key from %s to %s (add fk:column naming a column of %s)", target.Name, owner.Name, target.Name)
		}
	}
	rel.Kind = kind
	referenced := target
	if kind != ManyToOne {
		referenced = owner
	}
	if len(rel.FK) != len(referenced.pk) {
		return b.relErr(rd, "%d foreign-key columns for the %d-column key of %s", len(rel.FK), len(referenced.pk), referenced.Name)
	}
	if rel.Cascade.Has(CascadeDeleteOrphan) && kind == ManyToOne {
		return b.relErr(rd, "delete-orphan cascade on a many-to-one")
	}
	// Add the FOREIGN KEY constraint unless a column tag declared it.
	holder := d
	if kind != ManyToOne {
		holder = b.draftOf(target)
	}
	if holder != nil {
		od, ok := parseAction(rd.tag.vals["ondelete"])
		if !ok {
			return b.relErr(rd, "unknown ondelete %q", rd.tag.vals["ondelete"])
		}
		addFK(holder, rel.FK, b.tableNameOf(referenced), referenced.pk, od)
	}
	return nil
}

func addFK(d *draft, fs []*Field, refTable string, refPK []*Field, onDelete core.FKAction) {
	cols := make([]string, len(fs))
	for i, f := range fs {
		cols[i] = f.Column
	}
	for _, c := range d.colFK {
		if len(cols) == 1 && c.field == fs[0] {
			return
		}
	}
	for _, fk := range d.fks {
		if slices.Equal(fk.Columns, cols) {
			return
		}
	}
	refs := make([]string, len(refPK))
	for i, f := range refPK {
		refs[i] = f.Column
	}
	d.fks = append(d.fks, core.ForeignKey{Columns: cols, RefTable: refTable, RefColumns: refs, OnDelete: onDelete})
}

func (b *build) resolveM2M(d *draft, rd relDraft) error {
	rel := rd.rel
	owner, target := rel.Owner, rel.Target
	sec, ok := rd.tag.vals["secondary"]
	if !ok || sec == "" {
		return b.relErr(rd, "many-to-many needs secondary:table")
	}
	if _, ok := rd.tag.vals["fk"]; ok {
		return b.relErr(rd, "many-to-many takes joincol/inversecol, not fk")
	}
	if rel.Cascade.Has(CascadeDelete) || rel.Cascade.Has(CascadeDeleteOrphan) {
		return b.relErr(rd, "delete cascades are not supported on many-to-many (association rows are always removed)")
	}
	joins, err := b.m2mColumns(rd, "joincol", owner)
	if err != nil {
		return err
	}
	inverses, err := b.m2mColumns(rd, "inversecol", target)
	if err != nil {
		return err
	}
	for _, j := range joins {
		if slices.Contains(inverses, j) {
			return b.relErr(rd, "joincol and inversecol both name %q (name them for a self-referential many-to-many)", j)
		}
	}
	want := make([]core.Column, 0, len(joins)+len(inverses))
	for i, n := range joins {
		want = append(want, b.keyColumn(n, owner, i))
	}
	for i, n := range inverses {
		want = append(want, b.keyColumn(n, target, i))
	}
	var st *core.Table
	if m := b.reg.byTable[sec]; m != nil {
		if err := assocFits(columnsOf(m.table), want); err != nil {
			return b.relErr(rd, "secondary %q is mapped by model %s: %v", sec, m.Name, err)
		}
		st = m.table
	} else if t := b.secondary[sec]; t != nil {
		st = t
	} else if t := b.reg.secondary[sec]; t != nil {
		st = t // a model registered now may take it over (see tables)
	}
	if st == nil {
		// A model registered in this call maps the association: use its
		// table once it is built.
		for _, pd := range b.order {
			if fullName(pd.schema, pd.table) == sec {
				if err := assocFits(pd.cols, want); err != nil {
					return b.relErr(rd, "secondary %q is mapped by model %s: %v", sec, pd.m.Name, err)
				}
				b.later = append(b.later, func() { rel.setSecondary(pd.m.table, joins, inverses) })
				return nil
			}
		}
		t, err := b.synthesize(sec, owner, target, joins, inverses, want)
		if err != nil {
			return b.relErr(rd, "secondary %q: %v", sec, err)
		}
		b.secondary[sec] = t
		st = t
	}
	for _, n := range append(slices.Clone(joins), inverses...) {
		if _, ok := st.Col(n); !ok {
			return b.relErr(rd, "secondary %q has no column %q", sec, n)
		}
	}
	rel.setSecondary(st, joins, inverses)
	return nil
}

// pairBackref links rd's relation with its inverse on the target: the one
// named by backref:, or the only relationship there with the same keys.
func (b *build) pairBackref(rd relDraft) error {
	rel := rd.rel
	name, named := rd.tag.vals["backref"]
	if named {
		inv, ok := rel.Target.relByName[name]
		if !ok {
			return b.relErr(rd, "backref %q is not a relationship field of %s", name, rel.Target.Name)
		}
		if !inverseOf(rel, inv) {
			return b.relErr(rd, "backref %s.%s (%s) is not the inverse of this %s", rel.Target.Name, name, inv.Kind, rel.Kind)
		}
		if inv.Backref != nil && inv.Backref != rel {
			return b.relErr(rd, "backref %s.%s is already paired with %s.%s", rel.Target.Name, name, inv.Backref.Owner.Name, inv.Backref.Name)
		}
		rel.Backref, inv.Backref = inv, rel
		return nil
	}
	if rel.Backref != nil {
		return nil
	}
	var found *Relation
	for _, inv := range rel.Target.rels {
		if inv != rel && inv.Backref == nil && inverseOf(rel, inv) {
			if found != nil {
				return nil // ambiguous: leave unpaired
			}
			found = inv
		}
	}
	if found != nil {
		rel.Backref, found.Backref = found, rel
	}
	return nil
}

func inverseOf(a, b *Relation) bool {
	if a.Target != b.Owner || b.Target != a.Owner {
		return false
	}
	switch a.Kind {
	case ManyToOne:
		return (b.Kind == OneToMany || b.Kind == OneToOne) && slices.Equal(a.FK, b.FK)
	case OneToMany, OneToOne:
		return b.Kind == ManyToOne && slices.Equal(a.FK, b.FK)
	case ManyToMany:
		return b.Kind == ManyToMany && b.Secondary == a.Secondary &&
			slices.EqualFunc(a.SecondaryOwnerCols, b.SecondaryTargetColumns, func(x, y *core.Column) bool { return x.Name == y.Name })
	}
	return false
}
