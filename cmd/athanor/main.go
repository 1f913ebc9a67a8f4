// Command athanor runs Athanor's command line (package cli) with the
// PostgreSQL, MySQL/MariaDB and SQLite drivers: SQL migrations, replica
// status. Programs with Go migrations or models mount cli.Main in their
// own main instead; see package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/athanor-orm/athanor/cli"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver"
	_ "github.com/athanor-orm/athanor/driver/sqlitedriver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Options{})
	stop()
	os.Exit(code)
}
