package engine

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/athanor-orm/athanor/internal/naming"
)

// Scanning plans
//
// The first scan into a Go type inspects it once (typeInfo, cached in
// typeInfos by reflect.Type): is it a row struct, a map or a single value,
// and for a struct, which field each column name maps to (the `db:"col"`
// tag, else the column a FieldNamer gives, by default the snake_case of
// the field name from internal/naming, the rule the mapper uses; embedded
// structs are flattened). For each column list seen with that type a plan
// is built once (a field offset and type per column) and cached on the
// typeInfo.
// Scanning a row then only fills a reused slice of typed field pointers
// from those offsets: no reflection, no map lookups, no allocation per
// column.

type targetKind uint8

const (
	targetValue     targetKind = iota // scan the single column into the value
	targetStruct                      // map columns to fields
	targetMap                         // map[string]any
	targetPtrStruct                   // *S for a row struct S: allocated, then as targetStruct
)

type typeInfo struct {
	kind targetKind
	typ  reflect.Type
	// ptrWord is the interface type word of *typ.
	ptrWord unsafe.Pointer
	fields  map[string]fieldRef // column name → field, for structs
	lower   map[string]fieldRef // lower-cased names, for a case-insensitive fallback
	elem    *typeInfo           // the struct's info, for targetPtrStruct
	plans   atomic.Pointer[[]*scanPlan]
}

// fieldRef locates one field inside a struct.
type fieldRef struct {
	name   string         // Go field path, for errors
	offset uintptr        // from the start of the outer struct
	ptrTyp unsafe.Pointer // type word of a pointer to the field
}

// scanPlan maps one column list onto a struct type.
type scanPlan struct {
	cols   []string
	fields []fieldRef
}

var (
	typeInfos      sync.Map // reflect.Type → *typeInfo, default naming
	typeInfosNamed sync.Map // FieldNamer → *sync.Map of reflect.Type → *typeInfo
)

// FieldNamer names the column a struct field without a `db` tag is
// scanned from; ok false leaves the field out. session.Scan passes the
// mapper registry, so a model's own SELECT scans back into the model
// whatever its naming strategy and column tags.
type FieldNamer interface {
	FieldColumn(f reflect.StructField) (name string, ok bool)
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	scannerType = reflect.TypeFor[sql.Scanner]()
)

// eface is the layout of an interface value holding a pointer; it lets a
// plan make a typed pointer (as any) to a field without reflection.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

func (f *fieldRef) ptr(base unsafe.Pointer) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ = f.ptrTyp
	e.data = unsafe.Add(base, f.offset)
	return v
}

// typeWord returns the interface type word of a value of type t (which
// must be a pointer type).
func typeWord(t reflect.Type) unsafe.Pointer {
	v := reflect.Zero(t).Interface()
	return (*eface)(unsafe.Pointer(&v)).typ
}

// typeInfoFor returns the cached info for t (the element type a row is
// scanned into).
func typeInfoFor(t reflect.Type) (*typeInfo, error) {
	if v, ok := typeInfos.Load(t); ok {
		return v.(*typeInfo), nil
	}
	ti, err := buildTypeInfo(t, nil)
	if err != nil {
		return nil, err
	}
	v, _ := typeInfos.LoadOrStore(t, ti)
	return v.(*typeInfo), nil
}

// typeInfoNamed is typeInfoFor with fields named by n (nil: the default).
// Infos are cached per type and namer when the namer is comparable.
func typeInfoNamed(t reflect.Type, n FieldNamer) (*typeInfo, error) {
	if n == nil {
		return typeInfoFor(t)
	}
	if !reflect.TypeOf(n).Comparable() {
		return buildTypeInfo(t, n)
	}
	// One map per namer, so a lookup boxes no composite key.
	infos, ok := typeInfosNamed.Load(n)
	if !ok {
		infos, _ = typeInfosNamed.LoadOrStore(n, &sync.Map{})
	}
	m := infos.(*sync.Map)
	if v, ok := m.Load(t); ok {
		return v.(*typeInfo), nil
	}
	ti, err := buildTypeInfo(t, n)
	if err != nil {
		return nil, err
	}
	v, _ := m.LoadOrStore(t, ti)
	return v.(*typeInfo), nil
}

func buildTypeInfo(t reflect.Type, n FieldNamer) (*typeInfo, error) {
	ti := &typeInfo{typ: t, ptrWord: typeWord(reflect.PointerTo(t))}
	switch {
	case t.Kind() == reflect.Struct && t != timeType && !reflect.PointerTo(t).Implements(scannerType) && !isDriverScanTarget(t):
		ti.kind = targetStruct
		ti.fields = map[string]fieldRef{}
		ti.lower = map[string]fieldRef{}
		if err := collectFields(ti, t, n, 0, ""); err != nil {
			return nil, err
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		elem, err := typeInfoNamed(t.Elem(), n)
		if err != nil {
			return nil, err
		}
		if elem.kind == targetStruct {
			ti.kind, ti.elem = targetPtrStruct, elem
		}
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Interface && t.Elem().NumMethod() == 0:
		ti.kind = targetMap
	default:
		ti.kind = targetValue
	}
	return ti, nil
}

// isDriverScanTarget reports struct types the drivers scan as one value
// (pgtype's types implement pgx's scanner interfaces, not sql.Scanner).
func isDriverScanTarget(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	for i := 0; i < pt.NumMethod(); i++ {
		switch pt.Method(i).Name {
		case "ScanText", "ScanInt64", "ScanNumeric", "ScanTimestamp", "ScanUUID", "ScanDate", "ScanTimestamptz", "ScanBool", "ScanFloat64", "ScanInterval", "ScanTime":
			return true
		}
	}
	return false
}

func collectFields(ti *typeInfo, t reflect.Type, n FieldNamer, base uintptr, prefix string) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("db")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && !hasTag {
			ft := f.Type
			if ft.Kind() == reflect.Struct && ft != timeType && !reflect.PointerTo(ft).Implements(scannerType) {
				if err := collectFields(ti, ft, n, base+f.Offset, prefix+f.Name+"."); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" && n != nil {
			var ok bool
			if name, ok = n.FieldColumn(f); !ok {
				continue
			}
		}
		if name == "" {
			name = naming.Snake(f.Name)
		}
		ref := fieldRef{name: prefix + f.Name, offset: base + f.Offset, ptrTyp: typeWord(reflect.PointerTo(f.Type))}
		if old, dup := ti.fields[name]; dup {
			// The shallower field wins, as with Go's field promotion;
			// two at the same depth is a mistake in the model.
			if strings.Count(old.name, ".") == strings.Count(ref.name, ".") {
				return fmt.Errorf("engine: struct %s: fields %s and %s both map to column %q", ti.typ, old.name, ref.name, name)
			}
			if strings.Count(old.name, ".") < strings.Count(ref.name, ".") {
				continue
			}
		}
		ti.fields[name] = ref
		ti.lower[strings.ToLower(name)] = ref
	}
	return nil
}

// columnSource gives a plan lookup the column names without allocating:
// a driver's RowSource or BufferedRows.
type columnSource interface {
	NumColumns() int
	ColumnName(i int) string
}

// plan returns the struct plan for the columns of src.
func (ti *typeInfo) plan(src columnSource) (*scanPlan, error) {
	n := src.NumColumns()
	if ps := ti.plans.Load(); ps != nil {
	next:
		for _, p := range *ps {
			if len(p.cols) != n {
				continue
			}
			for i, c := range p.cols {
				if c != src.ColumnName(i) {
					continue next
				}
			}
			return p, nil
		}
	}
	p := &scanPlan{cols: make([]string, n), fields: make([]fieldRef, n)}
	for i := range n {
		c := src.ColumnName(i)
		p.cols[i] = c
		f, ok := ti.fields[c]
		if !ok {
			f, ok = ti.lower[strings.ToLower(c)]
		}
		if !ok {
			return nil, fmt.Errorf("engine: scan: column %q has no field in %s (tag a field `db:%q` or leave the column out)", c, ti.typ, c)
		}
		p.fields[i] = f
	}
	for {
		old := ti.plans.Load()
		var ps []*scanPlan
		if old != nil {
			if len(*old) >= 32 { // many column lists for one type: stop caching more
				return p, nil
			}
			ps = append(ps, *old...)
		}
		ps = append(ps, p)
		if ti.plans.CompareAndSwap(old, &ps) {
			return p, nil
		}
	}
}
