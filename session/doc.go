// Package session is Athanor's unit of work: it owns object states
// (transient, pending, persistent, deleted, detached), the identity map
// that holds one object per primary key, the flush that writes what
// changed in foreign-key order inside one transaction on the primary (one
// per bind group over a router), and
// the generic queries and Get that load mapped objects. It does not own
// mapping (mapper), SQL rendering (core), connections (engine), node
// choice (router) or the relationship-loading algorithms (loader), which
// it plugs in: QueryOf.Options takes loader options, and Load is the
// batched lazy load.
//
// # Smallest use
//
//	db, _ := engine.Open(ctx, "sqlite:///tmp/shop.db")
//	s := session.New(db, session.Options{})
//	a := &Author{Name: "Le Guin", Books: []*Book{{Title: "The Dispossessed"}}}
//	s.Add(a)                              // the book follows (save-update cascade)
//	err := s.Commit(ctx)                  // INSERT authors, then books, one transaction
//	b, err := session.Get[Book](ctx, s, a.Books[0].ID) // from the identity map
//	b.Title = "The Dispossessed: An Ambiguous Utopia"
//	err = s.Commit(ctx)                   // UPDATE "books" SET "title" = $1 … only
//
// New takes any engine.Executor. Over a caller's *engine.Tx (or
// *router.Tx) the session runs inside that transaction: a flush of one
// statement runs on it, a larger one in a savepoint of it, so the
// session's Commit ends only the savepoint and the caller's Rollback
// discards the session's writes (its Options.Tx does not apply). Such a
// session is used as the transaction is, from one goroutine at a time.
// session.DB(db) and session.Router(r) are the adapters New uses for a
// pool and a router.
//
// Over a router, session.New(r, …) reads from replicas,
// flushes on the primary, and keeps the causal token of every commit so
// the session's later reads see its writes (Token, after Commit, returns
// it for the next request). When the primary's position cannot be read
// after a commit, Commit still returns nil (the write is committed) and
// Token holds router.PrimaryPosition: the session's reads, and the next
// request's through the token, go to the primary until a later commit's
// position is known.
//
// # Identity map
//
// Within a session a row is one object. The map is sharded with a lock
// per shard, so many goroutines may load through one session at once; a
// row loaded for a key the map holds yields the held object, untouched —
// a load never overwrites unflushed changes (Refresh does, on request).
//
// Objects a query loads are allocated together, in arrays of up to 64
// (sized by the query's Limit when it has one), and so are the session's
// records of them: a load of n rows costs a few allocations, not n. The
// price is that an object kept after the others are dropped keeps its
// array alive until it is dropped too. A single-row Get allocates its
// object alone.
//
// A time.Time in a primary key is identified by its instant to the
// microsecond, not by its zone: an object added with a key in UTC+5 (or
// with time.Now()'s nanoseconds) is the one a query returns for its row,
// which comes back in UTC (and, on PostgreSQL and MySQL, truncated to
// microseconds). Times are written and read under
// the engine's time policy (UTC instants; see package engine), on inserts,
// updates and the array inserts alike.
//
// # Flush
//
// Flush (run by Commit, and before every query unless Options.NoAutoflush)
// follows save-update cascades to new objects, delete cascades (loading
// unloaded collections in the transaction) and delete-orphans, copies
// parents' keys into foreign keys, and then writes:
//
//   - inserts, tables in foreign-key order and self-referencing rows
//     parents first, as multi-row INSERT … RETURNING of the rows that
//     leave the same columns to the server (a zero auto-increment key,
//     nil fields with a default), models of any number of fields alike,
//     at most Options.BatchSize rows each (MySQL, without RETURNING: row
//     by row with LAST_INSERT_ID, or multi-row with
//     Options.ConsecutiveIDs). A statement also binds no more values than
//     the dialect allows (core.Features.MaxParams: 32766 on SQLite, 65535
//     on MySQL, MariaDB and PostgreSQL), so 10,000 rows of 10 columns are
//     4 INSERTs on SQLite and 2 on MariaDB. Where the dialect has
//     Features.UnnestArrays (PostgreSQL) a batch of several rows is sent
//     as INSERT … SELECT unnest($1::t1[], …): one array parameter per
//     column, so one prepared statement serves every batch size, the
//     server parses 7 parameters, not 700, for 100 rows of 7 columns, and
//     the parameter limit does not apply; rows holding a value of a type
//     other than Go's predeclared ones, time.Time and []byte (a
//     driver.Valuer such as athanor.Decimal, say), or a column of a type
//     without such an array (JSON, enums, arrays), go as VALUES. Rows
//     that leave every column to the server are INSERT … DEFAULT VALUES,
//     one row a statement, except where the dialect repeats VALUES ()
//     (core.Features.EmptyValues: MySQL, MariaDB);
//   - updates of the columns that differ from the loaded snapshot (zero
//     values are values; a slice field is compared element by element,
//     so an element changed in place is an update), with the version
//     column checked and bumped —
//     no row matched is athanor.ErrStaleObject;
//   - association rows, then deletes, dependents first (both split, like
//     inserts, by BatchSize and the parameter limit; the association rows
//     of the members removed from one object's collection go in one
//     DELETE … IN, or, for members with a composite key, one DELETE
//     matching each member's key columns: (c1 = ? AND c2 = ?) OR …).
//
// A child's parent is held on two sides: the parent's collection
// (one-to-many or one-to-one) and the child's many-to-one over the same
// foreign key. The side changed since the load wins. A child moved from
// one loaded collection to another takes its new parent, and its
// many-to-one is set to that parent; a many-to-one pointed elsewhere wins
// over a collection still listing the child. Changing both sides to
// different parents, or adding a child to the collections of two
// parents, fails the flush with an error naming the object and both
// relationships. A moved child is no orphan of its old parent:
// delete-orphan does not delete it. A child only removed from a loaded
// collection is deleted with delete-orphan; otherwise its foreign key is
// set to NULL and its many-to-one, if it still names the parent, is
// cleared; a key that cannot be NULL fails the flush, naming the
// relationship.
//
// Deleting a parent deletes the children its relationship cascades
// deletes to. The others stay and, as in SQLAlchemy without passive
// deletes, their foreign key is set to NULL (an UPDATE before the
// parent's DELETE): the members of a loaded collection, or else the rows
// the database has, read in the flush's transaction; loaded children's
// key fields and many-to-ones are cleared too. A child re-pointed to
// another parent keeps it. Where the key cannot be NULL the flush fails
// before it writes anything, with an error naming the relationship:
// cascade the delete, or reassign or delete the children first.
//
// JSON fields (type:json: a map, slice, struct, pointer, json.RawMessage)
// are sent as their encoding/json text on every dialect, NULL when nil,
// and their snapshot is that text: a change made inside a loaded map or
// struct is found and written, an unchanged one is not. A value
// encoding/json refuses fails the flush with an error naming the field
// (a *mapper.ValueError). See the mapper's JSON columns.
//
// The session's transaction begins at the first flush that writes and
// ends at Commit or Rollback; a flush inside it (Flush, an autoflush)
// runs in a savepoint. A flush that fails is rolled back and every object
// is restored — keys, foreign keys and versions the flush assigned,
// states and snapshots — so the caller can fix the data and commit again;
// the transaction stays open. Commit's own flush runs in the transaction
// without a savepoint (a SAVEPOINT and its RELEASE would cost two round
// trips): when it fails, Commit rolls the whole transaction back and the
// objects return to their pre-transaction states, their changes pending,
// as for any failed Commit. Rollback restores the
// objects to their pre-transaction states, keeping the caller's changes
// as pending changes.
//
// # Transactions and locking reads
//
// Begin starts the session's transaction explicitly (on the primary;
// through a router, on the primary of each bind group it uses, begun
// when it first runs a statement there: see "Several bind groups"): the
// session's flushes
// and every read it runs (Get, queries, Load) run in it until Commit or
// Rollback, of the handle or of the session. Begin inside a transaction
// flushes, then opens a SAVEPOINT; rolling it back rolls the rows back
// and restores the objects the session changed since it (inserted ones
// pending again, their generated keys cleared; changed ones keep their
// values as pending changes), committing it releases it into the
// enclosing transaction. A Rollback of the session's transaction does
// the same for the whole transaction: the objects are back in their
// pre-transaction states with the caller's changes pending (this session
// restores rather than expiring everything, as SQLAlchemy does, since it
// has no lazy reload of expired attributes).
//
//	err := s.RunInTx(ctx, func(ctx context.Context, s *session.Session) error {
//		acct, err := session.Get[Account](ctx, s, id)
//		if err != nil {
//			return err
//		}
//		acct.Balance += 10
//		return nil
//	}, session.TxOptions{Tx: engine.TxOptions{Isolation: engine.Serializable}})
//
// RunInTx runs a function in a transaction and commits; on a
// serialization failure, deadlock or lock timeout it rolls back, drops
// the objects the attempt may hold stale (persistent ones detached,
// ones added in the attempt transient) and runs the function again,
// with backoff, a bounded number of times; never after an unknown
// outcome.
//
// QueryOf.ForUpdate and ForShare (with core.SkipLocked or core.NoWait)
// lock the rows a query reads until the session's transaction ends; run
// outside one they fail with ErrLockOutsideTx, as their locks would end
// with the statement. Objects the session already held are reloaded
// from the locked rows, so they hold the values the lock protects
// (unless Options.NoAutoflush). SQLite has no row locks: there the
// clause is not sent, and the transaction's BEGIN IMMEDIATE holds the
// database's write lock instead (see QueryOf.ForUpdate).
//
// # Detached objects
//
// An object read by a session since closed (or expunged), or built by
// hand with the key of an existing row, is detached: StateOf reports
// Detached for an object the session does not hold whose key is set. The
// session keeps no record of objects it no longer holds, so Add cannot
// tell such an object from a new one built with a key: Add always makes
// it pending, and its INSERT of an existing key fails with a unique
// violation (athanor.ErrUniqueViolation). Two calls bring a detached
// object back:
//
//   - Merge(ctx, s, obj) finds the persistent object with obj's key (the
//     identity map's, else a SELECT), copies obj's column values onto it
//     (not its relationships, nor its version), and returns it: the next
//     flush UPDATEs the columns that differ. Without such a row it adds a
//     copy of obj, inserted by the flush. obj itself stays outside the
//     session. A non-zero version on obj that is not the row's fails
//     with athanor.ErrStaleObject.
//   - s.Attach(obj) reads nothing: obj becomes persistent as it is, and
//     the next flush UPDATEs all its columns by key (with a version
//     column, WHERE the version is obj's). No row matched fails the flush
//     with athanor.ErrStaleObject naming the model and key. Objects
//     reached by save-update cascades are attached too when their key is
//     set (those with a zero key are inserted). An object without a key
//     is refused (ErrNoKey), and so is one whose key the session holds
//     for another object (ErrIdentityConflict: Merge it).
//
// Objects whose key the database assigns (auto-increment) and is zero are
// new: Add inserts them, as any other new object.
//
// # Events
//
// Options.Events takes listeners registered on an Events value, typed by
// model:
//
//	ev := new(session.Events)
//	session.OnBeforeUpdate(ev, func(ctx context.Context, s *session.Session, a *Article) error {
//		a.UpdatedAt = time.Now()
//		return nil
//	})
//	s := session.New(db, session.Options{Events: ev})
//
// OnBeforeInsert and OnBeforeUpdate listeners run before the flush sends
// anything and before it shapes the object's statement, so a field they
// set is written by the object's own INSERT or UPDATE. OnBeforeUpdate
// gets only objects with changed columns (a foreign key the flush changes
// counts). OnBeforeDelete runs in the flush's transaction before the
// deletes (for objects delete cascades reach too). An error from any of
// them fails the flush: nothing of it is written, the objects are
// restored, and the error wraps the listener's and names the operation
// and model. OnBeforeFlush (Events.OnBeforeFlush) runs first, when a
// flush has found something to write; objects it adds or deletes are
// part of the flush. OnAfterInsert, OnAfterUpdate, OnAfterDelete and then
// OnAfterFlush run once the flush has succeeded; OnAfterCommit after each
// successful Commit; OnAfterRollback after Rollback or Close rolls back
// an open transaction, and after a failed COMMIT. OnLoad gets, once, each
// object the session builds from a row, whatever the path: Get, a query,
// the relationship loads of loader options (SelectIn and Joined, at any
// depth), Load, and a flush loading children to cascade a delete; not an
// object the identity map held. It runs after the statement, or after
// all the loads of a query with loader options or of a Load, so a
// listener sees the relationships loaded with the object. OnRefresh gets
// each object Refresh reloads, and each LoadFields fills. Listeners run under the session's locks: they
// may change the object they are given and call StateOf (BeforeFlush
// listeners Add and Delete), but must not run statements through the
// session. A session without Events does no work for them.
//
// # Global filters
//
// Options.Filters takes criteria registered per model on a Filters value
// (SQLAlchemy's with_loader_criteria): soft deletes, tenants.
//
//	f := new(session.Filters)
//	session.AddFilter[Article](f, "soft-delete", func(ctx context.Context, t *core.Table) (core.Expr, error) {
//		return core.IsNull(t.C("deleted_at")), nil
//	})
//	session.AddFilter[Article](f, "tenant", func(ctx context.Context, t *core.Table) (core.Expr, error) {
//		id, ok := TenantFrom(ctx)
//		if !ok {
//			return nil, errNoTenant // the call fails: no tenant, no rows
//		}
//		return core.Eq(t.C("tenant_id"), id), nil
//	})
//	s := session.New(db, session.Options{Filters: f})
//	arts, err := session.Query[Article](s).All(ctx)                         // both filters
//	all, err := session.Query[Article](s).Unfiltered("soft-delete").All(ctx) // the tenant's, deleted too
//
// A filter function gets the context of the call and the table to
// restrict: the model's, or the alias of a joined relationship (build the
// criterion from t's columns, so it names the right one). Its values are
// bound parameters like any core expression. A nil criterion adds nothing
// for the call; an error fails it, wrapped in a *FilterError naming the
// filter and model, before anything is sent. The criteria of every
// filter not turned off are ANDed:
//
//   - queries (All, First, One, Count, Exists, Statement): T's to the
//     conditions; a joined relationship's model's to its join's ON
//     clause under the join's alias, so LeftJoin keeps an object whose
//     related row is filtered out (its joined columns NULL), Join drops
//     it, and a to-many join's semijoin matches visible rows only.
//     JoinOn items are the caller's and get nothing. Statement uses
//     context.Background(); StatementContext takes a context.
//   - relationship loads (loader.SelectIn, loader.Joined, Load): the
//     target model's to the related rows' SELECT (a many-to-many's target
//     table, not the association table), and a Joined relationship's to
//     its LEFT OUTER JOIN's ON: a soft-deleted book is not in
//     author.Books, and a book whose author is filtered out gets a nil
//     Author.
//   - Get: to its SELECT, which it then sends even when the identity map
//     holds the object (the map may hold it from a call with other
//     criteria: another tenant's request, an Unfiltered query); a held
//     object whose row passes is returned as it is, one that does not is
//     athanor.ErrNoRows. Without filters applying, Get answers from the
//     map as always.
//   - Page, Stream (outside and inside a transaction) and the rows
//     UpdateAll and DeleteAll change, as a query's (SyncEvaluate
//     evaluates the criteria in memory with the query's conditions).
//
// A relationship an object has loaded already (by an earlier query or
// Load, under other criteria or none) is not loaded again, as always: it
// keeps the members it was loaded with (see Load).
//
// Unfiltered(names...) turns filters off for one query and the
// relationship loads it runs; WithoutFilters(ctx, names...) for every
// call given the context (Get and Load too). No names: every filter. A
// name the Filters does not hold fails the call with ErrUnknownFilter.
//
// The flush is never filtered: loading children to cascade a delete,
// and the children whose foreign key a parent's delete sets to NULL,
// reach every row. For a filtered model the flush reads the children
// from the database even when the parent's collection is loaded (the
// load may have left rows out), so a cascaded delete deletes soft-deleted
// children too, and nulling reaches them. Refresh re-reads an object by
// its key, unfiltered. Merge looks the row up with Get, filtered: a row
// the filters exclude makes it add a copy, whose INSERT fails on the
// primary key (athanor.ErrUniqueViolation), rather than update a row the
// caller cannot see.
//
// Register every filter before the first session uses the Filters:
// AddFilter on a Filters given to a session panics, as do an empty name,
// a nil function, and a name registered twice on one model (one name may
// serve several models, and Unfiltered("tenant") then turns off all).
//
// # Unknown outcomes
//
// A Commit whose answer is lost after it was sent (the single statement
// of a one-statement commit, or the COMMIT) returns an error matching
// athanor.ErrOutcomeUnknown: the rows may or may not have been written.
// The objects the commit was to insert then leave the session: each is
// Detached if its primary key is set and Transient if its key was to be
// generated (fields the flush set, such as generated keys, are restored),
// and a later Commit does not insert it again. Read the rows back to
// learn what happened; Add an object again only to insert it again.
// Changed and deleted objects are restored as on any error, their changes
// pending: committing again sends the same UPDATE or DELETE.
//
// Every entry point given a nil context returns engine.ErrNilContext.
//
// # Queries
//
// Query[T] builds an immutable query for T's objects; names given as
// strings are checked against the mapping before anything is sent:
//
//	q := session.Query[Track](s).Join("Album.Artist").Join("Playlists")
//	tracks, err := q.Filter("Playlists.Name", "Rock").
//		Where(core.Like(q.C("Album.Artist.Name"), "A%")).
//		OrderBy("Album.Artist.Name", "-Name").Limit(20).All(ctx)
//
// Join follows relationships, as a dotted path from T. Each joined table
// is aliased by its path ("Album", "Album.Artist"; a many-to-many's
// association table "Playlists.playlist_track"), so a self-referencing
// relationship (Employee.Manager) joins its own table, and the SQL text
// does not depend on how the query was built. Name joined columns by path:
// q.C("Manager.LastName") for expressions, or the path in Filter and
// OrderBy (a column of the model's own table, Model.Table().C, names the
// unaliased table, not the join).
//
// A many-to-one or one-to-one join is a plain inner join (no DISTINCT):
// objects without a related row are left out (LeftJoin keeps them, with
// NULL joined columns), and OrderBy may use its columns. A one-to-many or many-to-many join, and any JoinOn, may match
// several rows per object; the query then selects T's rows whose key is
// in a subquery holding those joins and all the conditions (a derived
// table of distinct keys for a composite key), so each object comes once
// and Limit, Offset, Count and Exists count objects. Such a join's
// columns can be used in conditions but not in OrderBy, since an object
// has no single value for them: the query fails with
// ErrOrderThroughToMany, naming the relationship (recognised for a
// column, a path, or core.Asc/Desc of a column; inside other expressions
// the server reports the unknown alias).
//
// # Deferred columns
//
// A column tagged deferred (or deferred:group) is left out of the
// model's loads (see package mapper): large TEXT, JSON or BLOB columns
// are read only on request, per query with loader.Undefer,
// loader.UndeferGroup or loader.LoadOnly (which may also leave out other
// columns; see package loader), or afterwards with LoadFields:
//
//	arts, err := session.Query[Article](s).All(ctx)  // no Body
//	err = s.LoadFields(ctx, arts[0], "Body")         // every held Article lacking it
//
// Go cannot intercept field access, and a field a load left out holds its
// zero value. The flush writes only the fields that differ from the
// object's snapshot, and the snapshot of an unloaded field is that zero
// value, so:
//
//   - an unloaded field is never written back: a flush after a change to
//     another field sends only that field;
//   - a non-zero value the caller assigns to an unloaded field is a
//     change, written by the next flush;
//   - setting an unloaded field to its zero value writes nothing: to
//     empty the column, LoadFields it first (a loaded field set to zero is
//     a change), or use a bulk UPDATE.
//
// LoadFields reads the named fields, by key, for the object and every
// persistent object of its type in the session that lacks one of them
// (holds its zero value, unchanged since the load), in IN lists of at
// most loader.ChunkSize keys; a value the caller set is kept. The values
// it reads become the snapshot, so they are not written back, and the
// OnRefresh listeners run for each object it filled. A query
// with relationship or column options (see package loader) whose row
// brings a deferred or computed field that an object the session holds
// lacks fills it in the same way (SQLAlchemy populates unloaded
// attributes from a later load); its other fields, and a value the caller
// set, are left as they are. A query without options selects no
// deferred field. Refresh rereads the default columns
// and the deferred ones the object holds a value in; the others stay
// unloaded. Attach and Merge take a deferred field holding its zero value
// as not loaded: Attach does not write it, and Merge does not copy it.
// Streams and keyset pages load as All does, column options included;
// a keyset page ordered by a deferred column needs it loaded
// (loader.Undefer), since cursors take their values from the objects
// (ErrKeysetOrder otherwise). Statement shows the column options.
// A bulk UPDATE or DELETE whose criteria name a deferred column is not
// evaluated on the held objects, which may lack it: SyncAuto fetches the
// matched keys instead, and SyncEvaluate fails with core.ErrNotEvaluable.
//
// # Computed attributes
//
// A field tagged computed holds a SQL expression the model's Computed
// method gives (mapper.Computer): loaded with the row (unless also
// deferred), never written by a flush, and usable by name in Filter and
// OrderBy, or as an expression through E (C gives columns only):
//
//	q := session.Query[Author](s)
//	authors, err := q.Filter("FullName", "Ada Lovelace").OrderBy("-BookCount").All(ctx)
//	n, err := q.Where(core.Gt(q.E("BookCount"), 2)).Count(ctx)
//
// Relationship loads (SelectIn, Joined) compute the fields of the
// objects they load over the table or alias they load from, and a Join
// gives the joined model's computed fields by path ("Author.FullName").
// A computed field left out of a load (deferred) is read by LoadFields
// or loader.Undefer like a deferred column.
//
// # Relationship criteria
//
// Any, Has and Contains filter T's objects by their related objects with
// one EXISTS subquery (SQLAlchemy's relationship.any(), has() and
// contains()), an expression for Where that composes with core.Or and
// core.Not; the query's own rows are not joined, so nothing repeats:
//
//	q := session.Query[Artist](s)
//	tracks := q.Related("Albums.Tracks")
//	long, err := q.Where(q.Any("Albums.Tracks", core.Gt(tracks.C("Milliseconds"), 600000))).All(ctx)
//	silent, err := q.Where(core.Not(q.Any("Albums"))).All(ctx)   // no albums
//	tq := session.Query[Track](s)
//	byA, err := tq.Where(tq.Has("Album.Artist", core.Like(tq.Related("Album.Artist").C("Name"), "A%"))).All(ctx)
//	pq := session.Query[Playlist](s)
//	with1, err := pq.Where(pq.Contains("Tracks", track)).All(ctx) // by track's key
//
// Any takes a path through a one-to-many or many-to-many relationship,
// Has a path of many-to-one and one-to-one ones (an object whose foreign
// key is NULL has none, so core.Not(Has) keeps it), Contains a path like
// Any's and an object of the target model, compared by its key (through a
// many-to-many, on the association table alone). Any other mix fails with
// ErrRelationKind. A dotted path is one EXISTS joining every hop. The
// subquery's tables are aliased by the path in a namespace of their own
// ("rel:Albums.Tracks"; a long one cut, with a hash of the path), apart
// from T's table and Join's aliases, so a self-referencing relationship
// (Employee.Reports) works; Related(path) names that alias, and its C the
// target's columns for the predicates. Predicates may also name T's
// columns (q.C), which the subquery correlates with. Related.Related continues a path for criteria nested
// inside another's (Any within Any):
//
//	albums := q.Related("Albums")
//	tracks := albums.Related("Tracks")
//	q.Where(albums.Any(core.Like(albums.C("Title"), "A%"), tracks.Any(core.Gt(tracks.C("Milliseconds"), 600000))))
//
// An unknown relationship, or a Contains object of the wrong type or
// without its key (not yet flushed), makes the query fail before anything
// is sent, naming the model and the name; an unknown column of C fails
// likewise, naming the table and the column.
//
// # Relationships
//
// Eager loading is per query, with loader options; every loaded object
// goes through the identity map:
//
//	authors, err := session.Query[Author](s).
//		Options(loader.SelectIn("Books", loader.SelectIn("Tags"))).
//		All(ctx) // 3 statements for any number of authors
//
// Load(ctx, obj, "Books") loads a relationship lazily, for obj and, in
// the same statement, every object of its type in the session lacking
// it. Options.Raise and Options.Strict make unplanned loads errors;
// Options.OnNPlusOne reports per-object loads repeated from one call
// site (see package loader).
//
// # Association proxies
//
// An association proxy (mapper's "Association objects": Book.Tags with
// proxy:BookTags.Tag) is filled when its object's collection of
// association objects and their many-to-one are both loaded, whichever
// load comes last (the many-to-one last only when the association model
// has a many-to-one back to the owner, which finds the owner): a query
// option naming the proxy (SelectIn("Tags") loads
// BookTags and BookTags.Tag, Joined("Tags") joins both), a nested path
// ("BookTags.Tag"), or Load(ctx, book, "Tags"). A proxy already set is
// left as it is.
//
// At flush, before cascading from an object, the session compares the
// proxy and the association collection with what the proxy showed when
// the collection was last loaded or flushed (the targets, in any order):
//
//   - only the proxy changed: a target appended to it gets a new
//     association object (the proxy's creator's, see mapper.SetCreator,
//     or a zero one) pointing at the owner and the target, appended to the
//     collection and, when loaded, to the target's collection of them;
//     the save-update cascade inserts it after both. The association
//     objects of a target removed from the proxy are taken out of the
//     collection (and the target's loaded one) and deleted, whatever the
//     collection's cascade;
//   - only the collection changed: the proxy is set to the targets of the
//     collection's members;
//   - both changed and show different targets: the flush fails, before
//     writing anything, with an error naming both fields.
//
// A proxy set on a persistent object whose association collection was
// never loaded fails the flush: what to remove is unknown (load the proxy
// first). As with other relationship fields, the session's writes to the
// proxy and the collections are undone if the flush fails.
//
// # Inheritance
//
// For a mapped hierarchy (see mapper, "Inheritance": a base struct with a
// discriminator, subtypes embedding it, an interface they implement),
// Query[T] returns T's rows only, as *T: Query[Car] adds the
// discriminator criterion (single table) or joins Car's own table
// (joined table), so Filter, OrderBy, Count and Exists name Car's own
// columns as any others; Query[Base] returns the base's own rows (none
// for an abstract base). Get[Car] of a truck's key is athanor.ErrNoRows.
// Relationships to a subtype (Garage.Cars []*Car) load its rows only.
//
// QueryPoly[I] reads every kind and returns each row as its own model's
// object, in an []I:
//
//	vs, err := session.QueryPoly[Vehicle](s).Filter("Payload", 2.5).OrderBy("Name").All(ctx)
//	for _, v := range vs {
//		switch v := v.(type) {
//		case *Car:
//		case *Truck:
//		}
//	}
//
// It runs one SELECT of the keys and discriminators from the base table,
// LEFT JOINed to every joined-table subtype's table (so Where, Filter,
// OrderBy, Count, Limit and Offset may name any subtype's columns; a
// subtype's column is NULL on other kinds' rows), then one SELECT per
// model present, by key, as Query of that model loads (the identity map
// gives objects the session holds), and keeps the first statement's
// order. Two round trips plus one per kind, rather than one wide LEFT
// JOIN of every subtype's columns: each object is built by its own
// model's load, and a query of a few kinds reads only their tables. A
// row deleted between the two is left out; a discriminator no registered
// model declares is ErrUnknownDiscriminator. The session's global
// filters apply: the base's to every row, a subtype's to its rows only,
// in All and Count alike (a filter function is given the subtype's
// Table, the base table: a joined-table subtype's filter can name only
// the base table's columns there).
//
// The identity map keys a row by its base model and key: one object per
// row, whichever query of the hierarchy loads it. The flush sets the
// discriminator of a new object to its model's value (an abstract base's
// object is ErrAbstractModel); a discriminator field holding another
// model's value, on insert or update, is ErrDiscriminatorChanged: a row
// does not change kind through the flush. A joined-table subtype's object is two
// rows: insert writes the base row (reading a generated key back), then
// its own row with the key copied, one pair of statements per object;
// update writes, per table, the columns that changed there (the base
// table's UPDATE checks and bumps a version); delete removes its own row,
// then the base row. Rows that reference the base table are ordered after
// any model of the hierarchy.
//
// An interface-typed relationship (mapper.PolyRelation: Garage.Vehicles
// []Vehicle, fk: on the base table; Garage.Favorite Vehicle, fk: naming
// Garage's key field) is loaded by Load(ctx, garage, "Vehicles") (for
// every persistent Garage in the session whose field is nil) or
// LoadPoly(ctx, s, "Vehicles", garages...), in the two steps of
// QueryPoly; a one-to-many gets its targets in key order. A query loads
// them eagerly with loader.SelectIn:
//
//	gs, err := session.Query[Garage](s).Options(loader.SelectIn("Vehicles", loader.SelectIn("Loads"))).All(ctx)
//
// after the query's other loads, as LoadPoly does, for the returned
// owners whose field is nil (a loaded field is kept): one SELECT of keys
// and discriminators, one per kind present (Query[Garage] above: four
// statements, with cars and trucks, plus one for the trucks' Loads).
// Children apply to the targets of each kind that has the relationship
// they name (cars have no Loads); one no kind has is an error
// (loader.ErrNoRelation). loader.Joined, Limit, OrderBy and column options
// of these fields are loader.ErrPolyRelation. In raise mode (loader.Raise,
// Options.Raise, Strict) the targets refuse unplanned loads as the
// owners do, and Load of an owner's nil interface-typed field (a
// many-to-one with a key) is loader.ErrUnplannedLoad. Keyset pages take
// these options (they run All); a stream does not (loader.ErrPolyRelation).
//
// The flush follows these fields. Save-update (tag cascade:, the
// default) adds their targets, each as its own model. A []I field's
// targets take the owner's key in the fk: column (the owner is inserted
// first: the column needs a foreign key to the owner's table, fk:table.col
// on the base's field, as for any row referencing another); an I field's
// target's key goes to the owner's fk: field (the target's table comes
// first by the foreign key of that field, or the target is persistent).
// A member removed from a []I field since it was loaded (by LoadPoly,
// Load, a query option or a flush) has its key set to NULL, or is
// deleted under cascade:delete-orphan; a member now in another owner's
// field, or whose key no longer names the owner, has moved and is left
// to its new owner; a key that cannot be NULL is an error naming both.
// Setting an I field to nil writes nothing (set the key field), a nil
// []I field is left unloaded (not emptied), delete cascades (tag
// delete, all) are not supported, and deleting an owner leaves its
// targets' keys as they are (let the database act: ondelete:setnull or
// cascade on the fk column). After a rollback the members last seen
// stay those of the rolled-back flush: reload such fields (LoadPoly, or a
// new session) before removing members again.
//
// # Concurrency
//
// Get, queries and Load may run from many goroutines. Flush, Commit,
// Rollback and Refresh serialise; objects must not be modified while they
// run. While a transaction is open, the session's statements share its
// connection one at a time.
//
// One lock owns the session's transaction state. A flush that writes,
// Commit and Rollback hold it exclusively; every read statement (and Get's
// identity-map lookup) holds it shared. So a read that starts while a
// flush writes or a transaction ends waits for it, then runs in the
// session's transaction if one is open (seeing the session's own writes)
// or outside it; it never runs in a transaction being ended, nor sees rows
// the flush wrote before their objects are in the identity map. A flush
// waits for the reads already running. The function given to QueryFunc
// runs under that lock: it must not call back into the session.
// A loaded object enters the identity map and the object set in one step,
// so an object any lookup gives out is in the session.
//
// # Request scope
//
// A session is one request's (or one job's) unit of work, used by the
// goroutines that serve it and then closed. NewContext puts it in a
// context.Context and FromContext takes it out, so code deep in a request
// finds the request's session without passing it along. Options.Token
// starts a session from a causal token a previous request returned (its
// Token, sent to the client as a string and read back with
// router.ParseToken): the session's reads honour it, and its Token is that
// token merged with its own commits'. Package httpsession is the net/http
// middleware built on both: a session per request, committed or rolled
// back by the response's status, the token in a cookie or a header.
//
// # Observing
//
// Options.Observer (an Observer, which this package defines) is told of
// each flush that writes: FlushStart returns the context the flush's
// transaction and statements run with, FlushEnd gets it back with the
// flush's error. When it also implements loader.Observer, the session's
// relationship loads are reported to it the same way. tracing.Tracer is
// both; the session itself imports no tracing package.
package session
