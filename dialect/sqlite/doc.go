// Package sqlite is Athanor's SQLite dialect (SQLite 3.39+, as shipped by
// modernc.org/sqlite): the SQL syntax core compiles to (? placeholders,
// "quoted" identifiers, RETURNING, ON CONFLICT upserts, UPDATE … FROM,
// DELETE with joined tables rewritten to WHERE EXISTS, emulated ILIKE),
// the DDL type names, and — in errors.go and types.go — error
// classification and Go type mapping.
//
// SQLite has no row locks: FOR UPDATE/SHARE is left out of the SQL (the
// statement still reports that it writes), and INTERSECT/EXCEPT ALL are
// errors.
//
// SQLite's LIKE ignores ASCII case, so Contains, StartsWith and EndsWith
// compile to GLOB with '*', '?' and '[' escaped as one-character classes:
// case-sensitive, as on the other dialects. Extract compiles to
// CAST(strftime('%Y', x) AS INTEGER) (%w for the day of week, Sunday 0;
// %j for the day of the year; the quarter from the month): it reads times
// stored as text in SQLite's formats, converting a text offset to UTC.
//
//	c, err := core.Compile(sqlite.Dialect, core.Select().From(users))
//	rows, err := db.QueryContext(ctx, c.SQL, c.Args...)
package sqlite
