package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"

	"github.com/athanor-orm/athanor/core"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/migrate"
)

// ErrNoModels: `migrate autogenerate` run by a program that did not set
// Options.Models (the stock cmd/athanor binary).
var ErrNoModels = errors.New("autogenerate needs the models compiled in")

// autogenNameRE is the migration name migrate.Autogenerate accepts.
var autogenNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// autogenerateLive reflects the database behind ex (without the version
// table), diffs it against models and writes the migration. It is the
// only place that knows how: one call to swap for a library function
// doing the same.
func autogenerateLive(ctx context.Context, ex engine.Executor, models migrate.SchemaSource, versionTable string, opts migrate.AutogenOptions) (*migrate.Generated, error) {
	live, err := inspect.Reflect(ctx, ex, inspect.Options{Exclude: []string{versionTable}})
	if err != nil {
		return nil, fmt.Errorf("reflect the database: %w", err)
	}
	norm, err := migrate.NormalizeFor(ex.Dialect())
	if err != nil {
		return nil, err
	}
	opts.Dialect = ex.Dialect()
	mysql := opts.Dialect.Name() == "mysql" || opts.Dialect.Name() == "mariadb"
	opts.Diff.Normalize = func(live, model *core.TableDef) {
		norm(live, model)
		for _, def := range []*core.TableDef{live, model} {
			uniqueConstraints(def)
			if mysql {
				for i := range def.ForeignKeys {
					fk := &def.ForeignKeys[i]
					fk.OnDelete, fk.OnUpdate = restrict(fk.OnDelete), restrict(fk.OnUpdate)
				}
			}
		}
	}
	ignore := opts.Diff.Ignore
	opts.Diff.Ignore = func(t string) bool { return t == versionTable || ignore != nil && ignore(t) }
	return migrate.Autogenerate(ctx, live, models, opts)
}

func (r *runner) autogenerate(ctx context.Context) error {
	if err := r.nargs(1); err != nil {
		return err
	}
	name := r.args[0]
	if !autogenNameRE.MatchString(name) {
		return usageError{fmt.Sprintf("name %q: use lower-case letters, digits and '_'", name)}
	}
	if r.opts.Models == nil {
		return fmt.Errorf("%w: this binary has none. Mount cli.Main in your own main with cli.Options{Models: yourRegistry} "+
			"(a *mapper.Registry or any migrate.SchemaSource) and run `go run ./cmd/yourtool migrate autogenerate %s`", ErrNoModels, name)
	}
	db, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	g, err := autogenerateLive(ctx, db, r.opts.Models, r.table, migrate.AutogenOptions{
		Dir: r.dir, Name: name, Diff: migrate.DiffOptions{AllowDestructive: r.allowDestructive},
	})
	var de *migrate.DestructiveError
	switch {
	case errors.Is(err, migrate.ErrNoChanges):
		fmt.Fprintln(r.stdout, "no changes: the database matches the models")
		return nil
	case errors.As(err, &de):
		fmt.Fprintln(r.stderr, "destructive changes (nothing written; rerun with --allow-destructive to write them):")
		for _, c := range de.Changes {
			fmt.Fprintln(r.stderr, "  "+c.String())
		}
		return fmt.Errorf("%d destructive change(s): %w", len(de.Changes), migrate.ErrDestructive)
	case err != nil:
		return err
	}
	fmt.Fprintf(r.stdout, "migration %s_%s (%s), %d change(s):\n", g.Version, name, g.SQL.Dialect, len(g.Changes))
	for _, c := range g.Changes {
		fmt.Fprintln(r.stdout, "  "+c.String())
	}
	for _, f := range g.Files {
		fmt.Fprintln(r.stdout, "created", f)
	}
	fmt.Fprintln(r.stdout, "review the files, then run `migrate up`")
	return nil
}

// uniqueConstraints turns Column.Unique into an unnamed Unique, unless
// def already has one on that column alone: reflection reports some
// servers' column-level UNIQUE as a named constraint, and the diff
// matches constraints by their columns.
func uniqueConstraints(def *core.TableDef) {
	for i := range def.Columns {
		c := &def.Columns[i]
		if !c.Unique {
			continue
		}
		c.Unique = false
		if !slices.ContainsFunc(def.Uniques, func(u core.Unique) bool { return slices.Equal(u.Columns, []string{c.Name}) }) {
			def.Uniques = append(def.Uniques, core.Unique{Columns: []string{c.Name}})
		}
	}
}

// restrict: InnoDB reports NO ACTION as RESTRICT (they behave alike).
func restrict(a core.FKAction) core.FKAction {
	if a == core.NoAction {
		return core.Restrict
	}
	return a
}
