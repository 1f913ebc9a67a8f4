package coretest

import . "github.com/athanor-orm/athanor/core"

// Examples returns the corpus. Statements are built fresh on each call.
func (s *Schema) Examples() []Example {
	a, b, t, c := s.Authors, s.Books, s.Tags, s.Counters
	aid, aname, aemail, acountry := a.C("id"), a.C("name"), a.C("email"), a.C("country")
	bid, bauthor, btitle, bprice, bpub := b.C("id"), b.C("author_id"), b.C("title"), b.C("price"), b.C("published")
	tbook, ttag := t.C("book_id"), t.C("tag")
	cname, chits := c.C("name"), c.C("hits")

	nums := NewCTE("nums", "n").Recursive()
	nums = nums.As(UnionAll(
		Select(Cast(1, Int())),
		Select(Add(nums.C("n"), 1)).From(nums).Where(Lt(nums.C("n"), 5)),
	))
	pricey := NewCTE("pricey").As(Select(bid, btitle).From(b).Where(Gt(bprice, 25)))
	top := Select(bauthor, As(Max(bprice), "top")).From(b).GroupBy(bauthor).As("m")
	gone := NewCTE("gone").As(Delete(t).Where(Eq(ttag, "lang")).Returning(tbook))
	bookIDs := func(q *SelectStmt) *SelectStmt { return q.From(b).OrderBy(bid) }
	cheap := NewCTE("cheap").As(Select(bid).From(b).Where(Lt(bprice, 15)))
	countTags := Select(Count(Star())).From(t)

	return []Example{
		{Name: "select_columns_where_eq", Stmt: Select(aid, aname).From(a).Where(Eq(aname, "Ann")),
			Rows: R(Row("1", "Ann"))},
		{Name: "select_star_aliased_table", Stmt: func() Statement {
			x := a.As("x")
			return Select(x.C("name")).From(x).Where(Eq(x.C("id"), 3))
		}(), Rows: R(Row("Cid"))},
		{Name: "select_distinct", Stmt: Select(bauthor).Distinct().From(b).OrderBy(bauthor),
			Rows: R(Row("1"), Row("2"))},
		{Name: "inner_join_three_tables", Stmt: Select(aname, btitle, ttag).From(a).
			Join(b, Eq(bauthor, aid)).Join(t, Eq(tbook, bid)).
			Where(Eq(ttag, "lang")).OrderBy(btitle),
			Rows: R(Row("Ann", "Go", "lang"), Row("Bob", "Rust", "lang"))},
		{Name: "left_join_unmatched_is_null", Stmt: Select(aname).From(a).LeftJoin(b, Eq(bauthor, aid)).Where(IsNull(bid)),
			Rows: R(Row("Cid"))},
		{Name: "right_join", Stmt: Select(aname, btitle).From(b).RightJoin(a, Eq(bauthor, aid)).Where(IsNull(bid)),
			Rows: R(Row("Cid", "<nil>"))},
		{Name: "full_join", Stmt: Select(Count(Star())).From(a).FullJoin(b, Eq(bauthor, aid)),
			Rows: R(Row("5")), Unsupported: []string{MariaDB}},
		{Name: "cross_join", Stmt: Select(Count(Star())).From(a).CrossJoin(t), Rows: R(Row("9"))},
		{Name: "and_or_not_parenthesised_by_precedence", Stmt: bookIDs(Select(bid).Where(Or(
			And(Gt(bprice, 15), Lt(bprice, 35)),
			Not(Or(Eq(btitle, "Zig"), Eq(btitle, "Go")))))),
			Rows: R(Row("1"), Row("2"), Row("3"))},
		{Name: "comparison_operators", Stmt: bookIDs(Select(bid).Where(Ne(bprice, 10), Le(bprice, 30), Ge(bprice, 20), Lt(bid, 100), Gt(bid, 0))),
			Rows: R(Row("1"), Row("2"))},
		{Name: "is_not_null", Stmt: Select(aname).From(a).Where(IsNotNull(acountry)).OrderBy(aid),
			Rows: R(Row("Ann"), Row("Cid"))},
		{Name: "eq_nil_compiles_to_is_null", Stmt: Select(aname).From(a).Where(Eq(acountry, nil)),
			Rows: R(Row("Bob"))},
		{Name: "in_slice", Stmt: bookIDs(Select(bid).Where(In(bid, []int64{1, 3, 99}))),
			Rows: R(Row("1"), Row("3"))},
		{Name: "not_in_slice", Stmt: bookIDs(Select(bid).Where(NotIn(bid, []int64{1, 3}))),
			Rows: R(Row("2"), Row("4"))},
		{Name: "in_string_slice", Stmt: bookIDs(Select(bid).Where(In(btitle, []string{"Go", "Zig"}))),
			Rows: R(Row("1"), Row("4"))},
		{Name: "in_empty_slice_is_false", Stmt: bookIDs(Select(bid).Where(In(bid, []int64{}))), Rows: R()},
		{Name: "not_in_empty_slice_is_true", Stmt: Select(Count(Star())).From(b).Where(NotIn(bid, []int64{})),
			Rows: R(Row("4"))},
		{Name: "in_value_list", Stmt: bookIDs(Select(bid).Where(In(bid, 2, 4))), Rows: R(Row("2"), Row("4"))},
		{Name: "in_subquery", Stmt: Select(aname).From(a).Where(In(aid, Select(bauthor).From(b).Where(Gt(bprice, 35)))),
			Rows: R(Row("Bob"))},
		{Name: "exists_correlated", Stmt: Select(aname).From(a).Where(Exists(Select(bid).From(b).Where(Eq(bauthor, aid)))).OrderBy(aid),
			Rows: R(Row("Ann"), Row("Bob"))},
		{Name: "not_exists_correlated", Stmt: Select(aname).From(a).Where(NotExists(Select(bid).From(b).Where(Eq(bauthor, aid)))),
			Rows: R(Row("Cid"))},
		{Name: "scalar_subquery", Stmt: Select(aname, As(Subquery(Select(Count(Star())).From(b).Where(Eq(bauthor, aid))), "n")).From(a).OrderBy(aid),
			Rows: R(Row("Ann", "2"), Row("Bob", "2"), Row("Cid", "0"))},
		{Name: "derived_table_join", Stmt: Select(aname, top.C("top")).From(a).Join(top, Eq(top.C("author_id"), aid)).OrderBy(aid),
			Rows: R(Row("Ann", "30"), Row("Bob", "40"))},
		{Name: "between", Stmt: bookIDs(Select(bid).Where(Between(bprice, 20, 30))), Rows: R(Row("1"), Row("2"))},
		{Name: "not_between", Stmt: bookIDs(Select(bid).Where(NotBetween(bprice, 20, 30))), Rows: R(Row("3"), Row("4"))},
		{Name: "like", Stmt: Select(btitle).From(b).Where(Like(btitle, "%u%")), Rows: R(Row("Rust"))},
		{Name: "not_like", Stmt: bookIDs(Select(bid).Where(NotLike(btitle, "%u%"))), Rows: R(Row("1"), Row("2"), Row("4"))},
		{Name: "ilike_native_or_lower_emulated", Stmt: Select(aname).From(a).Where(ILike(aemail, "bob@%")), Rows: R(Row("Bob"))},
		{Name: "group_by_having_aggregates", Stmt: Select(bauthor, Count(Star()), Sum(bprice), Min(bprice), Max(bprice)).From(b).
			GroupBy(bauthor).Having(Gt(Max(bprice), 35)).OrderBy(bauthor),
			Rows: R(Row("2", "2", "50", "10", "40"))},
		{Name: "count_distinct", Stmt: Select(CountDistinct(bauthor)).From(b), Rows: R(Row("2"))},
		{Name: "cast_avg_to_int", Stmt: Select(Cast(Avg(bprice), Int())).From(b), Rows: R(Row("25"))},
		{Name: "order_nulls_first", Stmt: Select(btitle).From(b).OrderBy(Asc(bpub).NullsFirst(), bid),
			Rows: R(Row("SQL"), Row("Go"), Row("Rust"), Row("Zig"))},
		{Name: "order_desc_nulls_last", Stmt: Select(btitle).From(b).OrderBy(Desc(bpub).NullsLast()),
			Rows: R(Row("Zig"), Row("Rust"), Row("Go"), Row("SQL"))},
		{Name: "limit_offset", Stmt: bookIDs(Select(bid)).Limit(2).Offset(1), Rows: R(Row("2"), Row("3"))},
		{Name: "offset_without_limit", Stmt: bookIDs(Select(bid)).Offset(3), Rows: R(Row("4"))},
		{Name: "for_update_is_a_write", Stmt: Select(bid).From(b).Where(Eq(bid, 1)).ForUpdate(), Writes: true, Rows: R(Row("1"))},
		{Name: "for_update_skip_locked", Stmt: Select(bid).From(b).Where(Eq(bid, 1)).ForUpdate(SkipLocked), Writes: true, Rows: R(Row("1"))},
		{Name: "for_update_nowait", Stmt: Select(bid).From(b).Where(Eq(bid, 1)).ForUpdate(NoWait), Writes: true, Rows: R(Row("1"))},
		{Name: "for_share", Stmt: Select(bid).From(b).Where(Eq(bid, 1)).ForShare(), Writes: true, Rows: R(Row("1"))},
		{Name: "cte", Stmt: Select(pricey.C("title")).With(pricey).From(pricey).OrderBy(pricey.C("title")),
			Rows: R(Row("Go"), Row("Rust"))},
		{Name: "cte_recursive", Stmt: Select(Sum(nums.C("n"))).With(nums).From(nums), Rows: R(Row("15"))},
		{Name: "union_ordered", Stmt: Union(
			Select(aname).From(a).Where(Eq(aid, 1)),
			Select(aname).From(a).Where(Le(aid, 2))).OrderBy(Ident("name")),
			Rows: R(Row("Ann"), Row("Bob"))},
		{Name: "union_all_keeps_duplicates", Stmt: UnionAll(
			Select(aname).From(a).Where(Eq(aid, 1)),
			Select(aname).From(a).Where(Le(aid, 2))).OrderBy(Ident("name")),
			Rows: R(Row("Ann"), Row("Ann"), Row("Bob"))},
		{Name: "intersect", Stmt: Intersect(Select(bauthor).From(b), Select(aid).From(a)).OrderBy(Ident("author_id")),
			Rows: R(Row("1"), Row("2"))},
		{Name: "except", Stmt: Except(Select(aid).From(a), Select(bauthor).From(b)), Rows: R(Row("3"))},
		{Name: "intersect_all", Stmt: IntersectAll(Select(bauthor).From(b), Select(bauthor).From(b).Where(Gt(bprice, 15))).OrderBy(Ident("author_id")),
			Rows: R(Row("1"), Row("1"), Row("2")), Unsupported: []string{SQLite}},
		{Name: "except_all", Stmt: ExceptAll(Select(bauthor).From(b), Select(aid).From(a)).OrderBy(Ident("author_id")),
			Rows: R(Row("1"), Row("2")), Unsupported: []string{SQLite}},
		{Name: "union_of_limited_operands_wrapped", Stmt: Union(
			Select(btitle).From(b).OrderBy(Desc(bprice)).Limit(1),
			Select(btitle).From(b).OrderBy(bprice).Limit(1)).OrderBy(Ident("title")),
			Rows: R(Row("Rust"), Row("Zig"))},
		{Name: "window_row_number", Stmt: Select(btitle, As(Over(RowNumber(), Window().PartitionBy(bauthor).OrderBy(Desc(bprice))), "rn")).From(b).OrderBy(bid),
			Rows: R(Row("Go", "1"), Row("SQL", "2"), Row("Rust", "1"), Row("Zig", "2"))},
		{Name: "window_sum_partition", Stmt: Select(btitle, Over(Sum(bprice), Window().PartitionBy(bauthor))).From(b).OrderBy(bid),
			Rows: R(Row("Go", "50"), Row("SQL", "50"), Row("Rust", "50"), Row("Zig", "50"))},
		{Name: "window_running_sum_rows_frame", Stmt: Select(btitle, Over(Sum(bprice), Window().OrderBy(bid).Rows(UnboundedPreceding, CurrentRow))).From(b).OrderBy(bid),
			Rows: R(Row("Go", "30"), Row("SQL", "50"), Row("Rust", "90"), Row("Zig", "100"))},
		{Name: "window_moving_max_offset_frame", Stmt: Select(Over(Max(bprice), Window().OrderBy(bid).Rows(Preceding(1), Following(1)))).From(b).OrderBy(bid),
			Rows: R(Row("30"), Row("40"), Row("40"), Row("40"))},
		{Name: "case_when_else", Stmt: Select(btitle, Case().When(Ge(bprice, 30), "high").Else("low")).From(b).OrderBy(bid),
			Rows: R(Row("Go", "high"), Row("SQL", "low"), Row("Rust", "high"), Row("Zig", "low"))},
		{Name: "cast_to_string", Stmt: Select(Cast(bprice, String(10))).From(b).Where(Eq(bid, 1)), Rows: R(Row("30"))},
		{Name: "coalesce", Stmt: Select(Coalesce(acountry, "??")).From(a).OrderBy(aid), Rows: R(Row("NZ"), Row("??"), Row("FR"))},
		{Name: "arithmetic_precedence", Stmt: Select(Mul(Add(bprice, 1), 2), Sub(bprice, Sub(bprice, 1))).From(b).Where(Eq(bid, 1)),
			Rows: R(Row("62", "1"))},
		{Name: "concat", Stmt: Select(Concat(aname, "!")).From(a).Where(Eq(aid, 1)), Rows: R(Row("Ann!"))},
		{Name: "function_call", Stmt: Select(Upper(aname), Func("lower", aname)).From(a).Where(Eq(aid, 1)), Rows: R(Row("ANN", "ann"))},
		{Name: "raw_statement_read_only", Stmt: Raw("SELECT CAST(? AS INTEGER) + 1 AS n", 41).ReadOnly(), Rows: R(Row("42"))},
		{Name: "raw_fragment_is_a_write", Stmt: Select(aname).From(a).Where(Raw("1 = 1")), Writes: true,
			Rows: R(Row("Ann"), Row("Bob"), Row("Cid")), Unordered: true},

		// Writes; each runs in a transaction that is rolled back.
		{Name: "insert_returning", Stmt: Insert(a).Columns(aname, aemail, acountry).Values("Dan", "dan@example.com", nil).Returning(aid, aname),
			Writes: true, Rows: R(Row("4", "Dan"))},
		{Name: "insert_multi_row", Stmt: Insert(b).Columns(bauthor, btitle, bprice).Values(3, "A", 1).Values(3, "B", 2),
			Writes: true, Check: Select(Count(Star())).From(b).Where(Eq(bauthor, 3)), CheckRows: R(Row("2"))},
		{Name: "insert_select", Stmt: Insert(t).Columns(tbook, ttag).Select(Select(bid, Cast("all", String(50))).From(b)),
			Writes: true, Check: countTags, CheckRows: R(Row("7"))},
		{Name: "insert_client_and_server_defaults", Stmt: Insert(c).Columns(cname).Values("b"),
			Writes: true, Check: Select(chits, c.C("note"), c.C("server_note")).From(c).Where(Eq(cname, "b")),
			CheckRows: R(Row("0", "n/a", `it's \ "ok" -- /* */ $$`))},
		{Name: "upsert_do_update", Stmt: Insert(c).Columns(cname, chits).Values("a", 5).
			OnConflictDoUpdate([]*Column{cname}, Set(chits, Add(chits, Excluded(chits)))),
			Writes: true, Check: Select(chits).From(c).Where(Eq(cname, "a")), CheckRows: R(Row("6"))},
		{Name: "upsert_do_nothing", Stmt: Insert(c).Columns(cname, chits).Values("a", 100).OnConflictDoNothing(cname),
			Writes: true, Check: Select(chits).From(c).Where(Eq(cname, "a")), CheckRows: R(Row("1"))},
		{Name: "update_where", Stmt: Update(b).Set(bprice, Add(bprice, 5)).Where(Eq(bauthor, 1)),
			Writes: true, Check: Select(Sum(bprice)).From(b).Where(Eq(bauthor, 1)), CheckRows: R(Row("60"))},
		{Name: "update_returning", Stmt: Update(b).Set(bprice, 99).Where(Eq(bid, 4)).Returning(bid, bprice),
			Writes: true, Rows: R(Row("4", "99")), Unsupported: []string{MariaDB}},
		{Name: "update_from_joined_table", Stmt: Update(b).Set(bprice, 0).From(a).Where(Eq(bauthor, aid), Eq(aname, "Bob")),
			Writes: true, Check: Select(Count(Star())).From(b).Where(Eq(bprice, 0)), CheckRows: R(Row("2"))},
		{Name: "with_before_update", Stmt: Update(b).With(cheap).Set(bprice, 15).Where(In(bid, Select(cheap.C("id")).From(cheap))),
			Writes: true, Check: Select(Count(Star())).From(b).Where(Eq(bprice, 15)), CheckRows: R(Row("1")), Unsupported: []string{MariaDB}},
		{Name: "with_before_delete", Stmt: Delete(t).With(cheap).Where(In(tbook, Select(cheap.C("id")).From(cheap))),
			Writes: true, Check: countTags, CheckRows: R(Row("3")), Unsupported: []string{MariaDB}},
		{Name: "with_before_insert", Stmt: Insert(t).With(cheap).Columns(tbook, ttag).Select(Select(cheap.C("id"), Cast("cheap", String(50))).From(cheap)),
			Writes: true, Check: countTags, CheckRows: R(Row("4")), Unsupported: []string{MariaDB}},
		{Name: "insert_select_with_cte_in_query", Stmt: Insert(t).Columns(tbook, ttag).Select(Select(cheap.C("id"), Cast("cheap", String(50))).With(cheap).From(cheap)),
			Writes: true, Check: countTags, CheckRows: R(Row("4"))},
		{Name: "delete_where", Stmt: Delete(t).Where(Eq(ttag, "go")),
			Writes: true, Check: countTags, CheckRows: R(Row("2"))},
		{Name: "delete_using_joined_table", Stmt: Delete(t).Using(b).Where(Eq(tbook, bid), Eq(btitle, "Go")),
			Writes: true, Check: countTags, CheckRows: R(Row("1"))},
		{Name: "delete_returning", Stmt: Delete(t).Where(Eq(ttag, "go")).Returning(tbook),
			Writes: true, Rows: R(Row("1"))},
		{Name: "data_modifying_cte", Stmt: Select(Count(Star())).With(gone).From(gone),
			Writes: true, Rows: R(Row("2")), Unsupported: []string{MariaDB, SQLite}},
	}
}
