package migrate

import (
	"fmt"

	"github.com/athanor-orm/athanor/core"
)

// normalize rebuilds both sides with opts.Normalize applied to every
// table pair.
func normalize(from, to *core.MetaData, opts DiffOptions) (*core.MetaData, *core.MetaData, error) {
	renamedFrom := map[string]string{}
	for _, r := range opts.Renames {
		if r.Column == "" {
			renamedFrom[r.Table] = r.From
		}
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
		opts.Normalize(&od, &nd)
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

// NormalizeFor returns a DiffOptions.Normalize for a live schema read
// from a d server, removing the differences that the server does not
// keep, so that they are not reported as changes:
//
//   - MySQL, MariaDB, SQLite: an enum column of the live side takes the
//     model's enum type name when both are enums (only PostgreSQL stores
//     the name; elsewhere the values live in the column);
//   - PostgreSQL: String with no size is TEXT, as Text is;
//   - MySQL, MariaDB: String with no size is VARCHAR(255); TimestampTZ
//     is DATETIME(6), as Timestamp is;
//   - SQLite: every integer kind is INTEGER, Float and Double are REAL,
//     TimestampTZ is Timestamp, String with no size, UUID and JSON are
//     TEXT, and comments are not stored.
//
// The rewriting applies to both sides alike, so a real difference stays.
func NormalizeFor(d core.Dialect) (func(live, model *core.TableDef), error) {
	tag, err := DialectTag(d)
	if err != nil {
		return nil, err
	}
	typ := func(t core.Type) core.Type {
		switch tag {
		case "postgres":
			if t.Kind == core.TypeString && t.Size == 0 {
				t.Kind = core.TypeText
			}
		case "mysql":
			switch {
			case t.Kind == core.TypeString && t.Size == 0:
				t.Size = 255
			case t.Kind == core.TypeTimestampTZ:
				t.Kind = core.TypeTimestamp
			}
		case "sqlite":
			switch t.Kind {
			case core.TypeSmallInt, core.TypeInt:
				t.Kind = core.TypeBigInt
			case core.TypeFloat:
				t.Kind = core.TypeDouble
			case core.TypeTimestampTZ:
				t.Kind = core.TypeTimestamp
			case core.TypeUUID, core.TypeJSON:
				t.Kind = core.TypeText
			case core.TypeString:
				if t.Size == 0 {
					t.Kind = core.TypeText
				}
			}
		}
		return t
	}
	return func(live, model *core.TableDef) {
		for _, def := range []*core.TableDef{live, model} {
			for i := range def.Columns {
				c := &def.Columns[i]
				c.Type = typ(c.Type)
				if tag == "sqlite" {
					c.Comment = ""
				}
			}
			if tag == "sqlite" {
				def.Comment = ""
			}
		}
		for i := range live.Columns {
			lc := &live.Columns[i]
			for _, mc := range model.Columns {
				if mc.Name == lc.Name && lc.Type.Kind == core.TypeEnum && mc.Type.Kind == core.TypeEnum &&
					lc.Type.Enum != nil && mc.Type.Enum != nil && lc.Type.Enum.Name != mc.Type.Enum.Name && tag != "postgres" {
					lc.Type.Enum = &core.EnumType{Name: mc.Type.Enum.Name, Values: lc.Type.Enum.Values}
				}
			}
		}
	}, nil
}
