package mapper

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/athanor-orm/athanor/core"
)

// Registry holds registered models. The zero value is not usable; use
// NewRegistry, or the package-level Default through Register and Of.
type Registry struct {
	mu        sync.RWMutex
	byType    map[reflect.Type]*Model // guarded by mu
	byTable   map[string]*Model       // guarded by mu
	secondary map[string]*core.Table  // synthesized association tables; guarded by mu
	naming    Naming                  // set by NewRegistry, then read-only
	// known caches byType's registered models for Of: reads take no lock,
	// so goroutines looking models up at once do not contend on mu.
	known sync.Map // reflect.Type → *Model
}

// NewRegistry returns an empty registry configured by opts (default naming:
// SnakeCase).
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{byType: map[reflect.Type]*Model{}, byTable: map[string]*Model{}, secondary: map[string]*core.Table{},
		naming: SnakeCase}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Default is the registry used by Register, MustRegister and Of.
var Default = NewRegistry()

// Register maps T (a struct type) in the Default registry, together with
// every model type its relationship fields reach, and returns T's model.
// Registering twice returns the same model.
func Register[T any]() (*Model, error) { return Default.Register(reflect.TypeFor[T]()) }

// MustRegister is Register that panics on error, for package-level models.
func MustRegister[T any]() *Model {
	m, err := Register[T]()
	if err != nil {
		panic(err)
	}
	return m
}

// Of returns T's model from the Default registry, registering T first if
// needed.
func Of[T any]() (*Model, error) { return Default.Of(reflect.TypeFor[T]()) }

// RegisterIn is Register on a given registry.
func RegisterIn[T any](r *Registry) (*Model, error) { return r.Register(reflect.TypeFor[T]()) }

// Of returns the model of t (a struct or pointer-to-struct type),
// registering it if needed.
func (r *Registry) Of(t reflect.Type) (*Model, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if m, ok := r.known.Load(t); ok {
		return m.(*Model), nil
	}
	r.mu.RLock()
	m := r.byType[t]
	r.mu.RUnlock()
	if m == nil {
		var err error
		if m, err = r.Register(t); err != nil {
			return nil, err
		}
	}
	r.known.Store(t, m)
	return m, nil
}

// Lookup returns the model of t if it is registered.
func (r *Registry) Lookup(t reflect.Type) (*Model, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	m, ok := r.byType[t]
	return m, ok
}

// Models returns every registered model, ordered by table name.
func (r *Registry) Models() []*Model {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Model, 0, len(r.byType))
	for _, m := range r.byType {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *Model) int { return strings.Compare(a.table.FullName(), b.table.FullName()) })
	return out
}

// MetaData returns a core.MetaData with every registered model's table and
// the association tables the mapper synthesized, for CreateAll.
func (r *Registry) MetaData() (*core.MetaData, error) {
	ms := r.Models()
	r.mu.RLock()
	tables := make([]*core.Table, 0, len(ms)+len(r.secondary))
	for _, m := range ms {
		switch h := m.inh; {
		case h == nil:
			tables = append(tables, m.table)
		case h.Base == m:
			tables = append(tables, mergedTable(m)) // one table for the single-table subtypes too
		}
	}
	names := make([]string, 0, len(r.secondary))
	for n := range r.secondary {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		tables = append(tables, r.secondary[n])
	}
	r.mu.RUnlock()
	return core.NewMetaData(tables...)
}

// Binds maps each bound table (models with a `bind:` tag, and their
// association tables) to its bind group, for router.Config.Binds.
func (r *Registry) Binds() map[string]string {
	out := map[string]string{}
	for _, m := range r.Models() {
		if m.Bind == "" {
			continue
		}
		out[m.table.FullName()] = m.Bind
		if h := m.inh; h != nil && h.SubTable != nil {
			out[h.SubTable.FullName()] = m.Bind // a joined-table subtype's own table
		}
		for _, rel := range m.rels {
			if rel.Secondary != nil {
				out[rel.Secondary.FullName()] = m.Bind
			}
		}
	}
	return out
}

// Register maps t and every model type its relationship fields reach. On
// error nothing is registered.
func (r *Registry) Register(t reflect.Type) (*Model, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("mapper: register %v: not a struct type", t)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m := r.byType[t]; m != nil {
		return m, nil
	}
	b := &build{reg: r, pending: map[reflect.Type]*draft{}, secondary: map[string]*core.Table{}}
	if _, err := b.parse(t); err != nil {
		return nil, err
	}
	if err := b.inheritDrafts(); err != nil {
		return nil, err
	}
	if err := b.resolve(); err != nil {
		return nil, err
	}
	if err := b.tables(); err != nil {
		return nil, err
	}
	for _, f := range b.later {
		f()
	}
	if err := b.pair(); err != nil {
		return nil, err
	}
	if err := b.resolveProxies(); err != nil {
		return nil, err
	}
	if err := b.checkDeferred(); err != nil {
		return nil, err
	}
	for _, d := range b.order {
		r.byType[d.m.Type] = d.m
		if h := d.m.inh; h == nil || h.Base == d.m {
			r.byTable[d.m.table.FullName()] = d.m // a subtype's table is its base's
		}
	}
	addSubtypes(b.order)
	for n, st := range b.secondary {
		r.secondary[n] = st
	}
	for _, n := range b.takeover {
		delete(r.secondary, n)
	}
	return r.byType[t], nil
}

// draft is a model under construction.
type draft struct {
	m       *Model
	table   string
	schema  string
	cols    []core.Column
	colFK   []colFK
	indexes map[string][]string
	uniques map[string][]string
	ixOrder []string
	uqOrder []string
	rels    []relDraft
	fks     []core.ForeignKey
	inh     *inhDraft // see inherit.go
}

type colFK struct {
	field    *Field
	raw      string
	ref      string // table.column
	onDelete core.FKAction
	onUpdate core.FKAction
}

type relDraft struct {
	rel    *Relation
	tag    tag
	target reflect.Type
}

type build struct {
	reg       *Registry
	pending   map[reflect.Type]*draft
	order     []*draft
	secondary map[string]*core.Table
	// later runs after tables: a many-to-many through a table a model of
	// this build maps gets that table.
	later []func()
	// takeover names association tables synthesized earlier that a model
	// of this build maps: its table replaces them in MetaData.
	takeover []string
	proxies  []proxyDraft // association proxy fields (proxy.go)
}

// model returns the registered or pending model of t.
func (b *build) model(t reflect.Type) *Model {
	if m := b.reg.byType[t]; m != nil {
		return m
	}
	if d := b.pending[t]; d != nil {
		return d.m
	}
	return nil
}

var (
	scannerType = reflect.TypeFor[sql.Scanner]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	tablerType  = reflect.TypeFor[interface{ TableName() string }]()
)

// isValueStruct reports a struct type stored in one column.
func isValueStruct(t reflect.Type) bool {
	return t == timeType || t.Implements(scannerType) || reflect.PointerTo(t).Implements(scannerType) || t.Implements(valuerType)
}

// relTarget returns the model struct type a relationship field points to:
// *S or []*S with S a struct that is not a column value.
func relTarget(t reflect.Type) (reflect.Type, bool, bool) {
	switch {
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && !isValueStruct(t.Elem()):
		return t.Elem(), false, true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Pointer && t.Elem().Elem().Kind() == reflect.Struct && !isValueStruct(t.Elem().Elem()):
		return t.Elem().Elem(), true, true
	}
	return nil, false, false
}

// parse drafts the model of t and of every model its relationships reach
// that is neither pending nor registered. A registered model is never
// drafted again: its relationships are resolved, and a second draft would
// pair the new models with a copy of it (and map its table twice).
func (b *build) parse(t reflect.Type) (*draft, error) {
	if d := b.pending[t]; d != nil {
		return d, nil
	}
	if b.reg.byType[t] != nil {
		return nil, nil
	}
	name := t.Name()
	if name == "" {
		return nil, fmt.Errorf("mapper: register %v: anonymous struct types cannot be models", t)
	}
	m := &Model{Name: name, Type: t, byColumn: map[string]*Field{}, byName: map[string]*Field{}, relByName: map[string]*Relation{}}
	d := &draft{m: m, indexes: map[string][]string{}, uniques: map[string][]string{}}
	b.pending[t] = d
	b.order = append(b.order, d)
	d.table = b.reg.naming.TableName(name)
	if t.Implements(tablerType) || reflect.PointerTo(t).Implements(tablerType) {
		d.table = reflect.New(t).Interface().(interface{ TableName() string }).TableName()
	}
	if err := b.fields(d, t, nil, 0); err != nil {
		return nil, err
	}
	if len(m.fields) == 0 {
		return nil, fmt.Errorf("mapper: model %s: no mapped columns", name)
	}
	if len(m.pk) == 0 {
		// Convention: a field named ID is the key when none is tagged.
		if f, ok := m.byName["ID"]; ok && !f.Nullable {
			i := slices.Index(m.fields, f)
			d.cols[i].PrimaryKey = true
			f.PrimaryKey = true
			f.AutoIncrement = isIntKind(d.cols[i].Type.Kind)
			m.pk = []*Field{f}
		}
	}
	if len(m.pk) == 0 {
		return nil, fmt.Errorf("mapper: model %s: no primary key (tag a field pk, or name it ID)", name)
	}
	// A single integer primary key is autoincrement unless told otherwise.
	if len(m.pk) == 1 && m.autoInc == nil {
		f := m.pk[0]
		if i := slices.IndexFunc(d.cols, func(c core.Column) bool { return c.Name == f.Column }); i >= 0 && f.AutoIncrement {
			d.cols[i].AutoIncrement = true
			m.autoInc = f
		}
	}
	for _, f := range m.pk {
		if f != m.autoInc && f.AutoIncrement {
			f.AutoIncrement = false // implicit, and the key is composite
		}
	}
	if err := checkPoly(m); err != nil {
		return nil, err
	}
	for _, rd := range d.rels {
		if _, err := b.parse(rd.target); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (b *build) fields(d *draft, t reflect.Type, index []int, base uintptr) error {
	m := d.m
	for i := range t.NumField() {
		sf := t.Field(i)
		raw, hasTag := sf.Tag.Lookup(TagName)
		tg := parseTag(raw)
		idx := append(slices.Clip(index), i)
		if sf.Name == "_" {
			if !hasTag {
				continue
			}
			if k, ok := tg.check(nil, tableVals); !ok || tg.name != "" {
				if tg.name != "" {
					k = tg.name
				}
				return fieldError(m.Name, "_", raw, ErrBadTag, "unknown table option %q (want table:, bind:, schema:)", k)
			}
			if v, ok := tg.vals["table"]; ok {
				if v == "" {
					return fieldError(m.Name, "_", raw, ErrBadTag, "empty table name")
				}
				d.table = v
			}
			if v, ok := tg.vals["bind"]; ok {
				m.Bind = v
			}
			if v, ok := tg.vals["schema"]; ok {
				d.schema = v
			}
			continue
		}
		// (An embedded base may be of an unexported type.)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && !isValueStruct(sf.Type) && tg.has("inherit") {
			if err := b.inherit(d, sf, tg, raw, idx, base); err != nil {
				return err
			}
			continue
		}
		if tg.skip || !sf.IsExported() {
			continue
		}
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && !isValueStruct(sf.Type) && !hasTag {
			if err := b.fields(d, sf.Type, idx, base+sf.Offset); err != nil {
				return err
			}
			continue
		}
		if tg.has("proxy") {
			if err := b.proxyField(d, sf, tg, raw, base); err != nil {
				return err
			}
			continue
		}
		if it, many, ok := polyTarget(sf.Type); ok && !tg.has("type") {
			if err := b.polyRel(d, sf, tg, raw, idx, it, many); err != nil {
				return err
			}
			continue
		}
		// A type: tag makes a *T or []*T field a column (a JSON value).
		if target, many, ok := relTarget(sf.Type); ok && !tg.has("type") {
			if k, ok := tg.check(relationFlags, relationVals); !ok {
				return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown relationship option %q", k)
			}
			if tg.name != "" {
				return fieldError(m.Name, sf.Name, raw, ErrBadTag, "a relationship has no column name")
			}
			rel := &Relation{Name: sf.Name, Owner: m, offset: base + sf.Offset, many: many, Cascade: CascadeSaveUpdate}
			if v, ok := tg.vals["cascade"]; ok {
				c, ok := parseCascade(v)
				if !ok {
					return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown cascade %q (want save-update, delete, delete-orphan, all, none joined by +)", v)
				}
				rel.Cascade = c
			}
			d.rels = append(d.rels, relDraft{rel: rel, tag: tg, target: target})
			m.rels = append(m.rels, rel)
			m.relByName[sf.Name] = rel
			continue
		}
		if tg.flags["computed"] {
			if err := b.computed(d, sf, tg, raw, idx, base); err != nil {
				return err
			}
			continue
		}
		if err := b.column(d, sf, tg, raw, idx, base); err != nil {
			return err
		}
	}
	return nil
}

func (b *build) column(d *draft, sf reflect.StructField, tg tag, raw string, idx []int, base uintptr) error {
	m := d.m
	if k, ok := tg.check(columnFlags, columnVals); !ok {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown option %q", k)
	}
	name := tg.name
	if name == "" {
		name = b.reg.naming.ColumnName(sf.Name)
	}
	if _, dup := m.byColumn[name]; dup {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "column %q is mapped twice", name)
	}
	ft := sf.Type
	nullable := ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map
	elem := ft
	if ft.Kind() == reflect.Pointer {
		elem = ft.Elem()
	}
	if strings.HasPrefix(elem.PkgPath(), "database/sql") && strings.HasPrefix(elem.Name(), "Null") {
		nullable = true
	}
	if tg.flags["nullable"] {
		nullable = true
	}
	if tg.flags["notnull"] {
		nullable = false
	}
	size := 0
	if v, ok := tg.vals["size"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "size %q is not a positive integer", v)
		}
		size = n
	}
	pk := tg.flags["pk"]
	keyed := pk || tg.has("unique") || tg.has("index") || tg.has("fk")
	ct, err := b.columnType(d, sf, tg, raw, name, elem, size, keyed)
	if err != nil {
		return err
	}
	if size > 0 && ct.Kind != core.TypeString {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "size applies to strings, not %s", ct.Kind)
	}
	if pk && nullable {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "primary key cannot be nullable")
	}
	isInt := ct.Kind == core.TypeSmallInt || ct.Kind == core.TypeInt || ct.Kind == core.TypeBigInt
	col := core.Column{Name: name, Type: ct, Nullable: nullable, PrimaryKey: pk}
	f := &Field{Name: sf.Name, Column: name, Type: ft, Index: idx, PrimaryKey: pk, Nullable: nullable,
		offset: base + sf.Offset, ptr: ft.Kind() == reflect.Pointer, eq: equalFunc(ft)}
	f.plan()
	f.deferTag(tg)
	if tg.flags["autoincrement"] {
		if !pk || !isInt {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "autoincrement needs an integer primary key")
		}
		col.AutoIncrement = true
		f.AutoIncrement = true
	} else if pk && isInt && !tg.flags["noautoincrement"] {
		f.AutoIncrement = true // decided once all keys are known
	}
	if tg.flags["version"] {
		if !isInt || nullable || pk {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "version column needs a non-null integer field that is not the key")
		}
		if m.version != nil {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "second version column (first is %s)", m.version.Name)
		}
		f.Version = true
		m.version = f
	}
	if tg.flags["shardkey"] {
		if err := shardKeyTag(m, f, ct, tg, raw); err != nil {
			return err
		}
	}
	if v, ok := tg.vals["default"]; ok {
		col.ServerDefault = parseDefault(v)
		f.HasDefault = true
	}
	if v, ok := tg.vals["renamed_from"]; ok {
		if v == "" || v == name {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "renamed_from %q: want the column's former name", v)
		}
		f.RenamedFrom = v
	}
	if tg.flags["unique"] {
		col.Unique = true
	}
	if v, ok := tg.vals["unique"]; ok {
		if _, seen := d.uniques[v]; !seen {
			d.uqOrder = append(d.uqOrder, v)
		}
		d.uniques[v] = append(d.uniques[v], name)
	}
	if tg.flags["index"] {
		key := "\x00" + name
		d.ixOrder = append(d.ixOrder, key)
		d.indexes[key] = []string{name}
	}
	if v, ok := tg.vals["index"]; ok {
		if _, seen := d.indexes[v]; !seen {
			d.ixOrder = append(d.ixOrder, v)
		}
		d.indexes[v] = append(d.indexes[v], name)
	}
	if v, ok := tg.vals["fk"]; ok {
		tbl, c, ok := strings.Cut(v, ".")
		if !ok || tbl == "" || c == "" {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "fk %q: want table.column", v)
		}
		od, ok1 := parseAction(tg.vals["ondelete"])
		ou, ok2 := parseAction(tg.vals["onupdate"])
		if !ok1 || !ok2 {
			return fieldError(m.Name, sf.Name, raw, ErrBadTag, "unknown ondelete/onupdate action")
		}
		d.colFK = append(d.colFK, colFK{field: f, raw: raw, ref: v, onDelete: od, onUpdate: ou})
	} else if tg.has("ondelete") || tg.has("onupdate") {
		return fieldError(m.Name, sf.Name, raw, ErrBadTag, "ondelete/onupdate without fk")
	}
	if tg.has("discriminator") {
		if err := b.discriminator(d, f, tg, raw); err != nil {
			return err
		}
	}
	d.cols = append(d.cols, col)
	m.fields = append(m.fields, f)
	m.byColumn[name] = f
	m.byName[sf.Name] = f
	if pk {
		m.pk = append(m.pk, f)
	}
	if f.AutoIncrement && col.AutoIncrement {
		m.autoInc = f
	}
	return nil
}

// goType maps a Go type to a column type. keyed strings (keys, unique,
// indexed, foreign keys) default to VARCHAR(255), others to TEXT.
func goType(t reflect.Type, size int, keyed bool) (core.Type, bool) {
	switch {
	case t == timeType:
		return core.TimestampTZ(), true
	case t == bytesType:
		return core.Bytes(), true
	case t == reflect.TypeFor[sql.NullString]():
		return stringType(size, keyed), true
	case t == reflect.TypeFor[sql.NullInt64]():
		return core.BigInt(), true
	case t == reflect.TypeFor[sql.NullInt32]():
		return core.Int(), true
	case t == reflect.TypeFor[sql.NullInt16]():
		return core.SmallInt(), true
	case t == reflect.TypeFor[sql.NullFloat64]():
		return core.Double(), true
	case t == reflect.TypeFor[sql.NullBool]():
		return core.Bool(), true
	case t == reflect.TypeFor[sql.NullTime]():
		return core.TimestampTZ(), true
	}
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Uint8:
		return core.SmallInt(), true
	case reflect.Int32, reflect.Uint16:
		return core.Int(), true
	case reflect.Int, reflect.Int64, reflect.Uint32, reflect.Uint, reflect.Uint64:
		return core.BigInt(), true
	case reflect.Float32:
		return core.Float(), true
	case reflect.Float64:
		return core.Double(), true
	case reflect.Bool:
		return core.Bool(), true
	case reflect.String:
		return stringType(size, keyed), true
	case reflect.Array:
		if t.Len() == 16 && t.Elem().Kind() == reflect.Uint8 {
			return core.UUID(), true
		}
	}
	return core.Type{}, false
}

func isIntKind(k core.TypeKind) bool {
	return k == core.TypeSmallInt || k == core.TypeInt || k == core.TypeBigInt
}

func stringType(size int, keyed bool) core.Type {
	if size > 0 {
		return core.String(size)
	}
	if keyed {
		return core.String(255)
	}
	return core.Text()
}

// tables builds every pending model's core.Table.
func (b *build) tables() error {
	for _, d := range b.order {
		m := d.m
		def := core.TableDef{Schema: d.schema, Name: d.table, Columns: d.cols, ForeignKeys: slices.Clone(d.fks)}
		for _, c := range d.colFK {
			tbl, col, _ := strings.Cut(c.ref, ".")
			def.ForeignKeys = append(def.ForeignKeys, core.ForeignKey{Columns: []string{c.field.Column}, RefTable: tbl,
				RefColumns: []string{col}, OnDelete: c.onDelete, OnUpdate: c.onUpdate})
		}
		for _, k := range d.ixOrder {
			name := k
			if strings.HasPrefix(k, "\x00") {
				name = ""
			}
			def.Indexes = append(def.Indexes, core.Index{Name: name, Columns: d.indexes[k]})
		}
		for _, k := range d.uqOrder {
			def.Uniques = append(def.Uniques, core.Unique{Name: k, Columns: d.uniques[k]})
		}
		var t *core.Table
		if d.inh != nil && d.inh.base != nil {
			var err error
			if t, err = b.inheritTable(d, def); err != nil {
				return err
			}
		} else {
			var err error
			if t, err = core.NewTable(def); err != nil {
				return fmt.Errorf("mapper: model %s: %w", m.Name, err)
			}
			if other := b.reg.byTable[t.FullName()]; other != nil {
				return fmt.Errorf("mapper: model %s: table %q is already mapped by %s", m.Name, t.FullName(), other.Name)
			}
			if err := b.takeOver(m, t); err != nil {
				return err
			}
			for _, o := range b.order {
				if o != d && o.table == d.table && o.schema == d.schema && (o.inh == nil || o.inh.base == nil) {
					return fmt.Errorf("mapper: model %s: table %q is also mapped by %s", m.Name, d.table, o.m.Name)
				}
			}
		}
		m.table = t
		for _, f := range m.fields {
			f.Col = t.C(f.Column)
		}
		inheritCols(m)
		m.initLoad()
		m.snapPlan()
		m.ptrTyp = typeWord(reflect.New(m.Type).Interface())
		m.intKey = -1
		if len(m.pk) == 1 && m.pk[0].IsInt() && (m.shardKey == nil || m.shardKey.PrimaryKey) {
			m.intKey = slices.Index(m.fields, m.pk[0])
		}
	}
	// Referenced tables of column fk: tags must be known tables, and the
	// referenced columns must exist.
	for _, d := range b.order {
		for _, c := range d.colFK {
			tbl, col, _ := strings.Cut(c.ref, ".")
			var t *core.Table
			if m := b.reg.byTable[tbl]; m != nil {
				t = m.table
			}
			for _, o := range b.order {
				if o.table == tbl {
					t = o.m.table
				}
			}
			if t == nil {
				continue // a table not mapped here (created elsewhere)
			}
			if _, ok := t.Col(col); !ok {
				return fieldError(d.m.Name, c.field.Name, c.raw, ErrUnknownColumn, "fk %q: table %q has no column %q", c.ref, tbl, col)
			}
		}
	}
	// The same check for fk: tags of models registered earlier that
	// reference a table mapped now, so the order of registration does not
	// decide whether a bad reference is caught.
	for _, m := range b.reg.byType {
		for _, fk := range m.table.ForeignKeys() {
			i := slices.IndexFunc(b.order, func(o *draft) bool { return o.table == fk.RefTable })
			if i < 0 || len(fk.Columns) != 1 {
				continue
			}
			f := m.byColumn[fk.Columns[0]]
			if _, ok := b.order[i].m.table.Col(fk.RefColumns[0]); !ok && f != nil {
				raw := m.Type.FieldByIndex(f.Index).Tag.Get(TagName)
				return fieldError(m.Name, f.Name, raw, ErrUnknownColumn, "fk \"%s.%s\": table %q (model %s) has no column %q",
					fk.RefTable, fk.RefColumns[0], fk.RefTable, b.order[i].m.Name, fk.RefColumns[0])
			}
		}
	}
	return nil
}

// keyName is the Go-style name of a column referring to m's single-column
// key on behalf of prefix (a model or relationship name): prefix followed
// by the key field's name, less the model name it may already start with
// (Playlist, ID → PlaylistID; Playlist, PlaylistId → PlaylistId; Writer
// for Author, AuthorID → WriterID).
func keyName(prefix string, m *Model) string { return keyNameOf(prefix, m, m.pk[0]) }

// keyNameOf is keyName for key field f of m (one of a composite key).
func keyNameOf(prefix string, m *Model, f *Field) string {
	k := f.Name
	if rest, ok := strings.CutPrefix(k, m.Name); ok && rest != "" && unicode.IsUpper([]rune(rest)[0]) {
		k = rest
	}
	return prefix + k
}

// keyField finds the many-to-one key of relationship rel (on owner, to
// target's single-column key) by the conventional name: the field or
// column keyName(rel, target) names.
func (b *build) keyField(owner *Model, rel string, target *Model) (*Field, bool) {
	if len(target.pk) != 1 {
		return nil, false
	}
	n := keyName(rel, target)
	if f, ok := owner.Field(n); ok {
		return f, true
	}
	return owner.Field(b.reg.naming.ColumnName(n))
}
