package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/migrate"
	"github.com/athanor-orm/athanor/router"
)

// Options configure Main. The zero value runs the SQL files of --dir
// with the process's standard streams and environment.
type Options struct {
	// Stdout and Stderr default to os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Getenv defaults to os.Getenv; tests replace it.
	Getenv func(string) string
	// Migrations are the program's Go migrations (migrate.Func).
	Migrations []migrate.Migration
	// FS, if set, is the migrations source instead of the --dir directory
	// (an embed.FS through fs.Sub). `migrate new` still writes to --dir.
	FS fs.FS
	// Table is the version table; default migrate.DefaultTable, and the
	// --table flag overrides it.
	Table string
	// Models are the program's models (a *mapper.Registry, or any
	// migrate.SchemaSource) that `migrate autogenerate` compares with the
	// live database. Nil: autogenerate fails with ErrNoModels.
	Models migrate.SchemaSource
	// Now defaults to time.Now; it dates timestamp versions.
	Now func() time.Time
}

// Exit codes of Main.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

type command struct {
	name, args, help string
	run              func(r *runner, ctx context.Context) error
}

var commands []command

func init() {
	commands = []command{
		{"migrate new", "NAME [--timestamp]", "create the up and down files of a new migration with the next version", (*runner).newMigration},
		{"migrate up", "[--to V]", "apply pending migrations (all, or up to version V)", (*runner).up},
		{"migrate down", "[--to V]", "revert the last migration (or all above version V; --to 0 reverts all)", (*runner).down},
		{"migrate redo", "", "revert the last migration and apply it again", (*runner).redo},
		{"migrate to", "V", "bring the database to version V, applying or reverting", (*runner).cmdTo},
		{"migrate status", "", "list migrations: applied, pending, missing or changed", (*runner).status},
		{"migrate autogenerate", "NAME [--allow-destructive]", "write a migration: models vs the database (needs cli.Options.Models)", (*runner).autogenerate},
		{"inspect", "[--json] [--table T]... [--schema S]", "print the database's schema (tables, keys, indexes, enums)", (*runner).inspect},
		{"replicas", "", "show the primary's position and each replica's health, lag and position", (*runner).cmdReplicas},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: athanor [global flags] COMMAND [flags]\n\ncommands:\n")
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.args, c.help)
	}
	tw.Flush()
	fmt.Fprint(w, `
global flags (anywhere on the line):
  --dsn DSN              database (default $ATHANOR_DSN)
  --replica DSN          a replica, repeatable (default $ATHANOR_REPLICAS, comma-separated);
                         with migrate commands, wait until the replicas have the changes
  --replica-timeout D    bound of that wait (default 1m)
  --dir DIR              migrations directory (default ./migrations)
  --table NAME           version table (default athanor_migrations); with inspect,
                         a table to print (repeatable)
  --allow-missing        let up run with applied versions that have no file
`)
}

// runner holds one invocation's flags and streams.
type runner struct {
	opts             Options
	stdout, stderr   io.Writer
	dsn, dir         string
	table            string
	replicas         []string
	replicaTimeout   time.Duration
	to               int64
	toSet            bool
	timestamp        bool
	allowMissing     bool
	allowDestructive bool
	json             bool     // inspect --json
	schema           string   // inspect --schema
	tables           []string // every --table given
	args             []string // positional arguments after the command
}

type listFlag struct{ vals *[]string }

func (l listFlag) String() string { return "" }
func (l listFlag) Set(s string) error {
	*l.vals = append(*l.vals, s)
	return nil
}

// Main runs one command line (without the program name) and returns the
// process exit code: ExitOK, ExitError for a failed command, ExitUsage
// for a bad command line.
func Main(ctx context.Context, args []string, opts Options) int {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &runner{opts: opts, stdout: opts.Stdout, stderr: opts.Stderr}
	fset := flag.NewFlagSet("athanor", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	fset.StringVar(&r.dsn, "dsn", opts.Getenv("ATHANOR_DSN"), "")
	fset.StringVar(&r.dir, "dir", "migrations", "")
	fset.Var(listFlag{&r.tables}, "table", "")
	fset.BoolVar(&r.allowDestructive, "allow-destructive", false, "")
	fset.BoolVar(&r.json, "json", false, "")
	fset.StringVar(&r.schema, "schema", "", "")
	fset.Var(listFlag{&r.replicas}, "replica", "")
	fset.DurationVar(&r.replicaTimeout, "replica-timeout", time.Minute, "")
	toFlag := fset.String("to", "", "")
	fset.BoolVar(&r.timestamp, "timestamp", false, "")
	fset.BoolVar(&r.allowMissing, "allow-missing", false, "")
	help := fset.Bool("help", false, "")
	fset.BoolVar(help, "h", false, "")

	// Flags may come before or after the command words; after "--"
	// everything is an argument.
	var words, tail []string
	rest := args
	for i, a := range args {
		if a == "--" {
			rest, tail = args[:i], args[i+1:]
			break
		}
	}
	for {
		if err := fset.Parse(rest); err != nil {
			fmt.Fprintf(r.stderr, "athanor: %v\n\n", err)
			usage(r.stderr)
			return ExitUsage
		}
		rest = fset.Args()
		if len(rest) == 0 {
			break
		}
		words = append(words, rest[0])
		rest = rest[1:]
	}
	words = append(words, tail...)
	if *help || len(words) == 0 || words[0] == "help" {
		usage(r.stdout)
		if len(words) == 0 && !*help {
			return ExitUsage
		}
		return ExitOK
	}
	if len(r.replicas) == 0 {
		for _, s := range strings.Split(opts.Getenv("ATHANOR_REPLICAS"), ",") {
			if s = strings.TrimSpace(s); s != "" {
				r.replicas = append(r.replicas, s)
			}
		}
	}
	if *toFlag != "" {
		v, err := strconv.ParseInt(*toFlag, 10, 64)
		if err != nil || v < 0 {
			fmt.Fprintf(r.stderr, "athanor: --to %q: want a version (decimal digits)\n", *toFlag)
			return ExitUsage
		}
		r.to, r.toSet = v, true
	}
	var cmd *command
	for i := range commands {
		n := strings.Fields(commands[i].name)
		if len(words) >= len(n) && strings.Join(words[:len(n)], " ") == commands[i].name {
			cmd = &commands[i]
			r.args = words[len(n):]
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(r.stderr, "athanor: unknown command %q\n\n", strings.Join(words, " "))
		usage(r.stderr)
		return ExitUsage
	}
	if msg := r.misplacedFlag(fset, cmd.name); msg != "" {
		fmt.Fprintf(r.stderr, "athanor: %s\n", msg)
		return ExitUsage
	}
	r.table = cmpOr(opts.Table, migrate.DefaultTable)
	if cmd.name != "inspect" {
		if len(r.tables) > 1 {
			fmt.Fprintf(r.stderr, "athanor: --table given %d times: %s takes one version table\n", len(r.tables), cmd.name)
			return ExitUsage
		}
		if len(r.tables) == 1 {
			r.table = r.tables[0]
		}
	}
	if err := cmd.run(r, ctx); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(r.stderr, "athanor %s: %v\nusage: athanor %s %s\n", cmd.name, err, cmd.name, cmd.args)
			return ExitUsage
		}
		fmt.Fprintf(r.stderr, "athanor %s: %v\n", cmd.name, err)
		return ExitError
	}
	return ExitOK
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *runner) nargs(n int) error {
	if len(r.args) != n {
		return usageError{fmt.Sprintf("want %d argument(s), got %d", n, len(r.args))}
	}
	return nil
}

func (r *runner) open(ctx context.Context) (*engine.DB, error) {
	if r.dsn == "" {
		return nil, usageError{"no database: give --dsn or set ATHANOR_DSN"}
	}
	return engine.Open(ctx, r.dsn)
}

func (r *runner) source() fs.FS {
	if r.opts.FS != nil {
		return r.opts.FS
	}
	if _, err := os.Stat(r.dir); err != nil && len(r.opts.Migrations) > 0 {
		return nil // Go migrations only
	}
	return os.DirFS(r.dir)
}

// migrator opens the database (through a router when replicas are
// given) and builds the migrator; closing it closes what it opened.
func (r *runner) migrator(ctx context.Context) (*migrate.Migrator, func(), error) {
	var ex engine.Executor
	var closer func()
	if len(r.replicas) == 0 {
		db, err := r.open(ctx)
		if err != nil {
			return nil, nil, err
		}
		ex, closer = db, func() { db.Close() }
	} else {
		rt, err := r.router(ctx)
		if err != nil {
			return nil, nil, err
		}
		ex, closer = rt, func() { rt.Close() }
	}
	m, err := migrate.New(ex, migrate.Config{
		FS: r.source(), Migrations: r.opts.Migrations, Table: r.table,
		AllowMissing: r.allowMissing, ReplicaTimeout: r.replicaTimeout, Log: r.stdout,
	})
	if err != nil {
		closer()
		return nil, nil, err
	}
	return m, closer, nil
}

func (r *runner) router(ctx context.Context) (*router.Router, error) {
	primary, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	gc := router.GroupConfig{Name: router.DefaultGroup, Primary: primary}
	closeAll := func() {
		primary.Close()
		for _, db := range gc.Replicas {
			db.Close()
		}
	}
	for i, dsn := range r.replicas {
		db, err := engine.Open(ctx, dsn)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("replica %d: %w", i+1, err)
		}
		gc.Replicas = append(gc.Replicas, db)
	}
	rt, err := router.New(router.Config{Groups: []router.GroupConfig{gc}})
	if err != nil {
		closeAll()
		return nil, err
	}
	return rt, nil
}

func (r *runner) runMigrator(ctx context.Context, fn func(context.Context, *migrate.Migrator) (*migrate.Result, error)) error {
	m, closeFn, err := r.migrator(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	res, err := fn(ctx, m)
	if err != nil {
		return err
	}
	if len(res.Steps) == 0 {
		fmt.Fprintln(r.stdout, "nothing to do: the database is at the requested version")
	}
	return nil
}

func (r *runner) up(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	return r.runMigrator(ctx, func(ctx context.Context, m *migrate.Migrator) (*migrate.Result, error) {
		return m.UpTo(ctx, r.to)
	})
}

func (r *runner) down(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	return r.runMigrator(ctx, func(ctx context.Context, m *migrate.Migrator) (*migrate.Result, error) {
		if r.toSet {
			return m.DownTo(ctx, r.to)
		}
		return m.Down(ctx)
	})
}

func (r *runner) redo(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	return r.runMigrator(ctx, func(ctx context.Context, m *migrate.Migrator) (*migrate.Result, error) {
		return m.Redo(ctx)
	})
}

func (r *runner) cmdTo(ctx context.Context) error {
	if err := r.nargs(1); err != nil {
		return err
	}
	v, err := strconv.ParseInt(r.args[0], 10, 64)
	if err != nil || v < 0 {
		return usageError{fmt.Sprintf("version %q: want decimal digits", r.args[0])}
	}
	return r.runMigrator(ctx, func(ctx context.Context, m *migrate.Migrator) (*migrate.Result, error) {
		return m.To(ctx, v)
	})
}

func (r *runner) status(ctx context.Context) error {
	if err := r.nargs(0); err != nil {
		return err
	}
	m, closeFn, err := r.migrator(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(r.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT\tSOURCE")
	pending := 0
	for _, s := range st {
		state, at := "pending", ""
		switch {
		case s.Missing:
			state = "MISSING (applied, no source)"
		case s.Changed:
			state = "CHANGED since applied"
		case s.Applied:
			state = "applied"
		default:
			pending++
		}
		if s.Applied {
			at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Version, s.Name, state, at, s.Source)
	}
	tw.Flush()
	fmt.Fprintf(r.stdout, "%d migration(s), %d pending\n", len(st), pending)
	return nil
}

// validName is a migration name: letters, digits, '_' and '-'.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (r *runner) newMigration(ctx context.Context) error {
	if err := r.nargs(1); err != nil {
		return err
	}
	name := r.args[0]
	if !validName(name) {
		return usageError{fmt.Sprintf("name %q: use letters, digits, '_' and '-'", name)}
	}
	v, err := migrate.NextVersion(os.DirFS(r.dir), r.timestamp, r.opts.Now())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	for _, dir := range []string{"up", "down"} {
		path := filepath.Join(r.dir, v+"_"+name+"."+dir+".sql")
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(f, "-- %s: %s (%s)\n", name, dir, map[string]string{"up": "apply", "down": "revert"}[dir])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(r.stdout, "created", path)
	}
	return nil
}

// flagCommands lists the flags that only some commands take.
var flagCommands = map[string][]string{
	"to":                {"migrate up", "migrate down"},
	"timestamp":         {"migrate new"},
	"allow-destructive": {"migrate autogenerate"},
	"json":              {"inspect"},
	"schema":            {"inspect"},
}

// misplacedFlag returns the message for a flag given to a command that
// does not take it, or "".
func (r *runner) misplacedFlag(fset *flag.FlagSet, cmd string) string {
	msg := ""
	fset.Visit(func(f *flag.Flag) {
		if cmds, ok := flagCommands[f.Name]; ok && msg == "" && !slices.Contains(cmds, cmd) {
			msg = fmt.Sprintf("--%s applies to %s, not %s", f.Name, strings.Join(cmds, " and "), cmd)
		}
	})
	return msg
}
