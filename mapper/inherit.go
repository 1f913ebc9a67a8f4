package mapper

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/athanor-orm/athanor/core"
)

// ErrInheritance: an inheritance declaration is invalid (no or two
// discriminators, a duplicate discriminator value, a subtype that does
// not embed its base first, a joined subtype with its own key).
var ErrInheritance = errors.New("bad inheritance")

// Inheritance describes a model's place in a mapped hierarchy: the base
// (a struct with a discriminator field) or a subtype (a struct embedding
// the base as its first field, tagged inherit:). A subtype's Go value
// starts with its base, so a *Sub's address is its *Base's: the base's
// fields are read and written through either.
type Inheritance struct {
	// Base is the hierarchy's base model (the model itself for the base).
	Base *Model
	// Discriminator is this model's field of the discriminator column.
	Discriminator *Field
	// Identity is the discriminator value of this model's rows (of the
	// field's type), or nil for an abstract base (declared without one).
	Identity any
	// SubTable is a joined-table subtype's own table (its key columns,
	// referencing the base table's, and its own columns), or nil for a
	// single-table subtype and for the base.
	SubTable *core.Table

	own  []*Field  // a joined subtype's fields in SubTable (key first)
	on   core.Expr // the join of SubTable to the base table
	subs atomic.Pointer[[]*Model]
}

// Inheritance returns the model's inheritance, or nil when it is not in
// a hierarchy.
func (m *Model) Inheritance() *Inheritance { return m.inh }

// IdentityModel is the model whose name and key identify m's rows: the
// hierarchy's base for a model in one, else m itself. Two objects of one
// hierarchy with one key are one row.
func (m *Model) IdentityModel() *Model {
	if m.inh != nil {
		return m.inh.Base
	}
	return m
}

// SelectFrom is SELECT cols FROM the model's table, restricted to the
// model's rows (see Restrict).
func (m *Model) SelectFrom(cols ...any) *core.SelectStmt {
	return m.Restrict(core.Select(cols...).From(m.table))
}

// Restrict adds to sel, a SELECT from the model's table (unaliased), the
// join of a joined-table subtype's own table and the criterion of the
// model's rows (see Criterion); a model in no hierarchy adds nothing.
func (m *Model) Restrict(sel *core.SelectStmt) *core.SelectStmt {
	h := m.inh
	if h == nil {
		return sel
	}
	if h.SubTable != nil {
		sel = sel.Join(h.SubTable, h.on)
	}
	return sel.Where(m.Criterion(m.table))
}

// Criterion is the condition, on t (the model's table or an alias of
// it), that a row is the model's: its discriminator value (IS NULL for
// an abstract base), or nil for a model in no hierarchy. A base's
// criterion selects the base's own rows only: a polymorphic query
// (session.QueryPoly) reads every kind.
func (m *Model) Criterion(t *core.Table) core.Expr {
	h := m.inh
	if h == nil {
		return nil
	}
	c := t.C(h.Discriminator.Column)
	if h.Identity == nil {
		return core.IsNull(c)
	}
	return core.Eq(c, h.Identity)
}

// Subtypes returns the registered subtypes of the hierarchy's base (in
// registration order); a subtype registered later is seen from then on.
func (h *Inheritance) Subtypes() []*Model {
	if p := h.Base.inh.subs.Load(); p != nil {
		return *p
	}
	return nil
}

// Own returns a joined-table subtype's fields stored in SubTable: the
// key fields first, then its own columns (nil for other models).
func (h *Inheritance) Own() []*Field { return h.own }

// Joined reports a joined-table subtype.
func (h *Inheritance) Joined() bool { return h.SubTable != nil }

// ByIdentity returns the model of the hierarchy (base or registered
// subtype) whose discriminator value is v, converted to the
// discriminator's type.
func (h *Inheritance) ByIdentity(v any) (*Model, bool) {
	base := h.Base
	v, err := base.inh.Discriminator.Key(v)
	if err != nil {
		return nil, false
	}
	if base.inh.Identity != nil && base.inh.Identity == v {
		return base, true
	}
	for _, s := range h.Subtypes() {
		if s.inh.Identity == v {
			return s, true
		}
	}
	return nil, false
}

// inhDraft is the inheritance of a model under construction.
type inhDraft struct {
	disc     *Field // the base's discriminator field
	discRaw  string
	identity string // the discriminator: value, or the inherit: value
	hasID    bool
	base     reflect.Type // a subtype's base
	embedRaw string       // a subtype's embedding tag
	table    string       // a joined subtype's own table
}

// discriminator records f, a column of the model under construction, as
// its hierarchy's discriminator.
func (b *build) discriminator(d *draft, f *Field, tg tag, raw string) error {
	m := d.m
	if d.inh != nil && d.inh.disc != nil {
		return fieldError(m.Name, f.Name, raw, ErrInheritance, "second discriminator (first is %s)", d.inh.disc.Name)
	}
	if d.inh != nil && d.inh.base != nil {
		return fieldError(m.Name, f.Name, raw, ErrInheritance, "a subtype declares no discriminator (its base %s does)", d.inh.base.Name())
	}
	t := f.Type
	if f.ptr || !(t.Kind() == reflect.String || isIntegerKind(t.Kind())) {
		return fieldError(m.Name, f.Name, raw, ErrInheritance, "discriminator must be a non-pointer string or integer field, not %s", t)
	}
	if d.inh == nil {
		d.inh = &inhDraft{}
	}
	d.inh.disc, d.inh.discRaw = f, raw
	d.inh.identity, d.inh.hasID = tg.vals["discriminator"], tg.vals["discriminator"] != ""
	return nil
}

func isIntegerKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// inherit handles an embedded base tagged inherit:: the base is drafted
// (or found registered), and its fields are mapped into the subtype.
func (b *build) inherit(d *draft, sf reflect.StructField, tg tag, raw string, idx []int, base uintptr) error {
	m := d.m
	if k, ok := tg.check(nil, map[string]bool{"inherit": true, "table": true}); !ok || tg.name != "" {
		if tg.name != "" {
			k = tg.name
		}
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown inheritance option %q (want inherit:, table:)", k)
	}
	id := tg.vals["inherit"]
	if id == "" {
		return fieldError(m.Name, sf.Name, raw, ErrInheritance, "inherit: needs the subtype's discriminator value")
	}
	if len(idx) != 1 || base+sf.Offset != 0 {
		return fieldError(m.Name, sf.Name, raw, ErrInheritance, "the base must be the subtype's first field (a *%s is then a *%s)", m.Name, sf.Type.Name())
	}
	if d.inh != nil {
		return fieldError(m.Name, sf.Name, raw, ErrInheritance, "a model embeds one base and declares no discriminator of its own")
	}
	if _, err := b.parse(sf.Type); err != nil {
		return err
	}
	bm := b.model(sf.Type)
	var disc *Field
	switch {
	case b.reg.byType[sf.Type] != nil:
		if bm.inh == nil || bm.inh.Base != bm {
			disc = nil
		} else {
			disc = bm.inh.Discriminator
		}
	case b.pending[sf.Type].inh != nil && b.pending[sf.Type].inh.base == nil:
		disc = b.pending[sf.Type].inh.disc
	}
	if disc == nil {
		return fieldError(m.Name, sf.Name, raw, ErrInheritance, "base %s has no discriminator field (tag one discriminator), or is itself a subtype", bm.Name)
	}
	table := ""
	if v, ok := tg.vals["table"]; ok {
		if v == "" {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "empty table name")
		}
		table = v
	}
	if err := b.fields(d, sf.Type, idx, base+sf.Offset); err != nil {
		return err
	}
	d.inh = &inhDraft{base: sf.Type, identity: id, hasID: true, embedRaw: raw, table: table}
	return nil
}

// identityOf converts a discriminator value given in a tag to the field's
// type.
func identityOf(f *Field, s string) (any, error) {
	if f.Type.Kind() == reflect.String {
		return reflect.ValueOf(s).Convert(f.Type).Interface(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("discriminator value %q is not an integer", s)
	}
	return f.Key(n)
}

// inheritDrafts checks the hierarchies of the build once every draft is
// parsed, before tables are built: a subtype's table is its base's, its
// columns other than the base's are nullable there (single-table), and
// identities are unique.
func (b *build) inheritDrafts() error {
	for _, d := range b.order {
		h := d.inh
		if h == nil {
			continue
		}
		m := d.m
		if h.base == nil { // a base
			m.inh = &Inheritance{Base: m, Discriminator: h.disc}
			if h.hasID {
				v, err := identityOf(h.disc, h.identity)
				if err != nil {
					return fieldError(m.Name, h.disc.Name, h.discRaw, ErrInheritance, "%v", err)
				}
				m.inh.Identity = v
			}
			continue
		}
	}
	for _, d := range b.order {
		h := d.inh
		if h == nil || h.base == nil {
			continue
		}
		m := d.m
		bm := b.model(h.base)
		var bd *draft
		if bd = b.pending[h.base]; bd != nil {
			d.table, d.schema = bd.table, bd.schema
		} else {
			d.table, d.schema = bm.table.Name(), bm.table.Schema()
		}
		disc := m.byColumn[bm.inh.Discriminator.Column]
		v, err := identityOf(disc, h.identity)
		if err != nil {
			return fieldError(m.Name, h.base.Name(), h.embedRaw, ErrInheritance, "%v", err)
		}
		m.inh = &Inheritance{Base: bm, Discriminator: disc, Identity: v}
		if bm.inh.Identity == v {
			return fieldError(m.Name, h.base.Name(), h.embedRaw, ErrInheritance, "discriminator value %q is the base %s's", h.identity, bm.Name)
		}
		for _, o := range bm.inh.Subtypes() {
			if o.inh.Identity == v {
				return fieldError(m.Name, h.base.Name(), h.embedRaw, ErrInheritance, "discriminator value %q is also %s's", h.identity, o.Name)
			}
		}
		for _, o := range b.order {
			if o != d && o.inh != nil && o.inh.base == h.base && o.inh.identity == h.identity {
				return fieldError(m.Name, h.base.Name(), h.embedRaw, ErrInheritance, "discriminator value %q is also %s's", h.identity, o.m.Name)
			}
		}
		for _, f := range m.fields {
			if _, inBase := bm.byColumn[f.Column]; inBase {
				continue
			}
			if f.PrimaryKey {
				return fieldError(m.Name, f.Name, "", ErrInheritance, "a subtype's key is its base's: no key field of its own")
			}
			if h.table == "" {
				// Single table: other kinds' rows leave the column NULL.
				i := slices.IndexFunc(d.cols, func(c core.Column) bool { return c.Name == f.Column })
				d.cols[i].Nullable = true
			}
		}
		if h.table == "" {
			for _, o := range b.order {
				if o != d && o != bd && o.inh != nil && o.inh.base == h.base && o.inh.table == "" {
					for _, f := range m.fields {
						if of, ok := o.m.byColumn[f.Column]; ok && bm.byColumn[f.Column] == nil && of.Type != f.Type {
							return fieldError(m.Name, f.Name, "", ErrInheritance, "column %q of the single table is also %s.%s, of another type", f.Column, o.m.Name, of.Name)
						}
					}
				}
			}
		}
	}
	return nil
}

// inheritTable builds a subtype's tables: the base table's name with the
// subtype's columns (single-table; the base's for a joined subtype), and
// a joined subtype's own table keyed by the base key.
func (b *build) inheritTable(d *draft, def core.TableDef) (*core.Table, error) {
	m, h := d.m, d.inh
	bm := m.inh.Base
	if h.table == "" {
		t, err := core.NewTable(def)
		if err != nil {
			return nil, fmt.Errorf("mapper: model %s: %w", m.Name, err)
		}
		return t, nil
	}
	var baseCols, ownCols []core.Column
	var keyCols []string
	var own []*Field
	for i, f := range m.fields {
		c := d.cols[i]
		if _, inBase := bm.byColumn[f.Column]; inBase {
			baseCols = append(baseCols, c)
			if f.PrimaryKey {
				k := c
				k.AutoIncrement = false
				ownCols = append(ownCols, k)
				keyCols = append(keyCols, c.Name)
				own = append(own, f)
			}
			continue
		}
		ownCols = append(ownCols, c)
	}
	var baseFKs []core.ForeignKey
	for _, fk := range def.ForeignKeys {
		if !slices.ContainsFunc(fk.Columns, func(c string) bool { return bm.byColumn[c] == nil }) {
			baseFKs = append(baseFKs, fk)
		}
	}
	t, err := core.NewTable(core.TableDef{Schema: d.schema, Name: d.table, Columns: baseCols, ForeignKeys: baseFKs})
	if err != nil {
		return nil, fmt.Errorf("mapper: model %s: %w", m.Name, err)
	}
	def = core.TableDef{Schema: d.schema, Name: h.table, Columns: ownCols, ForeignKeys: []core.ForeignKey{
		{Columns: keyCols, RefTable: d.table, RefColumns: keyCols}}}
	for _, c := range d.colFK {
		if _, inBase := bm.byColumn[c.field.Column]; inBase {
			continue
		}
		tbl, col, _ := strings.Cut(c.ref, ".")
		def.ForeignKeys = append(def.ForeignKeys, core.ForeignKey{Columns: []string{c.field.Column}, RefTable: tbl,
			RefColumns: []string{col}, OnDelete: c.onDelete, OnUpdate: c.onUpdate})
	}
	st, err := core.NewTable(def)
	if err != nil {
		return nil, fmt.Errorf("mapper: model %s: table %s: %w", m.Name, h.table, err)
	}
	if other := b.reg.byTable[st.FullName()]; other != nil {
		return nil, fmt.Errorf("mapper: model %s: table %q is already mapped by %s: %w", m.Name, st.FullName(), other.Name, ErrInheritance)
	}
	for _, f := range m.fields {
		if _, inBase := bm.byColumn[f.Column]; !inBase {
			own = append(own, f)
		}
	}
	on := make([]core.Expr, len(keyCols))
	for i, k := range keyCols {
		on[i] = core.Eq(st.C(k), t.C(k))
	}
	m.inh.SubTable, m.inh.own, m.inh.on = st, own, core.And(on...)
	b.secondary[st.FullName()] = st
	return t, nil
}

// inheritCols points a joined subtype's own fields at its own table.
func inheritCols(m *Model) {
	h := m.inh
	if h == nil || h.SubTable == nil {
		return
	}
	for _, f := range h.own[len(m.pk):] {
		f.Col = h.SubTable.C(f.Column)
	}
}

// addSubtypes records the subtypes of a successful build on their bases.
func addSubtypes(order []*draft) {
	for _, d := range order {
		h := d.m.inh
		if h == nil || h.Base == d.m {
			continue
		}
		bi := h.Base.inh
		var cur []*Model
		if p := bi.subs.Load(); p != nil {
			cur = *p
		}
		next := append(slices.Clip(cur), d.m)
		bi.subs.Store(&next)
	}
}

// mergedTable is the single table of base m's hierarchy: the base table
// with the columns of its single-table subtypes added.
func mergedTable(m *Model) *core.Table {
	subs := m.inh.Subtypes()
	def := core.TableDefOf(m.table)
	added := false
	for _, s := range subs {
		if s.inh.SubTable != nil {
			continue
		}
		for _, c := range core.TableDefOf(s.table).Columns {
			if slices.ContainsFunc(def.Columns, func(x core.Column) bool { return x.Name == c.Name }) {
				continue
			}
			def.Columns = append(def.Columns, c)
			added = true
		}
		// Indexes, uniques and foreign keys on the subtype's own columns.
		own := func(cols []string) bool {
			return slices.ContainsFunc(cols, func(c string) bool { return m.byColumn[c] == nil })
		}
		sd := core.TableDefOf(s.table)
		for _, x := range sd.Indexes {
			if own(x.Columns) {
				def.Indexes = append(def.Indexes, x)
			}
		}
		for _, x := range sd.Uniques {
			if own(x.Columns) {
				def.Uniques = append(def.Uniques, x)
			}
		}
		for _, x := range sd.ForeignKeys {
			if own(x.Columns) {
				def.ForeignKeys = append(def.ForeignKeys, x)
			}
		}
	}
	if !added {
		return m.table
	}
	t, err := core.NewTable(def)
	if err != nil {
		return m.table // the columns were valid in each model's table
	}
	return t
}
