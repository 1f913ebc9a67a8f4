// This file continues the package documentation of doc.go (go/doc joins
// the package comments of a package's files): keyset pages, streams and
// bulk statements.

// # Keyset pagination
//
// Page reads one page after or before a cursor, with a condition on the
// ordering columns instead of an OFFSET, so a page costs the same
// wherever it is and rows inserted or deleted before it do not shift it:
//
//	q := session.Query[Track](s).Join("Album").OrderBy("-UnitPrice", "Album.Title")
//	page, err := q.Page(ctx, session.PageRequest{Size: 20})
//	// page.Items; page.Next ("" on the last page) is the cursor of the next:
//	next, err := q.Page(ctx, session.PageRequest{Size: 20, After: page.Next})
//	back, err := q.Page(ctx, session.PageRequest{Size: 20, Before: next.Prev})
//
// The order names columns of T or of joined to-one relationships; Page
// appends T's primary key where the order lacks it, so the order is total,
// and reads Size+1 rows to know whether a page follows. The condition is
// the expanded comparison (a < x) OR (a = x AND b > y) OR …, which mixes
// directions freely. NULLs of a nullable ordering column (or of a column
// reached through a LEFT JOIN) sort as the order item's NullsFirst or
// NullsLast say, and otherwise as larger than every value (last ascending,
// first descending) on every dialect: Page writes the NULLS order out, so
// a page's order may differ from All's on MariaDB and SQLite, whose
// default puts NULLs first ascending. A cursor is opaque base64url text
// holding the boundary object's ordering values in a typed encoding that
// round-trips them exactly (times to the nanosecond, floats to the bit,
// decimals digit for digit, NULLs) and a fingerprint of the model and
// ordering: a cursor used with another model or ordering is refused with
// an error wrapping ErrInvalidCursor. Cursors are not signed; their
// values are always bound as parameters. Conditions, joins and loader
// options apply as in All.
//
// # Streaming
//
// Stream reads a large result batch by batch, as SQLAlchemy's yield_per,
// as an iter.Seq2[*T, error]:
//
//	for b, err := range session.Query[Book](s).Filter("AuthorID", id).OrderBy("ID").Stream(ctx, 1000) {
//		if err != nil {
//			return err
//		}
//		…
//	}
//
// Memory is bounded by a batch: once the loop moves past a batch, the
// objects that batch brought into the session (its rows and what its
// loads read) leave it, as Expunge, unless they stay for a reason: the
// session held them before (they are yielded as held), the loop body
// changed them (a column against the snapshot a flush diffs, or a
// relationship), added or deleted them, or an object that stays refers to
// them. Nothing the body changed is lost: it is flushed as usual.
// Stream(ctx, n, KeepObjects) keeps every object. A loop that breaks out,
// or an error, leaves its current batch in the session.
//
// Options load relationships per batch: one statement per relationship
// (and IN-list chunk) per batch, run before the batch's objects are
// yielded (Joined options load as SelectIn, there being no row to join
// per object). Autoflush runs once, before the stream; ForUpdate and
// ForShare are refused (ErrStreamLock).
//
// Outside a transaction the stream is one statement whose rows are read
// as the loop consumes them, on a pooled connection of its own (through
// a router, a replica honouring the session's causal token); no session
// lock is held while the loop body runs, so the body may Get, Add, Load,
// Begin and Commit: those statements, and each batch's loads, take other
// connections (a pool of one connection cannot stream with loads). The
// statement sees the database as it was when it started. Breaking out
// closes the result, which reads and discards the rows the server has
// left (as database/sql and pgx do): bound the query with Limit when the
// loop may stop early. A cancelled context stops it at once; the engine
// then discards that connection instead of returning it to the pool.
//
// Inside the session's transaction (Begin, a flush's, or a caller's
// engine.Tx the session runs over) the connection is the transaction's,
// which serves one statement at a time, so the stream reads keyset pages:
// one SELECT … WHERE (order, key) > (last row's) ORDER BY … LIMIT n per
// batch, on every dialect, each under the session's read lock for that
// statement only, as Page's keyset (see Keyset pagination). The order
// must then be columns of the model (OrderBy names or core.Asc/Desc of
// them); the primary key is appended to make it total, and a nullable
// column's NULLs are placed as Page places them (as the largest value
// unless the order item says NULLS FIRST or LAST). Any other order
// (expressions, columns of joined relationships) is refused with
// ErrStreamOrder before a row is read. Pages see the transaction's own
// writes, including those flushed between pages (a row whose order
// values the body changes may then be met again, or skipped, as with any
// keyset pagination). If the transaction the stream began in ends
// (Commit or Rollback in the body, or elsewhere), the next page fails
// with ErrStreamTxEnded: no page ever runs in another transaction.
//
// # Bulk UPDATE and DELETE
//
// UpdateAll and DeleteAll run one UPDATE or DELETE over every row a query
// matches, without loading the objects, and return the rows affected:
//
//	q := session.Query[Book](s).Filter("AuthorID", 3)
//	n, err := q.UpdateAll(ctx, session.Set{"Title": "x", "Price": core.Add(q.C("Price"), 1)}, session.SyncEvaluate)
//	n, err = session.Query[Book](s).Where(core.Lt(q.C("Price"), 100)).DeleteAll(ctx, session.SyncFetch)
//
// Set keys are field or column names of T, checked against the mapping
// before anything is sent (an unknown name is mapper.ErrUnknownColumn
// naming model and name); a Go value is stored as the field stores it
// (a value the field cannot hold fails first) and bound as a flush binds
// it; a core.Expr is evaluated by the server from the row's old values.
// The statement assigns in T's field order, so its SQL text does not
// depend on the map. Refused, with ErrBulkUnsupported: a primary-key
// field, the version field (the statement increments it in every row it
// updates, unlike SQLAlchemy, so that another session's next flush of one
// of those rows fails with athanor.ErrStaleObject), a relationship, an
// expression reading a field an earlier assignment of the same statement
// sets (MariaDB evaluates assignments left to right, PostgreSQL and
// SQLite from the old row), and queries with Limit, Offset, OrderBy,
// loader options, ForUpdate/ForShare or JoinOn. Joins through
// relationships work, on a single-column key: the statement's WHERE is
// then key IN (SELECT key FROM T JOIN … WHERE …), which reads the same on
// every dialect (MariaDB 10.3 and later accept the target table in the
// subquery).
//
// The statement runs as a flush's statements do: after the autoflush, in
// the session's transaction, begun if none is open (so Commit commits it
// and Rollback undoes it and restores the objects it changed), in a
// savepoint of it when one is open (a failed statement leaves the
// transaction usable and the session unchanged). The count is the
// driver's rows affected: on MariaDB, whose DSN parsing turns
// clientFoundRows on unless the DSN sets it, an UPDATE counts the rows
// matched, as on PostgreSQL and SQLite, not only those whose values
// changed; with SyncFetch and a RETURNING clause it is the rows returned.
//
// The Sync argument says what happens to the objects of T the session
// holds (persistent ones, and deleted ones not flushed yet):
//
//   - SyncEvaluate evaluates the query's conditions in memory (with
//     core.Evaluate: SQL's NULL logic and comparison rules) against each
//     object's values as last loaded or flushed. An update puts the new
//     values (expressions such as Price+1 evaluated the same way) into the
//     matching objects and their snapshots, so the next flush does not
//     write them again; a delete makes them leave the session, Detached as
//     after a flush deletes them (they are not deleted again). Conditions
//     or values it cannot evaluate exactly fail with an error wrapping
//     core.ErrNotEvaluable and naming the expression kind, before the
//     statement is sent: joins, subqueries, most functions, text
//     orderings and case-dependent text equality (which follow the
//     server's collation), integer division, arithmetic on NUMERIC
//     columns. Use SyncFetch for those.
//   - SyncFetch reads the affected keys from the server: UPDATE/DELETE …
//     RETURNING the key and the assigned columns where the dialect has it
//     (PostgreSQL, SQLite; MariaDB for DELETE), else (MariaDB's UPDATE)
//     SELECT … FOR UPDATE of the keys first, the UPDATE by key, and a
//     SELECT of the assigned columns of the rows whose objects are held.
//     Objects held for affected rows take the values the server wrote (a
//     delete's leave the session). With no object of T held, the plain
//     statement runs.
//   - SyncAuto is SyncEvaluate, falling back to SyncFetch where evaluation
//     fails.
//   - SyncNone changes nothing in memory: objects held for affected rows
//     are stale (old values, old version, deleted rows' objects still
//     persistent) until refreshed, expunged or the session ends.
//
// With Options.NoAutoflush, an object may hold an unflushed change to a
// field the update assigns: the field keeps it, and its snapshot takes
// the database's new value, so the next flush writes the change over the
// bulk value. Loaded relationships of held objects are not changed: a
// deleted object stays in the collections that held it until they are
// reloaded. Per-object ORM events
// (before/after update or delete) do not run for bulk statements, as in
// SQLAlchemy; the database's ON DELETE actions apply, not the mapper's
// cascades.
package session
