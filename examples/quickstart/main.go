// Command quickstart is the Athanor tour: mapped models with relationships,
// their tables created in one call, one commit of a small object graph,
// queries, an update of one field and a delete with cascade.
//
// With no arguments it runs on embedded SQLite (modernc.org/sqlite, pure
// Go) in a temporary file: no server needed.
//
//	go run ./examples/quickstart
//
// Given a PostgreSQL or MariaDB primary and its replicas, it runs through
// the router and prints which node served each read (replicas.go):
//
//	go run ./examples/quickstart -primary postgres://postgres@127.0.0.1:5432/test \
//	    -replicas postgres://postgres@127.0.0.1:5433/test,postgres://postgres@127.0.0.1:5434/test
//	go run ./examples/quickstart -env   # the same, from ATHANOR_PG_PRIMARY / ATHANOR_PG_REPLICAS
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"  // mysql://, mariadb://
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"    // postgres://
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite:// (the default)
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// Author has many books; deleting an author deletes them (cascade), and a
// book removed from Books is deleted too (delete-orphan).
type Author struct {
	_     struct{} `athanor:",table:qs_authors"`
	ID    int64
	Name  string  `athanor:",size:100,unique"`
	Books []*Book `athanor:",backref:Author,cascade:all+delete-orphan"`
}

// Book belongs to an author and has tags (many-to-many).
type Book struct {
	_        struct{} `athanor:",table:qs_books"`
	ID       int64
	Title    string  `athanor:",size:200"`
	Year     int     `athanor:",notnull"`
	AuthorID int64   `athanor:",index"`
	Author   *Author `athanor:",fk:author_id"`
	Tags     []*Tag  `athanor:",secondary:qs_book_tags"`
	Version  int64   `athanor:",version"`
}

// Tag labels books.
type Tag struct {
	_    struct{} `athanor:",table:qs_tags"`
	ID   int64
	Name string `athanor:",size:50,unique"`
}

func main() {
	primary := flag.String("primary", "", "primary DSN (postgres://… or mysql://…); default: embedded SQLite")
	replicas := flag.String("replicas", "", "comma-separated replica DSNs")
	fromEnv := flag.Bool("env", false, "take -primary and -replicas from ATHANOR_PG_PRIMARY and ATHANOR_PG_REPLICAS")
	flag.Parse()
	if *fromEnv {
		*primary, *replicas = os.Getenv("ATHANOR_PG_PRIMARY"), os.Getenv("ATHANOR_PG_REPLICAS")
		if *primary == "" {
			log.Fatal("quickstart: -env given but ATHANOR_PG_PRIMARY is unset (run: eval \"$(scripts/dbup)\")")
		}
	}
	if err := run(context.Background(), os.Stdout, *primary, splitList(*replicas)); err != nil {
		log.Fatal("quickstart: ", err)
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func run(ctx context.Context, out io.Writer, dsn string, replicaDSNs []string) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "athanor-quickstart-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite://" + filepath.Join(dir, "quickstart.db")
	}
	db, err := engine.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	s, read := session.New(db, session.Options{}), unrouted
	if len(replicaDSNs) > 0 {
		rt, err := withReplicas(ctx, out, db, replicaDSNs)
		if err != nil {
			return err
		}
		defer rt.Close()
		s, read = session.New(rt, session.Options{}), routed(out)
	} else {
		fmt.Fprintf(out, "database: %s\n", db.Driver())
	}

	// Registering Author registers the models it reaches (Book, Tag) and
	// the book_tags link table; CreateAll makes their tables.
	if _, err := mapper.Register[Author](); err != nil {
		return err
	}
	if err := db.DropAll(ctx, mapper.Default); err != nil { // a previous run's tables
		return err
	}
	if err := db.CreateAll(ctx, mapper.Default); err != nil {
		return err
	}
	defer db.DropAll(context.Background(), mapper.Default)
	defer s.Close(ctx) // before DropAll: an open transaction would block it
	return tour(ctx, out, s, read)
}

// unrouted is tour's read observer on a single database: nothing to say.
func unrouted(ctx context.Context, _ string) (context.Context, func()) { return ctx, func() {} }

func tour(ctx context.Context, out io.Writer, s *session.Session, read func(context.Context, string) (context.Context, func())) error {
	// 1. A small graph, added in one call and committed in one transaction:
	//    authors first, then books, then the book_tags rows.
	classic, scifi := &Tag{Name: "classic"}, &Tag{Name: "science fiction"}
	leguin := &Author{Name: "Ursula K. Le Guin", Books: []*Book{
		{Title: "The Dispossessed", Year: 1974, Tags: []*Tag{scifi, classic}},
		{Title: "The Left Hand of Darkness", Year: 1969, Tags: []*Tag{scifi}},
	}}
	calvino := &Author{Name: "Italo Calvino", Books: []*Book{
		{Title: "Invisible Cities", Year: 1972, Tags: []*Tag{classic}},
	}}
	if err := s.Add(calvino, leguin); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	fmt.Fprintf(out, "committed 2 authors, 3 books, 2 tags; ids: %s=%d, %s=%d\n", leguin.Name, leguin.ID, calvino.Name, calvino.ID)

	// 2. Queries: typed and checked against the mapping.
	rctx, said := read(ctx, "query")
	q := session.Query[Book](s)
	books, err := q.Where(core.Lt(q.C("Year"), 1973)).OrderBy("Year").All(rctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	fmt.Fprintln(out, "books before 1973:")
	for _, b := range books {
		fmt.Fprintf(out, "  %d %s\n", b.Year, b.Title)
	}
	said()

	rctx, said = read(ctx, "count")
	n, err := session.Query[Book](s).Filter("AuthorID", leguin.ID).Count(rctx)
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	fmt.Fprintf(out, "%s wrote %d of them\n", leguin.Name, n)
	said()

	// 3. Change one field: the UPDATE writes that column (and the version
	//    counter) only. The identity map hands back the same object.
	same, err := session.Get[Book](ctx, s, books[0].ID)
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	fmt.Fprintf(out, "Get returns the object already loaded: %v\n", same == books[0])
	same.Title = "The Left Hand of Darkness (50th anniversary edition)"
	if err := s.Commit(ctx); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	fmt.Fprintf(out, "updated the title; version is now %d\n", same.Version)

	// 4. Delete an author: the cascade deletes the books and their tag links.
	if err := s.Delete(leguin); err != nil {
		return err
	}
	if err := s.Commit(ctx); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	rctx, said = read(ctx, "count")
	left, err := session.Query[Book](s).Count(rctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "deleted %s: %d book left (%s's)\n", leguin.Name, left, calvino.Name)
	said()
	return nil
}
