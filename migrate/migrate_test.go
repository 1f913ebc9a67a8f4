package migrate_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/migrate"
)

func Example() {
	ctx := context.Background()
	db, err := engine.Open(ctx, "sqlite::memory:")
	if err != nil {
		panic(err)
	}
	defer db.Close()

	files := fstest.MapFS{ // usually os.DirFS("migrations")
		"0001_authors.up.sql":   {Data: []byte("CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT);")},
		"0001_authors.down.sql": {Data: []byte("DROP TABLE authors;")},
	}
	seed := migrate.Func(2, "seed_authors", func(ctx context.Context, ex engine.Executor) error {
		_, err := ex.Exec(ctx, core.Raw("INSERT INTO authors (name) VALUES (?)", "Ada"))
		return err
	}, nil)

	m, err := migrate.New(db, migrate.Config{FS: files, Migrations: []migrate.Migration{seed}})
	if err != nil {
		panic(err)
	}
	res, err := m.Up(ctx)
	if err != nil {
		panic(err)
	}
	for _, s := range res.Steps {
		fmt.Println("applied", s.Version, s.Name, "from", s.Source)
	}
	st, _ := m.Status(ctx)
	fmt.Println(len(st), "migrations, last applied:", st[len(st)-1].Applied)
	// Output:
	// applied 1 authors from 0001_authors.up.sql
	// applied 2 seed_authors from go migration 2_seed_authors
	// 2 migrations, last applied: true
}
