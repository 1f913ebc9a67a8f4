package core_test

import (
	"reflect"
	"testing"

	"github.com/athanor-orm/athanor/core"
)

var cvT = core.MustTable(core.TableDef{Name: "cv", Columns: []core.Column{
	{Name: "id", Type: core.BigInt(), PrimaryKey: true},
	{Name: "tenant", Type: core.BigInt()},
	{Name: "name", Type: core.Text()},
}})

func TestColumnValues(t *testing.T) {
	id, tenant, name := cvT.C("id"), cvT.C("tenant"), cvT.C("name")
	sel := core.Select(id).From(cvT)
	other := core.MustTable(core.TableDef{Name: "cv2", Columns: []core.Column{{Name: "tenant", Type: core.BigInt()}}})
	cases := []struct {
		name string
		stmt core.Statement
		want []any // nil: not ok
	}{
		{"eq", sel.Where(core.Eq(tenant, 7)), []any{7}},
		{"eq reversed", sel.Where(core.Eq(int64(7), tenant)), []any{int64(7)}},
		{"Val", sel.Where(core.Eq(tenant, core.Val(int64(8)))), []any{int64(8)}},
		{"and of terms", sel.Where(core.Eq(name, "x"), core.Eq(tenant, 3)), []any{3}},
		{"nested and", sel.Where(core.And(core.Gt(id, 1), core.And(core.Eq(name, "x"), core.Eq(tenant, 4)))), []any{4}},
		{"in list", sel.Where(core.In(tenant, 1, 2, 3)), []any{1, 2, 3}},
		{"in slice", sel.Where(core.In(tenant, []int64{5, 6})), []any{int64(5), int64(6)}},
		{"fewest wins", sel.Where(core.In(tenant, 1, 2), core.Eq(tenant, 2)), []any{2}},
		{"update", core.Update(cvT).Set(name, "y").Where(core.Eq(tenant, 9)), []any{9}},
		{"delete", core.Delete(cvT).Where(core.In(tenant, 9, 10)), []any{9, 10}},
		{"no where", sel, nil},
		{"other column", sel.Where(core.Eq(id, 7)), nil},
		{"same name, other table", sel.Where(core.Eq(other.C("tenant"), 7)), nil},
		{"or", sel.Where(core.Or(core.Eq(tenant, 1), core.Eq(name, "x"))), nil},
		{"not", sel.Where(core.Not(core.Eq(tenant, 1))), nil},
		{"not in", sel.Where(core.NotIn(tenant, 1, 2)), nil},
		{"in with null", sel.Where(core.In(tenant, 1, nil)), nil},
		{"in subquery", sel.Where(core.In(tenant, core.Select(other.C("tenant")).From(other))), nil},
		{"in expression", sel.Where(core.In(tenant, core.Add(id, 1))), nil},
		{"ne", sel.Where(core.Ne(tenant, 1)), nil},
		{"column = column", sel.Where(core.Eq(tenant, id)), nil},
		{"raw", core.Raw("SELECT 1 WHERE tenant = ?", 1), nil},
	}
	for _, c := range cases {
		got, ok := core.ColumnValues(c.stmt, tenant)
		if ok != (c.want != nil) || !reflect.DeepEqual(got, c.want) && c.want != nil {
			t.Errorf("%s: ColumnValues = %v, %v; want %v", c.name, got, ok, c.want)
		}
	}
}
