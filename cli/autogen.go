package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/athanor-orm/athanor/migrate"
)

// ErrNoModels: `migrate autogenerate` run by a program that did not set
// Options.Models (the stock cmd/athanor binary).
var ErrNoModels = errors.New("autogenerate needs the models compiled in")

// autogenNameRE is the migration name migrate.Autogenerate accepts.
var autogenNameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

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
	g, err := migrate.AutogenerateLive(ctx, db, r.opts.Models, migrate.AutogenOptions{
		Dir: r.dir, Name: name, VersionTable: r.table,
		Diff: migrate.DiffOptions{AllowDestructive: r.allowDestructive},
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
