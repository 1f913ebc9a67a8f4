package bench

import (
	"context"
	"fmt"
	"os"
	"testing"

	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/athanor-orm/athanor/internal/testdb"
)

// PgBouncerReadByPK and PgBouncerTx3: ReadByPK and Tx3 on one database,
// each implementation directly (<impl>) and through PgBouncer in
// transaction pooling mode (<impl>-pgbouncer, ATHANOR_PGBOUNCER), both
// with poolSize client connections. Through PgBouncer, athanor's engine
// runs with its driver's pgbouncer=true (no named prepared statements),
// raw pgx and the database/sql peers with pgx's cache_describe mode (what
// testdb turns pgbouncer=true into for them), and GORM without
// PrepareStmt (its prepared statements are named and live on one server
// connection, which transaction pooling does not keep). The database
// runs with synchronous_commit=off (set on the database, since PgBouncer
// refuses it as a startup parameter).

// bouncerEnvs returns the direct env and the one through PgBouncer, on
// one fresh database.
func bouncerEnvs(b *testing.B) (direct, bounced *env) {
	b.Helper()
	c := testdb.PgBouncer(b)
	p, err := testdb.ParseEndpoint(os.Getenv("ATHANOR_PG_PRIMARY"))
	if err != nil {
		b.Fatalf("ATHANOR_PG_PRIMARY: %v", err)
	}
	dc := testdb.Cluster{Primary: p.WithDatabase(c.Primary.Database)}
	pool := openPool(b, dc.Primary)
	if _, err := pool.Exec(context.Background(), fmt.Sprintf("ALTER DATABASE %q SET synchronous_commit = off", c.Primary.Database)); err != nil {
		b.Fatal(err)
	}
	pool.Close()
	direct = openEnv(b, dc, true)
	bounced = openEnv(b, testdb.Cluster{Primary: c.Primary}, true)
	// GORM's documented setting behind a transaction pooler: no prepared
	// statements of its own (database/sql's Prepare is a named statement
	// on one server connection).
	gstd, err := bounced.gorm.DB()
	if err != nil {
		b.Fatal(err)
	}
	if bounced.gorm, err = gorm.Open(gormpg.New(gormpg.Config{Conn: gstd}),
		&gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard}); err != nil {
		b.Fatal(err)
	}
	return direct, bounced
}

func BenchmarkPgBouncerReadByPK(b *testing.B) {
	direct, bounced := bouncerEnvs(b)
	direct.seed(b, 1)
	ctx := context.Background()
	dims, bims := direct.impls(), bounced.impls()
	for i := range dims {
		for _, v := range []struct {
			suffix string
			im     impl
		}{{"", dims[i]}, {"-pgbouncer", bims[i]}} {
			b.Run(v.im.name+v.suffix, func(b *testing.B) {
				warm(b, func() error { return v.im.readByPK(ctx, 1) })
				loop(b, func() error { return v.im.readByPK(ctx, 1) })
			})
		}
	}
}

func BenchmarkPgBouncerTx3(b *testing.B) {
	direct, bounced := bouncerEnvs(b)
	direct.seed(b, 1)
	ctx := context.Background()
	dims, bims := direct.tx3Impls(), bounced.tx3Impls()
	for i := range dims {
		for _, v := range []struct {
			suffix string
			im     tx3Impl
		}{{"", dims[i]}, {"-pgbouncer", bims[i]}} {
			b.Run(v.im.name+v.suffix, func(b *testing.B) {
				var counter int64 = 1 << 20
				op := func() error { counter++; return v.im.fn(ctx, counter) }
				warm(b, op)
				loop(b, op)
				b.StopTimer()
				if got := direct.counterOf(b, 1); got != counter {
					b.Fatalf("%s: row 1 has counter %d after the transactions, want %d", v.im.name+v.suffix, got, counter)
				}
			})
		}
	}
}
