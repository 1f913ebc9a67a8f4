package migrate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/athanor-orm/athanor/core"
)

// ChangeKind is what one Change does to the schema.
type ChangeKind uint8

const (
	AddTable ChangeKind = iota + 1
	DropTable
	RenameTable
	AddColumn
	DropColumn
	RenameColumn
	// AlterColumn changes one column in place; Change.Aspects says which
	// of its properties differ.
	AlterColumn
	AddIndex
	DropIndex
	AddUnique
	DropUnique
	AddForeignKey
	DropForeignKey
	AddCheck
	DropCheck
	// CreateEnum, DropEnum and AlterEnum change a named enum type: on
	// PostgreSQL the type itself; on MySQL and SQLite, where an enum lives
	// in its columns, every column of that type.
	CreateEnum
	DropEnum
	AlterEnum
	// AlterTableComment changes TableDef.Comment.
	AlterTableComment
)

var changeKindNames = [...]string{"", "add table", "drop table", "rename table", "add column", "drop column",
	"rename column", "alter column", "add index", "drop index", "add unique", "drop unique", "add foreign key",
	"drop foreign key", "add check", "drop check", "create enum", "drop enum", "alter enum", "alter table comment"}

func (k ChangeKind) String() string {
	if int(k) < len(changeKindNames) && k != 0 {
		return changeKindNames[k]
	}
	return fmt.Sprintf("ChangeKind(%d)", k)
}

// Aspect is a property of a column an AlterColumn change alters.
type Aspect uint8

const (
	AspectType Aspect = 1 << iota
	AspectNull
	AspectDefault
	AspectComment
	AspectUnique // Column.Unique
)

// Change is one difference between the live schema and the models, with
// what rendering needs to apply it and to undo it.
type Change struct {
	Kind ChangeKind
	// Table is the table's name in the models (in the live schema for a
	// dropped table); OldTable is its live name when renamed.
	Table, OldTable string
	// Old and New are the table in the live schema and in the models (nil
	// on the side where it does not exist).
	Old, New *core.Table
	// Column is the column's name in the models (live, when dropped);
	// OldColumn its live name. OldCol and NewCol are the column on each
	// side.
	Column, OldColumn string
	OldCol, NewCol    *core.Column
	// Aspects lists what an AlterColumn change alters.
	Aspects Aspect
	// Index, Unique, ForeignKey and Check hold the constraint added or
	// dropped.
	Index      core.Index
	Unique     core.Unique
	ForeignKey core.ForeignKey
	Check      core.Check
	// OldEnum and NewEnum are an enum type before and after (CreateEnum,
	// DropEnum, AlterEnum); Columns are the columns of that type.
	OldEnum, NewEnum *core.EnumType
	Columns          []ColumnRef
	// Destructive reports a change that can lose data: dropping a table or
	// column, narrowing a type, removing an enum value.
	Destructive bool
	// Detail says what changes, for messages (the types of a type change).
	Detail string
}

// ColumnRef is a column of a table, with both tables' definitions.
type ColumnRef struct {
	Old, New          *core.Table
	Column, OldColumn string // its name in the models and in the live schema
}

// String describes the change in one line, naming its table and column.
func (c Change) String() string {
	s := c.Kind.String() + " "
	switch c.Kind {
	case CreateEnum, DropEnum, AlterEnum:
		e := c.NewEnum
		if e == nil {
			e = c.OldEnum
		}
		s += fmt.Sprintf("%q", e.Name)
	default:
		s += fmt.Sprintf("%q", c.Table)
		if c.OldTable != "" && c.OldTable != c.Table {
			s += fmt.Sprintf(" (was %q)", c.OldTable)
		}
		if c.Column != "" {
			s += fmt.Sprintf(" column %q", c.Column)
			if c.OldColumn != "" && c.OldColumn != c.Column {
				s += fmt.Sprintf(" (was %q)", c.OldColumn)
			}
		}
	}
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	if c.Destructive {
		s += " [destructive]"
	}
	return s
}

// Rename tells Diff that a table or column of the models is a renamed
// one of the live schema, so that it is renamed rather than dropped and
// added. Column empty: table From is renamed to Table. Otherwise column
// From of table Table (its name in the models) is renamed to Column. A
// rename the live schema already has (the new name exists, the old one
// does not) is ignored.
type Rename struct {
	Table, Column, From string
}

// DiffOptions tunes Diff.
type DiffOptions struct {
	// Renames lists renamed tables and columns.
	Renames []Rename
	// AllowDestructive lets Plan.Render render destructive changes;
	// without it rendering a plan that has any fails with a
	// *DestructiveError.
	AllowDestructive bool
	// Ignore, when set, leaves out the tables (by full name, on both
	// sides) for which it returns true: a migrations bookkeeping table,
	// tables owned by something else.
	Ignore func(table string) bool
	// Normalize, when set, is called for every table present on both
	// sides (matched by name or rename) with copies of its live and model
	// definitions before anything is compared; it rewrites either to remove
	// differences the server does not keep (NormalizeFor, which DiffLive
	// and AutogenerateLive use when this is nil). The changes then carry
	// the rewritten tables. Nil compares the core metadata exactly.
	Normalize Normalizer
}

// Plan is the ordered list of changes that turns the live schema into
// the models'.
type Plan struct {
	// Changes are in the order their up SQL runs.
	Changes          []Change
	from, to         *core.MetaData
	allowDestructive bool
}

// Empty reports a plan with nothing to do.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Destructive returns the destructive changes.
func (p *Plan) Destructive() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Destructive {
			out = append(out, c)
		}
	}
	return out
}

// ErrDestructive is wrapped by a *DestructiveError.
var ErrDestructive = errors.New("destructive schema change")

// ErrUnsupportedChange is wrapped by Diff's errors for a difference it
// cannot express as a change (a primary key or autoincrement change).
var ErrUnsupportedChange = errors.New("unsupported schema change")

// DestructiveError lists the destructive changes of a plan rendered
// without DiffOptions.AllowDestructive.
type DestructiveError struct{ Changes []Change }

func (e *DestructiveError) Error() string {
	parts := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		parts[i] = c.String()
	}
	return "migrate: destructive changes need AllowDestructive: " + strings.Join(parts, "; ")
}

func (e *DestructiveError) Unwrap() error { return ErrDestructive }

// Diff compares from, the live schema, with to, the models, and returns
// the changes that turn from into to. Tables are matched by full name,
// or through opts.Renames; columns by name or rename. Indexes, unique
// constraints, foreign keys and checks are matched by what they cover
// (columns, expressions, referenced table, actions), not by name: a
// constraint whose definition changes is dropped and added again.
// An index keeps its match when one side names it and the other leaves
// it to the default. Primary keys and autoincrement must be equal on both
// sides (an error wrapping ErrUnsupportedChange otherwise).
//
// Enum types are compared by name across all tables: values only added,
// values removed (destructive), a new or an unused type. Two enum columns
// of one type name are the same type to the column comparison.
//
// The comparison is exact unless opts.Normalize is set: a schema read
// back from a server differs from the models in ways that are no change
// (see NormalizeFor, the rules of inspect.Normalize).
//
// Not handled: new tables whose foreign keys form a cycle (their CREATE
// TABLE statements reference each other), and changes of a check
// constraint's name alone.
func Diff(from, to *core.MetaData, opts DiffOptions) (*Plan, error) {
	if from == nil || to == nil {
		return nil, errors.New("migrate: diff: nil metadata")
	}
	if opts.Ignore != nil {
		var err error
		if from, err = without(from, opts.Ignore); err != nil {
			return nil, err
		}
		if to, err = without(to, opts.Ignore); err != nil {
			return nil, err
		}
	}
	if opts.Normalize != nil {
		var err error
		if from, to, err = normalize(from, to, opts); err != nil {
			return nil, err
		}
	}
	d := differ{from: from, to: to, opts: opts}
	if err := d.run(); err != nil {
		return nil, err
	}
	return &Plan{Changes: d.ordered(), from: from, to: to, allowDestructive: opts.AllowDestructive}, nil
}

type differ struct {
	from, to *core.MetaData
	opts     DiffOptions
	// renamedTo maps a live table name to its model name for the table
	// renames in effect (the hint applies: both sides have the table).
	renamedTo map[string]string
	// changes by phase, concatenated in phase order by ordered.
	phases [numPhases][]Change
}

// Phases order the up SQL: what others depend on is removed first and
// created first, and drops of tables come last.
const (
	phaseDropFK = iota
	phaseDropIndex
	phaseRenameTable
	phaseRenameColumn
	phaseCreateEnum
	phaseAlterEnum
	phaseAddTable
	phaseAddColumn
	phaseAlterColumn
	phaseTableComment
	phaseDropColumn
	phaseAddIndex
	phaseAddFK
	phaseDropTable
	phaseDropEnum
	numPhases
)

func (d *differ) add(phase int, c Change) { d.phases[phase] = append(d.phases[phase], c) }

func (d *differ) ordered() []Change {
	var out []Change
	for _, p := range d.phases {
		out = append(out, p...)
	}
	return out
}

func (d *differ) run() error {
	fromTables, _ := d.from.Tables()
	toTables, _ := d.to.Tables()
	tableRen := map[string]string{} // model name → live name
	colRen := map[string]map[string]string{}
	for _, r := range d.opts.Renames {
		switch {
		case r.Table == "" || r.From == "":
			return fmt.Errorf("migrate: diff: rename %+v: needs a table and a from name", r)
		case r.Column == "":
			tableRen[r.Table] = r.From
		default:
			if colRen[r.Table] == nil {
				colRen[r.Table] = map[string]string{}
			}
			colRen[r.Table][r.Column] = r.From
		}
	}
	matched := map[*core.Table]bool{}
	d.renamedTo = map[string]string{}
	for _, nt := range toTables {
		if old, ok := tableRen[nt.FullName()]; ok && !d.applied(old, nt.FullName()) {
			if _, ok := d.from.Table(old); ok {
				d.renamedTo[old] = nt.FullName()
			}
		}
	}
	for _, nt := range toTables {
		liveName := nt.FullName()
		renamed := false
		if old, ok := tableRen[nt.FullName()]; ok && !d.applied(old, nt.FullName()) {
			liveName, renamed = old, true
		}
		ot, ok := d.from.Table(liveName)
		if !ok {
			if renamed {
				return fmt.Errorf("migrate: diff: table %q: renamed from %q, which the live schema lacks", nt.FullName(), liveName)
			}
			d.add(phaseAddTable, Change{Kind: AddTable, Table: nt.FullName(), New: nt})
			continue
		}
		matched[ot] = true
		if renamed {
			if _, clash := d.from.Table(nt.FullName()); clash {
				return fmt.Errorf("migrate: diff: table %q: renamed from %q, but the live schema has both", nt.FullName(), liveName)
			}
			d.add(phaseRenameTable, Change{Kind: RenameTable, Table: nt.FullName(), OldTable: liveName, Old: ot, New: nt})
		}
		if err := d.table(ot, nt, colRen[nt.FullName()]); err != nil {
			return err
		}
	}
	for _, r := range d.opts.Renames {
		if r.Column == "" {
			continue
		}
		if _, ok := d.to.Table(r.Table); !ok {
			return fmt.Errorf("migrate: diff: rename of column %q: no table %q in the models", r.Column, r.Table)
		}
	}
	for _, ot := range slices.Backward(fromTables) {
		if !matched[ot] {
			d.add(phaseDropTable, Change{Kind: DropTable, Table: ot.FullName(), Old: ot, Destructive: true})
		}
	}
	d.enums(fromTables, toTables)
	return nil
}

// table compares one table present on both sides.
func (d *differ) table(ot, nt *core.Table, colRen map[string]string) error {
	od, nd := core.TableDefOf(ot), core.TableDefOf(nt)
	name := nt.FullName()
	base := Change{Table: name, Old: ot, New: nt}
	if ot.FullName() != name {
		base.OldTable = ot.FullName()
	}
	oldByName := map[string]*core.Column{}
	for i := range od.Columns {
		oldByName[od.Columns[i].Name] = &od.Columns[i]
	}
	// live column name → model column name, for constraint comparison.
	toNew := map[string]string{}
	matchedCol := map[string]bool{}
	for i := range nd.Columns {
		nc := &nd.Columns[i]
		liveName, renamed := nc.Name, false
		if old, ok := colRen[nc.Name]; ok && !(oldByName[nc.Name] != nil && oldByName[old] == nil) {
			liveName, renamed = old, true
		}
		oc, ok := oldByName[liveName]
		if !ok {
			if renamed {
				return fmt.Errorf("migrate: diff: table %q: column %q: renamed from %q, which the live table lacks", name, nc.Name, liveName)
			}
			c := base
			c.Kind, c.Column, c.NewCol = AddColumn, nc.Name, nc
			d.add(phaseAddColumn, c)
			continue
		}
		matchedCol[liveName] = true
		toNew[liveName] = nc.Name
		if renamed {
			if _, clash := oldByName[nc.Name]; clash {
				return fmt.Errorf("migrate: diff: table %q: column %q: renamed from %q, but the live table has both", name, nc.Name, liveName)
			}
			c := base
			c.Kind, c.Column, c.OldColumn, c.OldCol, c.NewCol = RenameColumn, nc.Name, liveName, oc, nc
			d.add(phaseRenameColumn, c)
		}
		if oc.PrimaryKey != nc.PrimaryKey || oc.AutoIncrement != nc.AutoIncrement {
			return fmt.Errorf("migrate: diff: table %q: column %q: primary key or autoincrement changes: %w", name, nc.Name, ErrUnsupportedChange)
		}
		c := base
		c.Kind, c.Column, c.OldCol, c.NewCol = AlterColumn, nc.Name, oc, nc
		if renamed {
			c.OldColumn = liveName
		}
		var details []string
		if !sameType(oc.Type, nc.Type) {
			c.Aspects |= AspectType
			c.Destructive = !widens(oc.Type, nc.Type)
			details = append(details, fmt.Sprintf("type %s to %s", typeString(oc.Type), typeString(nc.Type)))
			if c.Destructive {
				details[len(details)-1] += " (narrowing)"
			}
		}
		if oc.Nullable != nc.Nullable {
			c.Aspects |= AspectNull
			details = append(details, fmt.Sprintf("nullable %t to %t", oc.Nullable, nc.Nullable))
		}
		if !core.SameExpr(oc.ServerDefault, nc.ServerDefault) {
			c.Aspects |= AspectDefault
			details = append(details, "server default")
		}
		if oc.Comment != nc.Comment {
			c.Aspects |= AspectComment
			details = append(details, "comment")
		}
		if oc.Unique != nc.Unique {
			c.Aspects |= AspectUnique
			details = append(details, fmt.Sprintf("unique %t to %t", oc.Unique, nc.Unique))
		}
		if c.Aspects != 0 {
			c.Detail = strings.Join(details, ", ")
			d.add(phaseAlterColumn, c)
		}
	}
	for i := range od.Columns {
		oc := &od.Columns[i]
		if !matchedCol[oc.Name] {
			c := base
			c.Kind, c.Column, c.OldCol, c.Destructive = DropColumn, oc.Name, oc, true
			d.add(phaseDropColumn, c)
		}
	}
	if !slices.Equal(mapNames(ot.PrimaryKey(), toNew), nt.PrimaryKey()) {
		return fmt.Errorf("migrate: diff: table %q: primary key %v to %v: %w", name, ot.PrimaryKey(), nt.PrimaryKey(), ErrUnsupportedChange)
	}
	if od.Comment != nd.Comment {
		c := base
		c.Kind = AlterTableComment
		d.add(phaseTableComment, c)
	}
	// Constraints: live ones are compared after their columns are renamed.
	for _, ix := range od.Indexes {
		if !slices.ContainsFunc(nd.Indexes, func(n core.Index) bool { return sameIndex(ix, n, toNew) }) {
			c := base
			c.Kind, c.Index = DropIndex, ix
			d.add(phaseDropIndex, c)
		}
	}
	for _, ix := range nd.Indexes {
		if !slices.ContainsFunc(od.Indexes, func(o core.Index) bool { return sameIndex(o, ix, toNew) }) {
			c := base
			c.Kind, c.Index = AddIndex, ix
			d.add(phaseAddIndex, c)
		}
	}
	for _, u := range od.Uniques {
		if !slices.ContainsFunc(nd.Uniques, func(n core.Unique) bool { return slices.Equal(mapNames(u.Columns, toNew), n.Columns) }) {
			c := base
			c.Kind, c.Unique = DropUnique, u
			d.add(phaseDropIndex, c)
		}
	}
	for _, u := range nd.Uniques {
		if !slices.ContainsFunc(od.Uniques, func(o core.Unique) bool { return slices.Equal(mapNames(o.Columns, toNew), u.Columns) }) {
			c := base
			c.Kind, c.Unique = AddUnique, u
			d.add(phaseAddIndex, c)
		}
	}
	for _, fk := range od.ForeignKeys {
		if !slices.ContainsFunc(nd.ForeignKeys, func(n core.ForeignKey) bool { return sameFK(fk, n, toNew, d.tableRenamedTo(fk.RefTable)) }) {
			c := base
			c.Kind, c.ForeignKey = DropForeignKey, fk
			d.add(phaseDropFK, c)
		}
	}
	for _, fk := range nd.ForeignKeys {
		if !slices.ContainsFunc(od.ForeignKeys, func(o core.ForeignKey) bool { return sameFK(o, fk, toNew, d.tableRenamedTo(o.RefTable)) }) {
			c := base
			c.Kind, c.ForeignKey = AddForeignKey, fk
			d.add(phaseAddFK, c)
		}
	}
	for _, ck := range od.Checks {
		if !slices.ContainsFunc(nd.Checks, func(n core.Check) bool { return core.SameExpr(ck.Expr, n.Expr) }) {
			c := base
			c.Kind, c.Check = DropCheck, ck
			d.add(phaseDropIndex, c)
		}
	}
	for _, ck := range nd.Checks {
		if !slices.ContainsFunc(od.Checks, func(o core.Check) bool { return core.SameExpr(o.Expr, ck.Expr) }) {
			c := base
			c.Kind, c.Check = AddCheck, ck
			d.add(phaseAddIndex, c)
		}
	}
	return nil
}

// applied reports a table rename the live schema already has: the new
// name and not the old one. The hint is then ignored, so a rename tag can
// stay on a model after its migration ran.
func (d *differ) applied(old, new string) bool {
	_, hasOld := d.from.Table(old)
	_, hasNew := d.from.Table(new)
	return hasNew && !hasOld
}

// tableRenamedTo is the model name of live table name: a hint for a
// table the models do not have, or one already applied, renames nothing.
func (d *differ) tableRenamedTo(name string) string {
	if n, ok := d.renamedTo[name]; ok {
		return n
	}
	return name
}

func mapNames(cols []string, m map[string]string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c
		if n, ok := m[c]; ok {
			out[i] = n
		}
	}
	return out
}

func sameIndex(o, n core.Index, toNew map[string]string) bool {
	return o.Unique == n.Unique && slices.Equal(mapNames(o.Columns, toNew), n.Columns) &&
		slices.EqualFunc(o.Expressions, n.Expressions, core.SameExpr) && core.SameExpr(o.Where, n.Where) &&
		(o.Name == n.Name || o.Name == "" || n.Name == "")
}

func sameFK(o, n core.ForeignKey, toNew map[string]string, oRef string) bool {
	return oRef == n.RefTable && slices.Equal(mapNames(o.Columns, toNew), n.Columns) &&
		slices.Equal(o.RefColumns, n.RefColumns) && o.OnDelete == n.OnDelete && o.OnUpdate == n.OnUpdate
}

// sameType compares types; an enum's values are compared by enums, so
// two enum types of one name are the same type here.
func sameType(a, b core.Type) bool {
	if a.Kind == core.TypeEnum && b.Kind == core.TypeEnum {
		return a.Enum != nil && b.Enum != nil && a.Enum.Name == b.Enum.Name
	}
	a.Enum, b.Enum = nil, nil
	return a == b
}

func typeString(t core.Type) string {
	s := t.Kind.String()
	switch t.Kind {
	case core.TypeString:
		if t.Size > 0 {
			s += fmt.Sprintf("(%d)", t.Size)
		}
	case core.TypeNumeric:
		if t.Precision > 0 {
			s += fmt.Sprintf("(%d,%d)", t.Precision, t.Scale)
		}
	case core.TypeEnum:
		if t.Enum != nil {
			s += fmt.Sprintf(" %q", t.Enum.Name)
		}
	case core.TypeNative:
		s += fmt.Sprintf(" %q", t.Native)
	}
	if t.Array {
		s += "[]"
	}
	return s
}

// intDigits is the decimal digits an integer kind needs.
var intDigits = map[core.TypeKind]int{core.TypeSmallInt: 5, core.TypeInt: 10, core.TypeBigInt: 19}

var intRank = map[core.TypeKind]int{core.TypeSmallInt: 1, core.TypeInt: 2, core.TypeBigInt: 3}

// widens reports whether every value of a fits b unchanged: a larger
// integer, float to double, a longer or unbounded string, string to
// text, a numeric with at least as many digits on each side of the
// point, an integer to a numeric with room for it. Anything else is
// narrowing (possibly lossy), and so destructive.
func widens(a, b core.Type) bool {
	if a.Array != b.Array {
		return false
	}
	switch {
	case intRank[a.Kind] > 0 && intRank[b.Kind] > 0:
		return intRank[a.Kind] <= intRank[b.Kind]
	case a.Kind == core.TypeFloat && (b.Kind == core.TypeDouble || b.Kind == core.TypeFloat):
		return true
	case a.Kind == core.TypeString && b.Kind == core.TypeString:
		return b.Size == 0 || (a.Size > 0 && a.Size <= b.Size)
	case (a.Kind == core.TypeString || a.Kind == core.TypeText) && b.Kind == core.TypeText:
		return true
	case a.Kind == core.TypeNumeric && b.Kind == core.TypeNumeric:
		if b.Precision == 0 {
			return true
		}
		return a.Precision > 0 && b.Scale >= a.Scale && b.Precision-b.Scale >= a.Precision-a.Scale
	case intRank[a.Kind] > 0 && b.Kind == core.TypeNumeric:
		return b.Precision == 0 || b.Precision-b.Scale >= intDigits[a.Kind]
	}
	return false
}

// enums compares the enum types the tables use, by name.
func (d *differ) enums(fromTables, toTables []*core.Table) {
	oldE, newE := enumsOf(fromTables), enumsOf(toTables)
	for _, ne := range newE {
		i := slices.IndexFunc(oldE, func(o *core.EnumType) bool { return o.Name == ne.Name })
		if i < 0 {
			d.add(phaseCreateEnum, Change{Kind: CreateEnum, NewEnum: ne})
			continue
		}
		oe := oldE[i]
		if slices.Equal(oe.Values, ne.Values) {
			continue
		}
		c := Change{Kind: AlterEnum, OldEnum: oe, NewEnum: ne, Columns: d.enumColumns(ne.Name)}
		var removed []string
		for _, v := range oe.Values {
			if !ne.Has(v) {
				removed = append(removed, v)
			}
		}
		if len(removed) > 0 {
			c.Destructive = true
			c.Detail = fmt.Sprintf("values %q removed", removed)
		} else {
			c.Detail = fmt.Sprintf("values %q to %q", oe.Values, ne.Values)
		}
		d.add(phaseAlterEnum, c)
	}
	for _, oe := range oldE {
		if !slices.ContainsFunc(newE, func(n *core.EnumType) bool { return n.Name == oe.Name }) {
			d.add(phaseDropEnum, Change{Kind: DropEnum, OldEnum: oe})
		}
	}
}

// enumColumns lists the columns of enum type name that exist on both
// sides (added and dropped columns carry their own definition).
func (d *differ) enumColumns(name string) []ColumnRef {
	var out []ColumnRef
	toTables, _ := d.to.Tables()
	for _, nt := range toTables {
		ot, ok := d.from.Table(nt.FullName())
		if !ok {
			for _, r := range d.opts.Renames {
				if r.Column == "" && r.Table == nt.FullName() {
					ot, ok = d.from.Table(r.From)
				}
			}
		}
		if !ok {
			continue
		}
		for _, c := range nt.Columns() {
			if c.Type.Kind != core.TypeEnum || c.Type.Enum.Name != name {
				continue
			}
			live := c.Name
			for _, r := range d.opts.Renames {
				if _, has := ot.Col(r.From); has && r.Column == c.Name && r.Table == nt.FullName() {
					live = r.From // a rename in effect, not one already applied
				}
			}
			if oc, ok := ot.Col(live); ok && oc.Type.Kind == core.TypeEnum && oc.Type.Enum.Name == name {
				out = append(out, ColumnRef{Old: ot, New: nt, Column: c.Name, OldColumn: live})
			}
		}
	}
	return out
}

func enumsOf(tables []*core.Table) []*core.EnumType {
	var out []*core.EnumType
	for _, t := range tables {
		for _, c := range t.Columns() {
			if e := c.Type.Enum; e != nil && c.Type.Kind == core.TypeEnum &&
				!slices.ContainsFunc(out, func(o *core.EnumType) bool { return o.Name == e.Name }) {
				out = append(out, e)
			}
		}
	}
	return out
}

// without is m less the tables ignore matches.
func without(m *core.MetaData, ignore func(string) bool) (*core.MetaData, error) {
	tables, _ := m.Tables()
	kept := slices.DeleteFunc(slices.Clone(tables), func(t *core.Table) bool { return ignore(t.FullName()) })
	if len(kept) == len(tables) {
		return m, nil
	}
	return core.NewMetaData(kept...)
}
