// Package mysqldriver plugs MySQL and MariaDB into the engine through
// go-sql-driver/mysql. Import it for its side effect, as with
// database/sql drivers:
//
//	import _ "github.com/athanor-orm/athanor/driver/mysqldriver"
//
// Then engine.Open accepts mysql:// and mariadb:// DSNs, and
// engine.Config.MySQL holds a *mysql.Config of go-sql-driver/mysql.
// A program that does not import this package links no MySQL driver.
//
// Parsing a DSN turns parseTime and clientFoundRows on unless the DSN
// sets them: RowsAffected of an UPDATE then counts the rows matched, as on
// PostgreSQL and SQLite. Opening refuses a Loc other than UTC, sets the
// session time_zone to '+00:00' unless Params sets time_zone, and, when
// MaxAllowedPacket is left at the driver's default, asks the server for
// its max_allowed_packet instead (the time policy and packet limits are
// described in the engine package doc).
package mysqldriver

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"

	mydialect "github.com/athanor-orm/athanor/dialect/mysql"
	"github.com/athanor-orm/athanor/engine"
)

func init() { engine.Register(Runtime) }

// Runtime is the MySQL runtime, registered with the engine on import; it
// may also be set as engine.Config.Runtime.
var Runtime engine.Runtime = runtime{}

type runtime struct{}

func (runtime) Driver() engine.Driver { return engine.MySQL }

func (runtime) Configure(c *engine.Config, d *engine.DSN) error {
	q := url.Values(d.Query)
	if q == nil {
		q = url.Values{}
	}
	if _, ok := q["parseTime"]; !ok {
		q.Set("parseTime", "true")
	}
	// RowsAffected of an UPDATE counts the rows matched, as on PostgreSQL
	// and SQLite, not only the rows whose values changed: the session
	// relies on it to tell "row gone" from "row already had these values".
	if _, ok := q["clientFoundRows"]; !ok {
		q.Set("clientFoundRows", "true")
	}
	// The user and password are set on the parsed config, never put into
	// a DSN string that an error could echo.
	mc, err := mysql.ParseDSN("tcp(" + d.Host + ")/" + url.PathEscape(d.Database) + "?" + q.Encode())
	if err != nil {
		return err
	}
	mc.DBName = d.Database
	if d.HasUser {
		mc.User, mc.Passwd = d.User, d.Password
	}
	c.MySQL = mc
	if d.Scheme == "mariadb" {
		c.Dialect = mydialect.MariaDB
	}
	return nil
}

// config returns c's *mysql.Config.
func config(c *engine.Config) (*mysql.Config, error) {
	mc, ok := c.MySQL.(*mysql.Config)
	if !ok || mc == nil {
		if c.MySQL == nil {
			return nil, errors.New("mysql config is missing (use ParseConfig)")
		}
		return nil, fmt.Errorf("mysql config is a %T, want *mysql.Config", c.MySQL)
	}
	return mc, nil
}

// defaultMaxAllowedPacket is go-sql-driver/mysql's default
// Config.MaxAllowedPacket (what mysql.NewConfig sets).
var defaultMaxAllowedPacket = mysql.NewConfig().MaxAllowedPacket

// newConnector returns the go-sql-driver connector for c.
func newConnector(c *engine.Config) (driver.Connector, error) {
	mc, err := config(c)
	if err != nil {
		return nil, err
	}
	mc = mc.Clone()
	if err := timePolicy(mc); err != nil {
		return nil, err
	}
	if mc.MaxAllowedPacket == defaultMaxAllowedPacket {
		// Left at the driver's default (64 MiB, larger than the server's
		// usual 16 MiB): ask the server for its max_allowed_packet when
		// connecting instead. Knowing the real limit, the driver refuses
		// an oversized packet before sending it (mysql.ErrPktTooLarge, the
		// caller's error) and sends a large parameter in chunks the server
		// accepts (it answers with an error if the value is still too
		// large); with a limit above the server's, the server would reset
		// the connection, as if the node had failed.
		mc.MaxAllowedPacket = 0
	}
	return mysql.NewConnector(mc)
}

// timePolicy makes cfg follow the time policy: DATETIME values are
// written and read as UTC wall clocks (loc=UTC), and the session's
// time_zone is UTC, so that NOW(), CURRENT_TIMESTAMP and TIMESTAMP columns
// agree with the values Athanor binds. A loc other than UTC is refused:
// go-sql-driver would write every time in it, and the rows would disagree
// with those written by the other dialects' rules. An explicit time_zone
// is kept.
func timePolicy(cfg *mysql.Config) error {
	if cfg.Loc != nil && cfg.Loc != time.UTC {
		return fmt.Errorf("loc=%s: Athanor stores times as UTC wall clocks; leave loc unset (UTC)", cfg.Loc)
	}
	cfg.Loc = time.UTC
	if _, ok := cfg.Params["time_zone"]; !ok {
		if cfg.Params == nil {
			cfg.Params = map[string]string{}
		}
		cfg.Params["time_zone"] = "'+00:00'"
	}
	return nil
}

func (runtime) Endpoint(c *engine.Config) engine.Endpoint {
	mc, err := config(c)
	if err != nil {
		return engine.Endpoint{}
	}
	e := engine.Endpoint{Host: mc.Addr, User: mc.User, Database: mc.DBName}
	if h, p, err := net.SplitHostPort(mc.Addr); err == nil {
		e.Host = h
		e.Port, _ = strconv.Atoi(p)
	}
	return e
}

func (runtime) Classify(err error) error { return Classify(err) }

func (runtime) ServerError(err error) (int, bool) {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return int(me.Number), true
	}
	return 0, false
}

// NotSent reports the driver's refusal of a packet over
// max_allowed_packet, which it checks before writing.
func (runtime) NotSent(err error) bool { return errors.Is(err, mysql.ErrPktTooLarge) }

// Interrupted reports "query execution was interrupted" (1317), the
// answer to a KILL QUERY.
func (r runtime) Interrupted(err error) bool {
	n, ok := r.ServerError(err)
	return ok && n == 1317
}

// Capabilities: a batch outside a transaction runs on several pooled
// connections at once (the protocol has no pipeline).
func (runtime) Capabilities() engine.Capabilities { return engine.Capabilities{FanOut: true} }

func (runtime) BeginSQL(opts engine.TxOptions) ([]string, error) {
	var out []string
	if opts.ForeignKeysOff {
		out = append(out, "SET foreign_key_checks = 0")
	}
	if l := opts.Isolation; l != engine.IsolationDefault && l.String() != engine.IsolationDefault.String() {
		out = append(out, "SET TRANSACTION ISOLATION LEVEL "+l.String())
	}
	if opts.ReadOnly {
		return append(out, "START TRANSACTION READ ONLY"), nil
	}
	return append(out, "START TRANSACTION"), nil
}

func (runtime) EndSQL(opts engine.TxOptions) []string {
	if opts.ForeignKeysOff {
		return []string{"SET foreign_key_checks = 1"}
	}
	return nil
}

// sqlConfig is the engine's database/sql adapter's configuration.
var sqlConfig = &engine.SQLConfig{
	Runtime: Runtime,
	// A time is bound as its UTC instant truncated to microseconds (the
	// time policy); go-sql-driver then writes its wall clock in cfg.Loc,
	// which the connector makes UTC.
	TimeArg:     func(t time.Time) driver.Value { return mydialect.TimeValue(t) },
	RowCountSQL: "SELECT ROW_COUNT()",
}
