package engine

import (
	"database/sql/driver"
	"fmt"
	"sync"
	"time"

	"github.com/athanor-orm/athanor/core"
)

// Runtime plugs a database/sql/driver-based database into the engine:
// MySQL and MariaDB (package driver/mysqldriver, go-sql-driver/mysql) and
// SQLite (package driver/sqlitedriver, modernc.org/sqlite). A driver
// package registers its runtime from init, so a program links only the
// drivers it imports:
//
//	import _ "github.com/athanor-orm/athanor/driver/sqlitedriver"
//
// The engine keeps the pool, outcomes, cancellation and time policy; a
// runtime answers only what depends on the driver library.
type Runtime interface {
	// Driver is the database family the runtime serves.
	Driver() Driver
	// Configure sets the family's connection configuration on c from a
	// DSN whose pool parameters are already taken (Config.MySQL for
	// MySQL, Config.SQLite for SQLite). Its errors must not quote the
	// password.
	Configure(c *Config, dsn DSN) error
	// Connector returns the driver's connector for c, following the time
	// policy (see the package doc).
	Connector(c *Config) (driver.Connector, error)
	// Endpoint describes c's server without its password.
	Endpoint(c *Config) Endpoint
	// Dialect is the family's dialect; mariadb asks for MariaDB's where
	// it differs.
	Dialect(mariadb bool) core.Dialect
	// Classify maps a driver error onto athanor's error kinds.
	Classify(err error) error
	// ServerError reports whether err is the server's answer to a
	// statement, with the server's error number.
	ServerError(err error) (number int, ok bool)
	// NotSent reports an error the driver raised before sending anything
	// (such as a packet over max_allowed_packet).
	NotSent(err error) bool
	// TimeArg is what a time.Time argument is bound as (the time policy).
	TimeArg(t time.Time) driver.Value
	// RowCountSQL asks for the rows changed by the last statement.
	RowCountSQL() string
}

// DSN is a parsed DSN handed to Runtime.Configure. For the URL forms
// (mysql://) Host is host:port, with the default port filled in; for
// SQLite, Path is the database path or file: URI with its query.
type DSN struct {
	Host     string
	Database string
	User     string
	Password string
	// HasUser is set when the DSN has a user part (even empty).
	HasUser bool
	// Query holds the driver's DSN parameters.
	Query map[string][]string
	Path  string
}

// Endpoint names a server for messages and tracing; it never holds a
// password.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Database string
}

var (
	runtimesMu sync.RWMutex
	runtimes   = map[Driver]Runtime{}
)

// Register makes a runtime available to ParseConfig and Open for its
// driver family. Driver packages call it from init. It panics if the
// family already has one (two packages claiming it is a build mistake).
func Register(rt Runtime) {
	runtimesMu.Lock()
	defer runtimesMu.Unlock()
	d := rt.Driver()
	if _, dup := runtimes[d]; dup {
		panic(fmt.Sprintf("engine: Register called twice for driver %q", d))
	}
	runtimes[d] = rt
}

// driverPackages names the package to import for each pluggable family,
// for the error of a program that forgot it.
var driverPackages = map[Driver]string{
	MySQL:  "github.com/athanor-orm/athanor/driver/mysqldriver",
	SQLite: "github.com/athanor-orm/athanor/driver/sqlitedriver",
}

// lookupRuntime returns the registered runtime of d.
func lookupRuntime(d Driver) (Runtime, error) {
	runtimesMu.RLock()
	rt := runtimes[d]
	runtimesMu.RUnlock()
	if rt != nil {
		return rt, nil
	}
	if pkg, ok := driverPackages[d]; ok {
		return nil, fmt.Errorf("no %s driver registered: forgotten import of %q?", d, pkg)
	}
	return nil, fmt.Errorf("unknown driver %q", d)
}
