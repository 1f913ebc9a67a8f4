// Package coretest holds the statement corpus shared by core's golden tests
// and the integration tests that execute it: a small library schema, its
// seed rows, and one case per statement form with the rows it must return.
// It is test support; nothing outside tests imports it.
package coretest

import "github.com/athanor-orm/athanor/core"

// Dialect names used as keys in Example fields.
const (
	Postgres = "postgres"
	MariaDB  = "mariadb"
	SQLite   = "sqlite"
)

// Schema is the library schema: authors, books, tags (composite key) and
// counters (for upserts; client and server defaults).
type Schema struct {
	Authors, Books, Tags, Counters *core.Table
	Meta                           *core.MetaData
}

// NewSchema builds the schema. Tables are passed to MetaData in an order
// that is not their dependency order, on purpose.
func NewSchema() *Schema {
	s := &Schema{}
	s.Authors = core.MustTable(core.TableDef{Name: "authors", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "name", Type: core.String(100)},
		{Name: "email", Type: core.String(255), Nullable: true, Unique: true},
		{Name: "country", Type: core.String(2), Nullable: true},
	}, Indexes: []core.Index{{Columns: []string{"name"}}}})
	s.Books = core.MustTable(core.TableDef{Name: "books", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "author_id", Type: core.BigInt()},
		{Name: "title", Type: core.String(200)},
		{Name: "price", Type: core.Int()},
		{Name: "published", Type: core.Int(), Nullable: true},
	},
		ForeignKeys: []core.ForeignKey{{Columns: []string{"author_id"}, RefTable: "authors", RefColumns: []string{"id"}, OnDelete: core.Cascade}},
		Checks:      []core.Check{{Name: "ck_books_price", Expr: core.Ge(core.Ident("price"), 0)}},
		Indexes:     []core.Index{{Name: "ix_books_author_title", Columns: []string{"author_id", "title"}, Unique: true}},
	})
	s.Tags = core.MustTable(core.TableDef{Name: "tags", Columns: []core.Column{
		{Name: "book_id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "tag", Type: core.String(50), PrimaryKey: true},
	}, ForeignKeys: []core.ForeignKey{{Columns: []string{"book_id"}, RefTable: "books", RefColumns: []string{"id"}, OnDelete: core.Cascade, OnUpdate: core.Cascade}}})
	s.Counters = core.MustTable(core.TableDef{Name: "counters", Columns: []core.Column{
		{Name: "name", Type: core.String(50), PrimaryKey: true},
		{Name: "hits", Type: core.Int(), ServerDefault: core.Literal(0)},
		{Name: "note", Type: core.String(50), Default: "n/a"},
		{Name: "server_note", Type: core.String(50), ServerDefault: core.Literal(`it's \ "ok" -- /* */ $$`)},
	}})
	meta, err := core.NewMetaData(s.Tags, s.Counters, s.Books, s.Authors)
	if err != nil {
		panic(err)
	}
	s.Meta = meta
	return s
}

// Seed returns the statements that load the seed rows. IDs are assigned by
// the database in row order: authors 1 Ann, 2 Bob, 3 Cid; books 1 Go,
// 2 SQL (author 1), 3 Rust, 4 Zig (author 2).
func (s *Schema) Seed() []core.Statement {
	a, b, t, c := s.Authors, s.Books, s.Tags, s.Counters
	return []core.Statement{
		core.Insert(a).Columns(a.C("name"), a.C("email"), a.C("country")).
			Values("Ann", "ann@example.com", "NZ").
			Values("Bob", "BOB@Example.com", nil).
			Values("Cid", nil, "FR"),
		core.Insert(b).Columns(b.C("author_id"), b.C("title"), b.C("price"), b.C("published")).
			Values(1, "Go", 30, 2015).
			Values(1, "SQL", 20, nil).
			Values(2, "Rust", 40, 2018).
			Values(2, "Zig", 10, 2021),
		core.Insert(t).Columns(t.C("book_id"), t.C("tag")).Values(1, "lang").Values(1, "go").Values(3, "lang"),
		core.Insert(c).Columns(c.C("name"), c.C("hits")).Values("a", 1),
	}
}

// Example is one statement form.
type Example struct {
	// Name says what the case proves; it names the golden entry.
	Name string
	Stmt core.Statement
	// Writes is the expected Compiled.Writes.
	Writes bool
	// Rows are the expected result rows, each value formatted with
	// fmt.Sprint after normalisation (nil prints as <nil>). Nil means the
	// statement returns no rows (DML without RETURNING).
	Rows [][]string
	// Check, when set, runs after Stmt in the same transaction; its rows
	// must equal CheckRows.
	Check     core.Statement
	CheckRows [][]string
	// Unsupported lists dialects on which Compile must fail with
	// core.ErrUnsupported.
	Unsupported []string
	// Ordered is false when the rows may come back in any order.
	Unordered bool
}

// R builds expected rows: R(Row("1", "Ann"), Row("2", "Bob")).
func R(rows ...[]string) [][]string {
	if rows == nil {
		return [][]string{} // no rows expected, but the statement is queried
	}
	return rows
}

// Row is one expected row.
func Row(vals ...string) []string { return vals }
