// Package bench compares Athanor with the floor (raw pgx) and with its
// peers (GORM, Bun, sqlx) in one run, as ratios. It is its own module so
// that the peers' dependencies stay out of Athanor's.
//
// # Workloads and implementations
//
// Sub-benchmarks are named <workload>/<impl>. On PostgreSQL
// (ATHANOR_PG_PRIMARY), on the models table of the go-orm-benchmarks
// schema:
//
//	ReadByPK, ParallelReadByPK (RunParallel), ReadSlice100, InsertOne,
//	InsertMulti100 (one multi-row INSERT for everyone; COPY apart as
//	pgx-copy; the paired InsertMulti100Distinct varies the rows between
//	operations), UpdateOne (row 1, which exists: RowsAffected must be 1
//	where the API reports it, and the row is read back afterwards)
//	  impl: pgx, athanor-core, athanor, gorm, bun, sqlx
//	EagerLoad (100 authors × 10 books × 3 tags, many-to-many)
//	  impl: pgx (three hand-written queries with = ANY($1)), athanor
//	  (loader.SelectIn nested), gorm (Preload("Books.Tags")), bun
//	  (Relation("Books").Relation("Books.Tags"))
//
// Wider workloads (PostgreSQL; those marked * also on MariaDB):
//
//	Stream100k*       100,000 rows in key order through each library's
//	                  streaming API (athanor: session Query.Stream, batches
//	                  of 1000; GORM Rows+ScanRows; Bun Rows+ScanRow; sqlx
//	                  Queryx+StructScan), and athanor-all (All into a
//	                  slice); metric peak-heap-B, the highest HeapAlloc
//	                  above the post-GC level in one extra, sampled pass
//	JoinedEager*      100 authors with their 10 books each: pgx one LEFT
//	                  JOIN, athanor loader.Joined (athanor-selectin for
//	                  reference); GORM Preload and Bun Relation, which
//	                  join only to-one relationships, load it in two queries
//	UpdateDetached*   row 1 written from an object built with its key, no
//	                  SELECT: athanor is a fresh session's Attach + Commit
//	                  (one UPDATE), athanor-merge Merge (SELECT + UPDATE);
//	                  the others as in UpdateOne
//	Tx3*              BEGIN, read row 1, update its counter, insert a row,
//	                  COMMIT, through each library's transaction API
//	ShardedTop100     ORDER BY amount DESC, id LIMIT 100 over 10,000 rows:
//	                  pgx and athanor on one database; pgx-2shards (both
//	                  shards queried at once, merged by hand) and
//	                  athanor-2shards (a session over a router with a
//	                  two-shard set, router.AllShards) on the main cluster
//	                  and ATHANOR_PG_SHARD2_PRIMARY
//	PgBouncerReadByPK, PgBouncerTx3
//	                  every impl directly and as <impl>-pgbouncer through
//	                  PgBouncer in transaction mode (ATHANOR_PGBOUNCER;
//	                  engine with pgbouncer=true, pgx and database/sql
//	                  with cache_describe, GORM without PrepareStmt)
//
// The throughput curve (curve_test.go): BenchmarkCurveReadByPK and
// BenchmarkCurveEagerLoad, sub-benchmarks pool=<P>/goroutines=<G>/<impl>
// for P in 4 and 16, G in 1, 2, 4, 8, 16, 32, impl athanor, pgx, bun,
// gorm; exactly G goroutines share b.N operations and one pool of P
// connections per library; metric ops/s. cmd/report draws them in
// results/curve.svg.
//
// The same on MariaDB (ATHANOR_MYSQL_PRIMARY) as BenchmarkMariaDB<workload>,
// with raw database/sql over go-sql-driver/mysql as the floor (sqlx with
// hand-written queries for EagerLoad).
//
// Under injected latency (an in-process TCP proxy adding 2 ms each way):
//
//	RouterParallelRead  primary alone (4 and 12 connections) vs primary
//	                    + 2 replicas (ATHANOR_PG_REPLICAS), 4 connections
//	                    per node, reading from the replicas only and with
//	                    router.Config.PrimaryReads; metrics reads/s,
//	                    primary-share
//	RouterReadMix       the same three routers (primary alone, replicas
//	                    only, PrimaryReads), 4 connections per node, run
//	                    in interleaved blocks; metrics reads/s and
//	                    x-primary of each, weighted-primary-share
//	Pipeline8           eight independent reads: pgx one by one,
//	                    pgx.Batch, engine one by one, engine Batch;
//	                    metric rtt (operation time in measured round trips)
//	WriteRoundTrips     InsertOne and UpdateOne for pgx, athanor-core and
//	                    the athanor session, UpdateDetached for the
//	                    session's Attach and Merge, Tx3 for pgx,
//	                    athanor-core and the session; metric rtt
//
// Paired, noise-resistant ratios (paired_test.go): BenchmarkPaired and
// BenchmarkMariaDBPaired, sub-benchmarks <workload>/<impl> for the five
// CRUD workloads above and every impl but the floor, and EagerLoad for the
// three ORMs (floor: the hand-written load, pgx or sqlx). The floor and the
// impl run in alternating, individually timed blocks (-paired.block
// operations, default 1, order ABBA) within one sub-benchmark; metric
// ratio is the median of the per-pair ratios impl/floor, with ratio-p25
// and ratio-p75; delta-ns is the impl's median time per operation minus
// the floor's; ns/op, B/op and allocs/op are the impl's alone.
//
// Each workload's first impl is the A/A control, <floor>-again (pgx-again,
// database/sql-again; EagerLoad pgx-again, sqlx-again;
// athanor-core-again): the floor's own code on a second handle opened with
// the same configuration and connection limit, so its ratio would be 1 but
// for the measurement. Each library's pool hands a sequential caller the
// same server connection every time (the most recently used one), so each
// side talks to its own server backend for the whole run, and on a
// machine whose CPUs the client shares with the server, how those
// backends happen to be scheduled can bias a whole process's ratio, by an
// amount that no number of pairs averages away and that -count (which
// repeats a sub-benchmark in the same process, on the same connections)
// repeats rather than samples anew. So read <floor>-again as the run's
// noise floor: another impl's ratio r is only known to within about
// |again − 1| of the same run (the control's bias is a sample of the same
// kind as the impl's, not the impl's own, so dividing by it corrects
// nothing), and a target t is met when r stays below t by more than that
// in several separate go test processes (cmd/report's rounds are), each
// on fresh connections.
//
// -paired.floor athanor-core makes the engine with core statements the
// floor of the CRUD workloads (the default, library, is pgx or
// database/sql; those names are accepted too, each on its own server).
// The athanor session runs on that same engine, so the two share a pool
// and a server connection, and the session's ratio is the ORM layer's own
// cost, free of the connection bias; the others (pgx or database/sql
// among them) are measured against athanor-core on their own connections
// as usual, and the control is athanor-core-again, on a second engine.
// EagerLoad keeps its hand-written floor (athanor-core has no eager
// load). Each paired benchmark prints its floor as a configuration line,
// paired-floor: <impl>, which benchstat keeps apart as it does goos: and
// cpu:.
//
// Within a workload the impls after the control run in a fixed order,
// and a pairing's ratio depends on its position (each meets the floor's
// connection after the pairings before it). -paired.rotate k rotates
// that order left by k places (EagerLoad's three ORMs alike); a
// measurement of five processes passes k = 0…4, so that each impl runs
// once in each position, and cmd/report's round r passes k = r
// (bench/README, "Order of the impls").
//
// -paired.cpu also reports each impl's client CPU against the floor's
// (cpu-ratio, cpu-delta-ns), read after every block: what a library adds
// to a pair is its own work, not waiting (bench/README, "Where a gap
// goes: client CPU").
//
// Two flags study the server connections' part in a ratio; neither is
// the default method (bench/README, "Server connections: two effects").
// -paired.fresh closes every handle's idle connections before each
// pairing, so both sides run on new ones, and collects the garbage that
// leaves before the timed pairs. -settle makes every new PostgreSQL
// connection first run one in-memory sort of over a megabyte, which
// raises the server process's malloc trim threshold as a long-running
// backend's is.
//
// The CRUD and EagerLoad sub-benchmarks also report cpu-ns/op: the
// process's CPU time (user and system, every goroutine's, the garbage
// collector's included; the database server's not) per operation. It is
// the client's cost, which bounds throughput on a busy many-core server
// where ns/op, mostly spent waiting on the database, does not; on a
// 2-vCPU machine shared with the servers it is also less noisy than ns/op.
// Much of it is the garbage collector's, so it follows B/op closely.
//
// # Fairness
//
// Every implementation gets the same database, rows and poolSize (4)
// connections, and runs its documented fast path: pgx with its statement
// cache; GORM with PrepareStmt and SkipDefaultTransaction; Bun and sqlx on
// pgx's database/sql driver (stdlib); athanor-core with statements built
// per operation (their SQL is cached by shape). The athanor entries use a
// fresh session per operation, as a request handler would — except
// UpdateOne, which keeps one session holding the loaded object and
// measures change + Commit (one UPDATE of the changed column: a flush of
// one statement needs no transaction around it).
// Each sub-benchmark runs warm-up operations (connections opened,
// statements prepared) before timing. PostgreSQL connections set
// synchronous_commit=off for everyone, so WAL flushes on the test
// machine's disk do not drown client costs.
//
// # Running
//
// With the servers of scripts/dbup:
//
//	eval "$(../scripts/dbup)"
//	go run ./cmd/report                 # runs the suite, writes results/
//	go run golang.org/x/perf/cmd/benchstat@latest results/bench.txt
//
// cmd/report runs go test -run '^$' -bench . -benchmem -count 1
// -benchtime 300x five times (rounds interleave the implementations in
// time) and writes results/bench.txt, results/report.md (median
// ns/op, B/op, allocs/op and ratio to the floor) and results/report.svg.
package bench
