package core

import (
	"bytes"
	"reflect"
	"time"
)

// sameNode reports whether a and b are the same expression tree: equal
// node by node, with equal bound values of the same Go type, so that they
// render the same SQL with the same arguments. It is conservative: nodes
// it does not know (subqueries, Raw, windows, IN lists) are the same only
// when they are the same node.
//
// The writer uses it for GROUP BY, HAVING and ORDER BY items, so that an
// expression built twice (once for Select, once for GroupBy) still reuses
// its placeholders on PostgreSQL. The answer depends on the nodes alone,
// never on the writer's mode, so the shape walk and the SQL render agree.
func sameNode(a, b Expr) bool {
	if keyOf(a) == keyOf(b) {
		return true
	}
	switch x := a.(type) {
	case value:
		y, ok := b.(value)
		return ok && sameValue(x.v, y.v)
	case literal:
		y, ok := b.(literal)
		return ok && sameValue(x.v, y.v)
	case *Column:
		y, ok := b.(*Column)
		return ok && x == y
	case ident:
		y, ok := b.(ident)
		return ok && x == y
	case star:
		y, ok := b.(star)
		return ok && x == y
	case constant:
		y, ok := b.(constant)
		return ok && x == y
	case fn:
		y, ok := b.(fn)
		return ok && x.name == y.name && x.distinct == y.distinct && x.unify == y.unify && sameNodes(x.args, y.args)
	case binary:
		y, ok := b.(binary)
		return ok && x.op == y.op && x.p == y.p && x.assoc == y.assoc && sameNode(x.l, y.l) && sameNode(x.r, y.r)
	case compare:
		y, ok := b.(compare)
		return ok && x.op == y.op && sameNode(x.l, y.l) && sameOperand(x.r, y.r)
	case cast:
		y, ok := b.(cast)
		return ok && reflect.DeepEqual(x.t, y.t) && sameNode(x.e, y.e)
	case CaseExpr:
		y, ok := b.(CaseExpr)
		if !ok || len(x.whens) != len(y.whens) || (x.els == nil) != (y.els == nil) {
			return false
		}
		for i := range x.whens {
			if !sameNode(x.whens[i].cond, y.whens[i].cond) || !sameNode(x.whens[i].then, y.whens[i].then) {
				return false
			}
		}
		return x.els == nil || sameNode(x.els, y.els)
	case neg:
		y, ok := b.(neg)
		return ok && sameNode(x.e, y.e)
	case not:
		y, ok := b.(not)
		return ok && sameNode(x.e, y.e)
	case isNull:
		y, ok := b.(isNull)
		return ok && x.not == y.not && sameNode(x.e, y.e)
	case alias:
		y, ok := b.(alias)
		return ok && x.name == y.name && sameNode(x.e, y.e)
	case concat:
		y, ok := b.(concat)
		return ok && sameNodes(x.parts, y.parts)
	case logical:
		y, ok := b.(logical)
		return ok && x.and == y.and && sameNodes(x.terms, y.terms)
	case between:
		y, ok := b.(between)
		return ok && x.not == y.not && sameNode(x.e, y.e) && sameNode(x.lo, y.lo) && sameNode(x.hi, y.hi)
	case LikeExpr:
		y, ok := b.(LikeExpr)
		return ok && x.fold == y.fold && x.not == y.not && x.esc == y.esc && sameNode(x.e, y.e) && sameNode(x.pattern, y.pattern)
	case match:
		y, ok := b.(match)
		return ok && x.kind == y.kind && x.s == y.s && sameNode(x.e, y.e)
	case extract:
		y, ok := b.(extract)
		return ok && x.part == y.part && sameNode(x.e, y.e)
	}
	return false
}

func sameNodes(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameNode(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameOperand is sameNode for operands held as given (see
// writer.operand).
func sameOperand(a, b any) bool {
	ea, aExpr := a.(Expr)
	eb, bExpr := b.(Expr)
	switch {
	case aExpr && bExpr:
		return sameNode(ea, eb)
	case aExpr || bExpr:
		return false
	}
	if _, ok := a.(SelectQuery); ok {
		return false
	}
	return sameValue(a, b)
}

// sameValue reports whether two bound values are equal and of the same Go
// type, for the types whose equality is plain; any other is never the
// same (a conservative answer: the value is then bound again).
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return a == b // same dynamic type required by interface equality
	case []byte:
		y, ok := b.([]byte)
		return ok && (x == nil) == (y == nil) && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	}
	return false
}
