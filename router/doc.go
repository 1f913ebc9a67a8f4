// Package router owns the routing of statements among databases: named
// bind groups, each a primary and its replicas; the choice of node for each
// statement; causal tokens that make a caller read its own writes; and the
// health and lag monitor that takes failing or lagging replicas out of
// service and puts them back.
//
// It routes on what a statement is (core.Statement.Writes and Tables),
// never on SQL text: INSERT/UPDATE/DELETE (RETURNING or not), locking
// SELECTs, data-modifying CTEs and Raw SQL not marked ReadOnly go to the
// primary, as does everything in a read-write transaction; plain reads go
// to a replica chosen by a Policy (RoundRobin, LeastLag, LeastInFlight,
// LeastLoaded or your own), and with Config.PrimaryReads to the primary
// too (see below). A statement's tables pick its bind group (Config.Binds);
// tables of two groups in one statement or transaction are an error
// (ErrCrossGroup). It owns no connections or SQL: each node is an
// engine.DB.
//
// # Read your writes
//
// Every commit on a primary has a position (PostgreSQL: a WAL LSN;
// MariaDB: a GTID position; MySQL: a GTID set). Positions are the
// dialect's: the router asks a group's primary dialect for its
// core.Replication (the queries, the parsing, the order), and a dialect
// without one (SQLite) has no positions, so reads there wait for nothing.
// A Token holds, per group, the position a reader must see. Tokens come from Tx.Token after Commit,
// from a Tracker (Track) that records the writes made through a context,
// or from a client (ParseToken of Token.String, for a cookie or header).
// A read carrying a token goes only to a replica that has replayed up to
// it; if none has, the router waits up to Config.CausalWait for one
// (PostgreSQL: polling the replay LSN; MariaDB: MASTER_GTID_WAIT; MySQL:
// WAIT_FOR_EXECUTED_GTID_SET) and then reads from the primary.
//
// The position is asked of the primary after COMMIT. Should that fail,
// the commit still succeeds (the write is committed; an error would
// invite a retry that writes twice) and its token holds PrimaryPosition
// for the group: no replica covers it, so reads carrying it go to the
// primary at once, until a later commit's position replaces it.
//
// # Reads on the primary
//
// By default the primary serves reads only when no replica is in service
// (ReasonNoReplica) or a causal token demands it (ReasonFallback). With
// Config.PrimaryReads the primary is a candidate for every read beside
// the replicas in service, and the Policy chooses among them all (IsPrimary
// tells it which is the primary); the default Policy is then LeastLoaded:
//
//	r, _ := router.New(router.Config{
//		Groups:       []router.GroupConfig{{Primary: primary, Replicas: replicas}},
//		PrimaryReads: true, // Policy: LeastLoaded
//	})
//
// LeastLoaded sends a read to the node with the fewest statements in
// flight per pooled connection (Load: the router's count, waits for a
// connection included, over the engine's MaxConns). The primary's count
// takes in its writes and read-write transactions, and it wins only when
// strictly less loaded than every replica: an idle router reads from the
// replicas, a primary with room takes reads once they are busy, and a
// primary busy with writes leaves the reads to them. The primary has
// every commit, so a read carrying a causal token that no replica has
// reached goes to it at once rather than waiting CausalWait, and a
// read-only transaction may begin there. Reads the policy gives the
// primary are reported with ReasonPrimaryByPolicy; like every read on the
// primary they have no ReadTimeout bound and are not retried elsewhere.
// A primary reported down (Group.PrimaryStatus) is no candidate.
//
// This is tested on PostgreSQL 15 (a primary and 2 replicas) and MariaDB
// 10.11 (a primary and 1 replica): long reads started one after another
// fill the nodes in turn, the primary included, and skip a primary with
// two writes in flight until the replicas are as loaded; 16 concurrent
// readers give the primary a share of the reads, each served where its
// decision says (the server is asked), and none without the option; with
// every replica paused, 200 write-then-read trials from 8 concurrent
// writers and a read-only transaction read their writes from the
// primary, without waiting. Under 2 ms of injected latency per node,
// bench's BenchmarkRouterReadMix compares the read throughput of the
// primary alone, the primary with two replicas, and the same with
// PrimaryReads (figures in bench/README.md).
//
// # Health and lag
//
// A monitor goroutine (stopped by Close) samples the primary's position and
// every replica's replay position each HealthInterval. A replica's lag is
// the age of the newest primary sample it has reached, so an idle primary
// does not make an up-to-date replica look late. A replica that fails a
// probe, or a read with a connection error, is out of service until a
// probe succeeds; one whose lag exceeds MaxLag gets no reads until it
// catches up.
//
// A read that fails on a replica with a connection error before any row
// reached the caller is retried on another replica or the primary; writes
// never are. This holds on every read path, and so for the session and
// loader reads built on them: Query, QueryFunc and QueryRow read the first
// row before handing the result on, so a replica lost while the result
// streams in is retried too; a read's Exec and a read-only Batch hand on
// nothing before they complete. Once rows have been handed
// out (Query returned, QueryFunc's fn called) an error is the caller's.
// Each attempt on a replica is bounded by Config.ReadTimeout (default 5s)
// up to its first row: a frozen replica (SIGSTOP, a network that stops
// forwarding) holds a read no longer than that; the attempt is cancelled,
// its connection destroyed, the replica taken out of service until a
// probe answers, and the read retried elsewhere. The caller's context
// bounds the whole read. A read-only Tx on a replica is bounded the same
// way, at its BEGIN and at each statement's first answer; until a
// statement has run in it, it moves to another node (see Tx).
//
// An error that is the caller's — raised before anything was sent, such as
// a MariaDB parameter over max_allowed_packet, or the server's refusal of
// a statement — is returned as it is: the replica stays in service and the
// read is not sent elsewhere. A nil context is refused with
// engine.ErrNilContext.
//
// A causal token whose position is of another kind than its group's
// replication (a PostgreSQL LSN for a MariaDB group) is refused with
// ErrInvalidToken: no replica can be known to have reached it.
//
// # Failover
//
// The router does not promote a standby; it finds the primary that a
// failover (pg_ctl promote, pg_promote(), an operator or a tool) has made.
// Give the group's primary engine every candidate host, and let the
// driver pick the writable one on each new connection:
//
//	postgres://app@db-a:5432,db-b:5432/shop?target_session_attrs=read-write&connect_timeout=2
//
// A write, or a statement of a read-write transaction, that loses its
// connection to the primary or is refused as read-only (a demoted
// primary, a standby: athanor.ErrReadOnly) makes the router drop every
// pooled connection of the primary's engine (engine.DB.ResetPool), so the
// next statements connect afresh and reach the new primary as soon as it
// accepts writes. Until then writes fail at once, each with an error
// matching ErrNoPrimary — nothing was applied, so sending it again later is
// safe — or, when the connection was lost after the write was sent,
// athanor.ErrOutcomeUnknown: it may have committed. Writes are never retried
// by the router. The monitor's probe of the primary's position drops the
// pool the same way when the primary stops answering as one, and
// Group.PrimaryStatus reports the primary down from such a failure until a
// write or a probe succeeds. Decisions (Decision.Node), ErrNoPrimary and
// Group.PrimaryStatus name the server that is the primary, not the first
// host of the DSN: a dialect whose servers tell the address a connection
// reached (core.ServedAddress: PostgreSQL's inet_server_addr and
// inet_server_port) is asked by the monitor's first successful probe of
// the primary (in a group with replicas), and again after each reset of
// its pool, by the monitor or by the next write or read-write
// transaction before its decision is made; should that question find no primary, the write fails there with
// ErrNoPrimary, nothing of it sent. Until asked, and for a server that
// tells no address (a Unix socket), the name is the configured one; while
// no primary answers, errors name the last primary known. Reads go on
// meanwhile on the replicas that stay up; a replica that streams from the promoted standby (a cascading
// standby) keeps serving them across the switch. Bound connection attempts
// with connect_timeout: a host that does not answer at all holds each new
// connection that long.
//
// This is tested on PostgreSQL 15 (integration/failover, with the trio of
// scripts/dbup-failover): eight writers and eight readers across a primary
// stopped and a standby promoted, where no read fails, every write reported
// committed is on the new primary, none refused with ErrNoPrimary is, and
// writes succeed again well within ten seconds of the promotion; and
// decisions, errors and PrimaryStatus name the first host while it is
// the primary, the stopped one in the errors while none is, the
// promoted one after, and a router started after the failover names the
// promoted one from its first probe.
//
// # Shards
//
// A shard set (Config.Shards, ShardConfig) spreads the rows of its tables
// over several bind groups, the shards, by a key: each shard is a group
// like any other, a primary and its replicas with its own position in
// causal tokens, so read-your-writes holds per shard through the same
// Tracker and Token. ShardConfig.Choose maps a key to a shard; the
// default, HashShard, hashes integers by value and strings and bytes by
// their bytes. The caller states the key through the context:
//
//	orders := r.ShardSet("orders")
//	kctx := router.WithShardKey(ctx, userID)
//	orders.Exec(kctx, insertOrder)             // on userID's shard
//	rows, _ := orders.Query(kctx, byUser)      // that shard only
//	rows, _ = orders.Query(router.WithShardKey(ctx, a, b), q) // a's and b's shards
//	rows, _ = orders.Query(router.AllShards(ctx), top10)        // every shard, merged
//	g, _ := r.Shard("orders", userID)          // the shard as a *Group
//
// A sharded read without a key is refused (ErrNoShardKey) rather than sent
// to every shard; AllShards asks for that. A read on several shards runs
// on them concurrently (ShardConfig.MaxConcurrent at once) and merges
// their rows: a k-way merge of the sorted streams on the ORDER BY terms,
// then OFFSET and LIMIT (see ShardSet.Query for how values and NULLs
// compare; strings compare in byte order, so order text merge keys with a
// binary collation). A write or a transaction whose keys span shards is
// refused with ErrCrossShard; ShardSet.BeginMulti opts into a MultiTx, a
// transaction per shard committed one after another in shard order: not
// atomic. A failed COMMIT returns a *MultiCommitError listing the shards
// Committed (its Token covers them), the failed one (RolledBack when the
// server refused the COMMIT, Unknown when its answer was lost) and the
// later ones RolledBack; it matches ErrPartialCommit when a shard
// committed. This is tested with a foreign key checked at COMMIT
// (PostgreSQL, on two clusters, and SQLite) and a connection killed
// before COMMIT (MariaDB), failing the first or the second shard, with
// each server's rows checked.
// The set's tables (ShardConfig.Tables) are routed by key through the
// Router itself too: Router.Exec, Query, QueryFunc, QueryRow and Batch send
// a statement on them to the one shard of the context's key
// (GroupForContext), and refuse it without a key or with keys of several
// shards. Transactions on a shard begin with ShardSet.Begin or a shard's
// Group.Begin; Router.Begin stays in the default group. Router.ShardSetOf
// tells the set of a table (nil for one not sharded), ShardSet.Has whether
// a group is one of its shards; the session package uses them to shard
// its models (see "Shards" in its doc).
//
// This is tested on PostgreSQL 15 with two clusters (the main one and
// scripts/dbup-shard's): rows land on their key's shard, a read by key
// reaches one shard, all-shard reads with ORDER BY, LIMIT and OFFSET over
// integers, floats, strings, times and NULLs equal the same read on one
// database holding every row, and 200 write-then-read trials with every
// replica of both shards paused never read stale.
//
// # Observability
//
// Every decision (group, node, role, reason, lag, causal wait) goes to
// Config.Observer, where tracing and metrics plug in, before the
// statement runs; the statement then runs on the chosen node with the
// context the Observer returned, so the node's engine hooks find what the
// Observer put there. MultiObserver combines several. WithDecision
// captures one decision for tests and debugging.
//
// # Smallest use
//
//	primary, _ := engine.Open(ctx, "postgres://app@db-primary/shop")
//	replica, _ := engine.Open(ctx, "postgres://app@db-replica/shop")
//	r, _ := router.New(router.Config{Groups: []router.GroupConfig{
//		{Name: router.DefaultGroup, Primary: primary, Replicas: []*engine.DB{replica}},
//	}})
//	defer r.Close()
//	ctx, tr := router.Track(ctx)
//	r.Exec(ctx, core.Insert(users).Columns(users.C("name")).Values("ada"))
//	r.QueryRow(ctx, core.Select(core.Count(core.Star())).From(users)).Scan(&n) // sees ada
//	tok, _ := tr.Resolve(ctx) // tok.String() for the next request
package router
