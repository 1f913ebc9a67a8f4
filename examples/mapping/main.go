// Command mapping shows mapping features beyond the quickstart, on
// embedded SQLite in a temporary file:
//
//	go run ./examples/mapping
package main

import (
	"context"
	"log"
	"os"
	"path/filepath"

	_ "github.com/athanor-orm/athanor/driver/sqlitedriver" // sqlite://
	"github.com/athanor-orm/athanor/engine"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "athanor-mapping")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(dir, "mapping.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	return inheritanceDemo(ctx, db)
}
