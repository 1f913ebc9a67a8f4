// Package postgres is Athanor's PostgreSQL dialect: the SQL syntax core
// compiles to ($n placeholders, "quoted" identifiers, RETURNING,
// ON CONFLICT upserts, = ANY($1) for IN with a slice, NULLS FIRST/LAST,
// ILIKE), the DDL type names, and — in types.go — the Go type
// mapping. It links no driver: error classification and the pgx type
// map setup are in driver/pgxdriver (Classify, RegisterTypes).
//
// Types beyond the portable ones: an enum column (core.TypeEnum) has the
// type named by its core.EnumType, which core.MetaData creates with
// CREATE TYPE … AS ENUM before the tables and drops after them; pgx sends
// a Go string for it as text, and a value outside the type fails with
// 22P02, classified as a check violation (the value is left out of the
// message). Array columns (core.ArrayOf) are T[]; pgx binds and scans Go
// slices for them, and core.ArrayContains, ArrayOverlaps and EqAny write
// @>, && and = ANY(…). A decimal type (athanor.Decimal, any
// sql.Scanner/driver.Valuer) is bound as text and scans pgx's exact text
// of a NUMERIC.
//
// A node repeated in a statement reuses its placeholders ($1 twice), so
// an expression with bound values can appear in both the select list and
// GROUP BY. Dialect implements core.ParamCaster: where the server has no
// context to type a parameter (a bare value in a select list, a CTE
// anchor, CASE results that are all values, …) the placeholder is cast
// from the Go type: integers ::bigint, floats ::double precision, bool
// ::boolean, []byte ::bytea, time.Time ::timestamptz; strings and nil stay
// untyped (text), driver.Valuer types are left to the context. Contains
// and friends compile to LIKE … ESCAPE '!' (case-sensitive), Extract to
// CAST(EXTRACT(field FROM x) AS INTEGER) (seconds floored first, day of
// week from DOW: Sunday 0).
//
// It owns no connections: the engine runs what it compiles.
//
// Time policy (the same on every dialect): a time.Time is an instant,
// bound in UTC, read back in UTC. driver/pgxdriver (RegisterTypes) installs
// it on each connection's pgx type map: a TIMESTAMP parameter gets the UTC wall clock (pgx alone would
// send the value's own wall clock), a DATE parameter the UTC calendar
// date, alone or in arrays; TIMESTAMPTZ keeps the instant; TIMESTAMP and
// TIMESTAMPTZ scan in UTC. Precision is microseconds, truncated.
//
//	c, err := core.Compile(postgres.Dialect, core.Select().From(users))
//	rows, err := conn.Query(ctx, c.SQL, c.Args...)
package postgres
