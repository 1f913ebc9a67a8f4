package migrate

import (
	"slices"

	"github.com/athanor-orm/athanor/core"
)

// pgAlterColumn alters column name of t from a to b, one ALTER per
// aspect. A type change drops the column's default first and sets b's
// afterwards: PostgreSQL cannot always cast the default expression.
func (r *renderer) pgAlterColumn(t *core.Table, name string, a, b *core.Column, aspects Aspect) []string {
	col := "ALTER COLUMN " + r.ident(name) + " "
	var out []string
	setDefault := func(c *core.Column) {
		if c.ServerDefault == nil {
			out = append(out, r.alter(t, col+"DROP DEFAULT"))
		} else {
			out = append(out, r.alter(t, col+"SET DEFAULT "+r.inline(c.ServerDefault)))
		}
	}
	if aspects&AspectType != 0 {
		if a.ServerDefault != nil {
			out = append(out, r.alter(t, col+"DROP DEFAULT"))
		}
		typ := r.colType(b)
		stmt := col + "TYPE " + typ
		if needsUsing(a.Type, b.Type) {
			stmt += " USING " + r.ident(name)
			if b.Type.Kind == core.TypeEnum {
				stmt += "::text"
			}
			stmt += "::" + typ
		}
		out = append(out, r.alter(t, stmt))
		if b.ServerDefault != nil {
			setDefault(b)
		}
	} else if aspects&AspectDefault != 0 {
		setDefault(b)
	}
	if aspects&AspectNull != 0 {
		if b.Nullable {
			out = append(out, r.alter(t, col+"DROP NOT NULL"))
		} else {
			out = append(out, r.alter(t, col+"SET NOT NULL"))
		}
	}
	if aspects&AspectComment != 0 {
		v := "NULL"
		if b.Comment != "" {
			v = r.lit(b.Comment)
		}
		out = append(out, "COMMENT ON COLUMN "+r.table(t)+"."+r.ident(name)+" IS "+v)
	}
	if aspects&AspectUnique != 0 {
		uq := r.ident(r.columnUniqueName(t, name))
		if b.Unique {
			out = append(out, r.alter(t, "ADD CONSTRAINT "+uq+" UNIQUE ("+r.ident(name)+")"))
		} else {
			out = append(out, r.alter(t, "DROP CONSTRAINT "+uq))
		}
	}
	return out
}

// family groups kinds PostgreSQL converts between by assignment cast,
// where ALTER COLUMN … TYPE needs no USING.
func family(k core.TypeKind) int {
	switch k {
	case core.TypeSmallInt, core.TypeInt, core.TypeBigInt, core.TypeFloat, core.TypeDouble, core.TypeNumeric:
		return 1
	case core.TypeString, core.TypeText:
		return 2
	case core.TypeTimestamp, core.TypeTimestampTZ, core.TypeDate:
		return 3
	}
	return 10 + int(k)
}

// needsUsing reports a type change with no assignment cast (text to a
// number, anything to an enum or JSON): ALTER COLUMN … TYPE then needs
// USING col::type.
func needsUsing(a, b core.Type) bool {
	return a.Array != b.Array || family(a.Kind) != family(b.Kind) || b.Kind == core.TypeEnum || a.Kind == core.TypeNative || b.Kind == core.TypeNative
}

// pgAlterEnum turns enum type from into to. Values only added (the old
// ones keep their order) are ALTER TYPE … ADD VALUE; anything else
// replaces the type: rename the old one away, create the new one,
// convert every column through text, drop the old type. Column defaults
// are dropped around the conversion and restored from the live schema.
func (r *renderer) pgAlterEnum(c Change, from, to *core.EnumType) []string {
	name := r.ident(to.Name)
	if isSubsequence(from.Values, to.Values) {
		var out []string
		for i, v := range to.Values {
			if slices.Contains(from.Values, v) {
				continue
			}
			if i > 0 {
				out = append(out, "ALTER TYPE "+name+" ADD VALUE "+r.lit(v)+" AFTER "+r.lit(to.Values[i-1]))
			} else {
				out = append(out, "ALTER TYPE "+name+" ADD VALUE "+r.lit(v)+" BEFORE "+r.lit(to.Values[1]))
			}
		}
		return out
	}
	old := to.Name + "_ag_old"
	out := []string{
		"ALTER TYPE " + name + " RENAME TO " + r.ident(old),
		r.compile(core.CreateEnumType(to, false)),
	}
	for _, ref := range c.Columns {
		oc, _ := ref.Old.Col(ref.OldColumn)
		col := "ALTER COLUMN " + r.ident(ref.Column) + " "
		if oc != nil && oc.ServerDefault != nil {
			out = append(out, r.alter(ref.New, col+"DROP DEFAULT"))
		}
		out = append(out, r.alter(ref.New, col+"TYPE "+name+" USING "+r.ident(ref.Column)+"::text::"+name))
		if oc != nil && oc.ServerDefault != nil {
			out = append(out, r.alter(ref.New, col+"SET DEFAULT "+r.inline(oc.ServerDefault)))
		}
	}
	return append(out, "DROP TYPE "+r.ident(old))
}

// isSubsequence reports whether a appears in b in order.
func isSubsequence(a, b []string) bool {
	i := 0
	for _, v := range b {
		if i < len(a) && a[i] == v {
			i++
		}
	}
	return i == len(a)
}
