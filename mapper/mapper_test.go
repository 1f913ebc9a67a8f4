package mapper_test

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/mapper"
)

type tagAll struct {
	_        struct{}  `athanor:",table:things,bind:analytics"`
	ID       int64     `athanor:",pk"`
	Code     string    `athanor:"thing_code,size:32,unique"`
	Note     *string   `athanor:",default:'none'"`
	Body     string    // text
	Count    int32     `athanor:",default:7"`
	Price    float64   `athanor:",type:numeric"`
	Seen     bool      `athanor:",index"`
	A        int       `athanor:",index:ix_ab"`
	B        int       `athanor:",index:ix_ab,unique:uq_ab"`
	C        int       `athanor:",unique:uq_ab"`
	At       time.Time `athanor:",default:now"`
	Opt      sql.NullInt64
	Forced   string `athanor:",nullable"`
	Rev      int64  `athanor:",version"`
	ParentID *int64 `athanor:",fk:things.id,ondelete:setnull"`
	Hidden   string `athanor:"-"`
	private  int    //nolint:unused
	Raw      []byte `athanor:",notnull"`
	Embedded        // flattened
}

type Embedded struct {
	CreatedBy string `athanor:",size:40"`
}

func TestColumnTags(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[tagAll](reg)
	if err != nil {
		t.Fatal(err)
	}
	tbl := m.Table()
	if tbl.Name() != "things" || m.Bind != "analytics" {
		t.Fatalf("table %q bind %q", tbl.Name(), m.Bind)
	}
	col := func(n string) *core.Column {
		c, ok := tbl.Col(n)
		if !ok {
			t.Fatalf("no column %q", n)
		}
		return c
	}
	cases := []struct {
		name string
		ok   bool
	}{
		{"id is autoincrement pk", col("id").PrimaryKey && col("id").AutoIncrement && m.AutoIncrement().Name == "ID"},
		{"name from tag", col("thing_code").Type == core.String(32) && col("thing_code").Unique},
		{"pointer is nullable with default", col("note").Nullable && col("note").ServerDefault != nil},
		{"string without size is text", col("body").Type.Kind == core.TypeText},
		{"int32 is int", col("count").Type.Kind == core.TypeInt && !col("count").Nullable},
		{"type override", col("price").Type.Kind == core.TypeNumeric},
		{"bool", col("seen").Type.Kind == core.TypeBool},
		{"time is timestamptz", col("at").Type.Kind == core.TypeTimestampTZ},
		{"sql.Null is nullable", col("opt").Nullable && col("opt").Type.Kind == core.TypeBigInt},
		{"nullable flag", col("forced").Nullable},
		{"notnull flag", !col("raw").Nullable && col("raw").Type.Kind == core.TypeBytes},
		{"version", m.Version() != nil && m.Version().Column == "rev"},
		{"skipped fields", !has(tbl, "hidden") && !has(tbl, "private")},
		{"embedded flattened", col("created_by").Type == core.String(40)},
		{"single index", hasIndex(tbl, "", "seen")},
		{"named composite index", hasIndex(tbl, "ix_ab", "a", "b")},
		{"named composite unique", len(tbl.Uniques()) == 1 && tbl.Uniques()[0].Name == "uq_ab" && reflect.DeepEqual(tbl.Uniques()[0].Columns, []string{"b", "c"})},
		{"fk with ondelete", len(tbl.ForeignKeys()) == 1 && tbl.ForeignKeys()[0].RefTable == "things" && tbl.ForeignKeys()[0].OnDelete == core.SetNull},
	}
	for _, c := range cases {
		if !c.ok {
			t.Errorf("%s: failed", c.name)
		}
	}
	// The table compiles to DDL.
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := md.CreateStatements(postgres.Dialect, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := core.Compile(postgres.Dialect, s); err != nil {
			t.Fatalf("ddl: %v", err)
		}
	}
}

func has(t *core.Table, n string) bool { _, ok := t.Col(n); return ok }

func hasIndex(t *core.Table, name string, cols ...string) bool {
	for _, ix := range t.Indexes() {
		if ix.Name == name && reflect.DeepEqual(ix.Columns, cols) {
			return true
		}
	}
	return false
}

type composite struct {
	TenantID int64  `athanor:",pk"`
	Code     string `athanor:",pk"`
}

func TestCompositeKeyHasNoAutoincrement(t *testing.T) {
	m, err := mapper.RegisterIn[composite](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.PrimaryKey()) != 2 || m.AutoIncrement() != nil || m.PrimaryKey()[0].AutoIncrement {
		t.Fatalf("pk %v autoinc %v", m.PrimaryKey(), m.AutoIncrement())
	}
	if m.Table().Name() != "composites" {
		t.Fatalf("table %q", m.Table().Name())
	}
	if c, _ := m.Table().Col("code"); c.Type != core.String(255) {
		t.Fatalf("keyed string type %v", c.Type)
	}
}

type named struct {
	ID int64 `athanor:",pk,noautoincrement"`
}

func (named) TableName() string { return "custom_named" }

func TestTableNameMethodAndNoAutoincrement(t *testing.T) {
	m, err := mapper.RegisterIn[named](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if m.Table().Name() != "custom_named" || m.AutoIncrement() != nil {
		t.Fatalf("table %q autoinc %v", m.Table().Name(), m.AutoIncrement())
	}
}

// The graph of the acceptance tests: authors, books, tags (many-to-many),
// employees with a self-referential manager.
type Author struct {
	ID    int64   `athanor:",pk"`
	Name  string  `athanor:",size:100"`
	Books []*Book `athanor:",backref:Author,cascade:all+delete-orphan"`
}

type Book struct {
	ID       int64
	Title    string
	AuthorID int64
	Author   *Author
	Tags     []*Tag `athanor:",secondary:book_tags"`
}

type Tag struct {
	ID    int64   `athanor:",pk"`
	Name  string  `athanor:",unique"`
	Books []*Book `athanor:",secondary:book_tags,joincol:tag_id,inversecol:book_id"`
}

type Employee struct {
	ID        int64 `athanor:",pk"`
	Name      string
	ManagerID *int64
	Manager   *Employee   `athanor:",fk:manager_id"`
	Reports   []*Employee `athanor:",fk:manager_id"`
	Profile   *Profile    `athanor:",cascade:all+delete-orphan"`
}

type Profile struct {
	EmployeeID int64 `athanor:",pk,noautoincrement,fk:employees.id"`
	Bio        string
}

func TestRelationships(t *testing.T) {
	// Conventions: ID is the key, AuthorID the key of Author, book_id and
	// tag_id the association columns.
	reg := mapper.NewRegistry()
	am, err := mapper.RegisterIn[Author](reg)
	if err != nil {
		t.Fatal(err)
	}
	bm, _ := reg.Lookup(reflect.TypeFor[Book]())
	if bm == nil || bm.PrimaryKey()[0].Name != "ID" || bm.AutoIncrement() == nil {
		t.Fatalf("Book key by convention: %+v", bm)
	}
	ar, _ := bm.Relation("Author")
	if ar.FK[0].Column != "author_id" || ar.Backref == nil || ar.Backref.Owner != am {
		t.Fatalf("Book.Author: %+v", ar)
	}
	tr, _ := bm.Relation("Tags")
	if tr.Backref == nil || tr.SecondaryOwnerCols[0].Name != "book_id" {
		t.Fatalf("Book.Tags: %+v", tr)
	}
}

type BookPK struct {
	ID       int64 `athanor:",pk"`
	Title    string
	AuthorID int64     `athanor:",index"`
	Author   *AuthorPK `athanor:",fk:author_id"`
	Tags     []*TagPK  `athanor:",secondary:book_tags,joincol:book_id,inversecol:tag_id"`
}

func (BookPK) TableName() string { return "books" }

type AuthorPK struct {
	ID    int64     `athanor:",pk"`
	Name  string    `athanor:",size:100"`
	Books []*BookPK `athanor:",backref:Author,cascade:all+delete-orphan"`
}

func (AuthorPK) TableName() string { return "authors" }

type TagPK struct {
	ID    int64     `athanor:",pk"`
	Name  string    `athanor:",unique"`
	Books []*BookPK `athanor:",secondary:book_tags,joincol:tag_id,inversecol:book_id"`
}

func (TagPK) TableName() string { return "tags" }

func TestRelationshipKinds(t *testing.T) {
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[AuthorPK](reg); err != nil {
		t.Fatal(err)
	}
	em, err := mapper.RegisterIn[Employee](reg)
	if err != nil {
		t.Fatal(err)
	}
	am, _ := reg.Lookup(reflect.TypeFor[AuthorPK]())
	bm, _ := reg.Lookup(reflect.TypeFor[BookPK]())
	tm, ok := reg.Lookup(reflect.TypeFor[TagPK]())
	if !ok {
		t.Fatal("TagPK was not registered with AuthorPK")
	}
	rel := func(m *mapper.Model, n string) *mapper.Relation {
		r, ok := m.Relation(n)
		if !ok {
			t.Fatalf("%s has no relation %s", m.Name, n)
		}
		return r
	}
	books, author := rel(am, "Books"), rel(bm, "Author")
	tags, tagBooks := rel(bm, "Tags"), rel(tm, "Books")
	mgr, reports, profile := rel(em, "Manager"), rel(em, "Reports"), rel(em, "Profile")
	cases := []struct {
		name string
		ok   bool
	}{
		{"one-to-many", books.Kind == mapper.OneToMany && books.FK[0].Column == "author_id"},
		{"many-to-one", author.Kind == mapper.ManyToOne && author.Target == am},
		{"backref paired", books.Backref == author && author.Backref == books},
		{"cascade", books.Cascade.Has(mapper.CascadeDelete|mapper.CascadeDeleteOrphan|mapper.CascadeSaveUpdate) && author.Cascade == mapper.CascadeSaveUpdate},
		{"many-to-many", tags.Kind == mapper.ManyToMany && tags.Secondary.Name() == "book_tags" && tags.SecondaryOwnerCols[0].Name == "book_id"},
		{"many-to-many paired", tags.Backref == tagBooks && tags.Secondary == tagBooks.Secondary},
		{"self-referential many-to-one", mgr.Kind == mapper.ManyToOne && mgr.Target == em && mgr.FK[0].Column == "manager_id"},
		{"self-referential one-to-many", reports.Kind == mapper.OneToMany && reports.Backref == mgr},
		{"one-to-one with key on target", profile.Kind == mapper.OneToOne && profile.FK[0].Column == "employee_id"},
		{"relationship adds fk", len(bm.Table().ForeignKeys()) == 1 && bm.Table().ForeignKeys()[0].RefTable == "authors"},
		{"self fk", len(em.Table().ForeignKeys()) == 1 && em.Table().ForeignKeys()[0].RefTable == "employees"},
	}
	for _, c := range cases {
		if !c.ok {
			t.Errorf("%s: failed", c.name)
		}
	}
	md, err := reg.MetaData()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := md.Tables()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, t := range ts {
		names = append(names, t.Name())
	}
	if got := strings.Join(names, ","); got != "authors,books,tags,book_tags,employees,profiles" {
		t.Fatalf("dependency order %s", got)
	}
}

// Registration errors: one model per case, each naming struct, field, tag.
type (
	badOption struct {
		ID int64 `athanor:",pk,bogus"`
	}
	badSize struct {
		ID   int64  `athanor:",pk"`
		Name string `athanor:",size:abc"`
	}
	sizeOnInt struct {
		ID int64 `athanor:",pk,size:3"`
	}
	badType struct {
		ID int64 `athanor:",pk,type:money"`
	}
	noPK struct {
		Name string
	}
	nullablePK struct {
		ID *int64 `athanor:",pk"`
	}
	autoincNotPK struct {
		ID int64 `athanor:",pk"`
		N  int64 `athanor:",autoincrement"`
	}
	badVersion struct {
		ID  int64  `athanor:",pk"`
		Rev string `athanor:",version"`
	}
	twoVersions struct {
		ID int64 `athanor:",pk"`
		A  int64 `athanor:",version"`
		B  int64 `athanor:",version"`
	}
	badFKSpec struct {
		ID  int64 `athanor:",pk"`
		Ref int64 `athanor:",fk:nodot"`
	}
	fkUnknownColumn struct {
		ID  int64 `athanor:",pk"`
		Ref int64 `athanor:",fk:fk_unknown_columns.nope"`
	}
	badAction struct {
		ID  int64 `athanor:",pk"`
		Ref int64 `athanor:",fk:x.id,ondelete:explode"`
	}
	actionWithoutFK struct {
		ID  int64 `athanor:",pk"`
		Ref int64 `athanor:",ondelete:cascade"`
	}
	dupColumn struct {
		ID int64 `athanor:",pk"`
		A  int   `athanor:"x"`
		B  int   `athanor:"x"`
	}
	unsupported struct {
		ID int64 `athanor:",pk"`
		M  map[string]int
	}
	badTableOpt struct {
		_  struct{} `athanor:",tabel:x"`
		ID int64    `athanor:",pk"`
	}
	relNoFK struct {
		ID    int64       `athanor:",pk"`
		Other *relTarget1 // relTarget1 has no key to relNoFK and relNoFK none to it
	}
	relTarget1 struct {
		ID int64 `athanor:",pk"`
	}
	relBadFK struct {
		ID    int64       `athanor:",pk"`
		Other *relTarget2 `athanor:",fk:missing_id"`
	}
	relTarget2 struct {
		ID int64 `athanor:",pk"`
	}
	relBadCascade struct {
		ID    int64       `athanor:",pk"`
		Items []*relItem3 `athanor:",fk:owner_id,cascade:explode"`
	}
	relItem3 struct {
		ID      int64 `athanor:",pk"`
		OwnerID int64
	}
	relBadBackref struct {
		ID    int64       `athanor:",pk"`
		Items []*relItem4 `athanor:",fk:owner_id,backref:Nope"`
	}
	relItem4 struct {
		ID      int64 `athanor:",pk"`
		OwnerID int64
	}
	relOrphanM2O struct {
		ID      int64 `athanor:",pk"`
		OwnerID int64
		Owner   *relTarget5 `athanor:",fk:owner_id,cascade:delete-orphan"`
	}
	relTarget5 struct {
		ID int64 `athanor:",pk"`
	}
	relM2MNoSecondary struct {
		ID    int64       `athanor:",pk"`
		Items []*relItem6 `athanor:",rel:many-to-many"`
	}
	relItem6 struct {
		ID int64 `athanor:",pk"`
	}
	relBadKind struct {
		ID    int64       `athanor:",pk"`
		Items []*relItem7 `athanor:",rel:sideways"`
	}
	relItem7 struct {
		ID int64 `athanor:",pk"`
	}
	relName struct {
		ID    int64       `athanor:",pk"`
		Other *relTarget8 `athanor:"other_id"`
	}
	relTarget8 struct {
		ID int64 `athanor:",pk"`
	}
)

func TestRegistrationErrors(t *testing.T) {
	cases := []struct {
		name  string
		reg   func(r *mapper.Registry) error
		kind  error
		parts []string
	}{
		{"unknown option", reg[badOption], mapper.ErrBadTag, []string{"badOption", "field ID", `",pk,bogus"`, `"bogus"`}},
		{"size not a number", reg[badSize], mapper.ErrBadTag, []string{"badSize", "field Name", "size"}},
		{"size on an integer", reg[sizeOnInt], mapper.ErrBadTag, []string{"sizeOnInt", "field ID"}},
		{"unknown type", reg[badType], mapper.ErrBadTag, []string{"badType", "money"}},
		{"no primary key", reg[noPK], nil, []string{"noPK", "no primary key"}},
		{"nullable primary key", reg[nullablePK], mapper.ErrBadTag, []string{"nullablePK", "field ID", "nullable"}},
		{"autoincrement not on the key", reg[autoincNotPK], mapper.ErrBadTag, []string{"autoincNotPK", "field N", "autoincrement"}},
		{"version on a string", reg[badVersion], mapper.ErrBadTag, []string{"badVersion", "field Rev", "version"}},
		{"two version columns", reg[twoVersions], mapper.ErrBadTag, []string{"twoVersions", "field B"}},
		{"fk without a column", reg[badFKSpec], mapper.ErrBadTag, []string{"badFKSpec", "field Ref", "nodot"}},
		{"fk to an unknown column", reg[fkUnknownColumn], mapper.ErrUnknownColumn, []string{"fkUnknownColumn", "field Ref", "nope"}},
		{"unknown ondelete", reg[badAction], mapper.ErrBadTag, []string{"badAction", "field Ref", "ondelete"}},
		{"ondelete without fk", reg[actionWithoutFK], mapper.ErrBadTag, []string{"actionWithoutFK", "field Ref"}},
		{"column mapped twice", reg[dupColumn], mapper.ErrBadTag, []string{"dupColumn", "field B", `"x"`}},
		{"unsupported type", reg[unsupported], mapper.ErrUnsupportedType, []string{"unsupported", "field M", "map[string]int"}},
		{"unknown table option", reg[badTableOpt], mapper.ErrBadTag, []string{"badTableOpt", "field _", "tabel"}},
		{"relationship without a key", reg[relNoFK], mapper.ErrBadRelation, []string{"relNoFK", "field Other", "no foreign key"}},
		{"relationship fk unknown", reg[relBadFK], mapper.ErrBadRelation, []string{"relBadFK", "field Other", "missing_id"}},
		{"unknown cascade", reg[relBadCascade], mapper.ErrBadTag, []string{"relBadCascade", "field Items", "explode"}},
		{"unknown backref", reg[relBadBackref], mapper.ErrBadRelation, []string{"relBadBackref", "field Items", "Nope"}},
		{"delete-orphan on many-to-one", reg[relOrphanM2O], mapper.ErrBadRelation, []string{"relOrphanM2O", "field Owner", "delete-orphan"}},
		{"many-to-many without secondary", reg[relM2MNoSecondary], mapper.ErrBadRelation, []string{"relM2MNoSecondary", "field Items", "secondary"}},
		{"unknown rel kind", reg[relBadKind], mapper.ErrBadRelation, []string{"relBadKind", "field Items", "sideways"}},
		{"relationship with a column name", reg[relName], mapper.ErrBadTag, []string{"relName", "field Other"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := mapper.NewRegistry()
			err := c.reg(r)
			if err == nil {
				t.Fatal("registered; want an error")
			}
			if c.kind != nil && !errors.Is(err, c.kind) {
				t.Errorf("error %v does not wrap %v", err, c.kind)
			}
			for _, p := range c.parts {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error %q does not mention %q", err, p)
				}
			}
			if got := len(r.Models()); got != 0 {
				t.Errorf("%d models registered after a failure", got)
			}
		})
	}
}

func reg[T any](r *mapper.Registry) error { _, err := mapper.RegisterIn[T](r); return err }

func TestFieldAccess(t *testing.T) {
	reg := mapper.NewRegistry()
	m, err := mapper.RegisterIn[tagAll](reg)
	if err != nil {
		t.Fatal(err)
	}
	obj := &tagAll{ID: 3, Code: "x"}
	p := m.Ref(obj)
	code, _ := m.Field("Code")
	note, _ := m.Field("note")
	if code.Value(p) != "x" || note.Value(p) != nil || !note.IsNil(p) {
		t.Fatalf("values %v %v", code.Value(p), note.Value(p))
	}
	if err := note.Set(p, "hi"); err != nil || obj.Note == nil || *obj.Note != "hi" {
		t.Fatalf("set pointer: %v", err)
	}
	id, _ := m.Field("ID")
	if err := id.Set(p, int32(9)); err != nil || obj.ID != 9 {
		t.Fatalf("set converted: %v %d", err, obj.ID)
	}
	if k, err := id.Key(5); err != nil || k != int64(5) {
		t.Fatalf("key %v %v", k, err)
	}
	if _, err := id.Key("5"); err == nil {
		t.Fatal("string key for an int64 field accepted")
	}
	if _, err := m.C("nope"); !errors.Is(err, mapper.ErrUnknownColumn) {
		t.Fatalf("C(nope): %v", err)
	}
	if c, err := m.C("Code"); err != nil || c.Name != "thing_code" {
		t.Fatalf("C(Code): %v %v", c, err)
	}
	raw, _ := m.Field("Raw")
	obj.Raw = []byte("ab")
	snap := raw.Snapshot(p)
	obj.Raw[0] = 'z'
	if raw.Equal(snap, raw.Value(p)) {
		t.Fatal("snapshot of a byte slice shares memory")
	}
}

func TestRegisterTwiceAndOf(t *testing.T) {
	reg := mapper.NewRegistry()
	a, err := mapper.RegisterIn[composite](reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.Of(reflect.TypeFor[*composite]())
	if err != nil || a != b {
		t.Fatalf("Of returned %p (%v), want %p", b, err, a)
	}
}
