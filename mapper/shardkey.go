package mapper

import "github.com/athanor-orm/athanor/core"

// A model's shard key is the column whose value chooses the shard of
// each of its rows when its table is in a router shard set. It is the
// single-column primary key unless a field is tagged shardkey: then that
// field chooses the shard, and the primary key, which the database may
// generate on each shard, is unique on one shard only. Identity maps then
// key a row by primary key and shard key together (IntKey is -1).

// ShardKey returns the field tagged shardkey, or nil.
func (m *Model) ShardKey() *Field { return m.shardKey }

// shardKeyTag records f, of column type ct, as m's shard key, after
// checking it can be one: a value the application sets before the row is
// written, compared exactly, and never changed by the flush.
func shardKeyTag(m *Model, f *Field, ct core.Type, tg tag, raw string) error {
	switch {
	case m.shardKey != nil:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "second shardkey field (first is %s)", m.shardKey.Name)
	case f.Deferred:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "a shardkey field cannot be deferred: every load needs it")
	case f.Nullable:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "a shardkey field cannot be nullable: every row has a shard")
	case f.Version:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "a version column cannot be the shard key: the flush changes it")
	case tg.flags["autoincrement"]:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "an autoincrement column cannot be the shard key: it must be set before the row is written")
	}
	switch ct.Kind {
	case core.TypeSmallInt, core.TypeInt, core.TypeBigInt, core.TypeString, core.TypeText, core.TypeEnum,
		core.TypeBytes, core.TypeUUID:
	default:
		return fieldError(m.Name, f.Name, raw, ErrBadTag, "a shard key must be an integer, string, bytes or UUID column, not %s", ct.Kind)
	}
	f.ShardKey = true
	m.shardKey = f
	return nil
}
