package core

import (
	"strconv"
	"unsafe"
)

// fn is a function call. Its name is validated, never user text.
type fn struct {
	name     string
	args     []Expr
	distinct bool
	// unify: the result has the arguments' common type (COALESCE), so
	// arguments that are all values have no type to take (see
	// ParamCaster).
	unify bool
}

// Func calls a SQL function by name with bound or expression arguments:
// Func("lower", t.C("email")). The name must be a plain identifier
// (letters, digits, '_' and '.'); anything else fails at compile time, so
// Func cannot smuggle SQL text. It is written unquoted, as function names
// are.
func Func(name string, args ...any) Expr {
	if !validFuncName(name) {
		return errNode("core: invalid function name %q", name)
	}
	return fn{name: name, args: toExprs(args)}
}

func validFuncName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case (c >= '0' && c <= '9' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}

func (e fn) writeExpr(w *writer) {
	w.s(e.name)
	w.b('(')
	if e.distinct {
		w.s("DISTINCT ")
	}
	if e.unify && allValues(e.args) {
		for i, a := range e.args {
			if i > 0 {
				w.s(", ")
			}
			w.typed(a, precLowest)
		}
	} else {
		w.list(e.args)
	}
	w.b(')')
}
func (fn) prec() int { return precPrimary }

func allValues(es []Expr) bool {
	for _, e := range es {
		if !isValue(e) {
			return false
		}
	}
	return true
}

// Count is COUNT(e); Count(Star()) is COUNT(*).
func Count(e any) Expr { return fn{name: "COUNT", args: []Expr{toExpr(e)}} }

// CountDistinct is COUNT(DISTINCT e).
func CountDistinct(e any) Expr { return fn{name: "COUNT", args: []Expr{toExpr(e)}, distinct: true} }

// Sum is SUM(e).
func Sum(e any) Expr { return fn{name: "SUM", args: []Expr{toExpr(e)}} }

// Avg is AVG(e).
func Avg(e any) Expr { return fn{name: "AVG", args: []Expr{toExpr(e)}} }

// Min is MIN(e).
func Min(e any) Expr { return fn{name: "MIN", args: []Expr{toExpr(e)}} }

// Max is MAX(e).
func Max(e any) Expr { return fn{name: "MAX", args: []Expr{toExpr(e)}} }

// Lower is LOWER(e).
func Lower(e any) Expr { return fn{name: "LOWER", args: []Expr{toExpr(e)}} }

// Upper is UPPER(e).
func Upper(e any) Expr { return fn{name: "UPPER", args: []Expr{toExpr(e)}} }

// Coalesce is COALESCE(args…).
func Coalesce(args ...any) Expr { return fn{name: "COALESCE", args: toExprs(args), unify: true} }

// RowNumber is ROW_NUMBER(), for use with Over.
func RowNumber() Expr { return fn{name: "ROW_NUMBER"} }

// Rank is RANK(), for use with Over.
func Rank() Expr { return fn{name: "RANK"} }

// DenseRank is DENSE_RANK(), for use with Over.
func DenseRank() Expr { return fn{name: "DENSE_RANK"} }

// cast is CAST(e AS type).
type cast struct {
	e Expr
	t Type
}

// Cast is CAST(e AS t), with the type named by the dialect.
func Cast(e any, t Type) Expr { return cast{e: toExpr(e), t: t} }

func (e cast) writeExpr(w *writer) {
	w.s("CAST(")
	w.expr(e.e, precLowest)
	w.s(" AS ")
	if w.mode == modeShape {
		w.buf = appendTypeShape(w.buf, e.t)
	} else if name, err := w.d.CastType(e.t); err != nil {
		w.fail(err)
	} else {
		w.s(name)
	}
	w.b(')')
}
func (cast) prec() int { return precPrimary }

// appendTypeShape writes every field of t (a test checks that none is
// left out), so that two casts share a shape only when their types are
// equal. (fmt's %v did it by reflection, allocating.)
func appendTypeShape(b []byte, t Type) []byte {
	b = strconv.AppendInt(b, int64(t.Kind), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(t.Size), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(t.Precision), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(t.Scale), 10)
	b = append(b, ',')
	b = strconv.AppendBool(b, t.Array)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(uintptr(unsafe.Pointer(t.Enum))), 16)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(len(t.Native)), 10)
	b = append(b, ':')
	return append(b, t.Native...)
}

// CaseExpr is a searched CASE expression, built immutably:
//
//	core.Case().When(core.Gt(c, 10), "big").Else("small")
type CaseExpr struct {
	whens []caseWhen
	els   Expr
}

type caseWhen struct{ cond, then Expr }

// Case starts a searched CASE expression.
func Case() CaseExpr { return CaseExpr{} }

// When adds WHEN cond THEN then.
func (c CaseExpr) When(cond Expr, then any) CaseExpr {
	c.whens = append(c.whens[:len(c.whens):len(c.whens)], caseWhen{cond: cond, then: toExpr(then)})
	return c
}

// Else sets the ELSE result.
func (c CaseExpr) Else(v any) CaseExpr {
	c.els = toExpr(v)
	return c
}

func (c CaseExpr) writeExpr(w *writer) {
	if len(c.whens) == 0 {
		w.failf("core: CASE without WHEN")
		return
	}
	// Results that are all values have no type to take (see
	// ParamCaster); one expression result types the others.
	typed := c.els == nil || isValue(c.els)
	for _, wh := range c.whens {
		typed = typed && isValue(wh.then)
	}
	result := w.expr
	if typed {
		result = w.typed
	}
	w.s("CASE")
	for _, wh := range c.whens {
		w.s(" WHEN ")
		w.expr(wh.cond, precLowest)
		w.s(" THEN ")
		result(wh.then, precLowest)
	}
	if c.els != nil {
		w.s(" ELSE ")
		result(c.els, precLowest)
	}
	w.s(" END")
}
func (CaseExpr) prec() int { return precPrimary }

// excluded is the value an upsert proposed for a column.
type excluded struct{ c *Column }

// Excluded refers to the value the INSERT proposed for c inside an upsert's
// update list: EXCLUDED."c" on PostgreSQL/SQLite, VALUES(`c`) on MySQL.
func Excluded(c *Column) Expr { return excluded{c: c} }

func (e excluded) writeExpr(w *writer) {
	if w.f.Upsert == UpsertOnDuplicateKey {
		w.s("VALUES(")
		w.ident(e.c.Name)
		w.b(')')
		return
	}
	w.s("excluded.")
	w.ident(e.c.Name)
}
func (excluded) prec() int { return precPrimary }

// OrderItem is one ORDER BY term.
type OrderItem struct {
	e     Expr
	desc  bool
	nulls int8 // 0 default, 1 first, 2 last
}

// Asc orders by e ascending.
func Asc(e any) OrderItem { return OrderItem{e: toExpr(e)} }

// Desc orders by e descending.
func Desc(e any) OrderItem { return OrderItem{e: toExpr(e), desc: true} }

// NullsFirst sorts NULLs before other values (emulated where the dialect
// has no NULLS FIRST).
func (o OrderItem) NullsFirst() OrderItem { o.nulls = 1; return o }

// NullsLast sorts NULLs after other values.
func (o OrderItem) NullsLast() OrderItem { o.nulls = 2; return o }

// Expr is the expression the item orders by.
func (o OrderItem) Expr() Expr { return o.e }

// Descending reports a descending item (Desc).
func (o OrderItem) Descending() bool { return o.desc }

// Nulls reports the item's NULLS order: first (NullsFirst), last
// (NullsLast), or neither (the server's default).
func (o OrderItem) Nulls() (first, last bool) { return o.nulls == 1, o.nulls == 2 }

func toOrder(items []any) []OrderItem {
	out := make([]OrderItem, len(items))
	for i, it := range items {
		if o, ok := it.(OrderItem); ok {
			out[i] = o
		} else {
			out[i] = Asc(it)
		}
	}
	return out
}

func writeOrder(w *writer, items []OrderItem) {
	for i, o := range items {
		if i > 0 {
			w.s(", ")
		}
		if o.nulls != 0 && !w.f.NullsOrder {
			// Emulate: false sorts before true.
			w.expr(o.e, precCompare+1)
			if o.nulls == 1 {
				w.s(" IS NULL DESC, ")
			} else {
				w.s(" IS NULL, ")
			}
		}
		w.expr(o.e, precLowest)
		if o.desc {
			w.s(" DESC")
		}
		if o.nulls != 0 && w.f.NullsOrder {
			if o.nulls == 1 {
				w.s(" NULLS FIRST")
			} else {
				w.s(" NULLS LAST")
			}
		}
	}
}

// WindowSpec is an OVER (…) clause, built immutably.
type WindowSpec struct {
	partition  []Expr
	order      []OrderItem
	frame      string // "ROWS" or "RANGE"; empty for the default frame
	start, end FrameBound
}

// FrameBound is one end of a window frame.
type FrameBound struct {
	kind int8 // 0 unbounded preceding, 1 preceding n, 2 current row, 3 following n, 4 unbounded following
	n    uint32
}

// Frame bounds for WindowSpec.Rows and WindowSpec.Range.
var (
	UnboundedPreceding = FrameBound{kind: 0}
	CurrentRow         = FrameBound{kind: 2}
	UnboundedFollowing = FrameBound{kind: 4}
)

// Preceding is "n PRECEDING". The offset is a constant written into the
// SQL (MySQL accepts no parameter there); it is a number, never text.
func Preceding(n uint32) FrameBound { return FrameBound{kind: 1, n: n} }

// Following is "n FOLLOWING".
func Following(n uint32) FrameBound { return FrameBound{kind: 3, n: n} }

// Rows sets the frame ROWS BETWEEN start AND end.
func (s WindowSpec) Rows(start, end FrameBound) WindowSpec {
	s.frame, s.start, s.end = "ROWS", start, end
	return s
}

// Range sets the frame RANGE BETWEEN start AND end.
func (s WindowSpec) Range(start, end FrameBound) WindowSpec {
	s.frame, s.start, s.end = "RANGE", start, end
	return s
}

func writeBound(w *writer, b FrameBound) {
	switch b.kind {
	case 0:
		w.s("UNBOUNDED PRECEDING")
	case 1:
		w.int(int64(b.n))
		w.s(" PRECEDING")
	case 2:
		w.s("CURRENT ROW")
	case 3:
		w.int(int64(b.n))
		w.s(" FOLLOWING")
	default:
		w.s("UNBOUNDED FOLLOWING")
	}
}

// Window starts an empty window specification.
func Window() WindowSpec { return WindowSpec{} }

// PartitionBy sets PARTITION BY.
func (s WindowSpec) PartitionBy(es ...any) WindowSpec {
	s.partition = toExprs(es)
	return s
}

// OrderBy sets the window's ORDER BY.
func (s WindowSpec) OrderBy(items ...any) WindowSpec {
	s.order = toOrder(items)
	return s
}

// over is f OVER (spec).
type over struct {
	f    Expr
	spec WindowSpec
}

// Over applies a window: Over(RowNumber(), Window().PartitionBy(a).OrderBy(b)).
func Over(f Expr, spec WindowSpec) Expr { return over{f: f, spec: spec} }

func (e over) writeExpr(w *writer) {
	w.expr(e.f, precPrimary)
	w.s(" OVER (")
	if len(e.spec.partition) > 0 {
		w.s("PARTITION BY ")
		w.list(e.spec.partition)
	}
	if len(e.spec.order) > 0 {
		if len(e.spec.partition) > 0 {
			w.b(' ')
		}
		w.s("ORDER BY ")
		writeOrder(w, e.spec.order)
	}
	if e.spec.frame != "" {
		if len(e.spec.partition)+len(e.spec.order) > 0 {
			w.b(' ')
		}
		w.s(e.spec.frame)
		w.s(" BETWEEN ")
		writeBound(w, e.spec.start)
		w.s(" AND ")
		writeBound(w, e.spec.end)
	}
	w.b(')')
}
func (over) prec() int { return precPrimary }
