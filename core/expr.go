package core

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
)

// Expr is a SQL expression. The set of implementations is closed: build
// expressions with this package's functions (Eq, And, Func, Val, …) or, as
// the escape hatch, Raw.
//
// Functions that take operands as `any` treat an Expr (a *Column, a
// subquery, …) as an expression and anything else as a value, which is
// always sent as a bound parameter.
type Expr interface {
	writeExpr(w *writer)
	prec() int
}

// Operator precedence, lowest first. An operand whose precedence is below
// what its parent requires is parenthesised.
const (
	precLowest  = iota
	precOr      // OR
	precAnd     // AND
	precNot     // NOT
	precCompare // = <> < <= > >= IS IN LIKE BETWEEN
	precAdd     // + - ||
	precMul     // * / %
	precUnary   // unary minus
	precPrimary // columns, parameters, function calls, parenthesised
)

// toExpr makes an operand an expression: an Expr stays itself, anything else
// becomes a bound value.
func toExpr(v any) Expr {
	switch e := v.(type) {
	case Expr:
		return e
	case SelectQuery:
		return subquery{q: e}
	default:
		return value{v: v}
	}
}

func toExprs(vs []any) []Expr {
	out := make([]Expr, len(vs))
	for i, v := range vs {
		out[i] = toExpr(v)
	}
	return out
}

// value is a bound parameter.
type value struct{ v any }

// Val makes v a bound parameter explicitly (operands of Eq, In, … already
// are). The value never appears in SQL text.
func Val(v any) Expr { return value{v: v} }

func (e value) writeExpr(w *writer) { w.arg(e.v) }
func (value) prec() int             { return precPrimary }

// literal is a constant written into the SQL text. See Literal.
type literal struct{ v any }

// Literal is v written inline, as a SQL constant, through the dialect's
// literal syntax: nil (NULL), a bool, an integer, a finite float, or a
// string (quoted and escaped by the dialect; a NUL byte or invalid UTF-8
// fails to compile). Any other type fails to compile. Unlike Val, the
// value is part of the SQL text, so the server types it as it types a
// constant (0 is an integer on PostgreSQL, where a bound 0 in a select
// list would need a cast), and each distinct value is a distinct
// statement shape in the compile cache: use it for the few constants a
// query is built around, never for user input (use Val or a plain
// operand). Unlike Raw, it cannot carry SQL syntax.
func Literal(v any) Expr { return literal{v: v} }

func (e literal) writeExpr(w *writer) {
	if w.mode == modeShape {
		// The text is part of the shape. NUL-delimit it: no literal
		// contains a NUL byte (AppendLiteral refuses one).
		w.b(0)
		w.lit(e.v)
		w.b(0)
		return
	}
	w.lit(e.v)
}

// prec makes a negative number a unary minus, so Neg(Literal(-1)) is
// -(-1), never the comment --1.
func (e literal) prec() int {
	switch x := e.v.(type) {
	case int:
		return litPrec(x < 0)
	case int8:
		return litPrec(x < 0)
	case int16:
		return litPrec(x < 0)
	case int32:
		return litPrec(x < 0)
	case int64:
		return litPrec(x < 0)
	case float32:
		return litPrec(x < 0 || x == 0 && math.Signbit(float64(x)))
	case float64:
		return litPrec(x < 0 || x == 0 && math.Signbit(x))
	}
	return precPrimary
}

func litPrec(negative bool) int {
	if negative {
		return precUnary
	}
	return precPrimary
}

// ident is an unbound, possibly qualified identifier.
type ident struct{ qualifier, name string }

// Ident refers to a column or alias by name, quoted by the dialect:
// Ident("total") or Ident("t", "total") for "t"."total". Use it for select
// aliases and CTE/derived-table columns; prefer Table.C for table columns.
func Ident(nameOrQualifier string, name ...string) Expr {
	if len(name) == 0 {
		return ident{name: nameOrQualifier}
	}
	return ident{qualifier: nameOrQualifier, name: name[0]}
}

func (e ident) writeExpr(w *writer) { w.qualified(e.qualifier, e.name) }
func (ident) prec() int             { return precPrimary }

// star is "*" or "t".*.
type star struct{ qualifier string }

// Star is "*" in a select list or COUNT(*).
func Star() Expr { return star{} }

func (e star) writeExpr(w *writer) {
	if e.qualifier != "" {
		w.ident(e.qualifier)
		w.b('.')
	}
	w.b('*')
}
func (star) prec() int { return precPrimary }

// constant is a fixed SQL fragment chosen by this package, never by users.
type constant struct {
	sql string
	p   int
}

var (
	// True is a predicate that always holds, written 1 = 1.
	True Expr = constant{sql: "1 = 1", p: precCompare}
	// False is a predicate that never holds, written 1 = 0.
	False Expr = constant{sql: "1 = 0", p: precCompare}
	// Null is the SQL NULL literal.
	Null Expr = constant{sql: "NULL", p: precPrimary}
)

func (e constant) writeExpr(w *writer) { w.s(e.sql) }
func (e constant) prec() int           { return e.p }

// binary is a binary operator.
type binary struct {
	op    string
	l, r  Expr
	p     int
	assoc bool // same-precedence right operand needs no parentheses
}

func (e binary) writeExpr(w *writer) {
	if isValue(e.l) && isValue(e.r) {
		// Neither operand types the other (see ParamCaster).
		w.typed(e.l, e.p)
		w.b(' ')
		w.s(e.op)
		w.b(' ')
		w.typed(e.r, e.p+1)
		return
	}
	w.expr(e.l, e.p)
	w.b(' ')
	w.s(e.op)
	w.b(' ')
	if e.assoc {
		w.expr(e.r, e.p)
	} else {
		w.expr(e.r, e.p+1)
	}
}
func (e binary) prec() int { return e.p }

// compare is a comparison l op r. Comparisons are not associative: an
// operand that is itself a comparison (or looser) is parenthesised, as in
// (a = b) = c. The right operand is held as given (see writer.operand), so
// Eq(col, v) is a single small node.
type compare struct {
	op string
	l  Expr
	r  any // an operand: Expr, SelectQuery or value
}

func cmp(op string, l, r any) Expr { return compare{op: op, l: toExpr(l), r: r} }

func (e compare) writeExpr(w *writer) {
	if isValue(e.l) && isValueOperand(e.r) {
		// Neither operand types the other (see ParamCaster).
		w.typed(e.l, precCompare+1)
		w.b(' ')
		w.s(e.op)
		w.b(' ')
		w.typed(toExpr(e.r), precCompare+1)
		return
	}
	w.expr(e.l, precCompare+1)
	w.b(' ')
	w.s(e.op)
	w.b(' ')
	w.operand(e.r, precCompare+1)
}
func (compare) prec() int { return precCompare }

// isValueOperand reports whether an operand held as given is bound as a
// value: a plain value or Val.
func isValueOperand(v any) bool {
	switch v.(type) {
	case value:
		return true
	case Expr, SelectQuery:
		return false
	}
	return true
}

// isNil reports whether v is bound as SQL NULL: nil, a typed nil pointer,
// map or slice (as (*string)(nil)), or a driver.Valuer whose value is nil
// (an invalid sql.NullString). Expressions are never nil values.
func isNil(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string, int, int64, int32, bool, float64, Expr, SelectQuery:
		return false // the common cases, without reflection
	case driver.Valuer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return true
		}
		dv, err := x.Value()
		return err == nil && dv == nil
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		return rv.IsNil()
	}
	return false
}

// Eq is l = r. Eq(x, nil) is x IS NULL, and so is Eq(x, v) for any v
// bound as NULL: a typed nil pointer ((*string)(nil)), nil map or slice,
// or a driver.Valuer whose value is nil (sql.NullString{}).
func Eq(l, r any) Expr {
	if isNil(r) {
		return IsNull(l)
	}
	return cmp("=", l, r)
}

// Ne is l <> r. Ne(x, nil) is x IS NOT NULL, for every nil Eq
// recognises.
func Ne(l, r any) Expr {
	if isNil(r) {
		return IsNotNull(l)
	}
	return cmp("<>", l, r)
}

// Lt is l < r.
func Lt(l, r any) Expr { return cmp("<", l, r) }

// Le is l <= r.
func Le(l, r any) Expr { return cmp("<=", l, r) }

// Gt is l > r.
func Gt(l, r any) Expr { return cmp(">", l, r) }

// Ge is l >= r.
func Ge(l, r any) Expr { return cmp(">=", l, r) }

// Add is l + r.
func Add(l, r any) Expr { return binary{op: "+", l: toExpr(l), r: toExpr(r), p: precAdd, assoc: true} }

// Sub is l - r.
func Sub(l, r any) Expr { return binary{op: "-", l: toExpr(l), r: toExpr(r), p: precAdd} }

// Mul is l * r.
func Mul(l, r any) Expr { return binary{op: "*", l: toExpr(l), r: toExpr(r), p: precMul, assoc: true} }

// Div is l / r.
func Div(l, r any) Expr { return binary{op: "/", l: toExpr(l), r: toExpr(r), p: precMul} }

// concat is string concatenation.
type concat struct{ parts []Expr }

// Concat joins strings: a || b, or CONCAT(a, b) on MySQL.
func Concat(parts ...any) Expr { return concat{parts: toExprs(parts)} }

func (e concat) writeExpr(w *writer) {
	if w.f.ConcatFunc {
		w.s("CONCAT(")
		w.list(e.parts)
		w.b(')')
		return
	}
	for i, p := range e.parts {
		if i > 0 {
			w.s(" || ")
		}
		w.expr(p, precAdd+1)
	}
}
func (e concat) prec() int { return precAdd }

// logical is an n-ary AND or OR.
type logical struct {
	and   bool
	terms []Expr
}

// And joins predicates with AND. With no terms it is True; nil terms are
// skipped, so optional filters can be passed directly.
func And(terms ...Expr) Expr { return newLogical(true, terms) }

// Or joins predicates with OR. With no terms it is False.
func Or(terms ...Expr) Expr { return newLogical(false, terms) }

func newLogical(and bool, terms []Expr) Expr {
	kept := make([]Expr, 0, len(terms))
	for _, t := range terms {
		if t != nil {
			kept = append(kept, t)
		}
	}
	switch len(kept) {
	case 0:
		if and {
			return True
		}
		return False
	case 1:
		return kept[0]
	}
	return logical{and: and, terms: kept}
}

func (e logical) writeExpr(w *writer) {
	op, p := " OR ", precOr
	if e.and {
		op, p = " AND ", precAnd
	}
	for i, t := range e.terms {
		if i > 0 {
			w.s(op)
		}
		w.expr(t, p)
	}
}
func (e logical) prec() int {
	if e.and {
		return precAnd
	}
	return precOr
}

// not is NOT e.
type not struct{ e Expr }

// Not negates a predicate. Its operand is parenthesised unless it is a
// primary expression.
func Not(e Expr) Expr { return not{e: e} }

func (e not) writeExpr(w *writer) {
	w.s("NOT ")
	w.expr(e.e, precPrimary)
}
func (not) prec() int { return precNot }

// isNull is e IS [NOT] NULL.
type isNull struct {
	e   Expr
	not bool
}

// IsNull is e IS NULL.
func IsNull(e any) Expr { return isNull{e: toExpr(e)} }

// IsNotNull is e IS NOT NULL.
func IsNotNull(e any) Expr { return isNull{e: toExpr(e), not: true} }

func (e isNull) writeExpr(w *writer) {
	w.expr(e.e, precCompare+1)
	if e.not {
		w.s(" IS NOT NULL")
	} else {
		w.s(" IS NULL")
	}
}
func (isNull) prec() int { return precCompare }

// between is e [NOT] BETWEEN lo AND hi.
type between struct {
	e, lo, hi Expr
	not       bool
}

// Between is e BETWEEN lo AND hi (inclusive).
func Between(e, lo, hi any) Expr { return between{e: toExpr(e), lo: toExpr(lo), hi: toExpr(hi)} }

// NotBetween is e NOT BETWEEN lo AND hi.
func NotBetween(e, lo, hi any) Expr {
	return between{e: toExpr(e), lo: toExpr(lo), hi: toExpr(hi), not: true}
}

func (e between) writeExpr(w *writer) {
	w.expr(e.e, precCompare+1)
	if e.not {
		w.s(" NOT")
	}
	w.s(" BETWEEN ")
	w.expr(e.lo, precCompare+1)
	w.s(" AND ")
	w.expr(e.hi, precCompare+1)
}
func (between) prec() int { return precCompare }

// in is e [NOT] IN (…).
type in struct {
	e     Expr
	list  []Expr      // explicit expressions
	slice any         // a Go slice of values
	n     int         // len(slice)
	sub   SelectQuery // IN (SELECT …)
	not   bool
}

// In is e IN (values). values may be:
//   - a Go slice ([]int64, []string, …): an empty slice compiles to False
//     (NotIn: True); on PostgreSQL a slice of a concrete element type
//     compiles to e = ANY(?) with the whole slice as one array argument;
//     elsewhere each element is its own parameter;
//   - a SelectQuery: e IN (SELECT …);
//   - several values or expressions: In(x, 1, 2, y).
//
// A nil value (or typed nil, as for Eq) in the list or slice matches NULL:
// In(x, 1, nil) is (x IN (1) OR x IS NULL), NotIn(x, 1, nil) is
// (x NOT IN (1) AND x IS NOT NULL), where SQL's own IN (…, NULL) would
// never match a NULL and NOT IN (…, NULL) would match nothing.
func In(e any, values ...any) Expr { return newIn(e, values, false) }

// NotIn is the negation of In: e NOT IN (…), or e <> ALL(?) on PostgreSQL.
func NotIn(e any, values ...any) Expr { return newIn(e, values, true) }

func newIn(e any, values []any, negate bool) Expr {
	x := in{e: toExpr(e), not: negate}
	if len(values) == 1 {
		switch v := values[0].(type) {
		case SelectQuery:
			x.sub = v
			return x
		case Expr:
			x.list = []Expr{v}
			return x
		case []byte: // a single bytes value, not a list
		default:
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
				if k := rv.Type().Elem().Kind(); k == reflect.Pointer || k == reflect.Interface {
					if vs, ok := splitNils(rv); ok {
						return newIn(e, vs, negate)
					}
				}
				x.slice, x.n = v, rv.Len()
				if x.n == 0 {
					if negate {
						return True
					}
					return False
				}
				return x
			}
		}
	}
	// IN (…, NULL) never matches a NULL: a nil value in the list stands
	// for IS NULL, as in Eq.
	for i, v := range values {
		if isNil(v) {
			rest := make([]any, 0, len(values)-1)
			rest = append(rest, values[:i]...)
			for _, v := range values[i+1:] {
				if !isNil(v) {
					rest = append(rest, v)
				}
			}
			if negate {
				if len(rest) == 0 {
					return IsNotNull(x.e)
				}
				return And(newIn(x.e, rest, true), IsNotNull(x.e))
			}
			if len(rest) == 0 {
				return IsNull(x.e)
			}
			return Or(newIn(x.e, rest, false), IsNull(x.e))
		}
	}
	if len(values) == 0 {
		if negate {
			return True
		}
		return False
	}
	x.list = toExprs(values)
	return x
}

// splitNils returns the elements of a slice of pointers or interfaces as
// values when one of them is nil, so newIn can turn it into IS NULL; ok
// is false when none is.
func splitNils(rv reflect.Value) (vs []any, ok bool) {
	for i := range rv.Len() {
		if isNil(rv.Index(i).Interface()) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, false
	}
	vs = make([]any, rv.Len())
	for i := range vs {
		vs[i] = rv.Index(i).Interface()
	}
	return vs, true
}

func (e in) writeExpr(w *writer) {
	w.expr(e.e, precCompare+1)
	switch {
	case e.sub != nil:
		if e.not {
			w.s(" NOT")
		}
		w.s(" IN (")
		writeQuery(w, e.sub)
		w.b(')')
	case e.slice != nil:
		rv := reflect.ValueOf(e.slice)
		if w.f.AnyArray && !w.inline && rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() != reflect.Interface {
			if e.not {
				w.s(" <> ALL(")
			} else {
				w.s(" = ANY(")
			}
			w.arg(e.slice)
			w.b(')')
			return
		}
		if e.not {
			w.s(" NOT")
		}
		w.s(" IN (")
		for i := range e.n {
			if i > 0 {
				w.s(", ")
			}
			w.arg(rv.Index(i).Interface())
		}
		w.b(')')
	default:
		if e.not {
			w.s(" NOT")
		}
		w.s(" IN (")
		w.list(e.list)
		w.b(')')
	}
}
func (in) prec() int { return precCompare }

// exists is [NOT] EXISTS (subquery).
type exists struct {
	q   SelectQuery
	not bool
}

// Exists is EXISTS (q).
func Exists(q SelectQuery) Expr { return exists{q: q} }

// NotExists is NOT EXISTS (q).
func NotExists(q SelectQuery) Expr { return exists{q: q, not: true} }

func (e exists) writeExpr(w *writer) {
	if e.not {
		w.s("NOT ")
	}
	w.s("EXISTS (")
	writeQuery(w, e.q)
	w.b(')')
}
func (e exists) prec() int {
	if e.not {
		return precNot
	}
	return precPrimary
}

// subquery is a scalar subquery used as an expression.
type subquery struct{ q SelectQuery }

// Subquery makes q a scalar expression: (SELECT …).
func Subquery(q SelectQuery) Expr { return subquery{q: q} }

func (e subquery) writeExpr(w *writer) {
	w.b('(')
	writeQuery(w, e.q)
	w.b(')')
}
func (subquery) prec() int { return precPrimary }

// alias is e AS name, for select lists.
type alias struct {
	e    Expr
	name string
}

// As names a select-list expression: e AS "name".
func As(e any, name string) Expr { return alias{e: toExpr(e), name: name} }

func (e alias) writeExpr(w *writer) {
	w.typed(e.e, precLowest) // a select-list item
	w.s(" AS ")
	w.ident(e.name)
}
func (alias) prec() int { return precLowest }

// neg is unary minus.
type neg struct{ e Expr }

// Neg is -e.
func Neg(e any) Expr { return neg{e: toExpr(e)} }

func (e neg) writeExpr(w *writer) {
	w.b('-')
	w.expr(e.e, precPrimary)
}
func (neg) prec() int { return precUnary }

func errNode(format string, a ...any) Expr { return errExpr{err: fmt.Errorf(format, a...)} }

// errExpr defers a construction error to compile time, so builders can stay
// chainable.
type errExpr struct{ err error }

func (e errExpr) writeExpr(w *writer) { w.fail(e.err) }
func (errExpr) prec() int             { return precPrimary }
