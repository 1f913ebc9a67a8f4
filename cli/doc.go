// Package cli is Athanor's command line as a library: the `athanor`
// commands (migrations, schema inspection, replica status) behind one
// function, Main, that a program mounts in its own main. It owns flag
// parsing and output; the work is done by packages migrate and inspect.
//
// # Two ways to run it
//
// The stock binary, cmd/athanor, links the three drivers and runs every
// command but migrate autogenerate:
//
//	go run github.com/athanor-orm/athanor/cmd/athanor --dsn postgres://app@db/shop migrate up
//
// A program with Go migrations or models mounts the same commands in its
// own main (as Alembic loads a project's env.py), so the commands see
// what only the program knows:
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
//		defer stop()
//		os.Exit(cli.Main(ctx, os.Args[1:], cli.Options{
//			Migrations: []migrate.Migration{
//				migrate.Func(3, "backfill_slugs", backfillUp, backfillDown),
//			},
//			Models: mapper.Default,     // for migrate autogenerate
//			FS:     embeddedMigrations, // optional: instead of --dir
//		}))
//	}
//
// and is run as `go run ./cmd/mytool migrate autogenerate add_pages`.
// Models is a *mapper.Registry or any migrate.SchemaSource; without it
// autogenerate fails with ErrNoModels. Import the drivers the
// program needs (driver/mysqldriver, driver/sqlitedriver); PostgreSQL is
// built in.
//
// # Commands
//
//	migrate new NAME [--timestamp]   create NNNN_NAME.up.sql and .down.sql
//	migrate up [--to V]              apply pending migrations
//	migrate down [--to V]            revert the last one (or all above V)
//	migrate redo                     revert the last one and apply it again
//	migrate to V                     go to version V
//	migrate status                   applied, pending, missing, changed
//	migrate autogenerate NAME        write a migration: the models against the database
//	inspect [--json] [--table T]...  print the database's schema
//	replicas                         primary position; replica health, lag, position
//
// Global flags, accepted before or after the command: --dsn (default
// $ATHANOR_DSN), --dir (default ./migrations), --table, --replica
// (repeatable; default $ATHANOR_REPLICAS, comma-separated),
// --replica-timeout and --allow-missing. Given replicas, the migrate
// commands run through a router and wait until every replica has
// replayed the change (see package migrate). A flag given to a command
// that does not take it (--to, --timestamp, --allow-destructive, --json,
// --schema) is a usage error.
//
// # migrate autogenerate NAME
//
// Reflects the database (inspect.Reflect, without the version table),
// diffs it against Options.Models (migrate.Autogenerate, with the
// renamed_from: tags of a *mapper.Registry) and writes
// <version>_NAME.<dialect>.up.sql and .down.sql into --dir for the
// database's dialect, then prints the changes and the files. NAME is
// lower-case letters, digits and '_'. With nothing to change it prints
// "no changes" and writes nothing. Destructive changes (a dropped table or
// column, a narrowed type, a removed enum value) are listed and nothing is
// written, exit 1, unless --allow-destructive is given.
//
// # inspect
//
// Prints the schema inspect.Reflect reads: one block per table (columns
// with type, nullability, server default, autoincrement and comment;
// primary key; uniques; indexes with expression keys and partial WHERE;
// foreign keys with their actions; checks), the PostgreSQL enum types,
// and the reflection's warnings (what it left out). --table NAME
// (repeatable) limits it to those tables, a missing one being an error;
// for inspect, --table does not name the version table. --schema is the
// PostgreSQL schema or the MariaDB database (default: public, the
// connection's database). --json prints a SchemaView instead, indented,
// with every expression as SQL text.
//
// Main returns the exit code: 0, 1 when the command failed, 2 for a bad
// command line. Options.Stdout, Stderr and Getenv let tests run it in
// process.
package cli
