package bench

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athanor-orm/athanor/loader"
	"github.com/athanor-orm/athanor/session"
)

// JoinedEager: the 100 authors of the EagerLoad tables, each with its 10
// books (a one-to-many collection), in one operation. The floor and
// athanor load it in one statement, a LEFT JOIN ordered by author and
// book (athanor: loader.Joined); athanor-selectin is the same load with
// loader.SelectIn (two statements). GORM and Bun join only to-one
// relationships, so their entries are their collection loads, two
// statements each (Preload("Books"), Relation("Books")).

const joinedSQL = "SELECT a.id, a.name, b.id, b.author_id, b.title FROM authors a LEFT JOIN books b ON b.author_id = a.id ORDER BY a.id, b.id"

func checkJoined(authors, books int) error {
	if authors != eagerAuthors || books != eagerBooks {
		return fmt.Errorf("loaded %d authors, %d books; want %d, %d", authors, books, eagerAuthors, eagerBooks)
	}
	return nil
}

// joinedPgx groups the joined rows by author (rows arrive in author
// order); an author without books has NULL book columns.
func (e *env) joinedPgx(ctx context.Context) error {
	rows, err := e.pool.Query(ctx, joinedSQL)
	if err != nil {
		return err
	}
	var (
		authors []*pAuthor
		cur     *pAuthor
		books   int
	)
	for rows.Next() {
		var (
			aID            int64
			aName          string
			bID, bAuthorID pgtype.Int8
			bTitle         pgtype.Text
		)
		if err := rows.Scan(&aID, &aName, &bID, &bAuthorID, &bTitle); err != nil {
			rows.Close()
			return err
		}
		if cur == nil || cur.ID != aID {
			cur = &pAuthor{ID: aID, Name: aName}
			authors = append(authors, cur)
		}
		if bID.Valid {
			cur.Books = append(cur.Books, &pBook{ID: bID.Int64, AuthorID: bAuthorID.Int64, Title: bTitle.String})
			books++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkJoined(len(authors), books)
}

// joinedStd is the same on database/sql (the MariaDB floor).
func (e *env) joinedStd(ctx context.Context) error {
	rows, err := e.std.QueryContext(ctx, joinedSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		authors []*pAuthor
		cur     *pAuthor
		books   int
	)
	for rows.Next() {
		var (
			aID            int64
			aName          string
			bID, bAuthorID sql.NullInt64
			bTitle         sql.NullString
		)
		if err := rows.Scan(&aID, &aName, &bID, &bAuthorID, &bTitle); err != nil {
			return err
		}
		if cur == nil || cur.ID != aID {
			cur = &pAuthor{ID: aID, Name: aName}
			authors = append(authors, cur)
		}
		if bID.Valid {
			cur.Books = append(cur.Books, &pBook{ID: bID.Int64, AuthorID: bAuthorID.Int64, Title: bTitle.String})
			books++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkJoined(len(authors), books)
}

func (e *env) joinedAthanor(opt loader.Option) func(context.Context) error {
	return func(ctx context.Context) error {
		s := e.newSession()
		authors, err := session.Query[Author](s).Options(opt).OrderBy("ID").All(ctx)
		if err != nil {
			return err
		}
		books := 0
		for _, a := range authors {
			books += len(a.Books)
		}
		return checkJoined(len(authors), books)
	}
}

func (e *env) joinedGorm(ctx context.Context) error {
	var authors []gAuthor
	if err := e.gorm.WithContext(ctx).Preload("Books").Order("id").Find(&authors).Error; err != nil {
		return err
	}
	books := 0
	for _, a := range authors {
		books += len(a.Books)
	}
	return checkJoined(len(authors), books)
}

func (e *env) joinedBun(ctx context.Context) error {
	var authors []*bAuthor
	if err := e.bun.NewSelect().Model(&authors).Relation("Books").Order("id").Scan(ctx); err != nil {
		return err
	}
	books := 0
	for _, a := range authors {
		books += len(a.Books)
	}
	return checkJoined(len(authors), books)
}

func benchJoinedEager(b *testing.B, e *env) {
	e.seedEager(b)
	e.bun.RegisterModel((*bBookTag)(nil))
	ctx := context.Background()
	floor := namedOp{"database/sql", e.joinedStd}
	if e.pg {
		floor = namedOp{"pgx", e.joinedPgx}
	}
	for _, im := range []namedOp{
		floor,
		{"athanor", e.joinedAthanor(loader.Joined("Books"))},
		{"athanor-selectin", e.joinedAthanor(loader.SelectIn("Books"))},
		{"gorm", e.joinedGorm},
		{"bun", e.joinedBun},
	} {
		b.Run(im.name, func(b *testing.B) {
			warm(b, func() error { return im.fn(ctx) })
			loop(b, func() error { return im.fn(ctx) })
		})
	}
}

// namedOp is one implementation of a workload without parameters.
type namedOp struct {
	name string
	fn   func(context.Context) error
}

func BenchmarkJoinedEager(b *testing.B)        { benchJoinedEager(b, setupPG(b)) }
func BenchmarkMariaDBJoinedEager(b *testing.B) { benchJoinedEager(b, setupMySQL(b)) }
