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
// the first element is the column name (empty: the snake_case of the field
// name), then options. `athanor:"-"` skips a field; unexported fields are
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
//	                   text bytes date time timestamp timestamptz uuid json
//	default:V          server default (DDL): an integer, a float, true,
//	                   false, now, or a string; an INSERT leaves out a nil
//	                   pointer field with a default so the server fills it
//	unique, unique:N   single-column unique, or a named multi-column one
//	index, index:N     single-column index, or a named multi-column one
//	fk:table.col       FOREIGN KEY; ondelete:/onupdate: cascade, setnull,
//	                   restrict, setdefault, noaction
//	version            optimistic-locking counter (non-null integer):
//	                   set to 1 on insert, incremented and checked on update
//
// Table options go on a blank field: `_ struct{} athanor:",table:people,
// bind:analytics,schema:app"`; a TableName() string method also names the
// table. The default name is the snake_case plural of the struct name.
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
//	                   (both keys, composite primary key, ON DELETE CASCADE)
//	                   unless already mapped; joincol:/inversecol: name its
//	                   columns (default <model>_<pk>)
//	ondelete:A         ON DELETE of the foreign key the relationship adds
//
// A relationship adds its FOREIGN KEY constraint to the table holding the
// key unless a column tag declares it.
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
// MySQL and SQLite).
//
// # Errors
//
// Registration fails, and registers nothing, on a bad tag, an unknown
// column, an unsupported type or a broken relationship; the error names the
// struct, the field and the tag, and wraps ErrBadTag, ErrUnknownColumn,
// ErrUnsupportedType or ErrBadRelation.
package mapper
