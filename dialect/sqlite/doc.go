// Package sqlite is Athanor's SQLite dialect (SQLite 3.39+, as shipped by
// modernc.org/sqlite): the SQL syntax core compiles to (? placeholders,
// "quoted" identifiers, RETURNING, ON CONFLICT upserts, UPDATE … FROM,
// DELETE with joined tables rewritten to WHERE EXISTS, emulated ILIKE),
// the DDL type names, and — in types.go — the Go type mapping.
// It links no driver: error classification is in driver/sqlitedriver
// (Classify).
//
// Time policy (the same on every dialect): a time.Time is an instant,
// stored as SQLite's own text of its UTC wall clock (TimeText:
// "2006-01-02 15:04:05", a fraction only when present), which equals what
// CURRENT_TIMESTAMP and datetime() write and sorts as the instant; text
// with an offset or Z is read back in UTC.
//
// SQLite has no row locks: FOR UPDATE/SHARE is left out of the SQL (the
// statement still reports that it writes), and INTERSECT/EXCEPT ALL are
// errors.
//
// Decimals: SQLite has no decimal type, and a NUMERIC column would turn
// "12345678901234567890.0123456789" into a float, so core.TypeNumeric
// columns are declared TEXT. What is guaranteed: a decimal bound as text
// (athanor.Decimal, any decimal Valuer) reads back exactly as written,
// and equality with a value of the same text matches. Not guaranteed:
// ordering comparisons (text order: write core.Cast(col, core.Numeric(p,
// s)) for numeric order, exact up to 15 significant digits) and
// aggregates (SUM and AVG are computed in binary floating point).
//
// Enums (core.TypeEnum) are TEXT CHECK ("col" IN (…)); arrays are not
// supported (CREATE TABLE fails naming the table and column).
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
