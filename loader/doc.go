// Package loader loads relationships of mapped objects without N+1
// queries. It owns the load strategies a query can ask for, the plan they
// compile to, the SQL of each relationship load (IN lists, = ANY($1),
// LEFT OUTER JOINs, ROW_NUMBER() windows for top-N per parent), the
// grouping of related rows under their owners, and the N+1 detector. It
// does not own objects: every row goes through the session's identity map,
// key first, so a row reached by two paths is one object, a
// loaded row never overwrites unflushed changes, and a row whose object
// the session holds costs no object; only new objects are scanned in full
// and published into it. It runs no SQL itself: the session runs
// statements on its backend or transaction: the session is the Host a
// Plan runs on (Plan.Run, Plan.Load), and objects pass between the two as
// mapper.Refs.
//
// # Smallest use
//
//	authors, err := session.Query[Author](s).
//		Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).
//		All(ctx) // 3 statements: authors, their books, the books' tags
//
// # Strategies
//
//   - SelectIn (the default eager strategy): one SELECT per relationship
//     and depth, WHERE key IN (…) over the owners' keys. On PostgreSQL the
//     keys are one array parameter (= ANY($1)), so any number of owners
//     fits in one statement; on MySQL/MariaDB (65,535 parameters per
//     statement) and SQLite (32,766) the keys go in IN lists of at most
//     ChunkSize (10,000) values. A composite key (several columns) is
//     matched row by row, (c1 = ? AND c2 = ?) OR …, on every dialect, in
//     chunks of ChunkSize values. A many-to-many joins its association
//     table on every key column, composite keys on either side included.
//     OrderBy orders each collection; Limit(n) keeps the first n
//     per owner with ROW_NUMBER() OVER (PARTITION BY key ORDER BY …), in
//     the same single statement.
//   - Joined: the relationship comes in the owners' statement through a
//     LEFT OUTER JOIN on an aliased table (self-references work): a to-one
//     relationship (many-to-one, one-to-one), or a collection (one-to-many;
//     many-to-many, joining its association table too). Joined children
//     join too; SelectIn children run after, over the distinct joined
//     objects. A collection repeats its owner once per member; the scan
//     keeps each owner once and each member once per owner, and the rows
//     are ordered by the query's order, then the owner's key, then each
//     collection's OrderBy and key. A query with LIMIT or OFFSET (First
//     and One too) becomes a derived table the collections join, as in
//     SQLAlchemy, so the bounds count owners and collections are whole.
//     Limit on a joined collection joins a LATERAL subquery per owner,
//     where the server has LATERAL (core.Features.Lateral: PostgreSQL,
//     MySQL 8); a SelectIn with Limit takes no joined collection under it
//     (ErrJoinedCollection).
//   - Lazy: Go cannot intercept field access, so a lazy load is the
//     explicit Session.Load(ctx, obj, "Books"), which loads the
//     relationship for obj and every other object of its type in the
//     session lacking it, in one statement.
//   - Raise: objects a query loads with Raise refuse Session.Load of
//     relationships the query did not plan (ErrUnplannedLoad, naming
//     model and relationship).
//
// Nested paths are children (SelectIn("Books", SelectIn("Tags"))) or
// dotted ("Books.Tags"); options naming the same relationship merge, so
// sibling and nested paths share statements. A relationship already
// loaded on an owner (by an earlier query, Load or flush) is not loaded
// again: its current members feed the next depth.
//
// An association proxy (mapper.Proxy, Book.Tags over BookTags.Tag) may be
// named in a path: it stands for its two relationships, both loaded with
// the option's strategy (SelectIn("Tags") is SelectIn("BookTags.Tag"),
// Joined("Tags") joins both), and the session fills the proxy from them.
//
// # Column options
//
// Column options choose the fields a query loads (SQLAlchemy's
// load_only, defer, undefer, undefer_group), for the query's model or,
// through a dotted path or as methods of a relationship option, for the
// objects a relationship loads:
//
//	session.Query[Article](s).Options(loader.LoadOnly("Title"), loader.Undefer("Body"),
//		loader.UndeferGroup("text"), loader.Defer("Summary"))
//	session.Query[Author](s).Options(loader.SelectIn("Books").LoadOnly("Title"),
//		loader.Joined("Publisher").Undefer("Logo"))
//	session.Query[Author](s).Options(loader.SelectIn("Books"), loader.Defer("Books.Body"))
//
// Options apply in order to the model's default load (every field not
// tagged deferred): LoadOnly keeps the named fields only, Defer drops
// some, Undefer and UndeferGroup add deferred ones. Fields are Go or
// column names, columns or computed fields (see package mapper). The
// primary key and the keys of the model's relationships are always
// loaded; deferring one is ErrKeyColumn. A dotted path must name a
// relationship that an option of the query loads (ErrNotLoadedPath);
// unknown fields and groups wrap mapper.ErrUnknownColumn. Plan.Fields
// gives the fields a plan loads of its own model. A row whose object the
// host holds leaves that object as it is, except that a host
// implementing FillHost (the session) fills the deferred and computed
// fields the object lacks from the row (see "Deferred columns" in
// package session).
//
// # Concurrency
//
// The statements of one depth — sibling relationships, their IN-list
// chunks, and cousins under other relationships — do not depend on each
// other and go to the session as one batch, and the engine decides how
// (engine.DB.Batch): one pipelined round trip on PostgreSQL, a bounded
// errgroup fan-out over pooled connections on MySQL/MariaDB, one after
// another on SQLite; over a router the batch is a read on one replica
// that honours the session's causal token. Inside a transaction they run
// one at a time on its connection.
//
// # N+1 detection
//
// A Session.Load that finds only its own object lacking the relationship
// is a per-object load; Detector counts them per relationship and call
// site and reports the pattern (Report) from the second one on. The
// session passes reports to Options.OnNPlusOne, and under Options.Strict
// fails the load with ErrNPlusOne.
//
// # Criteria
//
// A Host that implements FilteredHost gives each model's criteria (the
// session's global filters) for a table or alias: a relationship load
// ANDs the target model's to its WHERE (on the target table of a
// many-to-many, inside the ROW_NUMBER() window's subquery for Limit), and
// each Joined relationship's to its LEFT OUTER JOIN's ON, so an owner
// whose related row is excluded gets no related object. Plan.SelectContext
// is Plan.Select with the Joined criteria for the owners' statement; the
// owners' own criteria are the caller's. A criterion error fails the load,
// naming the relationship.
//
// A relationship to a model of a mapped hierarchy (mapper.Inheritance)
// loads that model's rows only: a SelectIn load joins a joined-table
// subtype's own table and adds the discriminator criterion
// (mapper.Model.Restrict), a Joined one adds the criterion to its ON.
// Joined loading of a joined-table subtype is not supported (its own
// columns are in another table): use SelectIn.
//
// An interface-typed relationship (mapper.PolyRelation, Garage.Vehicles
// []Vehicle) is not planned by Compile: its targets are objects of
// several models. SplitPoly takes the options naming one out of a
// query's options (a PolyLoad each; "Vehicles.Loads" is
// SelectIn("Vehicles", SelectIn("Loads"))) for the session to run (see
// session's "Inheritance"); PolyLoad.For gives the children that apply
// to one model of the hierarchy (those naming a relationship it has; a
// child no model has is ErrNoRelation). Joined, Limit, OrderBy and column
// options of such a relationship, and naming it below an ordinary
// relationship, are ErrPolyRelation.
//
// # Observing loads
//
// A Host that implements ObservedHost hands the loader an Observer, told
// of each relationship load (LoadStart returns the context the load's
// statements run with, LoadEnd gets the rows loaded and the error). The
// session's host hands over session.Options.Observer when it implements
// Observer, as tracing.Tracer does. The loader imports no tracing
// package.
//
// A Host that implements RunHost is told when each Plan.Run and
// Plan.Load starts and ends: the run loads through the host StartRun
// returns, and the end function is called once every object of the run
// is published (the session runs its OnLoad listeners there).
package loader
