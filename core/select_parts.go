package core

import "slices"

// Reading a SELECT's paging clauses lets a layer above rewrite a query it
// was handed: the loader wraps a paged query in a derived table before
// joining collections to it, so LIMIT counts parents, not joined rows.

// OrderItems returns the ORDER BY terms of s (a copy).
func (s *SelectStmt) OrderItems() []OrderItem { return slices.Clone(s.q.order) }

// Paging returns the LIMIT and OFFSET of s and whether each is set.
func (s *SelectStmt) Paging() (limit int64, hasLimit bool, offset int64, hasOffset bool) {
	return s.q.limit, s.q.hasLimit, s.q.offset, s.q.hasOffset
}

// WithExpr returns the item ordering by e instead, with the same
// direction and NULLs placement.
func (o OrderItem) WithExpr(e Expr) OrderItem {
	o.e = e
	return o
}
