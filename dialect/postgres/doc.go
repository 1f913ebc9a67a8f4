// Package postgres is Athanor's PostgreSQL dialect: the SQL syntax core
// compiles to ($n placeholders, "quoted" identifiers, RETURNING,
// ON CONFLICT upserts, = ANY($1) for IN with a slice, NULLS FIRST/LAST,
// ILIKE), the DDL type names, and — in errors.go and types.go — error
// classification and Go type mapping for pgx.
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
//	c, err := core.Compile(postgres.Dialect, core.Select().From(users))
//	rows, err := conn.Query(ctx, c.SQL, c.Args...)
package postgres
