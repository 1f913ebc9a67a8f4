package migrate

import (
	"context"
	"fmt"
	"slices"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
)

// DiffLive reflects the database behind ex (inspect.Reflect with
// opts.Inspect, leaving out opts.VersionTable) and diffs it against the
// models with opts.Diff, normalising with NormalizeFor of ex's dialect
// unless opts.Diff.Normalize is set. When models is a *mapper.Registry,
// its renamed_from: tags are added to the renames. An empty plan means
// the database holds what the models declare. Dir and Name are not used.
// With opts.Inspect.Schema set the reflected tables carry the schema in
// their names, so the models' tables must name it too.
func DiffLive(ctx context.Context, ex engine.Executor, models SchemaSource, opts AutogenOptions) (*Plan, error) {
	d := ex.Dialect()
	if d == nil {
		return nil, fmt.Errorf("migrate: diff live: executor has no dialect")
	}
	if opts.Dialect != nil && opts.Dialect.Name() != d.Name() {
		return nil, fmt.Errorf("migrate: diff live: dialect %q, but the database is %q", opts.Dialect.Name(), d.Name())
	}
	vt := opts.VersionTable
	if vt == "" {
		vt = DefaultTable
	}
	io := opts.Inspect
	io.Exclude = append(slices.Clone(io.Exclude), vt)
	s, err := inspect.Reflect(ctx, ex, io)
	if err != nil {
		return nil, fmt.Errorf("migrate: diff live: %w", err)
	}
	live, err := s.MetaData()
	if err != nil {
		return nil, fmt.Errorf("migrate: diff live: reflected schema: %w", err)
	}
	if opts.Diff.Normalize == nil {
		if opts.Diff.Normalize, err = NormalizeFor(d); err != nil {
			return nil, err
		}
	}
	ignore := opts.Diff.Ignore
	opts.Diff.Ignore = func(table string) bool { return table == vt || ignore != nil && ignore(table) }
	return diffModels(live, models, opts.Diff)
}

// AutogenerateLive is Autogenerate with the live schema read from the
// database behind ex, as DiffLive reads and compares it; opts.Dialect
// defaults to ex's.
func AutogenerateLive(ctx context.Context, ex engine.Executor, models SchemaSource, opts AutogenOptions) (*Generated, error) {
	if err := checkNames(opts); err != nil {
		return nil, err
	}
	plan, err := DiffLive(ctx, ex, models, opts)
	if err != nil {
		return nil, err
	}
	if opts.Dialect == nil {
		opts.Dialect = ex.Dialect()
	}
	return write(plan, opts)
}
