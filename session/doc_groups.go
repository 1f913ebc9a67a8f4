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
// group. The session's statements are built for one dialect, the default
// group's: a statement for a group whose primary's dialect has other
// core.Features is refused before it is sent (so two groups of one server
// kind work; PostgreSQL with MariaDB does not).
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
// A query (All, First, One; not yet with loader options) whose context
// names no shard is routed by its criteria: when its WHERE restricts the
// shard key column, among its ANDed terms, to a value (Filter,
// Where(core.Eq(col, v))) or an IN list (core.In), it reads the shards of
// those values (core.ColumnValues reads the criteria). A context naming shards (router.WithShardKey,
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
// every replica of both shards paused read no stale row. For a model
// sharded by a shardkey field with generated keys: rows land on their
// tenant's shard with keys 1, 2, 3 on each, the loaded objects with equal
// keys stay distinct, Get with the tenant reads its shard once and then
// the identity map, updates, deletes and Refresh go to the object's
// shard, a changed shard key is refused; queries by Filter, Eq and IN on
// the shard key (and on the key of a model sharded by key) read exactly
// the shards of their values.
package session
