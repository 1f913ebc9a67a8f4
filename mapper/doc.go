// Package mapper maps Go structs to tables: columns, keys, constraints,
// the bind group, and relationships between models. It owns the struct-tag
// grammar, the registry of models, the per-type access plans (field
// offsets, value readers, scan targets) built once at registration, and the
// core.Table of every model, so core.MetaData.CreateAll works from models.
// It does not run SQL (session does) or choose nodes (router does; feed it
// Registry.Binds).
//
// # Smallest use
//
//	type Author struct {
//		ID    int64   `athanor:",pk"`
//		Name  string  `athanor:",size:100,unique"`
//		Books []*Book `athanor:",backref:Author,cascade:all+delete-orphan"`
//	}
//	type Book struct {
//		ID       int64   `athanor:",pk"`
//		Title    string
//		AuthorID int64   `athanor:",index"`
//		Author   *Author `athanor:",fk:author_id"`
//		Version  int64   `athanor:",version"`
//	}
//	m, err := mapper.Register[Author]() // registers Book too
//	md, err := mapper.Default.MetaData() // tables "authors", "books"
//
// # Tags
//
// The tag is `athanor:"name,option,option:value,…"`, like encoding/json:
// the first element is the column name (empty: the naming strategy's name
// for the field, see Naming), then options. `athanor:"-"` skips a field; unexported fields are
// skipped; embedded structs without a tag are flattened.
//
// Column options:
//
//	pk                 part of the primary key (several fields: composite key)
//	autoincrement      explicit; a single integer key is autoincrement by
//	                   default, noautoincrement turns that off
//	nullable, notnull  pointer, slice and sql.Null* fields are nullable by default
//	size:N             VARCHAR(N); strings without size are TEXT, or
//	                   VARCHAR(255) when keyed (pk, unique, index, fk)
//	type:T             smallint int bigint float double numeric bool string
//	                   text bytes date time timestamp timestamptz uuid json,
//	                   and numeric(P,S) decimal(P,S) numeric(P) varchar(N)
//	                   enum(a,b,…) array, and T[] (an array of T); see
//	                   "Decimals, enums and arrays"
//	precision:P        NUMERIC precision (1–65, scale 0 unless scale: is
//	scale:S            given); scale:S alone keeps the precision
//	enumname:N         the PostgreSQL type name of an enum column
//	default:V          server default (DDL): an integer, a float, true,
//	                   false, now, or a string; an INSERT leaves out a nil
//	                   pointer field with a default so the server fills it
//	unique, unique:N   single-column unique, or a named multi-column one
//	index, index:N     single-column index, or a named multi-column one
//	fk:table.col       FOREIGN KEY; ondelete:/onupdate: cascade, setnull,
//	                   restrict, setdefault, noaction
//	version            optimistic-locking counter (non-null integer):
//	                   set to 1 on insert, incremented and checked on update
//	renamed_from:OLD   the column was named OLD: migrate.Autogenerate
//	                   renames it instead of dropping and adding it
//	deferred           left out of the model's loads (see "Deferred and
//	deferred:G         computed fields"); G names a group loaded together
//	computed           no column: a SQL expression given by the model's
//	                   Computed method (takes deferred, nothing else)
//	shardkey           the column whose value chooses the row's shard when
//	                   the table is sharded (Model.ShardKey); one per
//	                   model, a non-null integer, string, bytes or UUID
//	                   column, not deferred, version or autoincrement
//
// Table options go on a blank field: `_ struct{} athanor:",table:people,
// bind:analytics,schema:app"`; a TableName() string method also names the
// table. Otherwise the naming strategy names it from the struct name.
//
// # Naming
//
// A registry derives the names no tag gives from Go names through its
// Naming strategy, set with NewRegistry(WithNaming(n)). The default,
// SnakeCase, splits a name into words at case changes and joins them
// lower-case with underscores: a capital after a lower-case letter or a
// digit starts a word, the last capital of an acronym starts one when
// lower-case letters follow, digits stay with the word before them, and an
// acronym's plural "s" stays with the acronym:
//
//	ID → id               AuthorID → author_id     HTTPServer → http_server
//	S3Key → s3_key        Line2 → line2            OAuth2Token → o_auth2_token
//	UserIDs → user_ids    PlaylistId → playlist_id
//
// Tables are the plural of the snake_case struct name (Book → books,
// Category → categories, Address → addresses). Tag a field or the table to
// name it otherwise; NamingFuncs makes a strategy of functions, for
// example to keep Go names as they are:
//
//	keep := func(s string) string { return s }
//	reg := mapper.NewRegistry(mapper.WithNaming(mapper.NamingFuncs{Table: keep, Column: keep}))
//
// The strategy controls, where no tag names them:
//
//   - TableName: a model's table (a TableName() method or a table: tag wins);
//   - ColumnName: a column from its field name (a name in the tag wins);
//   - ColumnName: the key a many-to-one infers without fk:, the field or
//     column named <Relationship><Key> (Author with key ID → AuthorID,
//     author_id; Artist with key ArtistId → ArtistId, artist_id: a key
//     field that already starts with its model's name drops the prefix);
//   - ColumnName: the columns of a synthesized association table,
//     <Model><Key> of each key column of each side (Playlist, ID →
//     playlist_id; Region keyed by Country and Code → region_country,
//     region_code), unless joincol:/inversecol: name them.
//
// It names neither association tables (secondary: is required) nor
// constraints and indexes (core names those). The engine's struct scanner
// uses the same SnakeCase rule for fields without a `db` tag, and
// session.Scan scans with the registry's rules (Registry.FieldColumn), so
// a model's own SELECT reads back into the model under any strategy.
//
// Commas inside parentheses belong to the option: type:numeric(10,2) and
// type:enum(draft,published) are one option each.
//
// # Decimals, enums and arrays
//
// Decimal policy: a NUMERIC/DECIMAL value never goes through float64 on
// its way to or from the database. Map it to a decimal type that binds
// and scans as text:
//
//   - athanor.Decimal (the module's own, in the root package);
//   - any type named Decimal, NullDecimal or Numeric that is a
//     driver.Valuer and whose pointer is an sql.Scanner, such as
//     pgx's pgtype.Numeric (not on MySQL: its Scan refuses the []byte the
//     MySQL driver returns) and decimal libraries' types;
//   - any other sql.Scanner/driver.Valuer with type:numeric(P,S).
//
// Such a field without type: is NUMERIC(18,4) (DECIMAL(18,4) on MySQL,
// TEXT on SQLite). A float64 field tagged type:numeric is a NUMERIC column,
// but its values are floats. Set the size with type:numeric(10,2),
// type:decimal(10,2) or precision:10,scale:2. PostgreSQL and MySQL round a
// value to the column's scale and return it with exactly that many digits
// ("1.5" is read back as "1.50"); SQLite stores the decimal as TEXT and
// returns exactly the text it was given, compares it as text, and sums it
// in floating point (see dialect/sqlite).
//
// Enums: a string field (or a named string type) tagged
// type:enum(draft,published), or of a named string type with a method
// EnumValues() []string, is an enum column. PostgreSQL gets a named type,
// CREATE TYPE … AS ENUM, created by MetaData.CreateAll before the tables
// and dropped by DropAll after them; its name is enumname:, else the
// snake_case of the Go type's name (type PostStatus string → post_status),
// else <table>_<column>. MySQL and MariaDB get ENUM('draft','published'),
// SQLite TEXT CHECK ("col" IN ('draft','published')). A value outside the
// list is refused by the server, and the error matches
// athanor.ErrCheckViolation on all three. Values holding a comma or a
// parenthesis cannot be written in the tag: list them with EnumValues.
//
//	type PostStatus string
//	func (PostStatus) EnumValues() []string { return []string{"draft", "published"} }
//	type Post struct {
//		ID     int64
//		Status PostStatus                              // enum post_status
//		Kind   string `athanor:",type:enum(article,note)"` // enum posts_kind
//	}
//
// Arrays (PostgreSQL only): a []string, []int16, []int32, []int64, []int,
// []float32, []float64, []bool or []time.Time field is a TEXT[],
// SMALLINT[], INTEGER[], BIGINT[], BIGINT[], REAL[], DOUBLE PRECISION[],
// BOOLEAN[] or TIMESTAMPTZ[] column (nullable unless notnull: a nil slice
// is NULL, an empty one '{}'); type:varchar(8)[] and the like set the
// element type. On MySQL and SQLite the CREATE TABLE of such a model fails
// with an error naming the table and column. Snapshots copy slices, so
// changing an element in place is flushed. Filter with core.ArrayContains
// (@>), core.ArrayOverlaps (&&) and core.EqAny (= ANY(…)).
//
// # Relationships
//
// A field of type *T or []*T where T is a struct model is a relationship;
// T is registered along with the model. Options:
//
//	rel:K              many-to-one, one-to-many, one-to-one, many-to-many
//	                   (inferred: []*T is one-to-many, or many-to-many with
//	                   secondary:; *T is many-to-one when the key is on this
//	                   model, one-to-one when it is on T)
//	fk:col[+col]       the foreign-key column(s) (on this model for
//	                   many-to-one, on T otherwise); inferred from fk: column
//	                   tags, a <Field>ID field, or the inverse relationship
//	backref:Field      the inverse relationship on T (paired automatically
//	                   when unambiguous)
//	cascade:C          save-update (default), delete, delete-orphan, all
//	                   (save-update+delete), none; joined by +
//	secondary:table    the association table of a many-to-many; synthesized
//	                   (both keys in column-name order, composite primary
//	                   key, ON DELETE CASCADE) unless a model maps it;
//	                   joincol:/inversecol: name its columns, one per key
//	                   column joined by + for a composite key (default: see
//	                   Naming)
//	ondelete:A         ON DELETE of the foreign key the relationship adds
//	proxy:Coll.Rel     an association proxy, not a relationship (see
//	                   "Association objects"); takes no other option
//
// Either side of a many-to-many may have a composite primary key: the
// association table then holds one column per key column of each side,
// with a composite foreign key to each.
//
// A relationship adds its FOREIGN KEY constraint to the table holding the
// key unless a column tag declares it.
//
// # Registration order
//
// Models may be registered all at once (through the relationships of one)
// or one call at a time, in any order: a model reaching one registered
// earlier links to it, and a relationship whose key is a fk: column tag of
// a model registered earlier finds it. The result does not depend on the
// order.
//
// An association table may also be mapped as a model (for its extra
// columns, or to query it), registered before, with or after the
// many-to-many. Registered after, its table replaces the synthesized one
// in MetaData (declare its foreign keys on the model), and the
// relationship keeps addressing the table by name. The model's table must
// have the relationship's key columns (with key types: integers of any
// width serve integer keys) and no other NOT NULL column without a
// default, since the relationship inserts the two keys only; otherwise
// registration fails with ErrBadRelation naming the model and the
// relationship.
//
// # Association objects
//
// A many-to-many whose association table carries columns of its own (when
// a tag was added, by whom, in what role) is mapped as a model, the
// association object, with a composite primary key and a many-to-one to
// each side; each side reaches it by a one-to-many. SQLAlchemy calls this
// the association object pattern; it needs nothing beyond the
// relationships above:
//
//	type Book struct {
//		ID       int64
//		BookTags []*BookTag `athanor:",backref:Book,cascade:all+delete-orphan"`
//		Tags     []*Tag     `athanor:",proxy:BookTags.Tag"`
//	}
//	type Tag struct {
//		ID       int64
//		BookTags []*BookTag `athanor:",backref:Tag"`
//	}
//	type BookTag struct {
//		BookID  int64 `athanor:",pk"`
//		TagID   int64 `athanor:",pk"`
//		AddedAt time.Time
//		Role    string
//		Book    *Book
//		Tag     *Tag
//	}
//
// Tags above is an association proxy (SQLAlchemy's association_proxy):
// proxy:Coll.Rel on a []*T field names a one-to-many Coll of the model
// (with save-update, the default) and a many-to-one Rel of Coll's target
// whose target is T. The proxy is neither a column nor a relationship
// (Model.Relations leaves it out; Model.Proxies and Model.Proxy list it):
// it shows the Rel targets of Coll's members, and the session keeps the two
// in step (see session's "Association proxies"). An object the session
// creates for a target appended to the proxy comes from the proxy's
// creator, set with SetCreator (for example to stamp AddedAt), or is a
// zero object; either way Proxy.Create then points its Rel at the target
// and Coll's many-to-one back-reference, if any, at the owner. A path that
// is not a one-to-many then a many-to-one to T fails registration with
// ErrBadRelation naming the model and the field.
//
// # JSON columns
//
// A field tagged type:json holding a map, a slice, a struct or a pointer
// to one (a *T or []*T field with type: is a column, not a relationship)
// is bound as its encoding/json text: Field.Bind gives it, NULL for a nil
// map, slice or pointer. json.RawMessage and []byte fields are the text
// itself, as are string fields; a driver.Valuer encodes itself. A
// snapshot holds the text, so a change made inside the map, slice or
// struct is a change (Field.Unchanged compares texts); a value
// encoding/json refuses (an infinite float, a channel) snapshots as a
// *ValueError, the error of binding it. Loads decode the text with
// json.Unmarshal into a zeroed value (pgx on PostgreSQL, the engine on
// MySQL and SQLite). A field of type any holds what json.Unmarshal gives
// an any (map[string]any, []any, float64, string, bool), nil for NULL, on
// every driver: Addr gives a sql.Scanner at the field that decodes the
// text.
//
// # Deferred and computed fields
//
// A deferred column is in the table but not in the model's default load:
// LoadFields, SelectColumns and SelectAll leave it out, and the session
// loads it on request (loader.Undefer, loader.UndeferGroup,
// Session.LoadFields; see package session). A primary-key column, a
// version column and the key of a relationship cannot be deferred (loads
// and flushes need them): registration fails with ErrBadTag.
//
// A computed field maps no column: its value is a SQL expression, read
// with the row, never written, and usable in conditions and order terms.
// SQL expressions depend on the dialect and name other models' tables,
// so they are Go code, not tags: the model implements Computer, whose
// Computed method returns each computed field's expression over t, the
// table the load reads (the model's table or an alias of it: name t's
// columns, never the model's table directly). It is called on first use,
// when every model it names can be registered (TableOf):
//
//	type Author struct {
//		ID        int64   `athanor:",pk"`
//		First     string
//		Last      string
//		FullName  string  `athanor:",computed"`
//		BookCount int64   `athanor:",computed,deferred:stats"`
//		Books     []*Book `athanor:",backref:Author"`
//	}
//
//	func (Author) Computed(t *core.Table, reg *mapper.Registry) (map[string]core.Expr, error) {
//		books, err := mapper.TableOf[Book](reg)
//		if err != nil {
//			return nil, err
//		}
//		return map[string]core.Expr{
//			"FullName": core.Concat(t.C("first"), core.Literal(" "), t.C("last")),
//			"BookCount": core.Subquery(core.Select(core.Count(core.Star())).From(books).
//				Where(core.Eq(books.C("author_id"), t.C("id")))),
//		}, nil
//	}
//
// A computed field without the method fails registration (ErrBadTag); a
// field the method gives no expression for, or an error from it, fails
// every statement selecting the field with an error naming the model and
// field. A subquery over the model's own table must alias that table
// (Table.As) so that it does not capture t. Computed fields are not in
// Fields (the columns) but in Loadable, and Attr, Expr and SelectList
// reach them by name.
//
// # Inheritance
//
// Go has no subclassing; a mapped hierarchy is built from embedding and
// an interface. The base is a struct with a discriminator field (tag
// discriminator, a non-pointer string or integer column); each subtype
// embeds the base as its first field, tagged inherit:<value>, so that a
// *Sub's address is its *Base's and the base's fields are read through
// either. An interface the subtypes implement (a method on each, or one
// promoted from the base) is the polymorphic type the session's
// QueryPoly and interface-typed relationships return:
//
//	type Vehicle interface{ Wheels() int }
//	type VehicleBase struct {
//		_    struct{} `athanor:",table:vehicles"`
//		ID   int64
//		Kind string `athanor:",discriminator,size:20"` // discriminator:vehicle: the base has rows of its own
//		Name string
//	}
//	type Car struct {
//		VehicleBase `athanor:",inherit:car"` // single table: doors is a nullable column of vehicles
//		Doors       int
//	}
//	type Truck struct {
//		VehicleBase `athanor:",inherit:truck,table:trucks"` // joined table: trucks(id → vehicles.id, payload)
//		Payload     float64
//	}
//	func (*Car) Wheels() int   { return 4 }
//	func (*Truck) Wheels() int { return 6 }
//
// Single table (inherit:v): the subtype's own columns are columns of the
// base table, nullable there (other kinds' rows leave them NULL); two
// subtypes may share a column only with one Go type. Joined table
// (inherit:v,table:t): the subtype's own columns live in t, whose primary
// key is a copy of the base key (not autoincrement) with a FOREIGN KEY to
// the base table; the subtype's Table is the base table, its own table is
// Inheritance().SubTable. MetaData creates one base table (with every
// single-table subtype's columns, indexes and foreign keys) and each
// joined subtype's table. Both kinds may mix in one hierarchy; one level
// only (a subtype cannot be a base). Subtypes take the base's table
// options (bind:, schema:): Binds puts a joined subtype's table in the
// base's group.
//
// Each model's rows are its own: SelectAll and SelectFrom of a subtype
// join its own table (joined) and add its discriminator criterion
// (Criterion); a base's criterion is its own value (discriminator:v), or
// IS NULL for an abstract base (plain discriminator), whose objects
// cannot be inserted. The identity of a row is its base model and key
// (IdentityModel). Register every subtype (registering one registers the
// base): a base knows its subtypes (Inheritance.Subtypes) only once they
// are registered.
//
// A field of type I or []I, I an interface a hierarchy implements, is an
// interface-typed relationship (PolyRelation, loaded by the session): a
// []I field is one-to-many, fk: naming the column of the base table that
// references this model's single-column key; an I field is many-to-one,
// fk: naming this model's field holding the target's key. Tag cascade:
// takes save-update (the default) and, on a []I field, delete-orphan;
// delete (or all) is ErrBadTag. The session's flush follows these fields
// (see package session).
//
// Registration fails with ErrInheritance (naming struct, field and tag)
// for a subtype whose base has no discriminator or is itself a subtype,
// a base that is not the first field, two discriminators, a discriminator
// of another type, a duplicate or unparsable discriminator value, or a
// subtype declaring a key field of its own.
//
// # Errors
//
// Registration fails, and registers nothing, on a bad tag, an unknown
// column, an unsupported type or a broken relationship; the error names the
// struct, the field and the tag, and wraps ErrBadTag, ErrUnknownColumn,
// ErrUnsupportedType, ErrBadRelation or ErrInheritance.
//
// # Object references
//
// The Field, Relation and Model methods that read and write objects (the
// session's and the loader's hot paths) take a Ref, an opaque one-word
// reference to an object of a model, instead of reflecting on an any:
//
//	p := m.Ref(obj)         // obj is a *T of m (anything else panics)
//	id, _ := m.PrimaryKey()[0].Int(p)
//	snap := m.Snapshot(p)   // one allocation
//	obj2 := m.Object(p)     // the *T again, as an any
//
// A Snapshot (see snapshot.go) keeps raw copies of the plain column
// values, not an []any: Snapshot.Unchanged compares a field of the
// object with its copy in place, and Snapshot.Value boxes a copy without
// allocating (the interface points into the snapshot).
//
// A Ref is made only from a *T (Model.Ref), by Model.New, or from a
// relationship field (Relation.Get, Relation.Targets), so no caller can
// hand these methods an arbitrary address.
//
// # Per-model caches
//
// Packages that use models (session, loader) keep what they derive from
// a model (layouts, statement shapes) on the model itself, in a Slot
// registered once in a package variable with NewSlot: Slot.Get builds the
// value on a model's first use and returns the stored one afterwards,
// without a lock or an allocation. Concurrent first uses may build more
// than once, but all get the same value. A program has at most 8 slots.
package mapper
