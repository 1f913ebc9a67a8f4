// Command pgonly is a PostgreSQL-only program: it imports the engine and
// the pgx driver, and nothing else of Athanor's. The depcheck test lists
// what it links.
package main

import (
	"context"
	"fmt"
	"os"

	_ "github.com/athanor-orm/athanor/driver/pgxdriver"
	"github.com/athanor-orm/athanor/engine"
)

func main() {
	db, err := engine.Open(context.Background(), os.Getenv("ATHANOR_PG_PRIMARY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
}
