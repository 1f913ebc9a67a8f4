package mapper_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/mapper"
)

type cmRegion struct {
	_       struct{}   `athanor:",table:cm_regions"`
	Country string     `athanor:",pk,size:2"`
	Code    string     `athanor:",pk,size:8"`
	Stores  []*cmStore `athanor:",secondary:cm_region_stores"`
}

type cmStore struct {
	_       struct{}    `athanor:",table:cm_stores"`
	Chain   int32       `athanor:",pk"`
	Num     int64       `athanor:",pk"`
	Regions []*cmRegion `athanor:",secondary:cm_region_stores"`
}

// TestCompositeManyToManyTable: a many-to-many between composite keys
// synthesizes one column per key column of each side (named <Model><Key>,
// typed as the key), composite foreign keys, a primary key over all four,
// an index on the second side, and pairs the two relationships.
func TestCompositeManyToManyTable(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[cmRegion](reg)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.Relation("Stores")
	st := r.Secondary
	var cols []string
	for _, c := range st.Columns() {
		cols = append(cols, c.Name+":"+c.Type.Kind.String())
		if !c.PrimaryKey {
			t.Errorf("column %s is not in the key", c.Name)
		}
	}
	want := "cm_region_country:string cm_region_code:string cm_store_chain:int cm_store_num:bigint"
	if got := strings.Join(cols, " "); got != want {
		t.Errorf("columns %q, want %q", got, want)
	}
	names := func(cs []*core.Column) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return strings.Join(out, "+")
	}
	if got := names(r.SecondaryOwnerCols) + " " + names(r.SecondaryTargetColumns); got != "cm_region_country+cm_region_code cm_store_chain+cm_store_num" {
		t.Errorf("relationship columns %q", got)
	}
	fks := st.ForeignKeys()
	if len(fks) != 2 || strings.Join(fks[0].Columns, "+") != "cm_region_country+cm_region_code" ||
		strings.Join(fks[0].RefColumns, "+") != "country+code" || fks[1].RefTable != "cm_stores" ||
		strings.Join(fks[1].RefColumns, "+") != "chain+num" {
		t.Errorf("foreign keys %+v", fks)
	}
	if ix := st.Indexes(); len(ix) != 1 || strings.Join(ix[0].Columns, "+") != "cm_store_chain+cm_store_num" {
		t.Errorf("indexes %+v", ix)
	}
	inv, _ := r.Target.Relation("Regions")
	if r.Backref != inv || inv.Backref != r || inv.Secondary != st {
		t.Errorf("Stores and Regions are not paired over one table")
	}
	// The same table from the other side first.
	reg2 := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[cmStore](reg2); err != nil {
		t.Fatal(err)
	}
	m2, _ := reg2.Lookup(reflect.TypeFor[cmRegion]())
	r2, _ := m2.Relation("Stores")
	var cols2 []string
	for _, c := range r2.Secondary.Columns() {
		cols2 = append(cols2, c.Name+":"+c.Type.Kind.String())
	}
	if got := strings.Join(cols2, " "); got != want {
		t.Errorf("registered from the store: columns %q, want %q", got, want)
	}
}

type cmNamedA struct {
	_  struct{}    `athanor:",table:cm_named_a"`
	X  int64       `athanor:",pk"`
	Y  int64       `athanor:",pk"`
	Bs []*cmNamedB `athanor:",secondary:cm_named_ab,joincol:ax+ay,inversecol:b"`
}

type cmNamedB struct {
	_  struct{} `athanor:",table:cm_named_b"`
	ID int64    `athanor:",pk"`
}

type cmBadCount struct {
	_  struct{}    `athanor:",table:cm_bad_count"`
	X  int64       `athanor:",pk"`
	Y  int64       `athanor:",pk"`
	Bs []*cmNamedB `athanor:",secondary:cm_bad_ab,joincol:ax"`
}

// TestCompositeManyToManyNames: joincol and inversecol name one column per
// key column, joined by +; a count that differs from the key's fails.
func TestCompositeManyToManyNames(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[cmNamedA](reg)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.Relation("Bs")
	var cols []string
	for _, c := range r.Secondary.Columns() {
		cols = append(cols, c.Name)
	}
	if got := strings.Join(cols, " "); got != "ax ay b" {
		t.Errorf("columns %q, want ax ay b", got)
	}
	_, err = mapper.RegisterIn[cmBadCount](mapper.NewRegistry())
	if !errors.Is(err, mapper.ErrBadRelation) || !strings.Contains(err.Error(), `joincol "ax" names 1 columns for the 2-column key of cmBadCount`) {
		t.Errorf("joincol of one column for a two-column key: %v", err)
	}
}

type pxBook struct {
	_        struct{}     `athanor:",table:px_books"`
	ID       int64        `athanor:",pk"`
	BookTags []*pxBookTag `athanor:",backref:Book"`
	Tags     []*pxTag     `athanor:",proxy:BookTags.Tag"`
}

type pxTag struct {
	_  struct{} `athanor:",table:px_tags"`
	ID int64    `athanor:",pk"`
}

type pxBookTag struct {
	_      struct{} `athanor:",table:px_book_tags"`
	BookID int64    `athanor:",pk"`
	TagID  int64    `athanor:",pk"`
	Role   string
	Book   *pxBook
	Tag    *pxTag
}

// TestProxyRegistration: a proxy field is no relationship and no column;
// it links the owner's one-to-many and the association's many-to-one, and
// makes association objects through its creator.
func TestProxyRegistration(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[pxBook](reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Relation("Tags"); ok {
		t.Error("the proxy is a relationship")
	}
	if _, ok := m.Field("Tags"); ok {
		t.Error("the proxy is a column")
	}
	px, ok := m.Proxy("Tags")
	if !ok || len(m.Proxies()) != 1 || px.Via.Name != "BookTags" || px.Attr.Name != "Tag" || px.Attr.Owner.Name != "pxBookTag" {
		t.Fatalf("proxy %+v", px)
	}
	if px.Field().Target != px.Attr.Target || px.Field().Kind != 0 {
		t.Errorf("proxy field %+v", px.Field())
	}
	b, tg := &pxBook{ID: 1}, &pxTag{ID: 2}
	tm, _ := reg.Lookup(reflect.TypeFor[pxTag]())
	// Without a creator: a zero object pointing at both.
	a, err := px.Create(m.Ref(b), tm.Ref(tg))
	if err != nil {
		t.Fatal(err)
	}
	bt := px.Via.Target.Object(a).(*pxBookTag)
	if bt.Book != b || bt.Tag != tg || bt.Role != "" {
		t.Errorf("created %+v", bt)
	}
	if err := mapper.SetCreator(reg, "Tags", func(b *pxBook, tg *pxTag) *pxBookTag { return &pxBookTag{Role: "made"} }); err != nil {
		t.Fatal(err)
	}
	a, _ = px.Create(m.Ref(b), tm.Ref(tg))
	if bt := px.Via.Target.Object(a).(*pxBookTag); bt.Role != "made" || bt.Book != b || bt.Tag != tg {
		t.Errorf("created by the creator %+v", bt)
	}
	px.SetCreator(func(owner, target any) any { return "nope" })
	if _, err := px.Create(m.Ref(b), tm.Ref(tg)); err == nil || !strings.Contains(err.Error(), "pxBook.Tags: the creator returned string, want a new *pxBookTag") {
		t.Errorf("creator of the wrong type: %v", err)
	}
	if err := mapper.SetCreator(reg, "Tags", func(b *pxBook, tg *pxBook) *pxBookTag { return nil }); !errors.Is(err, mapper.ErrBadRelation) {
		t.Errorf("SetCreator with a wrong target type: %v", err)
	}
	if err := mapper.SetCreator(reg, "Nope", func(b *pxBook, tg *pxTag) *pxBookTag { return nil }); !errors.Is(err, mapper.ErrUnknownColumn) {
		t.Errorf("SetCreator of an unknown proxy: %v", err)
	}
}

type pxBadSpec struct {
	_    struct{} `athanor:",table:px_bad_spec"`
	ID   int64    `athanor:",pk"`
	Tags []*pxTag `athanor:",proxy:Tags"`
}

type pxNotOneToMany struct {
	_    struct{} `athanor:",table:px_not_otm"`
	ID   int64    `athanor:",pk"`
	Tag  *pxTag   `athanor:",fk:id"`
	Tags []*pxTag `athanor:",proxy:Tag.ID"`
}

type pxWrongType struct {
	_        struct{}     `athanor:",table:px_wrong_books"`
	ID       int64        `athanor:",pk"`
	BookTags []*pxWrongBT `athanor:",backref:Book"`
	Tags     []*pxWrongBT `athanor:",proxy:BookTags.Tag"`
}

type pxWrongBT struct {
	_      struct{} `athanor:",table:px_wrong_bt"`
	BookID int64    `athanor:",pk"`
	TagID  int64    `athanor:",pk"`
	Book   *pxWrongType
	Tag    *pxTag
}

type pxExtraOption struct {
	_        struct{}     `athanor:",table:px_extra_books"`
	ID       int64        `athanor:",pk"`
	BookTags []*pxExtraBT `athanor:",backref:Book"`
	Tags     []*pxTag     `athanor:",proxy:BookTags.Tag,cascade:all"`
}

type pxExtraBT struct {
	_      struct{} `athanor:",table:px_extra_bt"`
	BookID int64    `athanor:",pk"`
	TagID  int64    `athanor:",pk"`
	Book   *pxExtraOption
	Tag    *pxTag
}

// TestProxyRegistrationErrors: bad proxy tags fail registration naming the
// model, the field and what is wrong.
func TestProxyRegistrationErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		register func(*mapper.Registry) (*mapper.Model, error)
		kind     error
		want     string
	}{
		{"no relationship in the path", mapper.RegisterIn[pxBadSpec], mapper.ErrBadTag, `want Collection.Relationship`},
		{"through a many-to-one", mapper.RegisterIn[pxNotOneToMany], mapper.ErrBadRelation, `Tag is not a one-to-many relationship of pxNotOneToMany`},
		{"field of another type", mapper.RegisterIn[pxWrongType], mapper.ErrBadRelation, `pxWrongBT.Tag holds pxTag, the field holds pxWrongBT`},
		{"relationship option", mapper.RegisterIn[pxExtraOption], mapper.ErrBadTag, `option "cascade" on an association proxy`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.register(mapper.NewRegistry())
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "field Tags") {
				t.Errorf("error %v, want %v with %q naming field Tags", err, tc.kind, tc.want)
			}
		})
	}
}
