package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	gormmysql "gorm.io/driver/mysql"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/athanor-orm/athanor/core"
	_ "github.com/athanor-orm/athanor/driver/mysqldriver" // the MariaDB benchmarks
	_ "github.com/athanor-orm/athanor/driver/pgxdriver"   // the PostgreSQL benchmarks
	"github.com/athanor-orm/athanor/engine"
	"github.com/athanor-orm/athanor/internal/testdb"
	"github.com/athanor-orm/athanor/mapper"
	"github.com/athanor-orm/athanor/session"
)

// poolSize is every implementation's connection limit, so that no
// implementation wins by holding more connections (pgxpool and the engine
// default to max(4, GOMAXPROCS) anyway; database/sql has no limit).
const poolSize = 4

// Model is a row of the go-orm-benchmarks models table, for pgx,
// athanor-core and sqlx (sqlx lower-cases field names; the engine
// snake-cases them).
type Model struct {
	ID      int `db:"id"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

// ORMModel is the same row mapped for the athanor session.
type ORMModel struct {
	_       struct{} `athanor:",table:models"`
	ID      int      `athanor:",pk"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

// GormModel is the same row for GORM.
type GormModel struct {
	ID      int `gorm:"primaryKey"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func (GormModel) TableName() string { return "models" }

// BunModel is the same row for Bun.
type BunModel struct {
	bun.BaseModel `bun:"table:models"`

	ID      int `bun:",pk,autoincrement"`
	Name    string
	Title   string
	Fax     string
	Web     string
	Age     int
	Right   bool
	Counter int64
}

func init() {
	mapper.MustRegister[ORMModel]()
}

func newModel() Model {
	m := Model{Name: "Orm Benchmark", Title: "Just a Benchmark for fun", Fax: "99909990", Web: "http://blog.milkpod29.me", Age: 100, Right: true, Counter: 1000}
	if distinctRows.Load() {
		m.Counter = rowSeq.Add(1)
	}
	return m
}

// distinctRows, while set, gives every model newModel makes a counter of
// its own (rowSeq), so that no two rows written are alike, as in real
// inserts: see InsertMulti100Distinct in paired_test.go.
var (
	distinctRows atomic.Bool
	rowSeq       atomic.Int64
)

func newORMModel() ORMModel {
	m := newModel()
	return ORMModel{Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age, Right: m.Right, Counter: m.Counter}
}

func newGormModel() GormModel {
	m := newModel()
	return GormModel{Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age, Right: m.Right, Counter: m.Counter}
}

func newBunModel() BunModel {
	m := newModel()
	return BunModel{Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age, Right: m.Right, Counter: m.Counter}
}

var models = core.MustTable(core.TableDef{
	Name: "models",
	Columns: []core.Column{
		{Name: "id", Type: core.Int(), PrimaryKey: true, AutoIncrement: true},
		{Name: "name", Type: core.Text()},
		{Name: "title", Type: core.Text()},
		{Name: "fax", Type: core.Text()},
		{Name: "web", Type: core.Text()},
		{Name: "age", Type: core.Int()},
		{Name: "right", Type: core.Bool()},
		{Name: "counter", Type: core.BigInt()},
	},
})

// sqlText is the hand-written SQL of one server family, used by pgx and
// sqlx (and by the seeding code).
type sqlText struct {
	create, insert, update, selectByPK, selectMulti, count string
	insertMulti100                                         string // 100 rows; RETURNING id where the server has it
}

func placeholders(pg bool, first, n int) string {
	var sb strings.Builder
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		if pg {
			fmt.Fprintf(&sb, "$%d", first+i)
		} else {
			sb.WriteString("?")
		}
	}
	return sb.String()
}

func newSQLText(pg bool) sqlText {
	q := func(s string) string { // quote "right"
		if pg {
			return strings.ReplaceAll(s, "`", `"`)
		}
		return s
	}
	t := sqlText{
		insert:      q("INSERT INTO models (name, title, fax, web, age, `right`, counter) VALUES (" + placeholders(pg, 1, 7) + ")"),
		update:      q("UPDATE models SET name = " + placeholders(pg, 1, 1) + ", title = " + placeholders(pg, 2, 1) + ", fax = " + placeholders(pg, 3, 1) + ", web = " + placeholders(pg, 4, 1) + ", age = " + placeholders(pg, 5, 1) + ", `right` = " + placeholders(pg, 6, 1) + ", counter = " + placeholders(pg, 7, 1) + " WHERE id = " + placeholders(pg, 8, 1)),
		selectByPK:  q("SELECT id, name, title, fax, web, age, `right`, counter FROM models WHERE id = " + placeholders(pg, 1, 1)),
		selectMulti: q("SELECT id, name, title, fax, web, age, `right`, counter FROM models WHERE id > 0 LIMIT 100"),
		count:       "SELECT count(*) FROM models",
	}
	var sb strings.Builder
	sb.WriteString(q("INSERT INTO models (name, title, fax, web, age, `right`, counter) VALUES "))
	for i := range 100 {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + placeholders(pg, i*7+1, 7) + ")")
	}
	if pg {
		t.create = `CREATE TABLE IF NOT EXISTS models (
		id SERIAL NOT NULL, name TEXT NOT NULL, title TEXT NOT NULL, fax TEXT NOT NULL,
		web TEXT NOT NULL, age INTEGER NOT NULL, "right" BOOLEAN NOT NULL, counter BIGINT NOT NULL,
		CONSTRAINT models_pkey PRIMARY KEY (id))`
		t.insert += " RETURNING id"
		sb.WriteString(" RETURNING id")
	} else {
		t.create = "CREATE TABLE IF NOT EXISTS models (" +
			"id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL, title TEXT NOT NULL, fax TEXT NOT NULL, " +
			"web TEXT NOT NULL, age INT NOT NULL, `right` BOOLEAN NOT NULL, counter BIGINT NOT NULL) ENGINE=InnoDB"
	}
	t.insertMulti100 = sb.String()
	return t
}

var (
	pgSQL    = newSQLText(true)
	mysqlSQL = newSQLText(false)
)

// modelArgs100 returns the arguments of insertMulti100.
func modelArgs100(m *Model) []any {
	args := make([]any, 0, 700)
	for range 100 {
		args = append(args, m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter)
	}
	return args
}

// env is one benchmark database and every implementation's handle on it,
// all with poolSize connections.
type env struct {
	pg      bool
	cluster testdb.Cluster
	sql     sqlText

	conns int32 // every handle's connection limit (poolSize but in the throughput curve)

	pool *pgxpool.Pool // PostgreSQL only
	db   *engine.DB
	std  *sql.DB // database/sql handle shared by sqlx
	sqlx *sqlx.DB
	gorm *gorm.DB
	bun  *bun.DB
}

// newSession is how the athanor entries get a session: a fresh one per
// operation, as a request handler would.
func (e *env) newSession() *session.Session {
	return session.New(session.DB(e.db), session.Options{})
}

func setupPG(b testing.TB) *env {
	b.Helper()
	c := testdb.PG(b)
	c.Primary = withParam(c.Primary, "synchronous_commit", "off")
	for i, r := range c.Replicas {
		c.Replicas[i] = withParam(r, "synchronous_commit", "off")
	}
	e := openEnv(b, c, true)
	settle(b, c)
	return e
}

func setupMySQL(b testing.TB) *env {
	b.Helper()
	c := testdb.MySQL(b)
	e := openEnv(b, c, false)
	settle(b, c)
	return e
}

// settle waits until the replicas have replayed the benchmark database's
// creation: replaying a CREATE DATABASE (on PostgreSQL 15 every block of
// the template goes through the WAL) takes both CPUs for a while, and
// measuring during it made the first workload of each process read tens
// of percent high.
func settle(b testing.TB, c testdb.Cluster) {
	b.Helper()
	if len(c.Replicas) > 0 {
		testdb.CaughtUp(b, c)
	}
}

func openEnv(b testing.TB, c testdb.Cluster, pg bool) *env {
	return openEnvConns(b, c, pg, poolSize)
}

// openEnvConns opens every implementation's handle on c's primary with
// conns connections each.
func openEnvConns(b testing.TB, c testdb.Cluster, pg bool, conns int32) *env {
	b.Helper()
	ctx := context.Background()
	e := &env{pg: pg, cluster: c, conns: conns}
	limit := func(db *sql.DB) { limitTo(db, int(conns)) }
	e.db = openEngine(b, c, conns)

	if pg {
		e.sql = pgSQL
		e.pool = openPgxPool(b, c, conns)
		ccfg, err := pgx.ParseConfig(c.Primary.DriverDSN())
		if err != nil {
			b.Fatal(err)
		}
		settleBackend(&ccfg.Config)
		e.std = stdlib.OpenDB(*ccfg)
		e.sqlx = sqlx.NewDb(e.std, "pgx")
		gstd := stdlib.OpenDB(*ccfg)
		limit(gstd)
		b.Cleanup(func() { gstd.Close() })
		if e.gorm, err = gorm.Open(gormpg.New(gormpg.Config{Conn: gstd}), gormConfig()); err != nil {
			b.Fatal(err)
		}
		bstd := stdlib.OpenDB(*ccfg)
		limit(bstd)
		e.bun = bun.NewDB(bstd, pgdialect.New())
	} else {
		e.sql = mysqlSQL
		conn := mysqlConnector(b, c)
		e.std = sql.OpenDB(conn)
		e.sqlx = sqlx.NewDb(e.std, "mysql")
		gstd := sql.OpenDB(conn)
		limit(gstd)
		b.Cleanup(func() { gstd.Close() })
		var err error
		if e.gorm, err = gorm.Open(gormmysql.New(gormmysql.Config{Conn: gstd}), gormConfig()); err != nil {
			b.Fatal(err)
		}
		bstd := sql.OpenDB(conn)
		limit(bstd)
		e.bun = bun.NewDB(bstd, mysqldialect.New())
	}
	limit(e.std)
	b.Cleanup(func() { e.std.Close() })
	b.Cleanup(func() { e.bun.Close() })
	if _, err := e.std.ExecContext(ctx, e.sql.create); err != nil {
		b.Fatal(err)
	}
	return e
}

// twin returns a copy of e whose floor handles — the engine (withEngine),
// pgx's pool on PostgreSQL, database/sql and sqlx over it on MariaDB —
// are opened anew with the same configuration and connection limit: the
// same code then runs on other server connections (the paired
// benchmarks' A/A control). Its other handles are e's.
func (e *env) twin(b testing.TB, withEngine bool) *env {
	b.Helper()
	t := *e
	if withEngine {
		t.db = openEngine(b, e.cluster, e.conns)
	}
	if e.pg {
		t.pool = openPgxPool(b, e.cluster, e.conns)
		return &t
	}
	t.std = sql.OpenDB(mysqlConnector(b, e.cluster))
	limitTo(t.std, int(e.conns))
	b.Cleanup(func() { t.std.Close() })
	t.sqlx = sqlx.NewDb(t.std, "mysql")
	return &t
}

// openEngine opens the engine on c's primary with conns connections.
func openEngine(b testing.TB, c testdb.Cluster, conns int32) *engine.DB {
	b.Helper()
	cfg, err := engine.ParseConfig(c.Primary.URL())
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = conns
	if pc, ok := cfg.Postgres.(*pgx.ConnConfig); ok {
		settleBackend(&pc.Config)
	}
	db, err := engine.OpenConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// openPgxPool opens a pgx pool on c's primary with conns connections.
func openPgxPool(b testing.TB, c testdb.Cluster, conns int32) *pgxpool.Pool {
	b.Helper()
	pcfg, err := pgxpool.ParseConfig(c.Primary.DriverDSN())
	if err != nil {
		b.Fatal(err)
	}
	pcfg.MaxConns = conns
	settleBackend(&pcfg.ConnConfig.Config)
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// mysqlConnector is go-sql-driver/mysql's connector for c's primary.
func mysqlConnector(b testing.TB, c testdb.Cluster) driver.Connector {
	b.Helper()
	mcfg, err := mysql.ParseDSN(c.Primary.DriverDSN())
	if err != nil {
		b.Fatal(err)
	}
	conn, err := mysql.NewConnector(mcfg)
	if err != nil {
		b.Fatal(err)
	}
	return conn
}

// gormConfig is GORM's documented fast path: prepared statements cached,
// no implicit transaction around single writes, no logging.
func gormConfig() *gorm.Config {
	return &gorm.Config{PrepareStmt: true, SkipDefaultTransaction: true, Logger: logger.Discard}
}

// settleSQL sorts 50,000 integers in memory (within the default
// work_mem: no temporary file): its array of sort entries, more than a
// megabyte, is allocated by glibc with mmap. Freeing it raises the server
// process's malloc trim threshold above it for good (glibc adjusts it to
// the largest mmap chunk freed), as a server process that has run for a
// while in production has long done.
const settleSQL = "SELECT count(*) FROM (SELECT g FROM generate_series(1, 50000) g ORDER BY g DESC) s"

// settleBackend makes every connection of cfg run settleSQL once, right
// after connecting, when -settle is given. A new PostgreSQL backend trims
// its heap whenever a statement frees more than 128 KB at its top, and
// grows it again, page by page, for the next: whether a statement pays
// that depends on where the backend's earlier allocations happen to lie,
// down to the length of the statement texts it has cached, not on the
// statement's own work (bench/README, "Server connections: two effects").
// Every library's connections are settled alike, so none pays it by
// chance.
func settleBackend(cfg *pgconn.Config) {
	if !*settleFlag {
		return
	}
	next := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, c *pgconn.PgConn) error {
		if next != nil {
			if err := next(ctx, c); err != nil {
				return err
			}
		}
		_, err := c.Exec(ctx, settleSQL).ReadAll()
		return err
	}
}

// reconnect closes the idle server connections of every handle of e, so
// that each library's next statements run on connections opened anew.
// With -paired.fresh the paired benchmarks call it before each pairing: a
// connection that has been running a workload for a while and one opened
// for it do not run it alike (bench/README, "Server connections: two
// effects"), and the floor's is otherwise the older in every pairing but
// the first.
func (e *env) reconnect(b testing.TB) {
	b.Helper()
	if e.pool != nil {
		e.pool.Reset()
	}
	e.db.ResetPool()
	gstd, err := e.gorm.DB()
	if err != nil {
		b.Fatal(err)
	}
	for _, db := range []*sql.DB{e.std, gstd, e.bun.DB} {
		db.SetMaxIdleConns(0) // closes the idle connections
		limitTo(db, int(e.conns))
	}
}

func limitTo(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
}

// seed empties models and inserts n rows with ids 1..n.
func (e *env) seed(b testing.TB, n int) {
	b.Helper()
	ctx := context.Background()
	trunc := "TRUNCATE models RESTART IDENTITY"
	if !e.pg {
		trunc = "TRUNCATE models"
	}
	if _, err := e.std.ExecContext(ctx, trunc); err != nil {
		b.Fatal(err)
	}
	m := newModel()
	for range n {
		if _, err := e.std.ExecContext(ctx, strings.TrimSuffix(e.sql.insert, " RETURNING id"), m.Name, m.Title, m.Fax, m.Web, m.Age, m.Right, m.Counter); err != nil {
			b.Fatal(err)
		}
	}
}

// counterOf reads back the counter of row id, to prove an update landed.
func (e *env) counterOf(b testing.TB, id int) int64 {
	b.Helper()
	var c int64
	q := "SELECT counter FROM models WHERE id = " + placeholders(e.pg, 1, 1)
	if err := e.std.QueryRowContext(context.Background(), q, id).Scan(&c); err != nil {
		b.Fatal(err)
	}
	return c
}

// withParam returns a copy of ep with a DSN parameter set. The benchmarks
// run PostgreSQL with synchronous_commit=off on every connection of every
// implementation: on this class of machine a WAL flush costs milliseconds,
// erratically, and would drown the client-side costs being compared.
func withParam(ep testdb.Endpoint, k, v string) testdb.Endpoint {
	ep = ep.WithDatabase(ep.Database) // copies Params
	if ep.Params == nil {
		ep.Params = map[string][]string{}
	}
	ep.Params.Set(k, v)
	return ep
}
