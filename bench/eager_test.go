package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// EagerLoad: 100 authors, each with 10 books, each book with 3 tags
// (many-to-many through book_tags, 30 tags in all). One operation loads
// every author with its books and their tags.

const (
	eagerAuthors        = 100
	eagerBooksPerAuthor = 10
	eagerTagsPerBook    = 3
	eagerTags           = 30
	eagerBooks          = eagerAuthors * eagerBooksPerAuthor
	eagerLinks          = eagerBooks * eagerTagsPerBook
)

// Athanor models.
type Author struct {
	_     struct{} `athanor:",table:authors"`
	ID    int64    `athanor:",pk"`
	Name  string
	Books []*Book `athanor:",backref:Author"`
}

type Book struct {
	_        struct{} `athanor:",table:books"`
	ID       int64    `athanor:",pk"`
	AuthorID int64
	Title    string
	Author   *Author `athanor:",fk:author_id"`
	Tags     []*Tag  `athanor:",secondary:book_tags"`
}

type Tag struct {
	_    struct{} `athanor:",table:tags"`
	ID   int64    `athanor:",pk"`
	Name string
}

func init() { mapper.MustRegister[Author]() }

// Plain structs for pgx and sqlx.
type pAuthor struct {
	ID    int64
	Name  string
	Books []*pBook
}

type pBook struct {
	ID       int64
	AuthorID int64 `db:"author_id"`
	Title    string
	Tags     []*pTag
}

type pTag struct {
	ID   int64
	Name string
}

// GORM models.
type gAuthor struct {
	ID    int64
	Name  string
	Books []gBook `gorm:"foreignKey:AuthorID"`
}

func (gAuthor) TableName() string { return "authors" }

type gBook struct {
	ID       int64
	AuthorID int64
	Title    string
	Tags     []gTag `gorm:"many2many:book_tags;joinForeignKey:BookID;joinReferences:TagID"`
}

func (gBook) TableName() string { return "books" }

type gTag struct {
	ID   int64
	Name string
}

func (gTag) TableName() string { return "tags" }

// Bun models.
type bAuthor struct {
	bun.BaseModel `bun:"table:authors"`
	ID            int64 `bun:",pk,autoincrement"`
	Name          string
	Books         []*bBook `bun:"rel:has-many,join:id=author_id"`
}

type bBook struct {
	bun.BaseModel `bun:"table:books"`
	ID            int64 `bun:",pk,autoincrement"`
	AuthorID      int64
	Title         string
	Tags          []*bTag `bun:"m2m:book_tags,join:Book=Tag"`
}

type bTag struct {
	bun.BaseModel `bun:"table:tags"`
	ID            int64 `bun:",pk,autoincrement"`
	Name          string
}

type bBookTag struct {
	bun.BaseModel `bun:"table:book_tags"`
	BookID        int64  `bun:",pk"`
	Book          *bBook `bun:"rel:belongs-to,join:book_id=id"`
	TagID         int64  `bun:",pk"`
	Tag           *bTag  `bun:"rel:belongs-to,join:tag_id=id"`
}

func eagerDDL(pg bool) []string {
	serial, tail := "SERIAL PRIMARY KEY", ""
	if !pg {
		serial, tail = "INT AUTO_INCREMENT PRIMARY KEY", " ENGINE=InnoDB"
	}
	return []string{
		"CREATE TABLE authors (id " + serial + ", name VARCHAR(100) NOT NULL)" + tail,
		"CREATE TABLE books (id " + serial + ", author_id INT NOT NULL REFERENCES authors (id), title VARCHAR(100) NOT NULL)" + tail,
		"CREATE INDEX books_author_id ON books (author_id)",
		"CREATE TABLE tags (id " + serial + ", name VARCHAR(100) NOT NULL)" + tail,
		"CREATE TABLE book_tags (book_id INT NOT NULL REFERENCES books (id), tag_id INT NOT NULL REFERENCES tags (id), PRIMARY KEY (book_id, tag_id))" + tail,
	}
}

// seedEager creates and fills the four tables; ids are 1..n in order.
func (e *env) seedEager(b testing.TB) {
	b.Helper()
	ctx := context.Background()
	for _, q := range eagerDDL(e.pg) {
		if _, err := e.std.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	rows := func(n int, f func(i int) string) string {
		parts := make([]string, n)
		for i := range n {
			parts[i] = f(i)
		}
		return strings.Join(parts, ", ")
	}
	inserts := []string{
		"INSERT INTO authors (name) VALUES " + rows(eagerAuthors, func(i int) string { return fmt.Sprintf("('author %d')", i+1) }),
		"INSERT INTO tags (name) VALUES " + rows(eagerTags, func(i int) string { return fmt.Sprintf("('tag %d')", i+1) }),
		"INSERT INTO books (author_id, title) VALUES " + rows(eagerBooks, func(i int) string {
			return fmt.Sprintf("(%d, 'book %d')", i/eagerBooksPerAuthor+1, i+1)
		}),
		"INSERT INTO book_tags (book_id, tag_id) VALUES " + rows(eagerLinks, func(i int) string {
			book := i/eagerTagsPerBook + 1
			return fmt.Sprintf("(%d, %d)", book, (book+i%eagerTagsPerBook)%eagerTags+1)
		}),
	}
	for _, q := range inserts {
		if _, err := e.std.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	if e.pg {
		if _, err := e.std.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

// checkTree verifies the shape of a loaded tree: authors, books, tags.
func checkTree(authors, books, tags int) error {
	if authors != eagerAuthors || books != eagerBooks || tags != eagerLinks {
		return fmt.Errorf("loaded %d authors, %d books, %d tags; want %d, %d, %d",
			authors, books, tags, eagerAuthors, eagerBooks, eagerLinks)
	}
	return nil
}

// eagerPgx is the hand-written floor: three queries, keys as one array
// parameter (= ANY($1)), children attached through maps.
func (e *env) eagerPgx(ctx context.Context) error {
	rows, err := e.pool.Query(ctx, "SELECT id, name FROM authors ORDER BY id")
	if err != nil {
		return err
	}
	var authors []*pAuthor
	byID := make(map[int64]*pAuthor, eagerAuthors)
	ids := make([]int64, 0, eagerAuthors)
	for rows.Next() {
		a := new(pAuthor)
		if err := rows.Scan(&a.ID, &a.Name); err != nil {
			return err
		}
		authors = append(authors, a)
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = e.pool.Query(ctx, "SELECT id, author_id, title FROM books WHERE author_id = ANY($1) ORDER BY id", ids)
	if err != nil {
		return err
	}
	books := make(map[int64]*pBook, eagerBooks)
	bookIDs := make([]int64, 0, eagerBooks)
	for rows.Next() {
		bk := new(pBook)
		if err := rows.Scan(&bk.ID, &bk.AuthorID, &bk.Title); err != nil {
			return err
		}
		a := byID[bk.AuthorID]
		a.Books = append(a.Books, bk)
		books[bk.ID] = bk
		bookIDs = append(bookIDs, bk.ID)
	}
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = e.pool.Query(ctx, "SELECT bt.book_id, t.id, t.name FROM tags t JOIN book_tags bt ON bt.tag_id = t.id WHERE bt.book_id = ANY($1) ORDER BY t.id", bookIDs)
	if err != nil {
		return err
	}
	tags := 0
	for rows.Next() {
		var bookID int64
		t := new(pTag)
		if err := rows.Scan(&bookID, &t.ID, &t.Name); err != nil {
			return err
		}
		bk := books[bookID]
		bk.Tags = append(bk.Tags, t)
		tags++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkTree(len(authors), len(books), tags)
}

func (e *env) eagerGorm(ctx context.Context) error {
	var authors []gAuthor
	if err := e.gorm.WithContext(ctx).Preload("Books.Tags").Order("id").Find(&authors).Error; err != nil {
		return err
	}
	nb, nt := 0, 0
	for _, a := range authors {
		nb += len(a.Books)
		for _, bk := range a.Books {
			nt += len(bk.Tags)
		}
	}
	return checkTree(len(authors), nb, nt)
}

func (e *env) eagerBun(ctx context.Context) error {
	var authors []*bAuthor
	if err := e.bun.NewSelect().Model(&authors).Relation("Books").Relation("Books.Tags").Order("id").Scan(ctx); err != nil {
		return err
	}
	nb, nt := 0, 0
	for _, a := range authors {
		nb += len(a.Books)
		for _, bk := range a.Books {
			nt += len(bk.Tags)
		}
	}
	return checkTree(len(authors), nb, nt)
}

// eagerAthanor loads through a fresh session (as a request would) with the
// loader's SelectIn strategy, nested.
func (e *env) eagerAthanor(ctx context.Context) error {
	s := e.newSession()
	authors, err := session.Query[Author](s).
		Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).
		OrderBy("ID").
		All(ctx)
	if err != nil {
		return err
	}
	nb, nt := 0, 0
	for _, a := range authors {
		nb += len(a.Books)
		for _, bk := range a.Books {
			nt += len(bk.Tags)
		}
	}
	return checkTree(len(authors), nb, nt)
}

func BenchmarkEagerLoad(b *testing.B) {
	e := setupPG(b)
	e.seedEager(b)
	e.bun.RegisterModel((*bBookTag)(nil))
	ctx := context.Background()
	for _, im := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"pgx", e.eagerPgx},
		{"athanor", e.eagerAthanor},
		{"gorm", e.eagerGorm},
		{"bun", e.eagerBun},
	} {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.fn(ctx) })
			loop(b, func() error { return im.fn(ctx) })
		})
	}
}
