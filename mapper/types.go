package mapper

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/internal/naming"
)

// Column types beyond goType's one-to-one rules: decimals, enums, arrays,
// and the type:/precision:/scale:/enumname: options (see doc.go).

// defaultPrecision and defaultScale size a decimal column given no
// precision: NUMERIC(18,4) on every dialect, so that a value reads back
// the same everywhere (an unbounded PostgreSQL NUMERIC keeps any scale,
// a bare MySQL DECIMAL keeps none).
const defaultPrecision, defaultScale = 18, 4

// splitTag splits a tag at commas outside parentheses, so that
// type:numeric(10,2) and type:enum(a,b) stay one option.
func splitTag(raw string) []string {
	var parts []string
	depth, start := 0, 0
	for i := range len(raw) {
		switch raw[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				parts = append(parts, raw[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, raw[start:])
}

// enumValuer is a named string type that lists its own values, so the
// field needs no type:enum(…) tag.
type enumValuer interface{ EnumValues() []string }

var enumValuerType = reflect.TypeFor[enumValuer]()

// isDecimalType reports a decimal type of a library: a type named
// Decimal, NullDecimal or Numeric that is a driver.Valuer and whose
// pointer is an sql.Scanner (athanor.Decimal, pgtype.Numeric,
// shopspring's decimal.Decimal and the like).
func isDecimalType(t reflect.Type) bool {
	switch t.Name() {
	case "Decimal", "NullDecimal", "Numeric":
		return t.Implements(valuerType) && reflect.PointerTo(t).Implements(scannerType)
	}
	return false
}

// arrayType maps a slice of a predeclared number, string or bool type, or
// of time.Time, to an array column (PostgreSQL only; other dialects reject
// it in DDL). Other slices have no column type.
func arrayType(t reflect.Type) (core.Type, bool) {
	if t.Kind() != reflect.Slice || t == bytesType {
		return core.Type{}, false
	}
	e := t.Elem()
	if e == timeType {
		return core.ArrayOf(core.TimestampTZ()), true
	}
	if e.PkgPath() != "" || e.Name() == "" {
		return core.Type{}, false
	}
	var elem core.Type
	switch e.Kind() {
	case reflect.String:
		elem = core.Text()
	case reflect.Int16:
		elem = core.SmallInt()
	case reflect.Int32:
		elem = core.Int()
	case reflect.Int, reflect.Int64:
		elem = core.BigInt()
	case reflect.Float32:
		elem = core.Float()
	case reflect.Float64:
		elem = core.Double()
	case reflect.Bool:
		elem = core.Bool()
	default:
		return core.Type{}, false
	}
	return core.ArrayOf(elem), true
}

// columnType decides a column field's type from its tag and Go type (elem:
// the field type without its pointer).
func (b *build) columnType(d *draft, sf reflect.StructField, tg tag, raw, column string, elem reflect.Type, size int, keyed bool) (core.Type, error) {
	m := d.m
	var ct core.Type
	if v, ok := tg.vals["type"]; ok {
		t, err := parseTypeSpec(v, size, elem)
		if err != nil {
			return ct, fieldError(m.Name, sf.Name, raw, ErrBadTag, "type %q: %v", v, err)
		}
		ct = t
	} else {
		switch {
		case isDecimalType(elem):
			ct = core.Numeric(defaultPrecision, defaultScale)
		case elem.Kind() == reflect.String && elem.Implements(enumValuerType):
			vals := reflect.Zero(elem).Interface().(enumValuer).EnumValues()
			ct = core.Enum("", vals...)
		default:
			t, ok := goType(elem, size, keyed)
			if !ok {
				t, ok = arrayType(elem)
			}
			if !ok {
				return ct, fieldError(m.Name, sf.Name, raw, ErrUnsupportedType, "no column type for %s (add type:, or tag it \"-\")", sf.Type)
			}
			ct = t
		}
	}
	pv, hasP := tg.vals["precision"]
	sv, hasS := tg.vals["scale"]
	if hasP || hasS {
		if ct.Kind != core.TypeNumeric {
			return ct, fieldError(m.Name, sf.Name, raw, ErrBadTag, "precision and scale apply to numeric, not %s", ct.Kind)
		}
		p, s, err := precisionScale(pv, sv, hasP, ct)
		if err != nil {
			return ct, fieldError(m.Name, sf.Name, raw, ErrBadTag, "%v", err)
		}
		ct.Precision, ct.Scale = p, s
	}
	if ct.Kind != core.TypeEnum {
		if tg.has("enumname") {
			return ct, fieldError(m.Name, sf.Name, raw, ErrBadTag, "enumname applies to enums, not %s", ct.Kind)
		}
		return ct, nil
	}
	if elem.Kind() != reflect.String {
		return ct, fieldError(m.Name, sf.Name, raw, ErrBadTag, "an enum needs a string field, not %s", sf.Type)
	}
	e := *ct.Enum
	switch v := tg.vals["enumname"]; {
	case v != "":
		e.Name = v
	case elem.PkgPath() != "" && elem.Name() != "":
		e.Name = naming.Snake(elem.Name())
	default:
		e.Name = d.table + "_" + column
	}
	ct.Enum = &e
	return ct, nil
}

func precisionScale(pv, sv string, hasP bool, ct core.Type) (int, int, error) {
	p, s := ct.Precision, ct.Scale
	if hasP {
		n, err := strconv.Atoi(pv)
		if err != nil || n <= 0 || n > 65 {
			return 0, 0, fmt.Errorf("precision %q is not an integer from 1 to 65", pv)
		}
		p = n
		if sv == "" {
			s = 0
		}
	}
	if sv != "" {
		n, err := strconv.Atoi(sv)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("scale %q is not a non-negative integer", sv)
		}
		s = n
	}
	if s > p {
		return 0, 0, fmt.Errorf("scale %d exceeds precision %d", s, p)
	}
	return p, s, nil
}

// parseTypeSpec parses a type: value: a name (see parseTypeName), then
// arguments in parentheses for numeric(p[,s]), decimal(p[,s]),
// varchar(n), string(n) and enum(a,b,…), then [] for an array; "array"
// alone is the array of the field's slice type.
func parseTypeSpec(s string, size int, elem reflect.Type) (core.Type, error) {
	s = strings.TrimSpace(s)
	array := strings.HasSuffix(s, "[]")
	s = strings.TrimSuffix(s, "[]")
	name, args, hasArgs := strings.Cut(s, "(")
	name = strings.ToLower(strings.TrimSpace(name))
	if hasArgs {
		var ok bool
		if args, ok = strings.CutSuffix(args, ")"); !ok {
			return core.Type{}, fmt.Errorf("unbalanced parentheses")
		}
	}
	var list []string
	if hasArgs {
		for _, a := range strings.Split(args, ",") {
			list = append(list, strings.TrimSpace(a))
		}
	}
	var t core.Type
	switch name {
	case "array":
		if hasArgs || array {
			return t, fmt.Errorf("array takes no arguments")
		}
		at, ok := arrayType(elem)
		if !ok {
			return t, fmt.Errorf("no array type for %s", elem)
		}
		return at, nil
	case "enum":
		if !hasArgs || len(list) == 0 {
			return t, fmt.Errorf("enum needs values: enum(a,b)")
		}
		t = core.Enum("", list...)
		if err := checkEnumValues(list); err != nil {
			return t, err
		}
	case "numeric", "decimal":
		t = core.Numeric(defaultPrecision, defaultScale)
		if hasArgs {
			if len(list) > 2 {
				return t, fmt.Errorf("want numeric(precision[,scale])")
			}
			sc := ""
			if len(list) == 2 {
				sc = list[1]
			}
			p, s, err := precisionScale(list[0], sc, true, t)
			if err != nil {
				return t, err
			}
			t.Precision, t.Scale = p, s
		}
	case "varchar", "string":
		if hasArgs {
			n, err := strconv.Atoi(args)
			if err != nil || n <= 0 {
				return t, fmt.Errorf("size %q is not a positive integer", args)
			}
			size = n
		}
		t, _ = parseTypeName(name, size)
	default:
		if hasArgs {
			return t, fmt.Errorf("%s takes no arguments", name)
		}
		var ok bool
		if t, ok = parseTypeName(name, size); !ok {
			return t, fmt.Errorf("unknown type")
		}
	}
	if array {
		if t.Kind == core.TypeEnum {
			return t, fmt.Errorf("enum arrays are not supported")
		}
		t = core.ArrayOf(t)
	}
	return t, nil
}

func checkEnumValues(vals []string) error {
	for i, v := range vals {
		if v == "" {
			return fmt.Errorf("empty enum value")
		}
		for _, w := range vals[:i] {
			if w == v {
				return fmt.Errorf("duplicate enum value %q", v)
			}
		}
	}
	return nil
}
