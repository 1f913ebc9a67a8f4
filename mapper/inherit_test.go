package mapper_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/mapper"
)

type inhAnimal interface{ sound() string }

type inhBase struct {
	_    struct{} `athanor:",table:inh_animals,bind:zoo"`
	ID   int64
	Kind string `athanor:",discriminator,size:16"`
	Name string
}

func (*inhBase) sound() string { return "" }

type inhDog struct {
	inhBase `athanor:",inherit:dog"`
	Bark    int
}

type inhCat struct {
	inhBase `athanor:",inherit:cat,table:inh_cats"`
	Lives   int
	Owner   *string
}

type inhNoDisc struct{ ID int64 }

type inhSubNoDisc struct {
	inhNoDisc `athanor:",inherit:x"`
}

type inhNotFirst struct {
	X       int
	inhBase `athanor:",inherit:late"`
}

type inhTwoDisc struct {
	ID int64
	A  string `athanor:",discriminator"`
	B  string `athanor:",discriminator"`
}

type inhFloatDisc struct {
	ID int64
	K  float64 `athanor:",discriminator"`
}

type inhOwnKey struct {
	inhBase `athanor:",inherit:ownkey"`
	Code    string `athanor:",pk"`
}

type inhEmpty struct {
	inhBase `athanor:",inherit:"`
}

type inhBadOpt struct {
	inhBase `athanor:",inherit:x,cascade:all"`
}

type inhDupDog struct {
	inhBase `athanor:",inherit:dog"`
	Wag     int
}

type inhIntBase struct {
	ID   int64
	Kind int `athanor:",discriminator:0"`
}

type inhIntSub struct {
	inhIntBase `athanor:",inherit:one"`
}

type inhShelter struct {
	ID      int64
	Animals []inhAnimal
}

type inhShelterBadFK struct {
	ID   int64
	Star inhAnimal `athanor:",fk:StarID"`
}

// TestInheritRegistration: a valid hierarchy maps a single table with
// the subtypes' columns nullable, a joined subtype's table keyed by (and
// referencing) the base key, and each model's identity.
func TestInheritRegistration(t *testing.T) {
	reg := mapper.NewRegistry()
	dog, err := reg.Register(reflect.TypeFor[inhDog]())
	if err != nil {
		t.Fatal(err)
	}
	cat, err := reg.Register(reflect.TypeFor[inhCat]())
	if err != nil {
		t.Fatal(err)
	}
	base, _ := reg.Lookup(reflect.TypeFor[inhBase]())
	if base == nil || dog.Inheritance().Base != base || cat.Inheritance().Base != base || base.Inheritance().Base != base {
		t.Fatalf("bases: %v", base)
	}
	if dog.Inheritance().Identity != "dog" || base.Inheritance().Identity != nil {
		t.Fatalf("identities %v %v", dog.Inheritance().Identity, base.Inheritance().Identity)
	}
	if got := base.Inheritance().Subtypes(); len(got) != 2 || got[0] != dog || got[1] != cat {
		t.Fatalf("subtypes %v", got)
	}
	if m, ok := base.Inheritance().ByIdentity([]byte("cat")); !ok || m != cat {
		t.Fatalf("by identity: %v", m)
	}
	if dog.Table().Name() != "inh_animals" || cat.Table().Name() != "inh_animals" || dog.IdentityModel() != base {
		t.Fatalf("tables %s %s", dog.Table().Name(), cat.Table().Name())
	}
	st := cat.Inheritance().SubTable
	if st == nil || st.Name() != "inh_cats" || !reflect.DeepEqual(st.PrimaryKey(), []string{"id"}) {
		t.Fatalf("cat's table %v", st)
	}
	if fks := st.ForeignKeys(); len(fks) != 1 || fks[0].RefTable != "inh_animals" || fks[0].Columns[0] != "id" {
		t.Fatalf("cat's table fks %v", fks)
	}
	if c, _ := st.Col("id"); c.AutoIncrement {
		t.Fatal("the subtype's key copies the base's: not autoincrement")
	}
	if f, _ := cat.Field("Lives"); f.Col.Table().Name() != "inh_cats" {
		t.Fatalf("Lives column in %s", f.Col.Table().Name())
	}
	if b := reg.Binds(); b["inh_animals"] != "zoo" || b["inh_cats"] != "zoo" {
		t.Fatalf("binds %v: want both tables in the base's group", b)
	}
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tables, err := md.Tables()
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		names = append(names, tb.Name())
		if tb.Name() == "inh_animals" {
			bark, ok := tb.Col("bark")
			if !ok || !bark.Nullable {
				t.Fatalf("single table: bark %v (want a nullable column)", bark)
			}
			if _, ok := tb.Col("lives"); ok {
				t.Fatal("single table holds the joined subtype's column")
			}
		}
	}
	if strings.Join(names, ",") != "inh_animals,inh_cats" && strings.Join(names, ",") != "inh_cats,inh_animals" {
		t.Fatalf("tables %v", names)
	}
	if sel := dog.SelectAll().String(); !strings.Contains(sel, "kind") || !strings.Contains(sel, "WHERE") {
		t.Fatalf("dog select %s: want the discriminator criterion", sel)
	}
	p, err := reg.PolyBase(reflect.TypeFor[inhAnimal]())
	if err != nil || p != base {
		t.Fatalf("poly base %v %v", p, err)
	}
}

// TestInheritRegistrationErrors: each bad declaration fails with an
// error naming the struct, the field and the tag.
func TestInheritRegistrationErrors(t *testing.T) {
	tests := []struct {
		name  string
		types []reflect.Type // registered in order; the last fails
		kind  error
		want  []string
	}{
		{"base without discriminator", []reflect.Type{reflect.TypeFor[inhSubNoDisc]()}, mapper.ErrInheritance,
			[]string{"inhSubNoDisc", "inhNoDisc", "inherit:x", "no discriminator"}},
		{"base not first", []reflect.Type{reflect.TypeFor[inhNotFirst]()}, mapper.ErrInheritance,
			[]string{"inhNotFirst", "inhBase", "first field"}},
		{"two discriminators", []reflect.Type{reflect.TypeFor[inhTwoDisc]()}, mapper.ErrInheritance,
			[]string{"inhTwoDisc", "field B", "second discriminator"}},
		{"float discriminator", []reflect.Type{reflect.TypeFor[inhFloatDisc]()}, mapper.ErrInheritance,
			[]string{"inhFloatDisc", "field K", "string or integer"}},
		{"subtype with its own key", []reflect.Type{reflect.TypeFor[inhOwnKey]()}, mapper.ErrInheritance,
			[]string{"inhOwnKey", "field Code", "key"}},
		{"empty identity", []reflect.Type{reflect.TypeFor[inhEmpty]()}, mapper.ErrInheritance,
			[]string{"inhEmpty", "inhBase", "inherit:"}},
		{"unknown option", []reflect.Type{reflect.TypeFor[inhBadOpt]()}, mapper.ErrBadTag,
			[]string{"inhBadOpt", "inhBase", "cascade"}},
		{"duplicate identity", []reflect.Type{reflect.TypeFor[inhDog](), reflect.TypeFor[inhDupDog]()}, mapper.ErrInheritance,
			[]string{"inhDupDog", "inherit:dog", `"dog" is also inhDog's`}},
		{"integer discriminator, word value", []reflect.Type{reflect.TypeFor[inhIntSub]()}, mapper.ErrInheritance,
			[]string{"inhIntSub", "inhIntBase", "not an integer"}},
		{"interface relationship without fk", []reflect.Type{reflect.TypeFor[inhShelter]()}, mapper.ErrBadRelation,
			[]string{"inhShelter", "field Animals", "fk:"}},
		{"interface relationship, unknown key field", []reflect.Type{reflect.TypeFor[inhShelterBadFK]()}, mapper.ErrUnknownColumn,
			[]string{"inhShelterBadFK", "field Star", "StarID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := mapper.NewRegistry()
			var err error
			for i, typ := range tc.types {
				_, err = reg.Register(typ)
				if i < len(tc.types)-1 && err != nil {
					t.Fatal(err)
				}
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err %v: want %v", err, tc.kind)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err %q: want it to name %q", err, w)
				}
			}
			last := tc.types[len(tc.types)-1]
			if _, ok := reg.Lookup(last); ok {
				t.Errorf("%s registered despite the error", last)
			}
		})
	}
}

type inhYard struct {
	_     struct{} `athanor:",table:inh_yards"`
	ID    int64
	Boats []*inhSail `athanor:",backref:Yard"`
	All   []inhFloat `athanor:",fk:yard_id"`
}

type inhFloat interface{ floats() }

type inhBoat struct {
	_      struct{} `athanor:",table:inh_boats"`
	ID     int64
	Kind   string `athanor:",discriminator,size:8"`
	YardID *int64
	Yard   *inhYard
}

func (*inhBoat) floats() {}

type inhSail struct {
	inhBoat `athanor:",inherit:sail"`
	Masts   int
}

type inhMotor struct {
	inhBoat `athanor:",inherit:motor,table:inh_motors"`
	HP      int
}

// TestInheritRelationships: a base's relationship is each subtype's too,
// and pairs with the inverse relationship on the subtype it names.
func TestInheritRelationships(t *testing.T) {
	reg := mapper.NewRegistry()
	for _, typ := range []reflect.Type{reflect.TypeFor[inhYard](), reflect.TypeFor[inhMotor]()} {
		if _, err := reg.Register(typ); err != nil {
			t.Fatal(err)
		}
	}
	sail, _ := reg.Lookup(reflect.TypeFor[inhSail]())
	motor, _ := reg.Lookup(reflect.TypeFor[inhMotor]())
	yard, _ := reg.Lookup(reflect.TypeFor[inhYard]())
	r, ok := sail.Relation("Yard")
	if !ok || r.Kind != mapper.ManyToOne || r.Target != yard {
		t.Fatalf("sail's Yard: %+v", r)
	}
	if boats, _ := yard.Relation("Boats"); boats.Target != sail || boats.Backref != r {
		t.Fatalf("yard's Boats: %+v", boats)
	}
	if r, ok := motor.Relation("Yard"); !ok || r.Target != yard {
		t.Fatalf("motor's Yard: %+v", r)
	}
	if pr, ok := yard.PolyRelation("All"); !ok || !pr.Many || pr.FK != "yard_id" {
		t.Fatalf("yard's All: %+v", pr)
	}
	if _, err := reg.MetaData(); err != nil {
		t.Fatal(err)
	}
}
