// Package athanor is the root of the Athanor ORM module. It holds the
// vocabulary of errors shared by every layer — the sentinels and the
// [*DBError] type that the dialects classify driver errors into — the
// exact [Decimal] type, and this overview. It imports nothing from the
// module, so any package may use it.
//
// # Module overview
//
//   - core: schema metadata (Table, Column, keys, indexes) and the statement
//     AST; statements are immutable values compiled per dialect.
//   - dialect/postgres, dialect/mysql, dialect/sqlite: SQL compilers, DDL
//     and value conversions for binding and scanning; they link no driver.
//   - driver/pgxdriver, driver/mysqldriver, driver/sqlitedriver: the
//     drivers the engine runs on (import the ones a program uses), with
//     error classification (each has a Classify function returning the
//     kinds defined here).
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
//
// # Decimals
//
// Policy: NUMERIC/DECIMAL values never go through float64. [Decimal] holds
// a number as its decimal text, binds as text (the server parses the
// digits) and scans the server's text back unchanged:
//
//	type Track struct {
//		ID        int64
//		UnitPrice athanor.Decimal `athanor:",type:numeric(10,2)"`
//	}
//	t.UnitPrice = athanor.MustDecimal("0.99")
//
// PostgreSQL and MySQL/MariaDB compute on such columns exactly: SUM of
// 0.10 and 0.20 scans as "0.30". SQLite has no decimal type: the column is
// TEXT, a value reads back exactly as written, but comparisons are text
// comparisons (CAST the column to NUMERIC for numeric order) and SUM/AVG
// are computed in binary floating point, which [Decimal.Scan] turns into
// the shortest decimal of that float: for money, ROUND(SUM(x), 2)
// recovers the exact cents of ordinary sums, but SQLite promises nothing
// beyond what a float64 carries. Other decimal types work
// too (any sql.Scanner/driver.Valuer, pgx's pgtype.Numeric): see the
// mapper package.
package athanor
