// Package cli is Athanor's command line as a library: the `athanor`
// commands (migrations, schema inspection, replica status) behind one
// function, Main, that a program mounts in its own main. It owns flag
// parsing and output; the work is done by package migrate (and by the
// autogenerate and inspect functions a program provides).
//
// # Two ways to run it
//
// The stock binary, cmd/athanor, runs SQL migration files and links the
// three drivers:
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
// and is run as `go run ./cmd/mytool migrate up`. Import the drivers the
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
//	migrate autogenerate NAME        needs Options.Autogenerate
//	inspect                          needs Options.Inspect
//	replicas                         primary position; replica health, lag, position
//
// Global flags, accepted before or after the command: --dsn (default
// $ATHANOR_DSN), --dir (default ./migrations), --table, --replica
// (repeatable; default $ATHANOR_REPLICAS, comma-separated),
// --replica-timeout and --allow-missing. Given replicas, the migrate
// commands run through a router and wait until every replica has
// replayed the change (see package migrate). A command whose function
// the program did not provide fails with ErrNotAvailable's message.
//
// Main returns the exit code: 0, 1 when the command failed, 2 for a bad
// command line. Options.Stdout, Stderr and Getenv let tests run it in
// process.
package cli
