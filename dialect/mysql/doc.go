// Package mysql is Athanor's MySQL and MariaDB dialect: the SQL syntax core
// compiles to (? placeholders, `quoted` identifiers, ON DUPLICATE KEY
// UPDATE upserts, multi-table UPDATE/DELETE, emulated ILIKE and NULLS
// FIRST/LAST, LOCK IN SHARE MODE on MariaDB, RETURNING on MariaDB's INSERT
// and DELETE), the DDL type names, and — in errors.go and types.go — error
// classification and Go type mapping for go-sql-driver/mysql.
//
// Dialect targets MySQL 8.0; MariaDB targets MariaDB 10.6 and later.
// Literal strings in DDL are written so they do not depend on the
// NO_BACKSLASH_ESCAPES sql_mode; identifiers assume ANSI_QUOTES is off.
//
// Contains, StartsWith and EndsWith compile to LIKE BINARY ? ESCAPE '!':
// a byte comparison, so they are case- and accent-sensitive whatever the
// column's collation (a plain LIKE follows it, and utf8mb4_general_ci
// ignores case). This is run against MariaDB 10.11; MySQL 8.0.27 and
// later accept it with a deprecation warning for the BINARY operator. Extract compiles to EXTRACT(field FROM x), with
// DAYOFWEEK(x) - 1 (Sunday 0) and DAYOFYEAR(x). Placeholders are '?', so
// a node repeated in a statement binds its arguments again; MariaDB's
// HAVING still cannot name such an expression (only grouped columns and
// aliases).
//
//	c, err := core.Compile(mysql.MariaDB, core.Select().From(users))
//	rows, err := db.QueryContext(ctx, c.SQL, c.Args...)
package mysql
