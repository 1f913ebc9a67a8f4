package core

import (
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

// Statement is a complete SQL statement: a query, DML, DDL or Raw. The set of
// implementations is closed; only this package adds statement kinds.
type Statement interface {
	// Writes reports whether running the statement may modify data or take
	// row locks: INSERT/UPDATE/DELETE, DDL, a locking SELECT, a
	// data-modifying CTE, and Raw SQL not marked ReadOnly.
	Writes() bool
	// Tables lists the tables the statement reads or writes, in order of
	// first appearance, without duplicates. CTE names are not tables.
	Tables() []string

	writeStmt(w *writer)
	stmtMemo() *memo
}

// Compiled is a statement rendered for one dialect.
type Compiled struct {
	// SQL is the statement text with dialect placeholders.
	SQL string
	// Args are the bound values, in placeholder order. Treat as read-only:
	// compiled results are cached and shared.
	Args []any
	// Writes is Statement.Writes, plus any unmarked Raw fragment.
	Writes bool
	// Tables is Statement.Tables. Treat as read-only, like Args.
	Tables []string
}

// Compile renders s for dialect d.
//
// Compiling the same statement value twice returns the memoised result; a
// rebuilt statement with the same shape (the same SQL, other values) reuses
// the cached SQL text and only collects its arguments (see the package
// documentation's Caching for the forms that skip even the shape walk).
func Compile(d Dialect, s Statement) (Compiled, error) {
	if d == nil {
		return Compiled{}, fmt.Errorf("core: compile: nil dialect")
	}
	if s == nil {
		return Compiled{}, fmt.Errorf("core: compile: nil statement")
	}
	m := s.stmtMemo()
	if m == nil {
		e, args, err := compile(d, s, nil)
		if err != nil {
			return Compiled{}, err
		}
		return e.compiled(args), nil
	}
	if c, ok := m.get(d); ok {
		return c, nil
	}
	// The first dialect a statement is compiled for is memoised in the
	// statement itself, with its arguments when they are few: compiling a
	// freshly built statement of a cached shape then allocates nothing.
	if m.reserve() {
		e, args, err := compile(d, s, m.buf[:])
		if err != nil {
			m.unreserve()
			return Compiled{}, err
		}
		m.publish(e, args)
		return e.compiled(args), nil
	}
	e, args, err := compile(d, s, nil)
	if err != nil {
		return Compiled{}, err
	}
	c := e.compiled(args)
	m.put(d, c)
	return c, nil
}

// cachedForm is a statement whose SQL may be found without walking it (see
// InsertStmt.Template, SelectStmt.Template, and the simple UPDATE of
// update_fast.go): fromCache returns its entry and arguments, or false
// when s does not qualify or nothing is cached yet; noteCache records the
// entry the shape path compiled for s, if s qualifies.
type cachedForm interface {
	fromCache(d Dialect, spare []any) (*shapeEntry, []any, bool)
	noteCache(d Dialect, e *shapeEntry, args []any)
}

// compile renders s through the shape cache (DDL in full, uncached) and
// returns its SQL and routing facts, and its arguments, copied into spare
// when they fit.
func compile(d Dialect, s Statement, spare []any) (*shapeEntry, []any, error) {
	if c, ok := s.(cachedForm); ok {
		if e, args, ok := c.fromCache(d, spare); ok {
			return e, args, nil
		}
		if x, ok := s.(shorthand); ok {
			return compile(d, x.expand(), spare)
		}
		e, args, err := compileShape(d, s, spare)
		if err == nil {
			c.noteCache(d, e, args)
		}
		return e, args, err
	}
	if _, ok := s.(ddlStatement); !ok {
		return compileShape(d, s, spare)
	}
	// DDL is rare and inlines literals: no shape cache.
	c, err := compileFull(d, s, spare)
	if err != nil {
		return nil, nil, err
	}
	return &shapeEntry{d: d, sql: c.SQL, writes: c.Writes, tables: c.Tables}, c.Args, nil
}

// shorthand is a statement standing for another, which it builds on
// demand (InsertRow): compiled through its own cachedForm when that
// finds it, else as the statement it stands for, whose compilation
// leaves the entry the next one finds.
type shorthand interface{ expand() Statement }

// ddlStatement marks statements that bypass the shape cache.
type ddlStatement interface{ ddl() }

func (*CreateTableStmt) ddl()     {}
func (*CreateIndexStmt) ddl()     {}
func (*DropTableStmt) ddl()       {}
func (*AlterForeignKeyStmt) ddl() {}

// compileShape renders s in shape mode, looks the shape up in the shared
// cache, and renders in full only on a miss. Arguments go to spare when
// they fit (see keepArgs).
func compileShape(d Dialect, s Statement, spare []any) (*shapeEntry, []any, error) {
	sw := newWriter(d, modeShape)
	defer sw.release()
	s.writeStmt(sw)
	if sw.err != nil {
		return nil, nil, sw.err
	}
	// The routing facts are part of the shape: two statements may render
	// the same SQL (FOR UPDATE is dropped on SQLite; Raw and
	// Raw(...).ReadOnly() read alike) yet differ in Writes or Tables.
	sw.buf = append(sw.buf, 0, '0')
	if sw.writes {
		sw.buf[len(sw.buf)-1] = '1'
	}
	for _, t := range sw.tables {
		sw.ident(t)
	}
	if e, ok := shapes.get(d, sw.buf); ok {
		return e, sw.keptArgs(spare), nil
	}
	c, err := compileFull(d, s, spare)
	if err != nil {
		return nil, nil, err
	}
	e := &shapeEntry{d: d, sql: c.SQL, writes: c.Writes, tables: c.Tables}
	shapes.put(d, sw.buf, e)
	return e, c.Args, nil
}

// compileFull renders s without consulting any cache.
func compileFull(d Dialect, s Statement, spare []any) (Compiled, error) {
	w := newWriter(d, modeSQL)
	defer w.release()
	s.writeStmt(w)
	if w.err != nil {
		return Compiled{}, w.err
	}
	return Compiled{
		SQL:    string(w.buf),
		Args:   w.keptArgs(spare),
		Writes: w.writes,
		Tables: slices.Clone(w.tables),
	}, nil
}

// keepArgs copies arguments out of a pooled writer: into spare (storage
// owned by the statement being compiled) when they fit, else into a new
// slice. The result's capacity is its length, so it is never appended to
// in place.
func keepArgs(a, spare []any) []any {
	if len(a) == 0 {
		return nil
	}
	if len(a) <= len(spare) {
		n := copy(spare, a)
		return spare[:n:n]
	}
	return slices.Clone(a)
}

// keptArgs is keepArgs of w's arguments, or the statement's own array of
// them where it has one (see writer.owned): an immutable statement's
// values can be shared with its compiled form, and a large INSERT then
// costs no copy of them.
func (w *writer) keptArgs(spare []any) []any {
	if o := w.owned; o != nil && len(o) == len(w.args) && len(o) > len(spare) {
		return o[:len(o):len(o)]
	}
	return keepArgs(w.args, spare)
}

// memoArgs is how many arguments a memo stores without allocating: enough
// for a lookup by key, or by key and a limit.
const memoArgs = 2

// memo holds one statement value's compiled forms, one per dialect. It is
// lock-free. The first form lives inline, so memoising it allocates
// nothing: its fields e (the shape entry, which names the dialect), args
// and buf are written only by the goroutine that moved state from
// memoEmpty to memoWriting, and read only once state is memoReady. Other
// dialects go to an immutable list swapped with CAS.
type memo struct {
	state atomic.Uint32
	e     *shapeEntry
	args  []any
	buf   [memoArgs]any // backing array of args when they fit
	head  atomic.Pointer[memoEntry]
	info  atomic.Pointer[stmtInfo]
}

const (
	memoEmpty uint32 = iota
	memoWriting
	memoReady
)

// reserve claims the inline slot; the caller then calls publish or
// unreserve.
func (m *memo) reserve() bool { return m.state.CompareAndSwap(memoEmpty, memoWriting) }

func (m *memo) unreserve() { m.state.Store(memoEmpty) }

func (m *memo) publish(e *shapeEntry, args []any) {
	m.e, m.args = e, args
	m.state.Store(memoReady)
}

type memoEntry struct {
	d    Dialect
	c    Compiled
	next *memoEntry
}

type stmtInfo struct {
	writes bool
	tables []string
}

func (m *memo) get(d Dialect) (Compiled, bool) {
	if m.state.Load() == memoReady && m.e.d == d {
		return m.e.compiled(m.args), true
	}
	for e := m.head.Load(); e != nil; e = e.next {
		if e.d == d {
			return e.c, true
		}
	}
	return Compiled{}, false
}

func (m *memo) put(d Dialect, c Compiled) {
	if m.state.Load() == memoReady && m.e.d == d {
		return
	}
	for {
		old := m.head.Load()
		n := 0
		for e := old; e != nil; e = e.next {
			if e.d == d {
				return
			}
			n++
		}
		if n >= 8 { // a statement is compiled for few dialects; stop growing
			return
		}
		if m.head.CompareAndSwap(old, &memoEntry{d: d, c: c, next: old}) {
			return
		}
	}
}

// scan computes and memoises the dialect-independent facts of s: whether it
// writes and which tables it touches.
func scan(s Statement) stmtInfo {
	m := s.stmtMemo()
	if m != nil {
		if i := m.info.Load(); i != nil {
			return *i
		}
	}
	w := newWriter(genericDialect{}, modeShape)
	defer w.release()
	s.writeStmt(w)
	i := stmtInfo{writes: w.writes, tables: slices.Clone(w.tables)}
	if m != nil {
		m.info.Store(&i)
	}
	return i
}

type shapeEntry struct {
	d      Dialect
	shape  string
	sql    string
	writes bool
	tables []string
	next   *shapeEntry
}

// compiled is the entry's SQL and routing facts with a statement's
// arguments.
func (e *shapeEntry) compiled(args []any) Compiled {
	return Compiled{SQL: e.sql, Args: args, Writes: e.writes, Tables: e.tables}
}

// shapeCacheLimit bounds the shape cache; when full it is cleared, so a
// stream of one-off shapes cannot grow memory without bound.
const shapeCacheLimit = 4096

// shapeCache maps a statement shape (its SQL with raw identifiers and
// uniform placeholders, plus its routing facts) and a dialect to rendered
// SQL. It is keyed by a hash of the shape alone, a plain integer that is
// cheap to look up; entries keep their dialect and full shape, so a hash
// shared by two dialects or a collision is a chain walk or a miss, never
// wrong SQL.
type shapeCache struct {
	mu sync.RWMutex
	m  map[uint64]*shapeEntry // guarded by mu
	n  int                    // guarded by mu
}

var (
	shapes    shapeCache
	shapeSeed = maphash.MakeSeed()
)

func (c *shapeCache) get(d Dialect, shape []byte) (*shapeEntry, bool) {
	h := maphash.Bytes(shapeSeed, shape)
	c.mu.RLock()
	e := c.m[h]
	c.mu.RUnlock()
	for ; e != nil; e = e.next {
		if e.shape == string(shape) && e.d == d {
			return e, true
		}
	}
	return nil, false
}

func (c *shapeCache) put(d Dialect, shape []byte, e *shapeEntry) {
	h := maphash.Bytes(shapeSeed, shape)
	e.d, e.shape = d, string(shape)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= shapeCacheLimit {
		c.m = make(map[uint64]*shapeEntry)
		c.n = 0
	}
	for x := c.m[h]; x != nil; x = x.next {
		if x.shape == e.shape && x.d == d {
			return
		}
	}
	e.next = c.m[h]
	c.m[h] = e
	c.n++
}
