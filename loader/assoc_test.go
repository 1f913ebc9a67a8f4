package loader

import (
	"errors"
	"strings"
	"testing"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/postgres"
	"github.com/athanor-orm/athanor/mapper"
)

type ckRegion struct {
	_       struct{}   `athanor:",table:ck_regions"`
	Country string     `athanor:",pk,size:2"`
	Code    string     `athanor:",pk,size:8"`
	Stores  []*ckStore `athanor:",secondary:ck_region_stores"`
}

type ckStore struct {
	_     struct{} `athanor:",table:ck_stores"`
	Chain int64    `athanor:",pk"`
	Num   int64    `athanor:",pk"`
}

// TestCompositeManyToManySQL: a many-to-many between composite keys joins
// its association table on every target key column and selects the
// owners' keys row by row.
func TestCompositeManyToManySQL(t *testing.T) {
	m, err := mapper.RegisterIn[ckRegion](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := m.Relation("Stores")
	s := newSelection(r.Target, r.Target.Table(), r, nil, nil)
	keys := keySet{n: 2, multi: [][]any{{"fr", "idf"}, {"de", "be"}}}
	cs, err := core.Compile(postgres.Dialect, s.statement(&node{rel: r}, keys))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`SELECT "ck_region_stores"."ck_region_country", "ck_region_stores"."ck_region_code", "ck_stores"."chain"`,
		`JOIN "ck_region_stores" ON "ck_region_stores"."ck_store_chain" = "ck_stores"."chain" AND "ck_region_stores"."ck_store_num" = "ck_stores"."num"`,
		`WHERE "ck_region_stores"."ck_region_country" = $1 AND "ck_region_stores"."ck_region_code" = $2 OR "ck_region_stores"."ck_region_country" = $3 AND "ck_region_stores"."ck_region_code" = $4 ORDER BY`,
	} {
		if !strings.Contains(cs.SQL, w) {
			t.Errorf("SQL lacks %q:\n%s", w, cs.SQL)
		}
	}
	if len(cs.Args) != 4 {
		t.Errorf("args %v, want the four key values", cs.Args)
	}
}

type pxBook struct {
	_        struct{}     `athanor:",table:lpx_books"`
	ID       int64        `athanor:",pk"`
	BookTags []*pxBookTag `athanor:",backref:Book"`
	Tags     []*pxTag     `athanor:",proxy:BookTags.Tag"`
}

type pxTag struct {
	_    struct{} `athanor:",table:lpx_tags"`
	ID   int64    `athanor:",pk"`
	Name string
}

type pxBookTag struct {
	_      struct{} `athanor:",table:lpx_book_tags"`
	BookID int64    `athanor:",pk"`
	TagID  int64    `athanor:",pk"`
	Book   *pxBook
	Tag    *pxTag
}

// TestCompileProxyPaths: a proxy in a path stands for its collection and
// many-to-one, both with the option's strategy, merging with options
// naming them.
func TestCompileProxyPaths(t *testing.T) {
	m, err := mapper.RegisterIn[pxBook](mapper.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(m, Joined("Tags"), Joined("BookTags.Book"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.nodes) != 1 || p.nodes[0].rel.Name != "BookTags" || p.nodes[0].strategy != joined ||
		len(p.nodes[0].children) != 2 || p.nodes[0].children[0].rel.Name != "Tag" || p.nodes[0].children[0].strategy != joined {
		t.Fatalf("plan of Joined(Tags): %+v", p.nodes)
	}
	p, err = Compile(m, SelectIn("Tags"))
	if err != nil || p.nodes[0].strategy != selectIn || p.nodes[0].children[0].strategy != selectIn {
		t.Fatalf("plan of SelectIn(Tags): %v", err)
	}
	if _, err := Compile(m, SelectIn("Tags.Nope")); !errors.Is(err, ErrNoRelation) || !strings.Contains(err.Error(), "pxTag.Nope") {
		t.Errorf("unknown step after a proxy: %v", err)
	}
	if _, err := Compile(m, SelectIn("Tags"), Joined("BookTags")); !errors.Is(err, ErrConflict) {
		t.Errorf("a proxy and its collection with two strategies: %v", err)
	}
}
