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
// is sharded: each object's row is on the shard its shard key chooses
// (the set's Choose, router.HashShard by default). The shard key is the
// field tagged shardkey (see package mapper), or, without one, the
// single-column primary key. Either is set by the application before the
// flush, which fails otherwise naming the model and field: a value the
// database would generate cannot choose the shard. With a shardkey field
// the primary key may be generated (serial, auto-increment) by each
// shard's database, so it is unique on one shard only, and the identity
// key of such a model is its primary key and its shard key's value, which
// names the shard: rows with equal keys on two shards are two objects.
// (With the primary key as shard key, the identity key is the primary key
// alone, as for any model.) A persistent object's shard is that of the
// shard key it was loaded or written with; changing the field and
// flushing fails with ErrShardKeyChanged (moving a row between shards is
// not one UPDATE: delete it and add a new object).
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
// Reads name their shards through the context, as the router does, or
// through their criteria:
//
//	o, err := session.Get[Order](ctx, s, id) // sharded by key: id's shard only
//	n, err := session.Get[Note](router.WithShardKey(ctx, tenant), s, id) // sharded by TenantID
//	ns, err := session.Query[Note](s).Filter("TenantID", tenant).All(ctx) // tenant's shard only
//	os, err := session.Query[Order](s).Filter("UserID", u).All(router.WithShardKey(ctx, id1, id2))
//	top, err := session.Query[Order](s).OrderBy("-Amount", "ID").Limit(10).All(router.AllShards(ctx))
//
// Get of a model sharded by its primary key goes to the key's shard. Get
// of a model sharded by another field needs that field's value, one, in
// the context (router.WithShardKey): it looks the object up by key and
// shard key, and reads that shard with both in the WHERE; without one
// value (none, several, or router.AllShards) it fails with
// router.ErrNoShardKey, naming the field. Refresh, and the flush's UPDATE
// and DELETE, go to the shard of the object's shard key.
//
// A query (All, First, One, Count,
// Exists) whose context names no shard is routed by its criteria: when
// its WHERE restricts the shard key column, among its ANDed terms, to a
// value (Filter, Where(core.Eq(col, v))) or an IN list (core.In), it
// reads the shards of those values (core.ColumnValues reads the
// criteria); Page and Stream take their shards from the context. A context naming shards (router.WithShardKey,
// router.AllShards) wins over the criteria, which still filter the rows on
// the shards it names. Criteria under OR or NOT, or comparing the column
// with anything but bound values, name no shard, and a query with neither
// a key in its context nor such criteria is refused
// (router.ErrNoShardKey). A query that names several shards reads them
// concurrently through router.ShardSet.Query, which merges their rows on
// the ORDER BY terms and applies LIMIT and OFFSET across shards (see
// there for how values compare: order text with a binary collation);
// the objects are the identity map's, as for any load. Such a read runs
// outside transactions: while the session has one open it is refused
// (router.ErrCrossShard); commit first. It scans the shards' values with
// router.ShardRows.Scan, which takes a field of the value's type or one
// it converts to without loss. Count, Exists, Page, Stream and
// relationship loads over several shards are described below.
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
// every replica of both shards paused read no stale row. For a model
// sharded by a shardkey field with generated keys: rows land on their
// tenant's shard with keys 1, 2, 3 on each, the loaded objects with equal
// keys stay distinct, Get with the tenant reads its shard once and then
// the identity map, updates, deletes and Refresh go to the object's
// shard, a changed shard key is refused; queries by Filter, Eq and IN on
// the shard key (and on the key of a model sharded by key) read exactly
// the shards of their values.
//
// Over several shards (outside transactions, like All; inside one they
// are refused with router.ErrCrossShard):
//
//   - Count runs COUNT(*) on each shard concurrently and sums the counts
//     (a row is on one shard); the query's Offset and Limit then cut the
//     sum as they would cut the merged rows. Exists runs one EXISTS per
//     shard and is true when any shard answers true (under Limit or
//     Offset it is Count's answer, not zero).
//   - Page reads its keyset page (the cursor's WHERE, the order, LIMIT
//     Size+1) on every shard, merged as All merges: the pages, their
//     HasNext and HasPrev and their cursors are those of one database
//     holding every row, and a cursor stays valid across the shards. The
//     order must be of columns of the model (a merge key must be a
//     result column; a joined column fails with router.ErrShardMerge).
//   - Stream reads keyset pages of one batch, each one merged read of
//     every shard (LIMIT batch on each), the next page after the last
//     object yielded: the objects come in the merged order, memory holds
//     at most the shards times the batch rows, and each shard is read
//     about rows/batch times. Its order must be of columns of the model
//     (ErrStreamOrder), as inside a transaction.
//   - Loader options: the objects are read merged (the plan's column
//     options applied), then their relationships are loaded as
//     Session.Load loads them. A relationship load's statement on tables
//     of a shard set runs on each shard the owners are on (the shards the
//     query read; a lazy Load's owners' shards), with every owner's key
//     in its IN list, and the rows of those shards are grouped under
//     their owners; a statement on an unsharded table (in its bind group,
//     the default group without a bind: tag) runs once. So SelectIn and
//     Load from a sharded model to a sharded child of the same set find
//     the children on their parent's shard; keep a child on its parent's
//     shard (the set's Choose) for a collection's OrderBy and Limit to
//     hold, since each shard orders and limits its own rows. A Joined
//     relationship over several shards is loaded this way too (one SELECT
//     per shard, not a join); on one shard (router.WithShardKey) a join
//     within the set runs there as a join, and a Joined relationship to
//     an unsharded model is loaded after the objects, in its group. From
//     an unsharded model to a sharded one, SelectIn and Load read every
//     shard of the set; a collection then holds its members shard by
//     shard (each shard's in the collection's order), not in one merged
//     order. Refused, naming the model and relationship: Joined from an
//     unsharded model into a sharded table (router.ErrCrossGroup: a join
//     cannot span databases), and a load from a sharded model to a table
//     of another shard set (router.ErrCrossShard). A load statement
//     joining a sharded table with a table outside its set is refused
//     (router.ErrCrossGroup). A Page cursor's joined ordering values are
//     read on the object's shard.
//   - Every shard's read carries the session's causal token, so
//     read-your-writes holds on each shard for all of the above.
//
// These are tested on PostgreSQL, MariaDB and SQLite with two shards and
// an unsharded default group, against hand-written SQL on each shard and
// a database holding every row: Count and Exists with filters, Limit and
// Offset; forward and backward page walks with four orders (items and
// cursors equal to the single database's); streams with three orders,
// Limit and Offset (the merged order, one read per shard per batch,
// earlier batches gone from the session); SelectIn and Joined of a
// co-located child and of an unsharded parent, SelectIn from the
// unsharded model through two sharded levels, lazy Load in those three
// directions, one-shard queries with loads, a stream and a page with
// loads; and, on PostgreSQL with both shards' replicas paused, 40 trials
// of writes on both shards read back by Count, Exists, Page, Stream,
// SelectIn and Load through sessions carrying the writer's token.
package session
