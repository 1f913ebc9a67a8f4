// Package postgres is Athanor's PostgreSQL dialect: the SQL syntax core
// compiles to ($n placeholders, "quoted" identifiers, RETURNING,
// ON CONFLICT upserts, = ANY($1) for IN with a slice, NULLS FIRST/LAST,
// ILIKE), the DDL type names, and — in errors.go and types.go — error
// classification and Go type mapping for pgx.
//
// It owns no connections: the engine runs what it compiles.
//
//	c, err := core.Compile(postgres.Dialect, core.Select().From(users))
//	rows, err := conn.Query(ctx, c.SQL, c.Args...)
package postgres
