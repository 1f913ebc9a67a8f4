package core

import (
	"bytes"
	"reflect"
	"testing"
)

// shapeText renders s in shape mode, as compileShape does before adding
// the routing facts.
func shapeText(t *testing.T, s Statement) []byte {
	t.Helper()
	w := newWriter(benchDialect{}, modeShape)
	defer w.release()
	s.writeStmt(w)
	if w.err != nil {
		t.Fatal(w.err)
	}
	return bytes.Clone(w.buf)
}

// TestPrebuiltShapesMatchTheWalk checks that the shape text tables and
// columns build once (buildShapes) is byte for byte what the walk writes
// without it, for plain and aliased tables, so using it cannot make two
// different statements share a cache entry; and that a column renamed
// after the fact stops using its stale shape.
func TestPrebuiltShapesMatchTheWalk(t *testing.T) {
	users, orders, items := benchTables()
	o := orders.As("o")
	stmts := []Statement{
		benchJoin(users, orders, items, 1),
		Select(o.C("id"), users.Star()).From(users).Join(o, Eq(o.C("user_id"), users.C("id"))),
		Insert(users).Columns(users.C("id"), users.C("email")).Values(1, "a").Returning(users.C("id")),
		Update(o).Set(o.C("total"), Add(o.C("total"), 1)).Where(Eq(o.C("id"), 2)),
		Delete(items).Where(In(items.C("sku"), Select(o.C("status")).From(o))),
	}
	tables := []*Table{users, orders, items, o}
	for i, s := range stmts {
		with := shapeText(t, s)
		saved := map[*Column]string{}
		savedT := map[*Table]string{}
		for _, tb := range tables {
			savedT[tb], tb.shape = tb.shape, ""
			for _, c := range tb.cols {
				saved[c], c.shape = c.shape, ""
			}
		}
		without := shapeText(t, s)
		for tb, sh := range savedT {
			tb.shape = sh
		}
		for c, sh := range saved {
			c.shape = sh
		}
		if !bytes.Equal(with, without) {
			t.Errorf("statement %d: prebuilt shape\n %q\nwalk\n %q", i, with, without)
		}
	}

	// Column's fields are exported; a renamed column must not keep its
	// old shape (its SQL changes, so must its key).
	tbl := MustTable(TableDef{Name: "r", Columns: []Column{{Name: "a", Type: Int()}}})
	q := func() Statement { return Select(tbl.C("a")).From(tbl) }
	before := shapeText(t, q())
	tbl.cols[0].Name = "b"
	if after := shapeText(t, q()); bytes.Equal(before, after) {
		t.Errorf("renamed column kept its shape %q", after)
	}
}

// TestTypeShapeHasEveryField: appendTypeShape writes each field of Type;
// one added to Type must be added there too, or two casts to types that
// differ only in it would share a shape (and its SQL).
func TestTypeShapeHasEveryField(t *testing.T) {
	if n := reflect.TypeFor[Type]().NumField(); n != 7 {
		t.Fatalf("Type has %d fields; appendTypeShape writes 7: add the new one", n)
	}
	e := &EnumType{}
	types := []Type{{}, {Kind: TypeText}, {Size: 1}, {Precision: 1}, {Scale: 1}, {Array: true}, {Enum: e}, {Native: "a"}, {Native: "a,1"}}
	seen := map[string]int{}
	for i, ty := range types {
		k := string(appendTypeShape(nil, ty))
		if j, dup := seen[k]; dup {
			t.Errorf("types %d and %d share the shape %q", j, i, k)
		}
		seen[k] = i
	}
}
