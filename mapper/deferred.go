package mapper

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// Deferred columns and computed fields.
//
// A deferred column (tag deferred, or deferred:group) is left out of the
// model's default load (SelectColumns, SelectAll, LoadFields); a computed
// field (tag computed) is a SQL expression the model's Computed method
// gives, selected with the row under the field's name and never written.
// The default load of a model with computed fields is built on first use,
// not at registration: the expressions may name models registered later.

// Computer is implemented by a model type with computed fields: Computed
// returns the expression of each field tagged computed, keyed by Go field
// name, over t — the model's table, or the alias a load or join gives it
// (so an expression must name t, never the model's table directly). reg is
// the model's registry, for other models' tables (see TableOf); a
// subquery over the model's own table must alias it (t.As or Table.As).
type Computer interface {
	Computed(t *core.Table, reg *Registry) (map[string]core.Expr, error)
}

// TableOf returns the table of T's model in reg, registering T if needed.
func TableOf[T any](reg *Registry) (*core.Table, error) {
	m, err := reg.Of(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	return m.table, nil
}

// loadSet is a model's default load: its fields and their select list.
type loadSet struct {
	fields []*Field
	cols   []any
	all    *core.SelectStmt
}

// deferTag records the deferred option of a column's tag.
func (f *Field) deferTag(tg tag) {
	if g, ok := tg.vals["deferred"]; ok {
		f.Deferred, f.Group = true, g
	} else if tg.flags["deferred"] {
		f.Deferred = true
	}
}

var computedFlags = map[string]bool{"computed": true, "deferred": true}
var computedVals = map[string]bool{"deferred": true}

// computed maps a field tagged computed: no column, an expression from the
// model's Computer method.
func (b *build) computed(d *draft, sf reflect.StructField, tg tag, raw string, idx []int, base uintptr) error {
	m := d.m
	if k, ok := tg.check(computedFlags, computedVals); !ok {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "option %q does not apply to a computed field (want computed, deferred, deferred:group)", k)
	}
	if tg.name != "" {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "a computed field has no column name")
	}
	if !reflect.PointerTo(m.Type).Implements(reflect.TypeFor[Computer]()) {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "computed field without a Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) method on %s", m.Name)
	}
	if _, dup := m.byName[sf.Name]; dup {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "field mapped twice")
	}
	ft := sf.Type
	f := &Field{Name: sf.Name, Column: b.reg.naming.ColumnName(sf.Name), Type: ft, Index: idx, Computed: true,
		Nullable: ft.Kind() == reflect.Pointer, offset: base + sf.Offset, ptr: ft.Kind() == reflect.Pointer, eq: equalFunc(ft)}
	f.plan()
	f.deferTag(tg)
	m.computed = append(m.computed, f)
	m.reg = b.reg
	return nil
}

// checkDeferred refuses deferred keys, version columns and the foreign
// keys of relationships: loads and flushes need them in every object.
func (b *build) checkDeferred() error {
	fkOf := map[*Field]string{}
	for _, mm := range b.modelsOf() {
		for _, r := range mm.rels {
			for _, f := range r.FK {
				fkOf[f] = mm.Name + "." + r.Name
			}
		}
	}
	// Every model: a relationship of this build may use an earlier
	// model's deferred column as its key.
	for _, m := range b.modelsOf() {
		for _, f := range m.fields {
			if !f.Deferred {
				continue
			}
			raw := m.Type.FieldByIndex(f.Index).Tag.Get(TagName)
			switch {
			case f.PrimaryKey:
				return fieldError(m.Name, f.Name, raw, ErrBadTag, "a primary-key column cannot be deferred")
			case f.Version:
				return fieldError(m.Name, f.Name, raw, ErrBadTag, "a version column cannot be deferred")
			case fkOf[f] != "":
				return fieldError(m.Name, f.Name, raw, ErrBadTag, "the key of relationship %s cannot be deferred", fkOf[f])
			}
		}
	}
	return nil
}

// modelsOf lists the models of this build and the registered ones.
func (b *build) modelsOf() []*Model {
	out := make([]*Model, 0, len(b.order)+len(b.reg.byType))
	for _, d := range b.order {
		out = append(out, d.m)
	}
	for _, m := range b.reg.byType {
		out = append(out, m)
	}
	return out
}

// initLoad numbers the loadable fields and, without computed fields,
// builds the default load now.
func (m *Model) initLoad() {
	for i, f := range m.fields {
		f.lpos = i
	}
	for i, f := range m.computed {
		f.lpos = len(m.fields) + i
	}
	if len(m.computed) == 0 {
		m.load.Store(m.newLoadSet())
	}
}

func (m *Model) loadSet() *loadSet {
	if ls := m.load.Load(); ls != nil {
		return ls
	}
	m.load.CompareAndSwap(nil, m.newLoadSet())
	return m.load.Load()
}

func (m *Model) newLoadSet() *loadSet {
	ls := &loadSet{}
	for _, f := range m.Loadable() {
		if !f.Deferred {
			ls.fields = append(ls.fields, f)
		}
	}
	ls.cols = m.SelectList(m.table, ls.fields)
	ls.all = m.SelectFrom(ls.cols...)
	return ls
}

// Loadable returns the fields a load can read: the columns (Fields) and
// then the computed fields. Field.LoadIndex is a field's index in it.
func (m *Model) Loadable() []*Field {
	if len(m.computed) == 0 {
		return m.fields
	}
	return append(m.fields[:len(m.fields):len(m.fields)], m.computed...)
}

// LoadIndex is the field's index in its model's Loadable.
func (f *Field) LoadIndex() int { return f.lpos }

// LoadFields returns the fields of the default load, in SelectColumns
// order: the columns that are not deferred, then the computed fields
// that are not deferred.
func (m *Model) LoadFields() []*Field { return m.loadSet().fields }

// HasDeferred reports whether the model has deferred or computed fields
// (a load may then select fewer fields than Loadable).
func (m *Model) HasDeferred() bool {
	return len(m.computed) > 0 || slices.ContainsFunc(m.fields, func(f *Field) bool { return f.Deferred })
}

// Attr returns the column or computed field by Go field name (or, for a
// column, its column name).
func (m *Model) Attr(name string) (*Field, bool) {
	if f, ok := m.Field(name); ok {
		return f, true
	}
	for _, f := range m.computed {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// Group returns the deferred fields of group g (columns and computed
// fields), or an error naming the model when there are none.
func (m *Model) Group(g string) ([]*Field, error) {
	var out []*Field
	for _, f := range m.Loadable() {
		if f.Deferred && f.Group == g {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mapper: model %s: no deferred group %q: %w", m.Name, g, ErrUnknownColumn)
	}
	return out, nil
}

// Expr returns the SQL of field f over t (m's table or an alias of it):
// its column of t, or its computed expression built for t. A computed
// field without an expression, or a failing Computed method, gives an
// expression that fails to compile with an error naming model and field.
func (m *Model) Expr(t *core.Table, f *Field) core.Expr {
	if !f.Computed {
		return t.C(f.Column)
	}
	exprs, err := m.computedExprs(t)
	if err != nil {
		return core.Invalid(err)
	}
	return exprs[f.lpos-len(m.fields)]
}

// AttrExpr is Expr for a field named as Attr names it, or an error
// naming the model.
func (m *Model) AttrExpr(t *core.Table, name string) (core.Expr, error) {
	f, ok := m.Attr(name)
	if !ok {
		return nil, fmt.Errorf("mapper: model %s: no field or column %q: %w", m.Name, name, ErrUnknownColumn)
	}
	return m.Expr(t, f), nil
}

// SelectList is the select list of fields over t: each column of t, each
// computed expression named after its field's column name.
func (m *Model) SelectList(t *core.Table, fields []*Field) []any {
	out := make([]any, len(fields))
	var exprs []core.Expr
	var err error
	for i, f := range fields {
		if !f.Computed {
			if t == m.table {
				out[i] = f.Col // a joined-table subtype's own column is in its table
			} else {
				out[i] = t.C(f.Column)
			}
			continue
		}
		if exprs == nil && err == nil {
			exprs, err = m.computedExprs(t)
		}
		if err != nil {
			out[i] = core.Invalid(err)
			continue
		}
		out[i] = core.As(exprs[f.lpos-len(m.fields)], f.Column)
	}
	return out
}

// computedExprs calls the model's Computed method for t and orders its
// expressions as m.computed.
func (m *Model) computedExprs(t *core.Table) ([]core.Expr, error) {
	if len(m.computed) == 0 {
		return nil, nil
	}
	c, ok := reflect.New(m.Type).Interface().(Computer)
	if !ok {
		return nil, fmt.Errorf("mapper: model %s: no Computed method: %w", m.Name, ErrBadTag)
	}
	got, err := c.Computed(t, m.reg)
	if err != nil {
		return nil, fmt.Errorf("mapper: model %s: Computed: %w", m.Name, err)
	}
	out := make([]core.Expr, len(m.computed))
	for i, f := range m.computed {
		e, ok := got[f.Name]
		if !ok || e == nil {
			return nil, fmt.Errorf("mapper: model %s: computed field %s: Computed gives no expression for it: %w", m.Name, f.Name, ErrBadTag)
		}
		out[i] = e
	}
	if len(got) > len(out) {
		var extra []string
		for k := range got {
			if f, ok := m.Attr(k); !ok || !f.Computed {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		return nil, fmt.Errorf("mapper: model %s: Computed gives expressions for %s, not computed fields: %w", m.Name, strings.Join(extra, ", "), ErrUnknownColumn)
	}
	return out, nil
}
