package session

// This file gives the session, over a router whose bind groups are of
// different dialects (a PostgreSQL default group, a model bound to a
// MariaDB group), each table's own dialect: the flush shapes a table's
// statements by its group's features (RETURNING, unnest arrays, VALUES (),
// the parameter limit), and each statement is checked by the compiler of
// the group it runs on. Compilation itself is already per group: each
// node's engine compiles for its own dialect.

import (
	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/router"
)

// mixedDialects reports whether r's groups are of more than one dialect.
func mixedDialects(r *router.Router) bool {
	var first core.Dialect
	for _, g := range r.Groups() {
		d := g.Primary().Dialect()
		if first == nil {
			first = d
		} else if d != first {
			return true
		}
	}
	return false
}

// groupDialect is the dialect of the group table (a full name) is bound
// to (a sharded table's: its set's first shard's), or nil when the
// session is not over a router of several dialects (s.dialect is then
// every table's).
func (s *Session) groupDialect(table string) core.Dialect {
	rb, ok := s.b.(routerBackend)
	if !ok || !mixedDialects(rb.r) {
		return nil
	}
	if set := rb.r.ShardSetOf(table); set != nil {
		if sh := set.Shards(); len(sh) > 0 {
			return sh[0].Primary().Dialect()
		}
	}
	if g := rb.r.GroupOf(table); g != nil {
		return g.Primary().Dialect()
	}
	return nil
}

// featuresOf are the features of t's dialect (see groupDialect).
func (s *Session) featuresOf(t *core.Table) core.Features {
	if t != nil {
		if d := s.groupDialect(t.FullName()); d != nil {
			return d.Features()
		}
	}
	return s.features()
}

// returningOf reports whether INSERTs into t return generated values.
func (s *Session) returningOf(t *core.Table) bool {
	if t != nil {
		if d := s.groupDialect(t.FullName()); d != nil {
			return d.Features().ReturningInsert
		}
	}
	return s.features().ReturningInsert // (asked when needed: a read has no use for it)
}

// dialectFor is the dialect stmt is checked against before it is sent:
// that of its first table's group (see groupDialect), else the session's.
func (s *Session) dialectFor(stmt core.Statement) core.Dialect {
	if rb, ok := s.b.(routerBackend); ok && mixedDialects(rb.r) {
		if ts := stmt.Tables(); len(ts) > 0 {
			if d := s.groupDialect(ts[0]); d != nil {
				return d
			}
		}
	}
	return s.dialect
}

// loaderDialect is the dialect the loader shapes its key lists for: the
// session's, unless its router's groups differ in dialect, where it is
// nil (key lists in chunks of bound parameters, which every dialect
// takes).
func (s *Session) loaderDialect() core.Dialect {
	if rb, ok := s.b.(routerBackend); ok && mixedDialects(rb.r) {
		return nil
	}
	return s.dialect
}

// dialectOfTable is t's dialect (see groupDialect), else the session's.
func (s *Session) dialectOfTable(t *core.Table) core.Dialect {
	if d := s.groupDialect(t.FullName()); d != nil {
		return d
	}
	return s.dialect
}
