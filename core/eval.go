package core

// In-memory evaluation of expressions against one row's values, for
// callers that must know what a statement did to rows they hold without
// asking the server (the session's bulk UPDATE and DELETE). The answers
// follow SQL, not Go: NULL is unknown (three-valued logic), integers and
// floats compare as numbers, and whatever the servers answer differently
// (collation-dependent text comparisons, integer division, decimal
// arithmetic) is refused with ErrNotEvaluable rather than guessed.

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// ErrNotEvaluable is wrapped by every error about an expression that
// Evaluate or EvaluateValue cannot evaluate exactly as the servers would:
// a node kind it does not know (subquery, EXISTS, CAST, raw SQL, most
// functions), a column whose value it was not given, or operands whose
// result depends on the server (text ordering, which follows the
// collation; integer division; arithmetic on NUMERIC columns).
var ErrNotEvaluable = errors.New("core: expression cannot be evaluated in memory")

// Evaluate reports whether the predicate e holds for one row, whose
// column values value gives (ok false: the column is not the row's, and
// e cannot be evaluated). It answers as a WHERE clause does: true only
// when e is TRUE, so a NULL (unknown) result is false.
//
// It supports comparisons (=, <>, <, <=, >, >=, BETWEEN), AND, OR, NOT,
// IN and NOT IN with values, IS [NOT] NULL, LIKE and ILIKE (with or
// without Escape), Contains/StartsWith/EndsWith, COALESCE, CASE,
// arithmetic (+, -, *, /, unary minus), Concat, and bound values and
// literals of Go's basic kinds, time.Time, []byte, pointers to them and
// driver.Valuer values. Anything else is an error wrapping
// ErrNotEvaluable that names the expression kind, reported whatever the
// values (the whole expression is checked first, as CheckEvaluable).
//
// Comparison follows SQL: a NULL operand makes it unknown; an integer and
// a float compare as floats, as the servers convert them; times compare
// as instants. Text compares as the servers' collations agree: equal
// strings are equal everywhere, and printable ASCII strings that differ
// other than in letter case and trailing spaces differ everywhere; any
// other pair of different strings (MariaDB's default collations ignore
// case and trailing spaces) and any ordering of different strings is
// not evaluable. LIKE is answered when every server would answer alike
// (SQLite's LIKE ignores ASCII case, MariaDB's follows the collation,
// PostgreSQL's does not), and a pattern with a backslash but no Escape
// (an escape on PostgreSQL and MariaDB, not on SQLite) is not
// evaluable. Values of columns whose type the servers compare by their
// own rules (NUMERIC beyond 15 digits, UUID, JSON, arrays, native
// types), and strings a driver.Valuer gives, only compare equal when
// identical, and are not ordered; DATE and TIME columns are not
// evaluable (the server converts a bound time in its time zone). Arithmetic on integers that overflows int64, integer
// division, division by zero, and arithmetic on NUMERIC or 4-byte FLOAT
// columns are not evaluable.
func Evaluate(e Expr, value func(*Column) (any, bool)) (bool, error) {
	ev := evaluator{value: value}
	if err := checkEval(e, ev.known); err != nil {
		return false, err
	}
	v, err := ev.eval(e)
	if err != nil {
		return false, err
	}
	switch v.k {
	case evNull:
		return false, nil
	case evBool:
		return v.b, nil
	}
	return false, fmt.Errorf("core: evaluate: predicate of %s value: %w", v.k, ErrNotEvaluable)
}

// EvaluateValue computes the value of e for one row, as Evaluate
// evaluates predicates: nil (NULL), a bool, an int64, a float64, a
// string, a []byte or a time.Time.
func EvaluateValue(e Expr, value func(*Column) (any, bool)) (any, error) {
	ev := evaluator{value: value}
	if err := checkEval(e, ev.known); err != nil {
		return nil, err
	}
	v, err := ev.eval(e)
	if err != nil {
		return nil, err
	}
	return v.goValue(), nil
}

// CheckEvaluable reports, without values, whether Evaluate and
// EvaluateValue know every node of e (known says which columns will be
// given): nil, or an error wrapping ErrNotEvaluable naming the first
// node they cannot evaluate. Evaluation may still fail for some values
// (text ordering, overflow).
func CheckEvaluable(e Expr, known func(*Column) bool) error {
	return checkEval(e, known)
}

func notEvaluable(format string, a ...any) error {
	return fmt.Errorf("core: evaluate: "+format+": %w", append(a, ErrNotEvaluable)...)
}

// checkEval walks e and refuses the nodes eval does not know.
func checkEval(e Expr, known func(*Column) bool) error {
	switch x := e.(type) {
	case nil:
		return notEvaluable("missing expression")
	case *Column:
		if known == nil || !known(x) {
			return notEvaluable("column %s is not a column of the evaluated row", colName(x))
		}
		return nil
	case value:
		_, err := normalize(x.v)
		return err
	case literal:
		_, err := normalize(x.v)
		return err
	case constant:
		if x.sql == True.(constant).sql || x.sql == False.(constant).sql || x.sql == Null.(constant).sql {
			return nil
		}
		return notEvaluable("constant %s", x.sql)
	case compare:
		if _, ok := x.r.(SelectQuery); ok {
			return notEvaluable("comparison with a subquery")
		}
		return checkAll(known, x.l, toExpr(x.r))
	case binary:
		return checkAll(known, x.l, x.r)
	case concat:
		return checkAll(known, x.parts...)
	case logical:
		return checkAll(known, x.terms...)
	case not:
		return checkEval(x.e, known)
	case isNull:
		return checkEval(x.e, known)
	case between:
		return checkAll(known, x.e, x.lo, x.hi)
	case in:
		if x.sub != nil {
			return notEvaluable("IN (subquery)")
		}
		if err := checkAll(known, x.list...); err != nil {
			return err
		}
		if x.slice != nil {
			rv := reflect.ValueOf(x.slice)
			for i := range rv.Len() {
				if _, err := normalize(rv.Index(i).Interface()); err != nil {
					return err
				}
			}
		}
		return checkEval(x.e, known)
	case LikeExpr:
		return checkAll(known, x.e, x.pattern)
	case match:
		return checkEval(x.e, known)
	case neg:
		return checkEval(x.e, known)
	case fn:
		if x.name != "COALESCE" || x.distinct {
			return notEvaluable("function %s", x.name)
		}
		return checkAll(known, x.args...)
	case CaseExpr:
		for _, w := range x.whens {
			if err := checkAll(known, w.cond, w.then); err != nil {
				return err
			}
		}
		if x.els != nil {
			return checkEval(x.els, known)
		}
		return nil
	case errExpr:
		return x.err
	}
	return notEvaluable("%s", exprKind(e))
}

func checkAll(known func(*Column) bool, es ...Expr) error {
	for _, e := range es {
		if err := checkEval(e, known); err != nil {
			return err
		}
	}
	return nil
}

// exprKind names a node kind for errors.
func exprKind(e Expr) string {
	switch x := e.(type) {
	case subquery:
		return "scalar subquery"
	case exists:
		return "EXISTS"
	case cast:
		return "CAST"
	case *RawSQL:
		return "raw SQL"
	case ident:
		return "identifier " + x.name
	case star:
		return "*"
	case alias:
		return "alias " + x.name
	case over:
		return "window function"
	case extract:
		return "EXTRACT"
	case arrayOp:
		return "array operator " + x.op
	case excluded:
		return "EXCLUDED column"
	}
	return fmt.Sprintf("expression %T", e)
}

func colName(c *Column) string {
	if t := c.Table(); t != nil {
		return t.refName() + "." + c.Name
	}
	return c.Name
}

// evaluator evaluates the expressions of one row.
type evaluator struct {
	value func(*Column) (any, bool)
}

func (e evaluator) known(c *Column) bool {
	_, ok := e.value(c)
	return ok
}

func (e evaluator) column(c *Column) (ev, error) {
	x, ok := e.value(c)
	if !ok {
		return ev{}, notEvaluable("column %s is not a column of the evaluated row", colName(c))
	}
	v, err := normalize(x)
	if err != nil {
		return ev{}, fmt.Errorf("column %s: %w", colName(c), err)
	}
	t := c.Type
	switch {
	case t.Array:
		v.opaque = true
	case t.Kind == TypeNumeric:
		// A NUMERIC of up to 15 digits held in a float64 keeps its
		// order (distinct decimals stay distinct doubles); beyond, or as
		// text, it compares by the server's decimal rules only.
		v.exact = true
		v.opaque = v.k != evInt && !(v.k == evFloat && t.Precision > 0 && t.Precision <= 15)
	case t.Kind == TypeFloat:
		v.exact = true // a 4-byte float: the server's arithmetic rounds to it
	case t.Kind == TypeDate, t.Kind == TypeTime:
		// Compared with a bound time, the server converts one side in
		// its session time zone.
		return ev{}, notEvaluable("column %s of type %s", colName(c), t.Kind)
	case t.Kind == TypeUUID, t.Kind == TypeJSON, t.Kind == TypeNative:
		v.opaque = true
	}
	return v, nil
}

func (e evaluator) eval(x Expr) (ev, error) {
	switch n := x.(type) {
	case *Column:
		return e.column(n)
	case value:
		return normalize(n.v)
	case literal:
		return normalize(n.v)
	case constant:
		switch n.sql {
		case True.(constant).sql:
			return evBoolV(true), nil
		case False.(constant).sql:
			return evBoolV(false), nil
		}
		return evNullV, nil
	case compare:
		l, err := e.eval(n.l)
		if err != nil {
			return ev{}, err
		}
		r, err := e.eval(toExpr(n.r))
		if err != nil {
			return ev{}, err
		}
		return compareEv(n.op, l, r)
	case binary:
		l, err := e.eval(n.l)
		if err != nil {
			return ev{}, err
		}
		r, err := e.eval(n.r)
		if err != nil {
			return ev{}, err
		}
		return arith(n.op, l, r)
	case neg:
		v, err := e.eval(n.e)
		if err != nil {
			return ev{}, err
		}
		return arith("-", ev{k: evInt}, v)
	case concat:
		var b strings.Builder
		null := false
		for _, p := range n.parts {
			v, err := e.eval(p)
			if err != nil {
				return ev{}, err
			}
			switch {
			case v.k == evNull:
				null = true
			case v.k != evString || v.opaque:
				return ev{}, notEvaluable("concatenation of a %s value", v.k)
			}
			b.WriteString(v.s)
		}
		if null {
			return evNullV, nil
		}
		return ev{k: evString, s: b.String()}, nil
	case logical:
		return e.logical(n)
	case not:
		v, err := e.eval(n.e)
		if err != nil {
			return ev{}, err
		}
		return notEv(v)
	case isNull:
		v, err := e.eval(n.e)
		if err != nil {
			return ev{}, err
		}
		return evBoolV((v.k == evNull) != n.not), nil
	case between:
		v, err := e.eval(n.e)
		if err != nil {
			return ev{}, err
		}
		lo, err := e.eval(n.lo)
		if err != nil {
			return ev{}, err
		}
		hi, err := e.eval(n.hi)
		if err != nil {
			return ev{}, err
		}
		a, errA := compareEv(">=", v, lo)
		b, errB := compareEv("<=", v, hi)
		r, err := and3([]ev{a, b}, []error{errA, errB})
		if err != nil || !n.not {
			return r, err
		}
		return notEv(r)
	case in:
		return e.in(n)
	case LikeExpr:
		return e.like(n)
	case match:
		v, err := e.eval(n.e)
		if err != nil {
			return ev{}, err
		}
		switch {
		case v.k == evNull:
			return evNullV, nil
		case v.k != evString || v.opaque:
			return ev{}, notEvaluable("text match on a %s value", v.k)
		}
		switch n.kind {
		case matchPrefix:
			return evBoolV(strings.HasPrefix(v.s, n.s)), nil
		case matchSuffix:
			return evBoolV(strings.HasSuffix(v.s, n.s)), nil
		}
		return evBoolV(strings.Contains(v.s, n.s)), nil
	case fn: // COALESCE (checkEval refuses the rest)
		for _, a := range n.args {
			v, err := e.eval(a)
			if err != nil {
				return ev{}, err
			}
			if v.k != evNull {
				return v, nil
			}
		}
		return evNullV, nil
	case CaseExpr:
		for _, w := range n.whens {
			c, err := e.eval(w.cond)
			if err != nil {
				return ev{}, err
			}
			if c.k == evBool && c.b {
				return e.eval(w.then)
			}
			if c.k != evBool && c.k != evNull {
				return ev{}, notEvaluable("CASE condition of %s value", c.k)
			}
		}
		if n.els != nil {
			return e.eval(n.els)
		}
		return evNullV, nil
	}
	return ev{}, notEvaluable("%s", exprKind(x))
}

// logical is AND/OR in three-valued logic. A term that cannot be
// evaluated for these values does not matter when another decides the
// result (FALSE for AND, TRUE for OR).
func (e evaluator) logical(n logical) (ev, error) {
	vs := make([]ev, len(n.terms))
	errs := make([]error, len(n.terms))
	for i, t := range n.terms {
		vs[i], errs[i] = e.eval(t)
	}
	if n.and {
		return and3(vs, errs)
	}
	// a OR b = NOT (NOT a AND NOT b)
	for i := range vs {
		if errs[i] == nil {
			vs[i], errs[i] = notEv(vs[i])
		}
	}
	r, err := and3(vs, errs)
	if err != nil {
		return ev{}, err
	}
	return notEv(r)
}

func and3(vs []ev, errs []error) (ev, error) {
	null := false
	var first error
	for i, v := range vs {
		if errs[i] != nil {
			if first == nil {
				first = errs[i]
			}
			continue
		}
		switch v.k {
		case evNull:
			null = true
		case evBool:
			if !v.b {
				return evBoolV(false), nil
			}
		default:
			if first == nil {
				first = notEvaluable("logical operand of %s value", v.k)
			}
		}
	}
	if first != nil {
		return ev{}, first
	}
	if null {
		return evNullV, nil
	}
	return evBoolV(true), nil
}

func notEv(v ev) (ev, error) {
	switch v.k {
	case evNull:
		return evNullV, nil
	case evBool:
		return evBoolV(!v.b), nil
	}
	return ev{}, notEvaluable("NOT of a %s value", v.k)
}

// in is x IN (…): TRUE if an element equals x; else NULL if x or an
// element is NULL (or a comparison could not be decided); else FALSE.
func (e evaluator) in(n in) (ev, error) {
	x, err := e.eval(n.e)
	if err != nil {
		return ev{}, err
	}
	var elems []ev
	for _, l := range n.list {
		v, err := e.eval(l)
		if err != nil {
			return ev{}, err
		}
		elems = append(elems, v)
	}
	if n.slice != nil {
		rv := reflect.ValueOf(n.slice)
		for i := range rv.Len() {
			v, err := normalize(rv.Index(i).Interface())
			if err != nil {
				return ev{}, err
			}
			elems = append(elems, v)
		}
	}
	null := false
	var undecided error
	for _, el := range elems {
		r, err := compareEv("=", x, el)
		switch {
		case err != nil:
			if undecided == nil {
				undecided = err
			}
		case r.k == evNull:
			null = true
		case r.b:
			if n.not {
				return evBoolV(false), nil
			}
			return evBoolV(true), nil
		}
	}
	if undecided != nil {
		return ev{}, undecided
	}
	if null {
		return evNullV, nil
	}
	return evBoolV(n.not), nil
}

// Columns returns the columns e reads, and whether the list is complete:
// false when e holds raw SQL, an identifier, or a subquery, whose columns
// it does not see.
func Columns(e Expr) ([]*Column, bool) {
	var out []*Column
	ok := columnsOf(e, &out)
	return out, ok
}

func columnsOf(e Expr, out *[]*Column) bool {
	all := func(es ...Expr) bool {
		ok := true
		for _, x := range es {
			ok = columnsOf(x, out) && ok
		}
		return ok
	}
	switch x := e.(type) {
	case nil, value, literal, constant, errExpr:
		return true
	case *Column:
		*out = append(*out, x)
		return true
	case compare:
		if _, sub := x.r.(SelectQuery); sub {
			columnsOf(x.l, out)
			return false
		}
		return all(x.l, toExpr(x.r))
	case binary:
		return all(x.l, x.r)
	case concat:
		return all(x.parts...)
	case logical:
		return all(x.terms...)
	case not:
		return all(x.e)
	case isNull:
		return all(x.e)
	case between:
		return all(x.e, x.lo, x.hi)
	case in:
		return all(append([]Expr{x.e}, x.list...)...) && x.sub == nil
	case LikeExpr:
		return all(x.e, x.pattern)
	case match:
		return all(x.e)
	case neg:
		return all(x.e)
	case fn:
		return all(x.args...)
	case cast:
		return all(x.e)
	case CaseExpr:
		ok := x.els == nil || columnsOf(x.els, out)
		for _, w := range x.whens {
			ok = all(w.cond, w.then) && ok
		}
		return ok
	case over:
		ok := all(append([]Expr{x.f}, x.spec.partition...)...)
		for _, o := range x.spec.order {
			ok = columnsOf(o.e, out) && ok
		}
		return ok
	case extract:
		return all(x.e)
	case arrayOp:
		return all(x.l, x.r)
	case alias:
		return all(x.e)
	}
	return false
}
