// Command quickstart is Athanor's first tour. It runs with no database
// server: the embedded SQLite default (modernc.org/sqlite, pure Go) in a
// temporary file. It grows into the ORM tour as the layers land.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "athanor-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	db, err := sql.Open("sqlite", filepath.Join(dir, "quickstart.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	if _, err := db.ExecContext(ctx, `CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	for _, name := range []string{"Ursula K. Le Guin", "Italo Calvino"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO authors (name) VALUES (?)`, name); err != nil {
			return fmt.Errorf("insert %q: %w", name, err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM authors ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		fmt.Printf("author %d: %s\n", id, name)
	}
	return rows.Err()
}
