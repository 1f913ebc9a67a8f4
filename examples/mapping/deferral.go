package main

import (
	"context"
	"fmt"
	"io"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Writer has a computed full name and article count.
type Writer struct {
	_        struct{}   `athanor:",table:mp_writers"`
	ID       int64      `athanor:",pk"`
	First    string     `athanor:",size:50"`
	Last     string     `athanor:",size:50"`
	Articles []*Article `athanor:",backref:Writer"`
	FullName string     `athanor:",computed"`          // loaded with the row
	Count    int64      `athanor:",computed,deferred"` // loaded on request
}

// Computed gives the SQL of Writer's computed fields over t, its table or
// the alias a load gives it.
func (Writer) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
	articles, err := mapper.TableOf[Article](reg)
	if err != nil {
		return nil, err
	}
	return map[string]core.Expr{
		"FullName": core.Concat(t.C("first"), core.Literal(" "), t.C("last")),
		"Count": core.Subquery(core.Select(core.Count(core.Star())).From(articles).
			Where(core.Eq(articles.C("writer_id"), t.C("id")))),
	}, nil
}

// Article has a large body, loaded only on request.
type Article struct {
	_        struct{} `athanor:",table:mp_articles"`
	ID       int64    `athanor:",pk"`
	Title    string   `athanor:",size:200"`
	WriterID int64    `athanor:",index"`
	Writer   *Writer  `athanor:",backref:Articles"`
	Body     string   `athanor:",deferred"`
}

// deferral shows deferred columns and computed attributes.
func deferral(ctx context.Context, out io.Writer, db *engine.DB) error {
	reg, err := createTables(ctx, db, mapper.RegisterIn[Writer])
	if err != nil {
		return err
	}
	s := newSession(db, reg)
	w := &Writer{ID: 1, First: "Ada", Last: "Lovelace", Articles: []*Article{
		{ID: 1, Title: "Notes on the Engine", Body: "A long text…"},
		{ID: 2, Title: "On Numbers", Body: "Another long text…"},
	}}
	if err := s.Add(w); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return err
	}

	// Deferred: the SELECT leaves Body out; LoadFields reads it, for every
	// article of the session lacking it, in one statement.
	s = newSession(db, reg)
	arts, err := session.Query[Article](s).OrderBy("ID").All(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deferred: %q has body %q\n", arts[0].Title, arts[0].Body)
	if err := s.LoadFields(ctx, arts[0], "Body"); err != nil {
		return err
	}
	fmt.Fprintf(out, "after LoadFields: %q, %q\n", arts[0].Body, arts[1].Body)
	// Undefer (or LoadOnly, Defer, UndeferGroup) per query.
	a, err := session.Query[Article](newSession(db, reg)).Options(loader.Undefer("Body")).Filter("ID", 2).One(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "undeferred: %q\n", a.Body)

	// Computed: loaded with the row, usable in Filter and OrderBy.
	s = newSession(db, reg)
	ws, err := session.Query[Writer](s).Options(loader.Undefer("Count")).Filter("FullName", "Ada Lovelace").All(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "computed: %s wrote %d articles\n", ws[0].FullName, ws[0].Count)
	return nil
}
