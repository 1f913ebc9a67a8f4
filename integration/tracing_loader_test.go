package integration_test

import (
	"context"
	"testing"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// A nested selectin load traces one span per relationship, each under the
// caller's span, with its SELECT inside it. The session reports its loads
// to its Observer (loader.Observer).
func TestTracingNestedSelectInLoad(t *testing.T) {
	e := newTrcEnv(t)
	cfg, err := engine.ParseConfig("sqlite://" + testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	e.tr.Instrument(cfg)
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := mapper.NewRegistry()
	if _, err := mapper.RegisterIn[ldAuthor](reg); err != nil {
		t.Fatal(err)
	}
	createORMSchema(t, db, reg)
	ctx := context.Background()
	s := session.New(session.DB(db), session.Options{Registry: reg})
	tag := &ldTag{ID: 1, Name: "t"}
	for i := int64(1); i <= 3; i++ {
		if err := s.Add(&ldAuthor{ID: i, Name: "a", Books: []*ldBook{{ID: i, Title: "b", Tags: []*ldTag{tag}}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e.spans.Reset()

	fresh := session.New(session.DB(db), session.Options{Registry: reg, Observer: e.tr})
	rctx, root := e.tp.Tracer("test").Start(ctx, "request")
	authors, err := session.Query[ldAuthor](fresh).Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).All(rctx)
	root.End()
	if err != nil {
		t.Fatal(err)
	}
	if len(authors) != 3 || len(authors[0].Books) != 1 || len(authors[0].Books[0].Tags) != 1 {
		t.Fatalf("loaded %d authors, want 3 with a book and a tag each", len(authors))
	}
	spans := e.spans.GetSpans()
	var rootStub = spans[len(spans)-1]
	for _, s := range spans {
		if s.Name == "request" {
			rootStub = s
		}
	}
	books := trcOne(t, spans, "athanor.load ldAuthor.Books", rootStub)
	tags := trcOne(t, spans, "athanor.load ldBook.Tags", rootStub)
	trcOne(t, spans, "SELECT ld_books", books)
	if got := trcSpans(spans, "SELECT ld_tags", tags); len(got) != 1 {
		var names []string
		for _, s := range spans {
			names = append(names, s.Name)
		}
		t.Fatalf("no SELECT of tags under the Tags load span; spans: %v", names)
	}
}
