// Command engineonly imports the engine and no driver: the depcheck test
// checks that it links no driver library.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/athanor-orm/athanor/engine"
)

func main() {
	// Fails with "forgotten import of …/driver/pgxdriver": no driver is
	// linked.
	_, err := engine.Open(context.Background(), os.Getenv("ATHANOR_PG_PRIMARY"))
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
