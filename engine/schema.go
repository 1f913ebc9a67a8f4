package engine

import (
	"context"
	"errors"

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
func (db *DB) CreateAll(ctx context.Context, s Schema) error { return CreateAll(ctx, db, s) }

// DropAll drops the tables of s that exist, dependents first.
func (db *DB) DropAll(ctx context.Context, s Schema) error { return DropAll(ctx, db, s) }

// CreateAll is DB.CreateAll on any Executor: a transaction (on PostgreSQL
// and SQLite, whose DDL is transactional, a rollback undoes it) or a
// router (the DDL runs on the default group's primary).
func CreateAll(ctx context.Context, ex Executor, s Schema) error {
	md, d, err := schemaOf(ex, s)
	if err != nil {
		return err
	}
	return md.CreateAll(ctx, d, execCompiled(ex), true)
}

// DropAll is DB.DropAll on any Executor.
func DropAll(ctx context.Context, ex Executor, s Schema) error {
	md, d, err := schemaOf(ex, s)
	if err != nil {
		return err
	}
	return md.DropAll(ctx, d, execCompiled(ex))
}

func schemaOf(ex Executor, s Schema) (*core.MetaData, core.Dialect, error) {
	d := ex.Dialect()
	if d == nil {
		return nil, nil, errors.New("engine: executor has no dialect")
	}
	md, err := s.MetaData()
	return md, d, err
}

// execCompiled runs DDL core has already compiled for ex's dialect.
func execCompiled(ex Executor) func(context.Context, core.Compiled) error {
	return func(ctx context.Context, c core.Compiled) error {
		_, err := ex.Exec(ctx, core.Raw(c.SQL, c.Args...))
		return err
	}
}
