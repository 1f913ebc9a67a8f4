package core

import (
	"fmt"
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
	err    error
	writes bool
	tables []string
	ctes   []string // CTE names in scope; references to them are not tables
}

var writerPool = sync.Pool{New: func() any { return new(writer) }}

func newWriter(d Dialect, mode writeMode) *writer {
	w := writerPool.Get().(*writer)
	w.d, w.f, w.mode = d, d.Features(), mode
	return w
}

func (w *writer) release() {
	if cap(w.buf) > 64<<10 || cap(w.args) > 4096 {
		return // let oversized buffers go
	}
	clear(w.args)
	*w = writer{buf: w.buf[:0], args: w.args[:0], tables: w.tables[:0], ctes: w.ctes[:0]}
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

func (w *writer) s(s string) { w.buf = append(w.buf, s...) }
func (w *writer) b(c byte)   { w.buf = append(w.buf, c) }

func (w *writer) int(n int64) { w.buf = strconv.AppendInt(w.buf, n, 10) }

// ident writes one quoted identifier.
func (w *writer) ident(name string) {
	if w.mode == modeShape {
		// Length-prefixed so adjacent identifiers cannot run together.
		if len(name) < 0xff {
			w.buf = append(w.buf, byte(len(name)))
		} else {
			w.buf = append(w.buf, 0xff)
			w.buf = strconv.AppendInt(w.buf, int64(len(name)), 10)
			w.b(':')
		}
		w.s(name)
		return
	}
	b, err := w.d.AppendIdent(w.buf, name)
	if err != nil {
		w.fail(err)
		return
	}
	w.buf = b
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
		b, err := w.d.AppendLiteral(w.buf, v)
		if err != nil {
			w.fail(err)
			return
		}
		w.buf = b
		return
	}
	w.args = append(w.args, v)
	if w.mode == modeShape {
		w.b('?')
		return
	}
	w.buf = w.d.AppendPlaceholder(w.buf, len(w.args))
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
	if e.prec() < min {
		w.b('(')
		e.writeExpr(w)
		w.b(')')
		return
	}
	e.writeExpr(w)
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
