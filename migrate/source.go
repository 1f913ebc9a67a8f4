package migrate

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Dialects are the dialect names a per-dialect file may carry.
var Dialects = []string{"postgres", "mysql", "sqlite"}

// FileName is a parsed migration file name:
// <version>_<name>[.<dialect>].(up|down).sql.
type FileName struct {
	Version int64
	Name    string
	Dialect string // "" for a generic file
	Down    bool
}

// ParseFileName parses a migration file name. The version is decimal
// digits; the name may not contain a dot.
func ParseFileName(file string) (FileName, error) {
	base, ok := strings.CutSuffix(file, ".sql")
	if !ok {
		return FileName{}, fmt.Errorf("%w: %s: not a .sql file", ErrSource, file)
	}
	var f FileName
	switch {
	case strings.HasSuffix(base, ".up"):
		base = strings.TrimSuffix(base, ".up")
	case strings.HasSuffix(base, ".down"):
		base, f.Down = strings.TrimSuffix(base, ".down"), true
	default:
		return FileName{}, fmt.Errorf("%w: %s: name must end in .up.sql or .down.sql", ErrSource, file)
	}
	if i := strings.IndexByte(base, '.'); i >= 0 {
		f.Dialect = base[i+1:]
		base = base[:i]
		if !slices.Contains(Dialects, f.Dialect) {
			return FileName{}, fmt.Errorf("%w: %s: unknown dialect %q (want one of %s)", ErrSource, file, f.Dialect, strings.Join(Dialects, ", "))
		}
	}
	v, name, ok := strings.Cut(base, "_")
	if !ok || v == "" || name == "" || strings.Trim(v, "0123456789") != "" {
		return FileName{}, fmt.Errorf("%w: %s: want <version>_<name>.up.sql with a decimal version", ErrSource, file)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return FileName{}, fmt.Errorf("%w: %s: version %s out of range", ErrSource, file, v)
	}
	f.Version, f.Name = n, name
	return f, nil
}

// load reads the SQL files at the root of fsys and merges the Go
// migrations, for the dialect that runs them.
func load(fsys fs.FS, goMigs []Migration, dialect string) ([]Migration, error) {
	type files struct {
		name                 string
		up, down, dUp, dDown string // paths: generic and this dialect's
		anyFile              string
	}
	byVersion := map[int64]*files{}
	if fsys != nil {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			return nil, fmt.Errorf("migrate: read migrations directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			f, err := ParseFileName(e.Name())
			if err != nil {
				return nil, err
			}
			fs := byVersion[f.Version]
			if fs == nil {
				fs = &files{name: f.Name, anyFile: e.Name()}
				byVersion[f.Version] = fs
			} else if fs.name != f.Name {
				return nil, fmt.Errorf("%w: version %d is used by %s and %s", ErrSource, f.Version, fs.anyFile, e.Name())
			}
			switch {
			case f.Dialect == "" && !f.Down:
				fs.up = e.Name()
			case f.Dialect == "" && f.Down:
				fs.down = e.Name()
			case f.Dialect == dialect && !f.Down:
				fs.dUp = e.Name()
			case f.Dialect == dialect && f.Down:
				fs.dDown = e.Name()
			}
		}
	}
	// Version order, so that the first bad file reported is the same on
	// every run.
	versions := slices.Sorted(maps.Keys(byVersion))
	var out []Migration
	for _, v := range versions {
		f := byVersion[v]
		up, down := cmp.Or(f.dUp, f.up), cmp.Or(f.dDown, f.down)
		if up == "" {
			if down != "" {
				return nil, fmt.Errorf("%w: %s has no matching up file", ErrSource, down)
			}
			continue // only files for other dialects
		}
		m := Migration{Version: v, Name: f.name, UpFile: up, DownFile: down}
		text, err := fs.ReadFile(fsys, up)
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", up, err)
		}
		sum := sha256.Sum256(text)
		m.Checksum = hex.EncodeToString(sum[:])
		if m.upSQL, err = splitFile(up, text, dialect); err != nil {
			return nil, err
		}
		if m.upNoTx, m.upFKOff, err = directives(up, text, dialect); err != nil {
			return nil, err
		}
		if down != "" {
			text, err := fs.ReadFile(fsys, down)
			if err != nil {
				return nil, fmt.Errorf("migrate: read %s: %w", down, err)
			}
			if m.downSQL, err = splitFile(down, text, dialect); err != nil {
				return nil, err
			}
			if m.downNoTx, m.downFKOff, err = directives(down, text, dialect); err != nil {
				return nil, err
			}
			m.hasDown = true
		}
		out = append(out, m)
	}
	for _, g := range goMigs {
		switch {
		case g.Version <= 0:
			return nil, fmt.Errorf("%w: go migration %q has version %d; versions are positive", ErrSource, g.Name, g.Version)
		case g.Name == "" || strings.ContainsAny(g.Name, ". /"):
			return nil, fmt.Errorf("%w: go migration %d: name %q must be non-empty, without dots, spaces or slashes", ErrSource, g.Version, g.Name)
		case g.upFn == nil:
			return nil, fmt.Errorf("%w: go migration %s has no up function (build it with migrate.Func)", ErrSource, g)
		}
		if f := byVersion[g.Version]; f != nil {
			return nil, fmt.Errorf("%w: version %d is both go migration %s and file %s", ErrSource, g.Version, g, f.anyFile)
		}
		if slices.ContainsFunc(out, func(m Migration) bool { return m.Version == g.Version }) {
			return nil, fmt.Errorf("%w: version %d is registered twice", ErrSource, g.Version)
		}
		g.hasDown = g.downFn != nil
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return out, nil
}

func splitFile(name string, text []byte, dialect string) ([]statement, error) {
	st, err := split(string(text), dialect)
	if err != nil {
		var se *splitError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %s:%d: %s", ErrSource, name, se.Line, se.Msg)
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrSource, name, err)
	}
	return st, nil
}

// NoTransaction is the directive, alone on a line of a SQL file, that runs
// the file's statements outside a transaction (PostgreSQL's CREATE INDEX
// CONCURRENTLY refuses to run in one).
const NoTransaction = "-- athanor:no-transaction"

// ForeignKeysOff is the directive, alone on a line of a SQL file, that
// runs the file in its transaction with foreign-key enforcement off
// (engine.TxOptions.ForeignKeysOff), for a table rebuild that drops a
// referenced table: on SQLite the references are checked with PRAGMA
// foreign_key_check before the version row is written, on MySQL/MariaDB
// they are not checked. PostgreSQL refuses it.
const ForeignKeysOff = "-- athanor:foreign-keys-off"

// directives reads a file's directive lines.
func directives(name string, text []byte, dialect string) (noTx, fkOff bool, err error) {
	for _, line := range strings.Split(string(text), "\n") {
		switch strings.TrimSpace(line) {
		case NoTransaction:
			if dialect == "sqlite" {
				return false, false, fmt.Errorf("%w: %s: %s is not supported on SQLite (it has no run-wide lock to keep the file from running twice; for a table rebuild use %s)", ErrSource, name, NoTransaction, ForeignKeysOff)
			}
			noTx = true
		case ForeignKeysOff:
			if dialect == "postgres" {
				return false, false, fmt.Errorf("%w: %s: %s is not supported on PostgreSQL (no per-transaction switch without superuser)", ErrSource, name, ForeignKeysOff)
			}
			fkOff = true
		}
	}
	if noTx && fkOff {
		return false, false, fmt.Errorf("%w: %s: %s and %s cannot be combined (foreign keys are turned off for the file's transaction)", ErrSource, name, NoTransaction, ForeignKeysOff)
	}
	return noTx, fkOff, nil
}
