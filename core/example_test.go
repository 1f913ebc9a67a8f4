package core_test

import (
	"fmt"

	"github.com/athanor-orm/athanor/core"
	"github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/dialect/postgres"
)

func Example() {
	users := core.MustTable(core.TableDef{Name: "users", Columns: []core.Column{
		{Name: "id", Type: core.BigInt(), PrimaryKey: true, AutoIncrement: true},
		{Name: "email", Type: core.String(255)},
	}})
	q := core.Select(users.C("id")).From(users).
		Where(core.ILike(users.C("email"), "%@example.com"), core.In(users.C("id"), []int64{1, 2, 3})).
		OrderBy(core.Desc(users.C("id"))).Limit(10)

	pg, _ := core.Compile(postgres.Dialect, q)
	fmt.Println(pg.SQL)
	fmt.Println(pg.Args, pg.Writes, pg.Tables)

	my, _ := core.Compile(mysql.MariaDB, q)
	fmt.Println(my.SQL)
	fmt.Println(my.Args)
	// Output:
	// SELECT "users"."id" FROM "users" WHERE "users"."email" ILIKE $1 AND "users"."id" = ANY($2) ORDER BY "users"."id" DESC LIMIT $3
	// [%@example.com [1 2 3] 10] false [users]
	// SELECT `users`.`id` FROM `users` WHERE LOWER(`users`.`email`) LIKE LOWER(?) AND `users`.`id` IN (?, ?, ?) ORDER BY `users`.`id` DESC LIMIT ?
	// [%@example.com 1 2 3 10]
}

func ExampleRaw() {
	// Raw is the escape hatch: the text is sent as written, values still
	// bound. Mark reads as ReadOnly so the router may use a replica.
	q := core.Raw("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn", "0/0").ReadOnly()
	c, _ := core.Compile(postgres.Dialect, q)
	fmt.Println(c.SQL, c.Writes)
	// Output: SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn false
}
