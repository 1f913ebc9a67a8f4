package core

// Array operators (PostgreSQL). Array columns are Type{Array: true}
// (ArrayOf); other dialects have none, and compiling these operators for
// them is an error wrapping ErrUnsupported.

// ArrayContains is arr @> elems: the array arr holds every element of
// elems. elems is usually a Go slice, bound as one array parameter:
//
//	core.ArrayContains(posts.C("tags"), []string{"go", "sql"})
func ArrayContains(arr, elems any) Expr {
	return arrayOp{op: "@>", l: toExpr(arr), r: toExpr(elems)}
}

// ArrayOverlaps is a && b: the arrays share at least one element.
func ArrayOverlaps(a, b any) Expr { return arrayOp{op: "&&", l: toExpr(a), r: toExpr(b)} }

// EqAny is v = ANY(arr): v is an element of the array arr (a column or a
// Go slice).
func EqAny(v, arr any) Expr { return arrayOp{op: "= ANY", l: toExpr(v), r: toExpr(arr), call: true} }

type arrayOp struct {
	op   string
	l, r Expr
	call bool // op(r), as in = ANY(arr)
}

func (e arrayOp) writeExpr(w *writer) {
	if !w.f.AnyArray {
		w.unsupported("array operator " + e.op)
		return
	}
	w.expr(e.l, precCompare+1)
	w.b(' ')
	w.s(e.op)
	if e.call {
		w.b('(')
		w.expr(e.r, precLowest)
		w.b(')')
		return
	}
	w.b(' ')
	w.expr(e.r, precCompare+1)
}
func (e arrayOp) prec() int { return precCompare }

// RowColumn is column Col of Rows, bound as one array parameter of
// Rows.Len() elements (NULL for a nil value): what an INSERT … SELECT
// unnest(…) of several rows binds for each of its columns (see
// Features.UnnestArrays), without copying the values out of the rows.
// Bind it (or a pointer to it) with Val, cast to the array type; a
// driver of a dialect with UnnestArrays encodes it as that array.
type RowColumn struct {
	Rows RowValues
	Col  int
}

// Len is the number of elements.
func (c RowColumn) Len() int { return c.Rows.Len() }

// Index returns element i.
func (c RowColumn) Index(i int) any { return c.Rows.Value(i, c.Col) }
