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
// the cached SQL text and only collects its arguments.
func Compile(d Dialect, s Statement) (Compiled, error) {
	if d == nil {
		return Compiled{}, fmt.Errorf("core: compile: nil dialect")
	}
	if s == nil {
		return Compiled{}, fmt.Errorf("core: compile: nil statement")
	}
	m := s.stmtMemo()
	if m != nil {
		if c, ok := m.get(d); ok {
			return c, nil
		}
	}
	var c Compiled
	var err error
	if _, ok := s.(ddlStatement); ok {
		c, err = compileFull(d, s) // DDL is rare and inlines literals: no shape cache
	} else {
		c, err = compileShape(d, s)
	}
	if err != nil {
		return Compiled{}, err
	}
	if m != nil {
		m.put(d, c)
	}
	return c, nil
}

// ddlStatement marks statements that bypass the shape cache.
type ddlStatement interface{ ddl() }

func (*CreateTableStmt) ddl()     {}
func (*CreateIndexStmt) ddl()     {}
func (*DropTableStmt) ddl()       {}
func (*AlterForeignKeyStmt) ddl() {}

// compileShape renders s in shape mode, looks the shape up in the shared
// cache, and renders in full only on a miss.
func compileShape(d Dialect, s Statement) (Compiled, error) {
	sw := newWriter(d, modeShape)
	defer sw.release()
	s.writeStmt(sw)
	if sw.err != nil {
		return Compiled{}, sw.err
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
		return Compiled{SQL: e.sql, Args: clipArgs(sw.args), Writes: e.writes, Tables: e.tables}, nil
	}
	c, err := compileFull(d, s)
	if err != nil {
		return Compiled{}, err
	}
	shapes.put(d, sw.buf, &shapeEntry{sql: c.SQL, writes: c.Writes, tables: c.Tables})
	return c, nil
}

// compileFull renders s without consulting any cache.
func compileFull(d Dialect, s Statement) (Compiled, error) {
	w := newWriter(d, modeSQL)
	defer w.release()
	s.writeStmt(w)
	if w.err != nil {
		return Compiled{}, w.err
	}
	return Compiled{
		SQL:    string(w.buf),
		Args:   clipArgs(w.args),
		Writes: w.writes,
		Tables: slices.Clone(w.tables),
	}, nil
}

func clipArgs(a []any) []any {
	if len(a) == 0 {
		return nil
	}
	return slices.Clone(a)
}

// memo holds one statement value's compiled forms, one per dialect. It is
// lock-free: entries form an immutable list swapped with CAS.
type memo struct {
	head atomic.Pointer[memoEntry]
	info atomic.Pointer[stmtInfo]
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
	for e := m.head.Load(); e != nil; e = e.next {
		if e.d == d {
			return e.c, true
		}
	}
	return Compiled{}, false
}

func (m *memo) put(d Dialect, c Compiled) {
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

// shapeKey identifies rendered SQL: the dialect plus a hash of the
// statement's shape (its SQL with raw identifiers and uniform placeholders).
// Entries keep the full shape, so a hash collision is a miss, never wrong SQL.
type shapeKey struct {
	d Dialect
	h uint64
}

type shapeEntry struct {
	shape  string
	sql    string
	writes bool
	tables []string
	next   *shapeEntry
}

// shapeCacheLimit bounds the shape cache; when full it is cleared, so a
// stream of one-off shapes cannot grow memory without bound.
const shapeCacheLimit = 4096

type shapeCache struct {
	mu sync.RWMutex
	m  map[shapeKey]*shapeEntry // guarded by mu
	n  int                      // guarded by mu
}

var (
	shapes    shapeCache
	shapeSeed = maphash.MakeSeed()
)

func (c *shapeCache) get(d Dialect, shape []byte) (*shapeEntry, bool) {
	k := shapeKey{d: d, h: maphash.Bytes(shapeSeed, shape)}
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	for ; e != nil; e = e.next {
		if e.shape == string(shape) {
			return e, true
		}
	}
	return nil, false
}

func (c *shapeCache) put(d Dialect, shape []byte, e *shapeEntry) {
	k := shapeKey{d: d, h: maphash.Bytes(shapeSeed, shape)}
	e.shape = string(shape)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.n >= shapeCacheLimit {
		c.m = make(map[shapeKey]*shapeEntry)
		c.n = 0
	}
	for x := c.m[k]; x != nil; x = x.next {
		if x.shape == e.shape {
			return
		}
	}
	e.next = c.m[k]
	c.m[k] = e
	c.n++
}
