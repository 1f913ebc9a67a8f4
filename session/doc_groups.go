// This file continues the package documentation of doc.go (go/doc joins
// the package comments of a package's files): several bind groups and
// shards.

// # Several bind groups
//
// Over a router the session's transaction is one transaction per bind
// group (router.Config.Binds, filled from the models' bind: tags), each
// on its group's primary, begun with the options of Options.Tx when the
// transaction first runs a statement on a table of that group: Begin
// itself sends nothing. The flush sends its statements in its usual
// foreign-key order, each to its table's group's transaction, so keys
// are copied across groups as within one (a User in group "users", its
// Orders in group "orders": the orders' user_id is the user's generated
// key). Foreign keys between groups cannot exist in the databases; the
// mapping's relationships may cross them, and a cycle of models is
// refused by the flush whether or not it crosses groups. Reads in the
// transaction (Get, queries, Load, QueryFunc, locking reads) run in the
// transaction of their table's group, so they see its uncommitted
// writes, and begin it if it is not open yet; outside a transaction, a
// relationship load whose statements span groups runs as one batch per
// group.
//
// The groups may be of different dialects (a PostgreSQL default group,
// a model bound to a MariaDB group). Each group's engine compiles the
// statements sent to it for its own dialect, and the flush shapes each
// table's statements by the features of its group's dialect: RETURNING
// or the auto-increment key, unnest arrays only where the server has
// them, VALUES () for rows of defaults, the parameter limit of one
// statement. A statement is checked, before it is sent, by the compiler
// of its first table's group; relationship loads over a router of
// several dialects send key lists as bound parameters in chunks, which
// every dialect takes. Values convert through each group's driver, and
// an identity key is the model's and its key's, whichever server holds
// the row.
//
// Committing several groups is not atomic: there is no two-phase commit.
// Commit commits the groups one after another, in a documented order:
// the groups the transaction only read first (in the order begun; their
// failure costs no write), then those it wrote, in the order they were
// first written. The flush writes parents before children, so when the
// rows come from one flush a parent's group commits before its
// children's, and a failure leaves no committed row referring to one
// that was not (across several flushes the first write decides). When a COMMIT fails before any
// written group committed, the other groups are rolled back and the error
// is that of a single transaction's failed commit. When it fails after
// one did, Commit returns a *PartialCommitError (match it with
// errors.As) that lists the groups Committed (their causal token is
// merged into the session's Token, and their objects are persistent),
// the group of Unknown outcome when the COMMIT's answer was lost (the
// error then matches athanor.ErrOutcomeUnknown, and its objects follow
// "Unknown outcomes": the ones it was to insert leave the session), and
// the groups RolledBack (the failed one when the server refused its
// COMMIT, and every group after it), whose objects are restored as after
// a failed commit: inserted ones pending again (ones only reached by a
// cascade transient, found again by the next flush's cascade), changed
// ones with their changes pending. Committing again writes what the
// rolled-back groups held, and nothing twice.
//
// Because a partial commit cannot be undone, writing to a second group is
// opt-in: Options.MultiGroup. Without it (the default) a statement that
// would write to a group other than the one the transaction wrote to
// fails with ErrMultiGroup (which matches router.ErrCrossGroup) before it
// is sent, and the flush is rolled back as on any error; once the
// transaction has begun in a group, plain reads of other groups go
// through the router as outside a transaction. A transaction in any
// single group, the default one or not, commits as one.
// SQLAlchemy's Session commits several binds in order by default; this
// session asks for the choice to be made, since the failure it allows
// needs handling (a *PartialCommitError) that code written for one
// database does not have.
//
// Savepoints (Begin inside the transaction, and each flush inside it)
// span the groups: a SAVEPOINT is set in every open group, and a group
// first used inside a savepoint belongs to it, so rolling the savepoint
// back rolls back that group's whole transaction (it begins again when
// next used). RunInTx retries the whole function when any group fails
// with a retryable error before a commit, and never after a
// *PartialCommitError.
//
// This is tested on two databases of each of PostgreSQL, MariaDB and
// SQLite (a commit over both groups; a partial commit forced by a
// foreign key checked at COMMIT, DEFERRABLE INITIALLY DEFERRED, on
// PostgreSQL and SQLite, and by a connection killed before COMMIT on
// PostgreSQL and MariaDB, with the rows checked on each server by
// hand-written SQL), and across dialects: PostgreSQL with MariaDB (either
// one the default group), PostgreSQL with SQLite and MariaDB with SQLite,
// flushing inserts with server-generated keys, updates and deletes,
// loading relationships across the groups, and Get returning the loaded
// object.
//
// # Shards
//
// A model whose table is in a router shard set (router.ShardConfig.Tables)
// is sharded: each object's row is on the shard its primary key chooses
// (the set's Choose, router.HashShard by default). The shard key is the
// primary key, of one column, set by the application before the flush: a
// key the database would generate cannot choose the shard, and a flush of
// such an object fails. Since the key determines the shard, an identity
// key (model and primary key) names one shard's row.
//
// A flush sends each INSERT, UPDATE and DELETE of sharded objects to
// their shard, grouping rows by shard (a multi-row INSERT or a DELETE by
// key list is split per shard). A shard is a bind group: the flush runs
// in that shard's transaction, as under "Several bind groups", and a
// commit that would write to two shards is refused before the second
// shard's statement is sent with ErrCrossShardWrite, which matches
// router.ErrCrossShard, and the flush is rolled back. Options.MultiGroup
// opts in: each shard's transaction then commits in turn, not atomically
// (a failure part-way is a *PartialCommitError).
//
// Reads name their shards through the context, as the router does:
//
//	o, err := session.Get[Order](ctx, s, id) // id's shard only
//	os, err := session.Query[Order](s).Filter("UserID", u).All(router.WithShardKey(ctx, id1, id2))
//	top, err := session.Query[Order](s).OrderBy("-Amount", "ID").Limit(10).All(router.AllShards(ctx))
//
// Get and Refresh go to the shard of the object's key. A query goes to
// the shard of the context's key (router.WithShardKey), and without one
// is refused (router.ErrNoShardKey). A query whose context names several
// shards (keys of several shards, or router.AllShards) reads them
// concurrently through router.ShardSet.Query, which merges their rows on
// the ORDER BY terms and applies LIMIT and OFFSET across shards (see
// there for how values compare: order text with a binary collation);
// the objects are the identity map's, as for any load. Such a read runs
// outside transactions: while the session has one open it is refused
// (router.ErrCrossShard); commit first. It scans the shards' values with
// router.ShardRows.Scan, which takes a field of the value's type or one
// it converts to without loss. Count over several shards is refused
// (router.ErrCrossShard: each shard would count its own rows). Exists,
// Page, Stream, loader options (eager loads) and relationship loads are
// not supported for sharded models over several shards.
//
// Each shard has its own causal positions: the session's token after a
// commit carries each written shard's (a single-statement commit takes
// its shard's token, router.Router.GroupForContext), so a session
// carrying it reads its writes on every shard even from lagging replicas.
//
// This is tested on PostgreSQL (two clusters, each with a replica),
// MariaDB (two databases on one server, with its replica) and SQLite (two
// files): rows land on their key's shard, Get, Refresh and a keyed query
// read one shard, a commit over two shards is refused, all-shard queries
// with ORDER BY, LIMIT and OFFSET match one database holding every row;
// and, on PostgreSQL, 120 write-then-read trials through sessions with
// every replica of both shards paused read no stale row.
package session
