package core

import "unsafe"

// Argument reuse for repeated nodes.
//
// PostgreSQL matches a GROUP BY expression to a select-list expression by
// structure, and $1 and $2 are different expressions even when they are
// bound to equal values; so date_trunc($1, x) in the select list and
// date_trunc($2, x) in GROUP BY fail with 42803. When one node is written
// twice in a statement, the second occurrence therefore writes the same
// placeholder numbers as the first, on dialects whose placeholders name
// their argument (Features.NumberedParams). Elsewhere ('?') arguments are
// simply bound again.
//
// A node is "the same" when it is the same value: an expression built
// once and passed to several clauses (e := Func(…); Select(e).GroupBy(e)).
// Its identity is the interface's type and data words, which every copy
// of an Expr shares; a CaseExpr, a struct boxed anew at each use, is
// identified by its WHEN list and ELSE. In GROUP BY, HAVING and ORDER BY
// items, where the server matches expressions against the select list, an
// expression built again with equal values is the same too (sameNode);
// elsewhere two separately built expressions bind their values twice.
//
// Cost: on dialects without numbered placeholders none. With them, each
// placeholder number written inside an expression node is logged (an
// INSERT's plain values are not: they are no node's); a node is looked up
// only once some node with arguments has been written, and recorded only
// if it wrote arguments; leaves (a bare value) are never recorded.

// nodeKey identifies a node.
type nodeKey struct {
	typ, data unsafe.Pointer
	n         int            // CaseExpr: number of WHENs
	els       unsafe.Pointer // CaseExpr: data word of ELSE
}

// argSpan is a range of w.nums: the placeholder numbers a node wrote, in
// order.
type argSpan struct{ from, to int32 }

type seenNode struct {
	k    nodeKey
	e    Expr // for sameNode
	nums argSpan
}

// seenLinear is how many nodes are searched linearly before a map takes
// over, so a statement with thousands of expressions with arguments (a
// large IN list of expressions) stays linear.
const seenLinear = 16

type ifaceWords struct{ typ, data unsafe.Pointer }

func keyOf(e Expr) nodeKey {
	if c, ok := e.(CaseExpr); ok {
		k := nodeKey{n: len(c.whens)}
		k.typ = (*ifaceWords)(unsafe.Pointer(&e)).typ
		k.data = unsafe.Pointer(unsafe.SliceData(c.whens))
		if c.els != nil {
			k.els = (*ifaceWords)(unsafe.Pointer(&c.els)).data
		}
		return k
	}
	iw := (*ifaceWords)(unsafe.Pointer(&e))
	return nodeKey{typ: iw.typ, data: iw.data}
}

// trackedExpr is expr with argument reuse.
func (w *writer) trackedExpr(e Expr, min int) {
	var k nodeKey
	keyed := false
	if len(w.seen) > 0 {
		k, keyed = keyOf(e), true
		nums, ok := w.lookup(k)
		if !ok && w.sameItems {
			nums, ok = w.lookupSame(k, e)
		}
		if ok {
			w.depth++
			w.rewrite(e, min, nums)
			w.depth--
			return
		}
	}
	from := len(w.nums)
	w.depth++
	w.node(e, min)
	w.depth--
	if len(w.nums) == from || isValue(e) || w.err != nil {
		return
	}
	if !keyed {
		k = keyOf(e)
	}
	w.record(k, e, argSpan{from: int32(from), to: int32(len(w.nums))})
}

func (w *writer) lookup(k nodeKey) (argSpan, bool) {
	for i := range w.seen {
		if w.seen[i].k == k {
			return w.seen[i].nums, true
		}
	}
	if w.seenMap != nil {
		s, ok := w.seenMap[k]
		return s, ok
	}
	return argSpan{}, false
}

// lookupSame finds a node that is not e but the same tree (sameNode)
// among the first seenLinear recorded.
func (w *writer) lookupSame(k nodeKey, e Expr) (argSpan, bool) {
	for i := range w.seen {
		if s := &w.seen[i]; s.k.typ == k.typ && sameNode(s.e, e) {
			return s.nums, true
		}
	}
	return argSpan{}, false
}

func (w *writer) record(k nodeKey, e Expr, s argSpan) {
	if len(w.seen) < seenLinear {
		w.seen = append(w.seen, seenNode{k: k, e: e, nums: s})
		return
	}
	if w.seenMap == nil {
		w.seenMap = make(map[nodeKey]argSpan)
	}
	if _, ok := w.seenMap[k]; !ok {
		w.seenMap[k] = s
	}
}

// rewrite writes a repeated node again, its placeholders taking the
// numbers its first occurrence wrote.
func (w *writer) rewrite(e Expr, min int, nums argSpan) {
	w.replay = nums
	w.node(e, min)
	if w.replay.from != w.replay.to {
		w.failf("core: repeated node rendered differently (a node changed while compiling?)")
	}
	w.replay = argSpan{}
}

// replaying reports whether a repeated node is being rewritten.
func (w *writer) replaying() bool { return w.replay.to != 0 }

// reuseArg writes the next placeholder of a repeated node.
func (w *writer) reuseArg() {
	if w.replay.from >= w.replay.to {
		w.failf("core: repeated node rendered differently (a node changed while compiling?)")
		return
	}
	n := w.nums[w.replay.from]
	w.replay.from++
	w.nums = append(w.nums, n)
	if w.mode == modeShape {
		// The shape says which argument is reused; a NUL byte cannot
		// occur in the shape's SQL text around a placeholder.
		w.b('?')
		w.b(0)
		w.int(int64(n))
		return
	}
	w.setBuf(w.d.AppendPlaceholder(w.buf, int(n)))
}
