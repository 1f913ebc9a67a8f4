package engine

import (
	"context"

	"github.com/athanor-orm/athanor/core"
)

// Schema is a set of tables CreateAll and DropAll work on: a
// *core.MetaData, or a *mapper.Registry (the tables of its models and
// their link tables). The engine takes the interface so that it needs no
// import of mapper.
type Schema interface {
	MetaData() (*core.MetaData, error)
}

// CreateAll creates the tables, indexes (and on PostgreSQL the enum types)
// of s that do not exist yet, in dependency order, on db's database. Like
// SQLAlchemy's create_all it can be run again: existing tables are kept
// as they are, not altered.
func (db *DB) CreateAll(ctx context.Context, s Schema) error {
	md, err := s.MetaData()
	if err != nil {
		return err
	}
	return md.CreateAll(ctx, db.dialect, db.execCompiled, true)
}

// DropAll drops the tables of s that exist, dependents first.
func (db *DB) DropAll(ctx context.Context, s Schema) error {
	md, err := s.MetaData()
	if err != nil {
		return err
	}
	return md.DropAll(ctx, db.dialect, db.execCompiled)
}

// execCompiled runs DDL core has already compiled for db's dialect.
func (db *DB) execCompiled(ctx context.Context, c core.Compiled) error {
	_, err := db.Exec(ctx, core.Raw(c.SQL, c.Args...))
	return err
}
