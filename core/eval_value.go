package core

// Values of in-memory evaluation (see Evaluate): their kinds, how Go
// values become them, and the operators on them, as the servers apply
// them.

import (
	"bytes"
	"database/sql/driver"
	"math"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"
)

// evKind is the kind of an evaluated value.
type evKind uint8

const (
	evNull evKind = iota
	evBool
	evInt
	evFloat
	evString
	evBytes
	evTime
)

func (k evKind) String() string {
	return [...]string{"NULL", "boolean", "integer", "float", "text", "bytes", "time"}[k]
}

// ev is an evaluated value.
type ev struct {
	k evKind
	b bool
	i int64
	f float64
	s string // evString; evBytes as a string
	t time.Time
	// opaque: the servers compare the value by rules of its own (a
	// NUMERIC, DATE or UUID column, a driver.Valuer's text): it equals
	// an identical value, and nothing else is known.
	opaque bool
	// exact: arithmetic on it is not float arithmetic on the server (a
	// NUMERIC or 4-byte FLOAT column).
	exact bool
}

var evNullV = ev{}

func evBoolV(b bool) ev { return ev{k: evBool, b: b} }

func (v ev) goValue() any {
	switch v.k {
	case evBool:
		return v.b
	case evInt:
		return v.i
	case evFloat:
		return v.f
	case evString:
		return v.s
	case evBytes:
		return []byte(v.s)
	case evTime:
		return v.t
	}
	return nil
}

var timeType = reflect.TypeFor[time.Time]()

// normalize turns a Go value into an ev: the kinds a driver binds.
func normalize(x any) (ev, error) {
	switch v := x.(type) {
	case nil:
		return evNullV, nil
	case bool:
		return evBoolV(v), nil
	case int64:
		return ev{k: evInt, i: v}, nil
	case int:
		return ev{k: evInt, i: int64(v)}, nil
	case int32:
		return ev{k: evInt, i: int64(v)}, nil
	case float64:
		return floatV(v)
	case string:
		return ev{k: evString, s: v}, nil
	case []byte:
		if v == nil {
			return evNullV, nil
		}
		return ev{k: evBytes, s: string(v)}, nil
	case time.Time:
		return ev{k: evTime, t: v}, nil
	case driver.Valuer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return evNullV, nil
		}
		dv, err := v.Value()
		if err != nil {
			return ev{}, notEvaluable("value of type %T: %v", x, err)
		}
		if _, again := dv.(driver.Valuer); again {
			return ev{}, notEvaluable("value of type %T", x)
		}
		out, err := normalize(dv)
		if err != nil {
			return ev{}, err
		}
		// Its text (a decimal, a UUID) is the type's, compared by the
		// server as the column's type.
		out.opaque = out.k == evString || out.k == evBytes
		return out, nil
	}
	rv := reflect.ValueOf(x)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return evNullV, nil
		}
		return normalize(rv.Elem().Interface())
	case reflect.Bool:
		return evBoolV(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ev{k: evInt, i: rv.Int()}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if rv.Uint() > math.MaxInt64 {
			return ev{}, notEvaluable("unsigned value beyond int64")
		}
		return ev{k: evInt, i: int64(rv.Uint())}, nil
	case reflect.Float32, reflect.Float64:
		return floatV(rv.Float())
	case reflect.String:
		return ev{k: evString, s: rv.String()}, nil
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			if rv.IsNil() {
				return evNullV, nil
			}
			return ev{k: evBytes, s: string(rv.Bytes())}, nil
		}
	case reflect.Struct:
		if rv.Type().ConvertibleTo(timeType) {
			return ev{k: evTime, t: rv.Convert(timeType).Interface().(time.Time)}, nil
		}
	}
	return ev{}, notEvaluable("value of type %T", x)
}

func floatV(f float64) (ev, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ev{}, notEvaluable("non-finite float")
	}
	return ev{k: evFloat, f: f}, nil
}

// compareEv compares two values as the servers would.
func compareEv(op string, l, r ev) (ev, error) {
	if l.k == evNull || r.k == evNull {
		return evNullV, nil
	}
	c, err := order(op, l, r)
	if err != nil {
		return ev{}, err
	}
	switch op {
	case "=":
		return evBoolV(c == 0), nil
	case "<>":
		return evBoolV(c != 0), nil
	case "<":
		return evBoolV(c < 0), nil
	case "<=":
		return evBoolV(c <= 0), nil
	case ">":
		return evBoolV(c > 0), nil
	case ">=":
		return evBoolV(c >= 0), nil
	}
	return ev{}, notEvaluable("operator %s", op)
}

// order returns -1, 0 or 1 as l sorts before, equal to, or after r; for
// = and <> (equality) any non-zero answer means "different".
func order(op string, l, r ev) (int, error) {
	equality := op == "=" || op == "<>"
	if l.opaque || r.opaque {
		if equality && l.k == r.k && l.identical(r) {
			return 0, nil
		}
		return 0, notEvaluable("comparison of %s values the server compares by their column's type", l.k)
	}
	switch {
	case l.k == evInt && r.k == evInt:
		return cmp3(l.i < r.i, l.i > r.i), nil
	case isNum(l.k) && isNum(r.k):
		a, b := l.num(), r.num()
		return cmp3(a < b, a > b), nil
	case l.k == evBool && r.k == evBool:
		return cmp3(!l.b && r.b, l.b && !r.b), nil
	case l.k == evTime && r.k == evTime:
		return l.t.Compare(r.t), nil
	case l.k == evBytes && r.k == evBytes:
		return bytes.Compare([]byte(l.s), []byte(r.s)), nil
	case l.k == evString && r.k == evString:
		if l.s == r.s {
			return 0, nil
		}
		if equality && printableASCII(l.s) && printableASCII(r.s) &&
			!strings.EqualFold(strings.TrimRight(l.s, " "), strings.TrimRight(r.s, " ")) {
			return 1, nil
		}
		if equality {
			return 0, notEvaluable("equality of texts that differ only as a collation may ignore (letter case, trailing spaces, non-ASCII)")
		}
		return 0, notEvaluable("ordering of different texts, which follows the server's collation")
	}
	return 0, notEvaluable("comparison of %s with %s", l.k, r.k)
}

func (v ev) identical(w ev) bool {
	switch v.k {
	case evBool:
		return v.b == w.b
	case evInt:
		return v.i == w.i
	case evFloat:
		return v.f == w.f
	case evString, evBytes:
		return v.s == w.s
	case evTime:
		return v.t.Equal(w.t)
	}
	return false
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

func isNum(k evKind) bool { return k == evInt || k == evFloat }

func (v ev) num() float64 {
	if v.k == evInt {
		return float64(v.i)
	}
	return v.f
}

// arith is l op r for + - * /.
func arith(op string, l, r ev) (ev, error) {
	if l.k == evNull || r.k == evNull {
		return evNullV, nil
	}
	if !isNum(l.k) || !isNum(r.k) || l.opaque || r.opaque {
		return ev{}, notEvaluable("arithmetic on %s and %s values", l.k, r.k)
	}
	if l.exact || r.exact {
		return ev{}, notEvaluable("arithmetic on a NUMERIC or FLOAT column, which the server does in its own precision")
	}
	if l.k == evInt && r.k == evInt {
		a, b := l.i, r.i
		var c int64
		ok := true
		switch op {
		case "+":
			c = a + b
			ok = (c > a) == (b > 0) || b == 0
		case "-":
			c = a - b
			ok = (c < a) == (b > 0) || b == 0
		case "*":
			c = a * b
			ok = a == 0 || (c/a == b && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64))
		case "/":
			return ev{}, notEvaluable("integer division, which truncates on PostgreSQL and SQLite and not on MariaDB")
		default:
			return ev{}, notEvaluable("operator %s", op)
		}
		if !ok {
			return ev{}, notEvaluable("integer overflow")
		}
		return ev{k: evInt, i: c}, nil
	}
	a, b := l.num(), r.num()
	var c float64
	switch op {
	case "+":
		c = a + b
	case "-":
		c = a - b
	case "*":
		c = a * b
	case "/":
		if b == 0 {
			return ev{}, notEvaluable("division by zero")
		}
		c = a / b
	default:
		return ev{}, notEvaluable("operator %s", op)
	}
	return floatV(c)
}

// like evaluates [NOT] LIKE / ILIKE where every server answers alike.
func (e evaluator) like(n LikeExpr) (ev, error) {
	v, err := e.eval(n.e)
	if err != nil {
		return ev{}, err
	}
	p, err := e.eval(n.pattern)
	if err != nil {
		return ev{}, err
	}
	if v.k == evNull || p.k == evNull {
		return evNullV, nil
	}
	if v.k != evString || p.k != evString || v.opaque || p.opaque {
		return ev{}, notEvaluable("LIKE on %s and %s values", v.k, p.k)
	}
	esc := rune(n.esc)
	if n.esc == 0 {
		if strings.ContainsRune(p.s, '\\') {
			return ev{}, notEvaluable("LIKE pattern with a backslash and no Escape, an escape on PostgreSQL and MariaDB only")
		}
		esc = -1
	}
	m := likeMatch(v.s, p.s, esc)
	if !m {
		switch {
		case printableASCII(v.s) && printableASCII(p.s):
			folded := likeMatch(strings.ToLower(v.s), strings.ToLower(p.s), esc)
			if n.fold {
				m = folded
			} else if folded {
				return ev{}, notEvaluable("LIKE that matches but for letter case, which SQLite and MariaDB ignore and PostgreSQL does not")
			}
		default:
			return ev{}, notEvaluable("LIKE on non-ASCII text, matched by the server's collation")
		}
	}
	return evBoolV(m != n.not), nil
}

// likeMatch matches s against a LIKE pattern, character by character
// (esc < 0: no escape character).
func likeMatch(s, p string, esc rune) bool {
	for len(p) > 0 {
		c, w := utf8.DecodeRuneInString(p)
		p = p[w:]
		switch {
		case c == esc && len(p) > 0:
			c, w = utf8.DecodeRuneInString(p)
			p = p[w:]
			r, rw := utf8.DecodeRuneInString(s)
			if len(s) == 0 || r != c {
				return false
			}
			s = s[rw:]
		case c == '%':
			for len(p) > 0 && p[0] == '%' {
				p = p[1:]
			}
			if len(p) == 0 {
				return true
			}
			for i := 0; i <= len(s); {
				if likeMatch(s[i:], p, esc) {
					return true
				}
				if i == len(s) {
					break
				}
				_, rw := utf8.DecodeRuneInString(s[i:])
				i += rw
			}
			return false
		case c == '_':
			if len(s) == 0 {
				return false
			}
			_, rw := utf8.DecodeRuneInString(s)
			s = s[rw:]
		default:
			r, rw := utf8.DecodeRuneInString(s)
			if len(s) == 0 || r != c {
				return false
			}
			s = s[rw:]
		}
	}
	return len(s) == 0
}

// printableASCII reports text every collation compares alike: letters,
// digits, punctuation and spaces of ASCII, no control characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
