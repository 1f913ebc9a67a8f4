package mapper_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/mapper"
)

type dfPost struct {
	_       struct{} `athanor:",table:df_posts"`
	ID      int64    `athanor:",pk"`
	Title   string
	Body    string  `athanor:",deferred"`
	Raw     []byte  `athanor:",deferred:blobs"`
	Meta    *string `athanor:",type:json,deferred:blobs"`
	Words   int64   `athanor:",computed"`
	Shout   string  `athanor:",computed,deferred:blobs"`
	Version int64   `athanor:",version"`
}

func (dfPost) Computed(t *core.Table, _ *mapper.Registry) (map[string]core.Expr, error) {
	return map[string]core.Expr{
		"Words": core.Func("LENGTH", t.C("title")),
		"Shout": core.Upper(t.C("title")),
	}, nil
}

func names(fs []*mapper.Field) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return strings.Join(out, ",")
}

// TestDeferredModel: deferred columns stay in the table but leave the
// default load; computed fields are not columns, load by default unless
// deferred, and are found by Attr; groups collect deferred fields.
func TestDeferredModel(t *testing.T) {
	m, err := mapper.RegisterIn[dfPost](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if got := names(m.Fields()); got != "ID,Title,Body,Raw,Meta,Version" {
		t.Fatalf("columns %s", got)
	}
	if len(m.Table().Columns()) != 6 {
		t.Fatalf("table columns %d", len(m.Table().Columns()))
	}
	if got := names(m.LoadFields()); got != "ID,Title,Version,Words" {
		t.Fatalf("default load %s", got)
	}
	if got := names(m.Loadable()); got != "ID,Title,Body,Raw,Meta,Version,Words,Shout" {
		t.Fatalf("loadable %s", got)
	}
	for i, f := range m.Loadable() {
		if f.LoadIndex() != i {
			t.Fatalf("%s: load index %d, want %d", f.Name, f.LoadIndex(), i)
		}
	}
	if len(m.SelectColumns()) != 4 || !m.HasDeferred() {
		t.Fatalf("select columns %v", m.SelectColumns())
	}
	g, err := m.Group("blobs")
	if err != nil || names(g) != "Raw,Meta,Shout" {
		t.Fatalf("group: %v %s", err, names(g))
	}
	if _, err := m.Group("nope"); !errors.Is(err, mapper.ErrUnknownColumn) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, ok := m.Field("Words"); ok {
		t.Fatal("a computed field is a column")
	}
	f, ok := m.Attr("Words")
	if !ok || !f.Computed || f.Col != nil {
		t.Fatalf("Attr(Words) %+v", f)
	}
	sql, err := core.Compile(postgres.Dialect, m.SelectAll())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sql.SQL, "body") || !strings.Contains(sql.SQL, `LENGTH("df_posts"."title") AS "words"`) {
		t.Fatalf("select all: %s", sql.SQL)
	}
	// Over an alias, the expression names the alias.
	a := m.Table().As("p")
	sql, err = core.Compile(postgres.Dialect, core.Select(m.SelectList(a, []*mapper.Field{f})...).From(a))
	if err != nil || !strings.Contains(sql.SQL, `LENGTH("p"."title")`) {
		t.Fatalf("aliased: %v %s", err, sql.SQL)
	}
}
