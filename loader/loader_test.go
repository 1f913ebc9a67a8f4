package loader

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/mapper"
)

type author struct {
	ID    int64   `athanor:",pk"`
	Name  string  `athanor:",size:100"`
	Books []*book `athanor:",backref:Author"`
}

type book struct {
	ID       int64 `athanor:",pk"`
	Title    string
	Year     int64
	AuthorID int64
	Author   *author
	Tags     []*tag `athanor:",secondary:book_tags"`
}

type tag struct {
	ID   int64 `athanor:",pk"`
	Name string
}

func models(t *testing.T) (*mapper.Model, *mapper.Model) {
	t.Helper()
	reg := mapper.NewRegistry()
	a, err := mapper.RegisterIn[author](reg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mapper.RegisterIn[book](reg)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestCompileErrorsNameModelAndRelationship(t *testing.T) {
	a, b := models(t)
	cases := []struct {
		name string
		m    *mapper.Model
		opts []Option
		is   error
		msg  string
	}{
		{"unknown relationship", a, []Option{SelectIn("Bokes")}, ErrNoRelation, "author.Bokes"},
		{"unknown nested relationship", a, []Option{SelectIn("Books", SelectIn("Nope"))}, ErrNoRelation, "book.Nope"},
		{"unknown step of a dotted path", a, []Option{SelectIn("Books.Nope")}, ErrNoRelation, "book.Nope"},
		{"joined collection under a limited selectin", b, []Option{SelectIn("Author", SelectIn("Books", Joined("Tags")).Limit(2))}, ErrJoinedCollection, "author.Books"},
		{"two strategies", b, []Option{Joined("Author"), SelectIn("Author")}, ErrConflict, "book.Author"},
		{"unknown order field", a, []Option{SelectIn("Books").OrderBy("-Nope")}, mapper.ErrUnknownColumn, "author.Books"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compile(c.m, c.opts...)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "loader: ") {
				t.Fatalf("err = %v, want %v naming %s", err, c.is, c.msg)
			}
		})
	}
}

func TestCompileMergesPaths(t *testing.T) {
	a, _ := models(t)
	p, err := Compile(a, SelectIn("Books"), SelectIn("Books.Tags"), SelectIn("Books", Joined("Author")), Raise())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.nodes) != 1 || len(p.nodes[0].children) != 2 || !p.Raise() {
		t.Fatalf("plan: %d nodes, children %d, raise %v", len(p.nodes), len(p.nodes[0].children), p.Raise())
	}
}

// The SQL of one relationship load, per dialect.
func TestStatementSQL(t *testing.T) {
	a, b := models(t)
	books, _ := a.Relation("Books")
	tags, _ := b.Relation("Tags")
	keys := keySet{n: 3, one: reflect.ValueOf([]int64{1, 2, 3})}
	cases := []struct {
		name    string
		d       core.Dialect
		rel     *relNode
		want    []string
		notWant []string
	}{
		{"postgres one-to-many binds one array", postgres.Dialect, &relNode{books, &node{rel: books}},
			[]string{`WHERE "books"."author_id" = ANY($1)`, `ORDER BY "books"."id"`}, []string{"$2"}},
		{"mariadb one-to-many binds a list", mysql.MariaDB, &relNode{books, &node{rel: books}},
			[]string{"IN (?, ?, ?)"}, []string{"ANY"}},
		{"sqlite many-to-many joins the association table", sqlite.Dialect, &relNode{tags, &node{rel: tags}},
			[]string{`JOIN "book_tags" ON`, `"book_tags"."book_id" IN (?, ?, ?)`}, nil},
		{"postgres top 3 per owner", postgres.Dialect, &relNode{books, &node{rel: books, limit: 3, orderF: []orderField{{f: mustField(t, b, "Year"), desc: true}}}},
			[]string{`ROW_NUMBER() OVER (PARTITION BY "books"."author_id" ORDER BY "books"."year" DESC, "books"."id")`, `"ld"."rn" <= $2`}, nil},
		{"mariadb top 3 per owner", mysql.MariaDB, &relNode{books, &node{rel: books, limit: 3}},
			[]string{"ROW_NUMBER() OVER (PARTITION BY", "IN (?, ?, ?)"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSelection(c.rel.r.Target, c.rel.r.Target.Table(), c.rel.r, nil, nil)
			cs, err := core.Compile(c.d, s.statement(c.rel.n, keys))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(cs.SQL, w) {
					t.Errorf("SQL lacks %q:\n%s", w, cs.SQL)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(cs.SQL, w) {
					t.Errorf("SQL has %q:\n%s", w, cs.SQL)
				}
			}
		})
	}
}

type relNode struct {
	r *mapper.Relation
	n *node
}

func mustField(t *testing.T, m *mapper.Model, name string) *mapper.Field {
	f, ok := m.Field(name)
	if !ok {
		t.Fatalf("no field %s", name)
	}
	return f
}
