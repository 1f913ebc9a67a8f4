// Package postgres is Athanor's PostgreSQL dialect: the SQL syntax core
// compiles to ($n placeholders, "quoted" identifiers, RETURNING,
// ON CONFLICT upserts, = ANY($1) for IN with a slice, NULLS FIRST/LAST,
// ILIKE), the DDL type names, and — in errors.go and types.go — error
// classification and Go type mapping for pgx.
//
// It owns no connections: the engine runs what it compiles.
//
// Time policy (the same on every dialect): a time.Time is an instant,
// bound in UTC, read back in UTC. RegisterTypes installs it on a pgx type
// map: a TIMESTAMP parameter gets the UTC wall clock (pgx alone would
// send the value's own wall clock), a DATE parameter the UTC calendar
// date, alone or in arrays; TIMESTAMPTZ keeps the instant; TIMESTAMP and
// TIMESTAMPTZ scan in UTC. Precision is microseconds, truncated.
//
//	c, err := core.Compile(postgres.Dialect, core.Select().From(users))
//	rows, err := conn.Query(ctx, c.SQL, c.Args...)
package postgres
