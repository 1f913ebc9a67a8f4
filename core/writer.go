package core

import (
	"fmt"
	"slices"
	"strconv"
	"sync"
)

type writeMode uint8

const (
	// modeSQL renders SQL text for the server.
	modeSQL writeMode = iota
	// modeShape renders a cache key: identifiers unquoted (length-prefixed
	// so they cannot run together), placeholders as '?'. Arguments, writes
	// and tables are collected exactly as in modeSQL, because both modes
	// run the same node code.
	modeShape
)

// writer renders nodes. Placeholders and quoting go through the dialect in
// exactly one place each (arg, ident); nodes never branch on a dialect
// name, only on Features.
type writer struct {
	d      Dialect
	f      Features
	mode   writeMode
	inline bool // DDL: values written as literals, not parameters
	buf    []byte
	args   []any
	// owned is a statement's own array of values that are, in order, its
	// arguments if there are exactly as many (an INSERT's plain VALUES
	// and nothing else bound): args then need no copy (see keptArgs).
	owned  []any
	err    error
	writes bool
	tables []string
	ctes   []string // CTE names in scope; references to them are not tables
	// cast is the dialect's ParamCaster, or nil.
	cast ParamCaster
	// seen, seenMap and replay implement argument reuse for repeated
	// nodes (see reuse.go).
	seen    []seenNode
	seenMap map[nodeKey]argSpan
	nums    []int32 // placeholder numbers written inside nodes, in order
	depth   int     // nodes being written through trackedExpr
	replay  argSpan // while rewriting a repeated node: the numbers left
	// sameItems: writing GROUP BY, HAVING or ORDER BY items, which reuse
	// the arguments of an equal tree, not only of the same node.
	sameItems bool
}

var writerPool = sync.Pool{New: func() any { return new(writer) }}

// The shape walk runs on every compilation of a rebuilt statement, so the
// writer avoids needless pointer stores into itself: each costs a write
// barrier while the garbage collector marks, which in a busy program is
// often. Text is appended by s, b and setBuf, which update only w.buf's
// length unless the buffer grows; resetting with w.x = w.x[:0] likewise
// leaves the pointer alone.

func newWriter(d Dialect, mode writeMode) *writer {
	w := writerPool.Get().(*writer)
	if w.d != d { // a pooled writer usually served the same dialect
		w.d, w.f = d, d.Features()
		w.cast, _ = d.(ParamCaster)
	}
	w.mode = mode
	return w
}

func (w *writer) release() {
	if cap(w.buf) > 64<<10 || cap(w.args) > 4096 || cap(w.nums) > 4096 {
		return // let oversized buffers go
	}
	clear(w.args) // drop the caller's values
	w.buf, w.args, w.tables, w.ctes = w.buf[:0], w.args[:0], w.tables[:0], w.ctes[:0]
	if len(w.seen) > 0 {
		clear(w.seen) // drop the statement's nodes
		w.seen = w.seen[:0]
	}
	if w.seenMap != nil {
		w.seenMap = nil
	}
	if len(w.nums) > 0 {
		w.nums = w.nums[:0]
	}
	w.replay, w.sameItems, w.depth = argSpan{}, false, 0
	if w.err != nil {
		w.err = nil
	}
	w.inline, w.writes = false, false
	if w.owned != nil {
		w.owned = nil
	}
	writerPool.Put(w)
}

// fail records the first error; rendering continues but its output is
// discarded.
func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *writer) failf(format string, a ...any) {
	w.fail(fmt.Errorf(format, a...))
}

// unsupported reports a construct the dialect lacks.
func (w *writer) unsupported(what string) {
	w.fail(fmt.Errorf("%s: %s: %w", w.d.Name(), what, ErrUnsupported))
}

// s appends s. (w.buf = append(w.buf, s...) would store the pointer back
// even when the array stays the same.)
func (w *writer) s(s string) {
	n := len(w.buf)
	if cap(w.buf)-n < len(s) {
		w.buf = slices.Grow(w.buf, len(s))
	}
	w.buf = w.buf[:n+len(s)]
	copy(w.buf[n:], s)
}

// b appends c; the compiler updates only the length of a one-byte append.
func (w *writer) b(c byte) { w.buf = append(w.buf, c) }

// setBuf adopts b, the result of appending to w.buf, storing its pointer
// only if the append moved to a new array.
func (w *writer) setBuf(b []byte) {
	if cap(b) > 0 && cap(b) == cap(w.buf) && &b[:1][0] == &w.buf[:1][0] {
		w.buf = w.buf[:len(b)]
		return
	}
	w.buf = b
}

func (w *writer) int(n int64) { w.setBuf(strconv.AppendInt(w.buf, n, 10)) }

// ident writes one quoted identifier.
func (w *writer) ident(name string) {
	if w.mode == modeShape {
		w.shapeIdent(name)
		return
	}
	b, err := w.d.AppendIdent(w.buf, name)
	if err != nil {
		w.fail(err)
		return
	}
	w.setBuf(b)
}

// shapeIdent writes name as the shape writes identifiers: length-prefixed,
// so adjacent identifiers cannot run together.
func (w *writer) shapeIdent(name string) {
	if len(name) < 0xff {
		w.b(byte(len(name)))
		w.s(name)
		return
	}
	w.b(0xff)
	w.int(int64(len(name)))
	w.b(':')
	w.s(name)
}

// qualified writes "qualifier"."name", or "name" alone when qualifier is
// empty.
func (w *writer) qualified(qualifier, name string) {
	if qualifier != "" {
		w.ident(qualifier)
		w.b('.')
	}
	w.ident(name)
}

// arg binds v and writes its placeholder (or, in DDL, its literal).
func (w *writer) arg(v any) {
	if w.inline {
		if w.mode == modeShape {
			w.b('?')
			return
		}
		w.lit(v)
		return
	}
	if w.f.NumberedParams {
		if w.replaying() {
			w.reuseArg()
			return
		}
		if w.depth > 0 {
			w.nums = append(w.nums, int32(len(w.args)+1))
		}
	}
	w.args = append(w.args, v)
	if w.mode == modeShape {
		w.b('?')
		return
	}
	w.setBuf(w.d.AppendPlaceholder(w.buf, len(w.args)))
}

// typed writes e where the server has no context to type a parameter
// from (see ParamCaster): a bound value gets the dialect's cast.
func (w *writer) typed(e Expr, min int) {
	if v, ok := e.(value); ok && w.cast != nil && !w.inline {
		w.arg(v.v)
		w.setBuf(w.cast.AppendParamCast(w.buf, v.v))
		return
	}
	w.expr(e, min)
}

// isValue reports whether e is a bound value.
func isValue(e Expr) bool {
	_, ok := e.(value)
	return ok
}

// lit writes v as a SQL literal through the dialect.
func (w *writer) lit(v any) {
	b, err := w.d.AppendLiteral(w.buf, v)
	if err != nil {
		w.fail(err)
		return
	}
	w.setBuf(b)
}

// table records a table the statement touches.
func (w *writer) table(name string) {
	for _, c := range w.ctes {
		if c == name {
			return
		}
	}
	for _, t := range w.tables {
		if t == name {
			return
		}
	}
	w.tables = append(w.tables, name)
}

// expr writes e, parenthesised if its precedence is below min.
func (w *writer) expr(e Expr, min int) {
	if e == nil {
		w.fail(fmt.Errorf("core: nil expression"))
		return
	}
	if w.f.NumberedParams && !w.inline && !w.replaying() {
		w.trackedExpr(e, min)
		return
	}
	w.node(e, min)
}

// node writes e, parenthesised if its precedence is below min.
func (w *writer) node(e Expr, min int) {
	// No precedence is below precLowest: skip the dynamic call.
	if min > precLowest && e.prec() < min {
		w.b('(')
		e.writeExpr(w)
		w.b(')')
		return
	}
	e.writeExpr(w)
}

// operand writes an operand held as the caller gave it: an Expr as itself
// (parenthesised if its precedence is below min), a SelectQuery as a
// scalar subquery, anything else (nil, []byte, a driver.Valuer, a typed
// nil that is not an Expr) as a bound value. It is w.expr(toExpr(v), min)
// without boxing v into a node, so nodes that keep values this way (rows
// of an INSERT, assignments, comparisons) cost no allocation per value.
func (w *writer) operand(v any, min int) { w.bound(v, min) }

// bound is operand, reporting whether v was a plain value, bound as one
// argument.
func (w *writer) bound(v any, min int) bool {
	switch e := v.(type) {
	case Expr:
		w.expr(e, min)
	case SelectQuery:
		// As subquery.writeExpr; a primary, never parenthesised again.
		w.b('(')
		e.writeQuery(w)
		w.b(')')
	default:
		w.arg(v)
		return true
	}
	return false
}

// list writes expressions separated by ", ".
func (w *writer) list(es []Expr) {
	for i, e := range es {
		if i > 0 {
			w.s(", ")
		}
		w.expr(e, precLowest)
	}
}
