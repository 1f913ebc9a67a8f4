package bench

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"
)

// The same workloads on MariaDB (ATHANOR_MYSQL_PRIMARY). The floor is raw
// database/sql over go-sql-driver/mysql ("database/sql"); pgx and
// pgx-copy have no counterpart. InsertMulti100 returns ids where the
// implementation does so on MariaDB (athanor uses INSERT … RETURNING;
// GORM and Bun derive them from LAST_INSERT_ID; database/sql and sqlx get
// the row count only).

func BenchmarkMariaDBReadByPK(b *testing.B)         { benchReadByPK(b, setupMySQL(b)) }
func BenchmarkMariaDBParallelReadByPK(b *testing.B) { benchParallelReadByPK(b, setupMySQL(b)) }
func BenchmarkMariaDBReadSlice100(b *testing.B)     { benchReadSlice100(b, setupMySQL(b)) }
func BenchmarkMariaDBInsertOne(b *testing.B)        { benchInsertOne(b, setupMySQL(b)) }
func BenchmarkMariaDBInsertMulti100(b *testing.B)   { benchInsertMulti100(b, setupMySQL(b)) }
func BenchmarkMariaDBUpdateOne(b *testing.B)        { benchUpdateOne(b, setupMySQL(b)) }

func BenchmarkMariaDBEagerLoad(b *testing.B) {
	e := setupMySQL(b)
	e.seedEager(b)
	e.bun.RegisterModel((*bBookTag)(nil))
	ctx := context.Background()
	for _, im := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"sqlx", e.eagerSQLX},
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

// eagerSQLX is the hand-written three-query load with sqlx.In, the floor
// on MariaDB.
func (e *env) eagerSQLX(ctx context.Context) error {
	var authors []*pAuthor
	if err := e.sqlx.SelectContext(ctx, &authors, "SELECT id, name FROM authors ORDER BY id"); err != nil {
		return err
	}
	byID := make(map[int64]*pAuthor, len(authors))
	ids := make([]int64, 0, len(authors))
	for _, a := range authors {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	q, args, err := sqlx.In("SELECT id, author_id, title FROM books WHERE author_id IN (?) ORDER BY id", ids)
	if err != nil {
		return err
	}
	var books []*pBook
	if err := e.sqlx.SelectContext(ctx, &books, e.sqlx.Rebind(q), args...); err != nil {
		return err
	}
	bookByID := make(map[int64]*pBook, len(books))
	bookIDs := make([]int64, 0, len(books))
	for _, bk := range books {
		a := byID[bk.AuthorID]
		a.Books = append(a.Books, bk)
		bookByID[bk.ID] = bk
		bookIDs = append(bookIDs, bk.ID)
	}
	q, args, err = sqlx.In("SELECT bt.book_id, t.id, t.name FROM tags t JOIN book_tags bt ON bt.tag_id = t.id WHERE bt.book_id IN (?) ORDER BY t.id", bookIDs)
	if err != nil {
		return err
	}
	rows, err := e.sqlx.QueryContext(ctx, e.sqlx.Rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	tags := 0
	for rows.Next() {
		var bookID int64
		t := new(pTag)
		if err := rows.Scan(&bookID, &t.ID, &t.Name); err != nil {
			return err
		}
		bk := bookByID[bookID]
		bk.Tags = append(bk.Tags, t)
		tags++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return checkTree(len(authors), len(books), tags)
}
