package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/inspect"
	"github.com/athanor-orm/athanor/mapper"
)

// SchemaSource is anything that yields schema metadata: a *core.MetaData,
// a *mapper.Registry (the models), or a reflected live schema.
type SchemaSource interface {
	MetaData() (*core.MetaData, error)
}

// AutogenOptions configures Autogenerate.
type AutogenOptions struct {
	// Dir is the migrations directory; it must exist.
	Dir string
	// Name is the migration's name in its file names: lower-case letters,
	// digits and '_'.
	Name string
	// Dialect selects the SQL and the file-name tag.
	Dialect core.Dialect
	// Diff is passed to Diff (renames, AllowDestructive, normalisation).
	Diff DiffOptions
	// Version, when set (digits only), is the new migration's version
	// instead of the next number after the highest in Dir.
	Version string
	// VersionTable is the migration version table, which AutogenerateLive
	// and DiffLive leave out of the live schema; default
	// "athanor_migrations".
	VersionTable string
	// Inspect selects what AutogenerateLive and DiffLive reflect (Schema,
	// Include, Exclude); VersionTable is added to Exclude.
	Inspect inspect.Options
}

// Generated is what Autogenerate wrote.
type Generated struct {
	// Version is the new migration's version, such as "0007".
	Version string
	// Files are the paths written: the up file, then the down file.
	Files []string
	// Changes are the changes the files make, in up order.
	Changes []Change
	// SQL is the rendered plan.
	SQL *Rendered
}

// ErrNoChanges is returned by Autogenerate when the live schema already
// matches the models; nothing is written.
var ErrNoChanges = errors.New("migrate: no schema changes")

var (
	nameRE    = regexp.MustCompile(`^[a-z0-9_]+$`)
	versionRE = regexp.MustCompile(`^([0-9]+)_`)
)

// ModelRenames returns the column renames the models of reg declare with
// the renamed_from: tag option, for DiffOptions.Renames.
func ModelRenames(reg *mapper.Registry) []Rename {
	var out []Rename
	seen := map[Rename]bool{}
	for _, m := range reg.Models() {
		for _, f := range m.Fields() {
			if f.RenamedFrom == "" {
				continue
			}
			// The column's own table: a joined-table subtype's fields live
			// in its table, and a base's fields appear in every subtype.
			r := Rename{Table: f.Col.Table().FullName(), Column: f.Column, From: f.RenamedFrom}
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Autogenerate diffs live against models and writes the migration as
// <version>_<name>.<dialect>.up.sql and .down.sql in opts.Dir, the
// version being opts.Version or else the next number after the highest
// in the directory (zero-padded to four digits). An empty diff writes
// nothing and returns ErrNoChanges; destructive changes without
// opts.Diff.AllowDestructive return a *DestructiveError and write
// nothing. When models is a *mapper.Registry, its renamed_from: tags are
// added to the renames. When live is a reflected *inspect.Schema and
// opts.Diff.Normalize is nil, the comparison is normalised with
// NormalizeFor(opts.Dialect), as AutogenerateLive's is.
func Autogenerate(ctx context.Context, live, models SchemaSource, opts AutogenOptions) (*Generated, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkNames(opts); err != nil {
		return nil, err
	}
	from, err := live.MetaData()
	if err != nil {
		return nil, fmt.Errorf("migrate: autogenerate: live schema: %w", err)
	}
	if _, reflected := live.(*inspect.Schema); reflected && opts.Diff.Normalize == nil {
		if opts.Diff.Normalize, err = NormalizeFor(opts.Dialect); err != nil {
			return nil, err
		}
	}
	plan, err := diffModels(from, models, opts.Diff)
	if err != nil {
		return nil, err
	}
	return write(plan, opts)
}

func checkNames(opts AutogenOptions) error {
	if !nameRE.MatchString(opts.Name) {
		return fmt.Errorf("migrate: autogenerate: migration name %q: want lower-case letters, digits and '_'", opts.Name)
	}
	if opts.Version != "" && !digitsRE.MatchString(opts.Version) {
		return fmt.Errorf("migrate: autogenerate: version %q: want digits", opts.Version)
	}
	return nil
}

var digitsRE = regexp.MustCompile(`^[0-9]+$`)

// diffModels diffs from against the models, adding a registry's
// renamed_from: tags to the renames.
func diffModels(from *core.MetaData, models SchemaSource, opts DiffOptions) (*Plan, error) {
	to, err := models.MetaData()
	if err != nil {
		return nil, fmt.Errorf("migrate: models: %w", err)
	}
	if reg, ok := models.(*mapper.Registry); ok {
		opts.Renames = append(slices.Clone(opts.Renames), ModelRenames(reg)...)
	}
	return Diff(from, to, opts)
}

// write renders plan for opts.Dialect and writes its files.
func write(plan *Plan, opts AutogenOptions) (*Generated, error) {
	if plan.Empty() {
		return nil, ErrNoChanges
	}
	script, err := plan.Render(opts.Dialect)
	if err != nil {
		return nil, err
	}
	version, files, err := writeMigration(opts.Dir, opts.Name, opts.Version, script)
	if err != nil {
		return nil, err
	}
	return &Generated{Version: version, Files: files, Changes: plan.Changes, SQL: script}, nil
}

// writeMigration writes the script's two files under the next version
// in dir. A file is created exclusively, so a concurrent run taking the
// same version fails instead of overwriting.
func writeMigration(dir, name, version string, s *Rendered) (_ string, files []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("migrate: migrations directory: %w", err)
	}
	if version != "" {
		entries = nil
	}
	next := uint64(1)
	for _, e := range entries {
		m := versionRE.FindStringSubmatch(e.Name())
		if m == nil || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		n, err := strconv.ParseUint(m[1], 10, 63)
		if err != nil {
			return "", nil, fmt.Errorf("migrate: migration file %q: version: %w", e.Name(), err)
		}
		next = max(next, n+1)
	}
	if version == "" {
		version = fmt.Sprintf("%04d", next)
	}
	for _, part := range []struct {
		dir   string
		stmts []string
	}{{"up", s.Up}, {"down", s.Down}} {
		path := filepath.Join(dir, fmt.Sprintf("%s_%s.%s.%s.sql", version, name, s.Dialect, part.dir))
		var b strings.Builder
		if s.ForeignKeysOff {
			b.WriteString(ForeignKeysOff + "\n-- (a table rebuild: foreign keys are off in its transaction and checked before commit)\n")
		}
		for _, st := range part.stmts {
			b.WriteString(st)
			b.WriteString(";\n")
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return "", files, fmt.Errorf("migrate: write migration: %w", err)
		}
		_, werr := f.WriteString(b.String())
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return "", files, fmt.Errorf("migrate: write migration %s: %w", path, werr)
		}
		files = append(files, path)
	}
	return version, files, nil
}
