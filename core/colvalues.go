package core

import "reflect"

// Reading which values a statement's WHERE allows in a column lets a
// layer above route it: the session sends a query on a sharded table to
// the shards of the shard-key values its criteria name.

// ColumnValues returns the values stmt's WHERE restricts col to, when
// stmt is a SELECT, UPDATE or DELETE whose WHERE has, among its ANDed
// terms (nested ANDs included), col = v or col IN (v1, …) with bound
// values: every row the statement reads or writes then holds one of them
// in col. Of several such terms it takes the one with fewest values. ok
// is false otherwise: no such term, or one under OR or NOT, or comparing
// col with another column, an expression or a subquery. The values are as
// the statement binds them, unconverted. col is matched by identity (the
// *Column of the table, not of an alias).
func ColumnValues(stmt Statement, col *Column) (vals []any, ok bool) {
	var terms []Expr
	switch s := stmt.(type) {
	case *SelectStmt:
		if s.q.where.first != nil {
			terms = append([]Expr{s.q.where.first}, s.q.where.rest...)
		}
	case *UpdateStmt:
		terms = s.q.where
	case *DeleteStmt:
		terms = s.q.where
	default:
		return nil, false
	}
	for _, t := range terms {
		if vs, found := termValues(t, col); found && (!ok || len(vs) < len(vals)) {
			vals, ok = vs, true
		}
	}
	return vals, ok
}

// termValues is ColumnValues for one ANDed term.
func termValues(e Expr, col *Column) ([]any, bool) {
	switch x := e.(type) {
	case logical:
		if !x.and {
			return nil, false
		}
		var vals []any
		ok := false
		for _, t := range x.terms {
			if vs, found := termValues(t, col); found && (!ok || len(vs) < len(vals)) {
				vals, ok = vs, true
			}
		}
		return vals, ok
	case compare:
		if x.op != "=" {
			return nil, false
		}
		if c, isCol := x.l.(*Column); isCol && c == col {
			if v, bound := boundValue(x.r); bound {
				return []any{v}, true
			}
		}
		if c, isCol := x.r.(*Column); isCol && c == col {
			if v, bound := boundValue(x.l); bound {
				return []any{v}, true
			}
		}
	case in:
		if c, isCol := x.e.(*Column); !isCol || c != col || x.not || x.sub != nil {
			return nil, false
		}
		if x.slice != nil {
			rv := reflect.ValueOf(x.slice)
			vals := make([]any, rv.Len())
			for i := range vals {
				vals[i] = rv.Index(i).Interface()
			}
			return vals, true
		}
		vals := make([]any, len(x.list))
		for i, t := range x.list {
			v, bound := boundValue(t)
			if !bound {
				return nil, false
			}
			vals[i] = v
		}
		return vals, true
	}
	return nil, false
}

// boundValue returns the value an operand binds: a plain value or Val.
func boundValue(operand any) (any, bool) {
	switch v := operand.(type) {
	case value:
		return v.v, true
	case Expr, SelectQuery:
		return nil, false
	}
	return operand, true
}
