// Package core is Athanor's SQL expression language: schema metadata and an
// immutable statement AST, compiled per dialect to SQL text plus bound
// arguments.
//
// Core owns:
//   - schema metadata: Table (NewTable/TableDef), Column, Type, ForeignKey,
//     Unique, Check, Index, and MetaData with CreateAll/DropAll in
//     foreign-key dependency order (a topological sort; foreign keys that
//     close a cycle are added with ALTER TABLE afterwards), enum column
//     types (Enum: PostgreSQL types created before the tables and dropped
//     after them, ENUM on MySQL, a CHECK on SQLite), PostgreSQL array
//     columns (ArrayOf), server types written verbatim (TypeNative), table
//     and column comments (COMMENT ON statements after CREATE TABLE on
//     PostgreSQL, COMMENT clauses on MySQL, not written on SQLite, which
//     keeps none: Features.Comments), partial indexes (Index.Where;
//     PostgreSQL and SQLite) and expression indexes (Index.Expressions;
//     PostgreSQL, SQLite, MySQL 8), each an ErrUnsupported error naming
//     the table and index on MariaDB;
//   - statements: Select (joins, LATERAL derived tables where
//     Features.Lateral: Lateral, GROUP BY/HAVING, ORDER BY … NULLS
//     FIRST/LAST, LIMIT/OFFSET, FOR UPDATE/SHARE), set operations (Union,
//     Intersect, Except), CTEs (NewCTE, recursive and data-modifying),
//     Insert (multi-row, INSERT … SELECT, RETURNING, upsert; a row of no
//     columns, Values(), is DEFAULT VALUES, one row a statement, or
//     VALUES () with Features.EmptyValues), Update and Delete (with
//     joined tables, RETURNING), DDL, and Raw;
//   - expressions: comparisons, IN with slices and subqueries, BETWEEN,
//     LIKE/ILIKE (with ESCAPE), AND/OR/NOT, arithmetic, CASE, CAST,
//     COALESCE, aggregates and window functions, inline constants
//     (Literal), PostgreSQL's array operators (ArrayContains,
//     ArrayOverlaps, EqAny), and portable forms written per dialect:
//     case-sensitive text matching (Contains, StartsWith, EndsWith) and
//     date parts (Extract);
//   - Compile and its caches.
//
// Core does not own SQL syntax differences (the Dialect interface, met by
// dialect/postgres, dialect/mysql and dialect/sqlite), connections or
// execution (engine), or routing (router).
//
// # Safety
//
// Values are always bound parameters: every operand that is not an Expr is
// sent as an argument, never written into SQL text. Identifiers are always
// quoted by the dialect, and an identifier the dialect cannot represent
// faithfully (a NUL byte, invalid UTF-8, over-long) is a compile error.
// Raw is the only way to write SQL text, and is named and documented as
// the escape hatch. Literal writes a constant (nil, bool, number, string)
// into the SQL through the dialect's quoting; it is for the constants a
// query is built around, not for input.
//
// # NULL
//
// A value bound as NULL (nil, a typed nil pointer such as (*string)(nil),
// a nil map or slice, a driver.Valuer whose value is nil) compares as
// NULL: Eq(x, v) is x IS NULL, Ne(x, v) is x IS NOT NULL, and a nil in an
// IN list or slice matches NULL (In(x, 1, nil) is x IN (1) OR x IS NULL;
// NotIn(x, 1, nil) is x NOT IN (1) AND x IS NOT NULL).
//
// # Parameters
//
// A node written twice in one statement (an expression built once and
// passed to Select and GroupBy, OrderBy or Having) reuses its arguments'
// placeholder numbers on dialects with numbered placeholders
// (PostgreSQL: date_trunc($1, x) in both clauses, which the server then
// sees as one expression); with '?' placeholders the arguments are bound
// again. A GROUP BY, HAVING or ORDER BY item built separately but equal to
// an earlier expression (same tree, equal values of the same Go type)
// reuses its placeholders too; elsewhere a separately built expression
// binds its values again.
//
// Where the server has no context to type a parameter (a bare value in a
// select list, so a CTE anchor or SELECT EXISTS (SELECT 1 …); CASE
// results or COALESCE arguments that are all values; both operands of an
// operator; the operand of Extract) a dialect that needs it
// (ParamCaster: PostgreSQL) casts the placeholder from the Go type:
// $1::bigint for integers, ::double precision, ::boolean, ::bytea,
// ::timestamptz; strings, nil and driver.Valuer types are left uncast.
//
// A float (float32, float64, a named float type or a pointer to one)
// given as an INSERT value or SET value of a SmallInt, Int or BigInt
// column must be a whole number within int64: 2.0 is bound, 1.5 fails
// the compilation, where PostgreSQL (through pgx) would truncate it,
// MySQL and MariaDB round it and SQLite store it as REAL. Comparisons are
// not checked here (id < 1.5 is meaningful); on PostgreSQL the connection
// refuses any non-whole float for an integer-typed parameter, Raw
// included (see driver/pgxdriver RegisterTypes), while MySQL, MariaDB and
// SQLite take a Raw float as the server does.
//
// # Portable forms
//
// Contains, StartsWith and EndsWith match text exactly, case- and
// accent-sensitively, with '%', '_' and the rest of the text as ordinary
// characters, giving the same rows on PostgreSQL (LIKE … ESCAPE '!'),
// MySQL/MariaDB (LIKE BINARY … ESCAPE '!', bypassing the collation) and
// SQLite (GLOB, as SQLite's LIKE ignores ASCII case). Extract returns a
// date part as an integer with the same numbering everywhere (DayOfWeek:
// Sunday 0 to Saturday 6; Second: whole seconds, truncated).
//
// # Immutability
//
// Builder methods return a new statement and never modify their receiver,
// so a base query can be shared by goroutines and extended independently.
// Insert.Values shares the array of rows between statements the way
// append does, so a loop of Values takes linear time; a second Values on
// the same statement copies rather than overwrite the first one's row.
//
// # Names
//
// Constraints and indexes left unnamed get ix_, uq_, fk_ or ck_ followed
// by the table and column names; a name longer than the dialect's limit
// (Features.MaxIdentLen) is cut and ends in a hash of the whole name (see
// Index), so it fits, never collides with another cut name, and is the
// same on every run. DefaultName gives the name for a dialect, and
// InlineSQL the text DDL writes for an expression (package inspect
// compares reflected schemas with both).
//
// # Routing facts
//
// Every Statement reports Writes (INSERT/UPDATE/DELETE, DDL, FOR
// UPDATE/SHARE, data-modifying CTEs, Raw unless ReadOnly) and the Tables it
// touches, computed from the AST, never from SQL text.
//
// # Caching
//
// Compile memoises its result on the statement value per dialect, and keeps
// a bounded cache of SQL text keyed by statement shape, so a rebuilt
// statement that differs only in its values skips quoting and reuses the
// SQL, only collecting its arguments. Finding the shape still walks the
// statement; some forms skip even that, their SQL looked up by what it
// depends on: a simple UPDATE (columns set to values, WHERE comparisons
// of columns with values) by its table and columns; a simple INSERT
// (rows of values, RETURNING columns, nothing else) by its table, columns
// and number of rows; a simple SELECT (columns or stars of its tables,
// FROM tables, WHERE comparisons of columns with values, LIMIT, OFFSET,
// DISTINCT) by its tables, columns and operators; and an INSERT or a
// SELECT built from a kept template (InsertStmt.Template,
// SelectStmt.Template) by adding rows, or one comparison, to it. A
// template's Row is its one-row INSERT as a statement of its own: it
// holds the template and a copy of the row, and compiles to the
// template's cached SQL with the row as its arguments, copying no
// statement.
//
// Building is cheap too: builder calls chained in one expression keep
// their intermediate statements on the stack, so
// Select(t.Star()).From(t).Where(Eq(t.C("id"), id)) allocates its final
// statement and its comparison, and compiling it (a shape seen before)
// allocates nothing. INSERT rows and UPDATE assignments keep their values
// as given rather than as one node each, so building and compiling an
// INSERT costs a handful of allocations whatever its number of rows.
//
// # Evaluation in memory
//
// Evaluate and EvaluateValue compute a predicate or value for one row
// from its column values, without a server, with SQL's semantics (NULL
// as unknown, integers and floats compared as numbers, LIKE patterns);
// the ORM uses them to bring the objects it holds up to date after a
// bulk UPDATE or DELETE. Where the servers differ (text ordering and
// case, which follow collations; integer division; NUMERIC arithmetic)
// or a node has no in-memory meaning (subqueries, most functions, raw
// SQL), they fail with ErrNotEvaluable rather than guess; CheckEvaluable
// checks an expression's nodes without values, and Columns lists the
// columns an expression reads.
//
// # Example
//
//	users := core.MustTable(core.TableDef{Name: "users", Columns: []core.Column{
//		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
//		{Name: "email", Type: core.String(255)},
//	}})
//	q := core.Select(users.C("id")).From(users).
//		Where(core.ILike(users.C("email"), "%@example.com")).
//		OrderBy(core.Desc(users.C("id"))).Limit(10)
//	c, err := core.Compile(postgres.Dialect, q)
//	// c.SQL:  SELECT "users"."id" FROM "users" WHERE "users"."email" ILIKE $1 ORDER BY "users"."id" DESC LIMIT $2
//	// c.Args: ["%@example.com" 10]
package core
