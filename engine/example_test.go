package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/engine"
)

func Example() {
	dir, _ := os.MkdirTemp("", "athanor-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := engine.Open(ctx, "sqlite://"+filepath.Join(dir, "app.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	users := core.MustTable(core.TableDef{Name: "users", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true},
		{Name: "email", Type: core.String(200)},
	}})
	type User struct {
		ID    int64
		Email string
	}
	_, _ = db.Exec(ctx, core.CreateTable(users))
	err = db.RunInTx(ctx, engine.TxOptions{}, func(ctx context.Context, tx *engine.Tx) error {
		_, err := tx.Exec(ctx, core.Insert(users).Columns(users.C("id"), users.C("email")).Values(1, "ada@example.com"))
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	u, err := engine.One[User](ctx, db, core.Select(users.Star()).From(users).Where(core.Eq(users.C("id"), 1)))
	fmt.Println(u.Email, err)
	// Output: ada@example.com <nil>
}
