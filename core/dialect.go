package core

import "errors"

// Dialect is what core needs from a SQL dialect to render statements. The
// packages under dialect/ implement it; core never imports them.
//
// A Dialect value must be comparable (core uses it as a cache key) and safe
// for concurrent use.
type Dialect interface {
	// Name is a short lower-case name such as "postgres", used in errors.
	Name() string
	// Features describes the syntax the dialect accepts. Core calls it
	// once per compilation; return a value, not a freshly built pointer.
	Features() Features
	// AppendPlaceholder appends the placeholder for the n-th bound
	// argument (1-based): "$n" or "?".
	AppendPlaceholder(b []byte, n int) []byte
	// AppendIdent appends name quoted and escaped. It returns an error
	// (wrapping ErrInvalidIdentifier) for a name the server would alter or
	// reject: a NUL byte, invalid UTF-8, an over-long name.
	AppendIdent(b []byte, name string) ([]byte, error)
	// AppendLiteral appends v as a SQL literal. Core uses it where the
	// server accepts no parameters (DDL: server defaults, CHECK
	// constraints; a LIKE's ESCAPE character) and for Literal. It supports
	// nil, bool, integers, finite floats and strings, and returns an error
	// for anything else and for a string the dialect cannot write
	// faithfully (a NUL byte, invalid UTF-8).
	AppendLiteral(b []byte, v any) ([]byte, error)
	// ColumnType returns the DDL type of c, such as "BIGINT" or
	// "VARCHAR(64)".
	ColumnType(c *Column) (string, error)
	// CastType returns the type name used in CAST(x AS <type>).
	CastType(t Type) (string, error)
	// AutoIncrement returns the clause written after the type of an
	// autoincrement column, and whether that clause already declares the
	// primary key (SQLite's "PRIMARY KEY AUTOINCREMENT").
	AutoIncrement(c *Column) (clause string, declaresPK bool, err error)
}

// Features lists the syntax differences between dialects that core renders
// itself. A zero Features is a conservative ANSI dialect.
type Features struct {
	// ReturningInsert, ReturningUpdate and ReturningDelete report support
	// for a RETURNING clause on each statement.
	ReturningInsert, ReturningUpdate, ReturningDelete bool
	// Upsert selects the INSERT conflict syntax.
	Upsert UpsertStyle
	// NullsOrder reports native ORDER BY … NULLS FIRST/LAST. Without it
	// core emulates them with a leading "x IS NULL" sort key.
	NullsOrder bool
	// ILike reports a native ILIKE operator; without it core writes
	// LOWER(x) LIKE LOWER(y).
	ILike bool
	// AnyArray makes IN with a Go slice compile to "= ANY(?)" with the
	// slice as one array argument (PostgreSQL).
	AnyArray bool
	// EnumTypes reports named enum types (CREATE TYPE … AS ENUM,
	// PostgreSQL): MetaData creates them before the tables that use them
	// and drops them after. Without it the dialect's ColumnType renders an
	// enum column on its own (MySQL ENUM(…), a CHECK on SQLite).
	EnumTypes bool
	// UnnestArrays reports INSERT … SELECT unnest(CAST(? AS t[]), …): a
	// multi-row INSERT may send one array argument per column instead of
	// one argument per value (PostgreSQL).
	UnnestArrays bool
	// EmptyValues reports "VALUES ()", a row of no columns, repeatable for
	// several rows (MySQL, MariaDB). Without it an INSERT that leaves
	// every column to the server is written "DEFAULT VALUES" (the SQL
	// standard: PostgreSQL, SQLite), which inserts one row per statement.
	EmptyValues bool
	// MaxParams is the most arguments one statement may bind (65535 on
	// PostgreSQL and MySQL, 32766 on SQLite); 0 means no known limit.
	// Multi-row INSERTs and key lists are split to stay within it.
	MaxParams int
	// OffsetWithoutLimit is the LIMIT value written when a query has an
	// OFFSET but no LIMIT and the dialect requires one ("-1" on SQLite,
	// "18446744073709551615" on MySQL). Empty means OFFSET may stand alone.
	OffsetWithoutLimit string
	// Locking reports support for FOR UPDATE / FOR SHARE. Without it the
	// locking clause is left out (SQLite locks the whole database on
	// write); the statement still reports Writes.
	Locking bool
	// ShareLock is the shared-lock clause, "FOR SHARE" or
	// "LOCK IN SHARE MODE".
	ShareLock string
	// SkipLocked and NoWait report support for those lock options.
	SkipLocked, NoWait bool
	// SetOpAll reports INTERSECT ALL and EXCEPT ALL.
	SetOpAll bool
	// FullJoin and RightJoin report those join kinds.
	FullJoin, RightJoin bool
	// UpdateFrom selects how UPDATE names extra tables.
	UpdateFrom JoinStyle
	// DeleteUsing selects how DELETE names extra tables.
	DeleteUsing JoinStyle
	// ModifyingCTE reports INSERT/UPDATE/DELETE bodies in WITH.
	ModifyingCTE bool
	// DMLWith reports a WITH clause in front of INSERT, UPDATE and DELETE.
	DMLWith bool
	// ConcatFunc makes string concatenation CONCAT(a, b) instead of a || b.
	ConcatFunc bool
	// CreateIndexIfNotExists reports CREATE INDEX IF NOT EXISTS.
	CreateIndexIfNotExists bool
	// DropForeignKey is the ALTER TABLE action that drops a foreign key
	// ("DROP CONSTRAINT" or "DROP FOREIGN KEY"). Empty means foreign keys
	// cannot be added or dropped after CREATE TABLE (SQLite), so
	// MetaData keeps cycle-closing foreign keys inline, where SQLite
	// accepts forward references.
	DropForeignKey string
	// AlterIfExists reports ALTER TABLE IF EXISTS … DROP … IF EXISTS.
	AlterIfExists bool
	// NumberedParams reports placeholders that name their argument ($n),
	// so one argument can be referenced twice: a node written twice in
	// a statement (the same expression in the select list and GROUP BY)
	// then reuses its arguments' numbers, and the server sees one
	// expression. Without it every occurrence binds its arguments again.
	NumberedParams bool
	// Match selects how Contains, StartsWith and EndsWith match text
	// case-sensitively.
	Match MatchStyle
	// DatePart selects how Extract is written.
	DatePart DatePartStyle
	// MaxIdentLen is the longest identifier the server keeps, in bytes
	// (63 on PostgreSQL, which truncates longer ones silently; 64 on
	// MySQL, which counts characters and rejects longer ones: 64 bytes
	// are at most 64 characters); 0 means no limit (SQLite). Default
	// constraint and index names longer than this are shortened (see
	// Index).
	MaxIdentLen int
	// Comments selects how Column.Comment and TableDef.Comment are
	// written in CREATE TABLE (see CommentStyle).
	Comments CommentStyle
	// PartialIndexes reports CREATE INDEX … WHERE (Index.Where).
	PartialIndexes bool
	// ExpressionIndexes reports indexes on expressions (Index.Expressions).
	ExpressionIndexes bool
	// Lateral reports LATERAL derived tables (Lateral: PostgreSQL,
	// MySQL 8.0.14+); without it such a statement does not compile.
	Lateral bool
}

// CommentStyle is how a dialect stores table and column comments.
type CommentStyle uint8

const (
	// CommentsNone: the server keeps no comments (SQLite); comments in
	// the metadata are not written anywhere.
	CommentsNone CommentStyle = iota
	// CommentsOn: COMMENT ON TABLE / COMMENT ON COLUMN statements after
	// CREATE TABLE (PostgreSQL).
	CommentsOn
	// CommentsInline: a COMMENT clause after each column and a COMMENT
	// table option (MySQL, MariaDB).
	CommentsInline
)

// ParamCaster is implemented by a dialect whose server types a parameter
// from its context and needs a cast where there is none: a bare value in
// a select list (so in a CTE anchor or an EXISTS subquery), CASE results
// or COALESCE arguments that are all values, both operands of an
// operator, the operand of Extract. Core asks only in those positions.
type ParamCaster interface {
	// AppendParamCast appends what follows the placeholder of v to give
	// it the type of v's Go type ("::bigint" for an int64), or nothing
	// when the server's default is right or the Go type says nothing
	// (strings, nil, driver.Valuer types).
	AppendParamCast(b []byte, v any) []byte
}

// MatchStyle is how a dialect matches text case-sensitively with LIKE
// patterns (see Contains).
type MatchStyle uint8

const (
	// MatchLike: e LIKE pattern ESCAPE '!' is case-sensitive (PostgreSQL,
	// and the SQL standard).
	MatchLike MatchStyle = iota
	// MatchLikeBinary: e LIKE BINARY pattern ESCAPE '!', which compares
	// bytes whatever the collation (MySQL, MariaDB).
	MatchLikeBinary
	// MatchGlob: e GLOB pattern, with GLOB's own escapes (SQLite, whose
	// LIKE ignores ASCII case).
	MatchGlob
)

// DatePartStyle is how a dialect extracts a field of a date or time (see
// Extract).
type DatePartStyle uint8

const (
	// DatePartExtract: CAST(EXTRACT(field FROM e) AS INTEGER) (PostgreSQL,
	// the SQL standard).
	DatePartExtract DatePartStyle = iota
	// DatePartMySQL: EXTRACT(field FROM e), DAYOFWEEK(e) - 1, DAYOFYEAR(e).
	DatePartMySQL
	// DatePartStrftime: CAST(strftime('%Y', e) AS INTEGER) (SQLite).
	DatePartStrftime
)

// UpsertStyle is the syntax a dialect uses for INSERT … on conflict.
type UpsertStyle uint8

const (
	// UpsertNone: the dialect has no upsert; compiling one is an error.
	UpsertNone UpsertStyle = iota
	// UpsertOnConflict: ON CONFLICT (target) DO UPDATE SET … / DO NOTHING,
	// proposed row as EXCLUDED (PostgreSQL, SQLite).
	UpsertOnConflict
	// UpsertOnDuplicateKey: ON DUPLICATE KEY UPDATE …, proposed row as
	// VALUES(col) (MySQL, MariaDB).
	UpsertOnDuplicateKey
)

// JoinStyle is how UPDATE and DELETE name tables beyond their target.
type JoinStyle uint8

const (
	// JoinNone: not supported natively. DELETE is rewritten to
	// WHERE EXISTS (SELECT 1 FROM …); UPDATE with From is an error.
	JoinNone JoinStyle = iota
	// JoinFrom: UPDATE t SET … FROM o WHERE … / DELETE FROM t USING o WHERE …
	JoinFrom
	// JoinMulti: UPDATE t, o SET t.c = … WHERE … / DELETE t FROM t, o WHERE …
	JoinMulti
)

// ErrInvalidIdentifier is wrapped by every error about an identifier a
// dialect cannot quote faithfully.
var ErrInvalidIdentifier = errors.New("invalid identifier")

// ErrUnsupported is wrapped by every error about a construct the target
// dialect does not support.
var ErrUnsupported = errors.New("not supported by dialect")
