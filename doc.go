// Package athanor is the root of the Athanor ORM module. It holds the
// vocabulary of errors shared by every layer — the sentinels and the
// [*DBError] type that the dialects classify driver errors into — and this
// overview. It imports nothing from the module, so any package may use it.
//
// # Module overview
//
//   - core: schema metadata (Table, Column, keys, indexes) and the statement
//     AST; statements are immutable values compiled per dialect.
//   - dialect/postgres, dialect/mysql, dialect/sqlite: SQL compilers, DDL,
//     value conversions for binding and scanning, and error classification
//     (each has a Classify function returning the kinds defined here).
//   - engine: one database endpoint: pool, transactions, batches, hooks.
//   - router: bind groups of a primary and replicas, causal reads.
//   - mapper, session, loader: the ORM (models, unit of work, identity map,
//     relationship loading).
//   - tracing: OpenTelemetry spans and metrics.
//   - no migration tool or command line yet: core's MetaData.CreateAll
//     creates a schema from tables; nothing diffs or migrates one.
//
// # Errors
//
// Errors from every layer can be matched with [errors.Is] against the
// sentinels below, and a database error can be inspected with [errors.As]
// into a [*DBError] for its table, column and constraint. The driver's own
// error stays reachable: errors.As(err, &pgErr) with a *pgconn.PgError, a
// *mysql.MySQLError or a *sqlite.Error still works.
//
//	_, err := eng.Exec(ctx, stmt)
//	switch {
//	case errors.Is(err, athanor.ErrUniqueViolation):
//		var dbErr *athanor.DBError
//		errors.As(err, &dbErr)
//		return fmt.Errorf("email taken (constraint %s)", dbErr.Constraint)
//	case athanor.IsRetryable(err):
//		// serialization failure or deadlock: run the transaction again
//	}
//
// Error messages are lower-case, name the table, column and constraint at
// fault, and never contain bound values or passwords.
package athanor
