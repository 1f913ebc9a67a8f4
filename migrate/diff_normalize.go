package migrate

import (
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
)

// Normalizer rewrites the live and model definitions of one table before
// Diff compares them (DiffOptions.Normalize). renamed maps a model column
// name to its live name for the columns renamed by a hint.
type Normalizer func(live, model *core.TableDef, renamed map[string]string) error

// normalize rebuilds both sides with opts.Normalize applied to every
// table pair.
func normalize(from, to *core.MetaData, opts DiffOptions) (*core.MetaData, *core.MetaData, error) {
	renamedFrom := map[string]string{}
	colRen := map[string]map[string]string{}
	for _, r := range opts.Renames {
		if r.Column == "" {
			renamedFrom[r.Table] = r.From
			continue
		}
		if colRen[r.Table] == nil {
			colRen[r.Table] = map[string]string{}
		}
		colRen[r.Table][r.Column] = r.From
	}
	fromTables, _ := from.Tables()
	toTables, _ := to.Tables()
	newFrom := map[string]*core.Table{}
	var outTo []*core.Table
	for _, nt := range toTables {
		live := nt.FullName()
		if o, ok := renamedFrom[live]; ok {
			if _, has := from.Table(o); has {
				live = o
			}
		}
		ot, ok := from.Table(live)
		if !ok {
			outTo = append(outTo, nt)
			continue
		}
		od, nd := core.TableDefOf(ot), core.TableDefOf(nt)
		ren := map[string]string{}
		for n, o := range colRen[nt.FullName()] {
			// A hint the live table already has applied is no rename.
			if _, hasOld := ot.Col(o); hasOld {
				ren[n] = o
			}
		}
		if err := opts.Normalize(&od, &nd, ren); err != nil {
			return nil, nil, fmt.Errorf("migrate: normalize table %q: %w", nt.FullName(), err)
		}
		a, err := core.NewTable(od)
		if err != nil {
			return nil, nil, fmt.Errorf("migrate: normalize: live table %q: %w", live, err)
		}
		b, err := core.NewTable(nd)
		if err != nil {
			return nil, nil, fmt.Errorf("migrate: normalize: model table %q: %w", nt.FullName(), err)
		}
		newFrom[live] = a
		outTo = append(outTo, b)
	}
	var outFrom []*core.Table
	for _, ot := range fromTables {
		if t, ok := newFrom[ot.FullName()]; ok {
			ot = t
		}
		outFrom = append(outFrom, ot)
	}
	f, err := core.NewMetaData(outFrom...)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: normalize: live schema: %w", err)
	}
	t, err := core.NewMetaData(outTo...)
	if err != nil {
		return nil, nil, fmt.Errorf("migrate: normalize: models: %w", err)
	}
	return f, t, nil
}

// NormalizeFor returns the Normalizer for a live schema reflected from a
// d server. Its rules are inspect.Normalize's, the one rule set for
// "what the server keeps of a definition" (stored types, server-given
// constraint names, default names, dropped comments on SQLite, MariaDB's
// RESTRICT for NO ACTION and Unique for a unique index, expressions
// compared by inspect.NormalizeSQL), applied to both sides. What Diff
// needs back is then restored:
//
//   - an expression (server default, check, index expression or WHERE)
//     whose normalized text is equal on both sides takes the model's
//     original on both; one that differs keeps each side's original, so
//     the rendered SQL is the models' (up) and the server's own (down);
//   - enum type names, which only PostgreSQL stores: a live enum column
//     takes the name of the model column's enum type, or keeps its
//     reflected name when the model column is not an enum.
func NormalizeFor(d core.Dialect) (Normalizer, error) {
	tag, err := DialectTag(d)
	if err != nil {
		return nil, err
	}
	return func(live, model *core.TableDef, renamed map[string]string) error {
		ln, err := inspect.Normalize(d, *live)
		if err != nil {
			return fmt.Errorf("live side: %w", err)
		}
		mn, err := inspect.Normalize(d, *model)
		if err != nil {
			return fmt.Errorf("model side: %w", err)
		}
		liveName := func(modelCol string) string {
			if o, ok := renamed[modelCol]; ok {
				return o
			}
			return modelCol
		}
		// Columns keep their order and count through inspect.Normalize.
		for i := range mn.Columns {
			mc, omc := &mn.Columns[i], model.Columns[i]
			mc.Type.Enum = omc.Type.Enum
			mc.ServerDefault = omc.ServerDefault
			j := slices.IndexFunc(live.Columns, func(c core.Column) bool { return c.Name == liveName(omc.Name) })
			if j < 0 {
				continue
			}
			lc, olc := &ln.Columns[j], live.Columns[j]
			if sameText(d, lc.ServerDefault, normalizedOf(d, omc.ServerDefault)) {
				lc.ServerDefault = omc.ServerDefault
			} else {
				lc.ServerDefault = olc.ServerDefault
			}
			if lc.Type.Kind == core.TypeEnum && omc.Type.Kind == core.TypeEnum && tag != "postgres" && omc.Type.Enum != nil && lc.Type.Enum != nil {
				lc.Type.Enum = &core.EnumType{Name: omc.Type.Enum.Name, Values: lc.Type.Enum.Values}
			}
		}
		for j := range ln.Columns {
			lc, olc := &ln.Columns[j], live.Columns[j]
			if lc.Type.Kind == core.TypeEnum && lc.Type.Enum != nil && lc.Type.Enum.Name == "" {
				lc.Type.Enum = olc.Type.Enum
			}
			if !slices.ContainsFunc(mn.Columns, func(c core.Column) bool { return liveName(c.Name) == lc.Name }) {
				lc.ServerDefault = olc.ServerDefault // a dropped column: the server's own text
			}
		}
		if tag == "sqlite" {
			inlineUniques(live, model, &ln, &mn, liveName)
		}
		restoreChecks(d, live, model, &ln, &mn)
		restoreIndexes(d, live, model, &ln, &mn)
		*live, *model = ln, mn
		return nil
	}, nil
}

// inlineUniques keeps Column.Unique as such on SQLite, where the server
// leaves it unnamed: rendered as a named constraint it would differ from
// what CreateAll makes. A model's Column.Unique stays one, and the live
// one-column unique on that column, named or not, becomes one too; a
// live Column.Unique stays one unless the model declares that unique as
// a constraint (they then match as constraints).
func inlineUniques(live, model *core.TableDef, ln, mn *core.TableDef, liveName func(string) string) {
	one := func(name string, unnamed bool) func(core.Unique) bool {
		return func(u core.Unique) bool {
			return len(u.Columns) == 1 && u.Columns[0] == name && (!unnamed || u.Name == "")
		}
	}
	toColumn := func(def *core.TableDef, name string, unnamed bool) {
		if j := slices.IndexFunc(def.Uniques, one(name, unnamed)); j >= 0 {
			def.Uniques = slices.Delete(def.Uniques, j, j+1)
			if k := slices.IndexFunc(def.Columns, func(c core.Column) bool { return c.Name == name }); k >= 0 {
				def.Columns[k].Unique = true
			}
		}
	}
	modelOf := map[string]core.Column{} // by live name
	for _, c := range model.Columns {
		modelOf[liveName(c.Name)] = c
	}
	for _, c := range model.Columns {
		if c.Unique {
			toColumn(mn, c.Name, true)
			toColumn(ln, liveName(c.Name), false)
		}
	}
	for _, lc := range live.Columns {
		mc, ok := modelOf[lc.Name]
		if !lc.Unique || ok && mc.Unique {
			continue
		}
		if ok && slices.ContainsFunc(model.Uniques, func(u core.Unique) bool { return len(u.Columns) == 1 && u.Columns[0] == mc.Name }) {
			continue
		}
		toColumn(ln, lc.Name, true)
	}
}

// normalizedOf is e as inspect.Normalize rewrites it (nil for nil or an
// expression that does not render).
func normalizedOf(d core.Dialect, e core.Expr) string {
	if e == nil {
		return ""
	}
	s, err := core.InlineSQL(d, e)
	if err != nil {
		return "\x00" + err.Error()
	}
	return inspect.NormalizeSQL(d.Name(), s)
}

// sameText compares an already normalized expression (a raw text from
// inspect.Normalize) with a normalized text.
func sameText(d core.Dialect, normalized core.Expr, text string) bool {
	if normalized == nil {
		return text == ""
	}
	s, err := core.InlineSQL(d, normalized)
	return err == nil && s == text
}

// restoreChecks puts the original check expressions back: the model's
// on both sides where the normalized texts agree.
func restoreChecks(d core.Dialect, live, model *core.TableDef, ln, mn *core.TableDef) {
	orig := func(def *core.TableDef) map[string]core.Expr {
		m := map[string]core.Expr{}
		for i, c := range def.Checks {
			name := c.Name
			if name == "" {
				name = core.DefaultName(d, "ck", def.Name, []string{fmt.Sprint(i + 1)})
			}
			m[name] = c.Expr
		}
		return m
	}
	lo, mo := orig(live), orig(model)
	for i := range mn.Checks {
		mn.Checks[i].Expr = mo[mn.Checks[i].Name]
	}
	for i := range ln.Checks {
		lc := &ln.Checks[i]
		own := lo[lc.Name]
		for _, mc := range model.Checks {
			if sameText(d, lc.Expr, normalizedOf(d, mc.Expr)) {
				own = mc.Expr
				break
			}
		}
		lc.Expr = own
	}
}

// restoreIndexes does for index expressions and WHERE clauses what
// restoreChecks does for checks.
func restoreIndexes(d core.Dialect, live, model *core.TableDef, ln, mn *core.TableDef) {
	orig := func(def *core.TableDef) map[string]core.Index {
		m := map[string]core.Index{}
		for _, ix := range def.Indexes {
			if ix.Name == "" {
				ix.Name = core.DefaultName(d, "ix", def.Name, ix.Columns)
			}
			m[ix.Name] = ix
		}
		return m
	}
	lo, mo := orig(live), orig(model)
	key := func(ix core.Index, normalized bool) string {
		s := fmt.Sprint(ix.Unique, ix.Columns)
		text := func(e core.Expr) string {
			if normalized {
				if e == nil {
					return ""
				}
				t, _ := core.InlineSQL(d, e)
				return t
			}
			return normalizedOf(d, e)
		}
		for _, e := range ix.Expressions {
			s += "|" + text(e)
		}
		return s + "|where " + text(ix.Where)
	}
	for i := range mn.Indexes {
		o := mo[mn.Indexes[i].Name]
		mn.Indexes[i].Expressions, mn.Indexes[i].Where = o.Expressions, o.Where
	}
	for i := range ln.Indexes {
		lx := &ln.Indexes[i]
		o := lo[lx.Name]
		k := key(*lx, true)
		for _, mx := range mo {
			if key(mx, false) == k {
				o = mx
				break
			}
		}
		lx.Expressions, lx.Where = o.Expressions, o.Where
	}
}
