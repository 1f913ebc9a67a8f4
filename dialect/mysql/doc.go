// Package mysql is Athanor's MySQL and MariaDB dialect: the SQL syntax core
// compiles to (? placeholders, `quoted` identifiers, ON DUPLICATE KEY
// UPDATE upserts, multi-table UPDATE/DELETE, emulated ILIKE and NULLS
// FIRST/LAST, LOCK IN SHARE MODE on MariaDB, RETURNING on MariaDB's INSERT
// and DELETE), the DDL type names, and — in types.go — the Go type
// mapping. It links no driver: error classification is in
// driver/mysqldriver (Classify).
//
// Time policy (the same on every dialect): a time.Time is an instant,
// stored in DATETIME(6) as its UTC wall clock truncated to microseconds
// (TimeValue), and read back in UTC; DATE takes the UTC calendar date.
// The engine opens connections with loc=UTC and the session time_zone
// '+00:00' so that the driver and NOW() agree with it.
//
// Dialect targets MySQL 8.0; MariaDB targets MariaDB 10.6 and later.
// Literal strings in DDL are written so they do not depend on the
// NO_BACKSLASH_ESCAPES sql_mode; identifiers assume ANSI_QUOTES is off.
//
// Decimals (core.TypeNumeric) are DECIMAL(p,s), DECIMAL(65,30) when no
// precision is given; the driver returns them as text, so a decimal type
// scans them exactly. Enums are ENUM('a', 'b'); in strict mode a value
// outside the list fails with 1265, classified as a check violation.
// Arrays are not supported (CREATE TABLE fails naming the table and
// column).
//
// Contains, StartsWith and EndsWith compile to LIKE BINARY ? ESCAPE '!': a
// byte comparison, so they are case- and accent-sensitive whatever the
// column's collation (a plain LIKE follows it, and utf8mb4_general_ci
// ignores case). This is run against MariaDB 10.11; MySQL 8.0.27 and later
// accept it with a deprecation warning for the BINARY operator.
//
// Extract compiles to EXTRACT(field FROM x), with DAYOFWEEK(x) - 1
// (Sunday 0) and DAYOFYEAR(x). Placeholders are '?', so a node repeated in
// a statement binds its arguments again; MariaDB's HAVING still cannot name
// such an expression (only grouped columns and aliases).
//
//	c, err := core.Compile(mysql.MariaDB, core.Select().From(users))
//	rows, err := db.QueryContext(ctx, c.SQL, c.Args...)
package mysql
