// Command athanor runs Athanor's command line (package cli) with the
// PostgreSQL, MySQL/MariaDB and SQLite drivers: SQL migrations, schema
// inspection, replica status. `migrate autogenerate` needs the models
// compiled in: programs with models or Go migrations mount cli.Main in
// their own main instead; see package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/athanor-orm/athanor/cli"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Options{})
	stop()
	os.Exit(code)
}
