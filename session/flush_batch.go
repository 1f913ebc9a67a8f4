package session

import "github.com/athanor-orm/athanor/core"

// features are the dialect's (a zero, conservative set without one).
func (s *Session) features() core.Features {
	if s.dialect == nil {
		return core.Features{}
	}
	return s.dialect.Features()
}

// rowsPerStatement is how many rows of args bound values each one
// statement of the flush on table t carries: Options.BatchSize, or fewer
// where the dialect's (t's bind group's) limit on a statement's
// parameters (Features.MaxParams: 32766 on SQLite, 65535 on MySQL and
// PostgreSQL) is lower.
//
// A row of no values (every column left to the server) goes one per
// statement unless the dialect repeats "VALUES ()" (Features.EmptyValues):
// DEFAULT VALUES inserts a single row.
func (pl *plan) rowsPerStatement(t *core.Table, args int) int {
	n := pl.s.opts.BatchSize
	f := pl.s.featuresOf(t)
	if args == 0 && !f.EmptyValues {
		return 1
	}
	if limit := f.MaxParams; limit > 0 && args > 0 {
		n = min(n, max(1, limit/args))
	}
	return n
}

// oneInsert reports whether rows es of shape sh (at most BatchSize) go
// in one INSERT: within the parameter limit as VALUES, or as unnest
// arrays (see unnest), which the limit does not bound.
func (pl *plan) oneInsert(sh *insertShape, es []*entry) bool {
	if len(es) <= pl.rowsPerStatement(es[0].m.Table(), len(sh.cols)) {
		return true
	}
	if sh.arrays == nil || len(es) < minUnnestRows || !pl.s.featuresOf(es[0].m.Table()).UnnestArrays {
		return false
	}
	for j, f := range sh.cols {
		for _, e := range es {
			if !arrayValue(sh.arrays[j].Kind, f.Value(e.p)) {
				return false
			}
		}
	}
	return true
}
