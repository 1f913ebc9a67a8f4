// Package sqlitedriver plugs SQLite into the engine through
// modernc.org/sqlite (pure Go, no cgo). Import it for its side effect, as
// with database/sql drivers:
//
//	import _ "github.com/athanor-orm/athanor/driver/sqlitedriver"
//
// Then engine.Open accepts sqlite:, sqlite3://, file: and :memory: DSNs,
// and engine.Config.SQLite holds the driver's DSN. A program that does not
// import this package links no SQLite.
package sqlitedriver

import (
	"database/sql/driver"
	"errors"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/athanor-orm/athanor/core"
	litedialect "github.com/athanor-orm/athanor/dialect/sqlite"
	"github.com/athanor-orm/athanor/engine"
)

func init() { engine.Register(Runtime) }

// Runtime is the SQLite runtime, registered with the engine on import; it
// may also be set as engine.Config.Runtime.
var Runtime engine.Runtime = runtime{}

type runtime struct{}

func (runtime) Driver() engine.Driver { return engine.SQLite }

func (runtime) Configure(c *engine.Config, d engine.DSN) error {
	c.SQLite = d.Path
	return nil
}

func (runtime) Connector(c *engine.Config) (driver.Connector, error) {
	return sqlite.NewConnector(c.SQLite)
}

func (runtime) Endpoint(c *engine.Config) engine.Endpoint {
	p, _, _ := strings.Cut(c.SQLite, "?")
	return engine.Endpoint{Database: p}
}

func (runtime) Dialect(bool) core.Dialect { return litedialect.Dialect }

func (runtime) Classify(err error) error { return litedialect.Classify(err) }

func (runtime) ServerError(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func (runtime) NotSent(error) bool { return false }

// TimeArg binds a time as SQLite's own text form of its UTC wall clock
// (the time policy; see the engine package doc), which compares equal to
// what CURRENT_TIMESTAMP and datetime() write.
func (runtime) TimeArg(t time.Time) driver.Value { return litedialect.TimeText(t) }

func (runtime) RowCountSQL() string { return "SELECT changes()" }
