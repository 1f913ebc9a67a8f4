package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"

	litedialect "github.com/athanor-orm/athanor/dialect/sqlite"
)

// SQLite cancellation: modernc.org/sqlite interrupts the running statement
// (sqlite3_interrupt) when the context ends; the connection is destroyed
// afterwards like on every driver.

func (db *DB) setupSQLite() error {
	c, err := sqlite.NewConnector(db.cfg.SQLite)
	if err != nil {
		return fmt.Errorf("engine: open %s: %w", &db.cfg, err)
	}
	db.connector = c
	db.connect = db.connectSQLite
	return nil
}

func sqliteServerError(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se)
}

func (db *DB) connectSQLite(ctx context.Context, pc *conn) (driverConn, error) {
	c, err := db.connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc := newSQLConn(db, pc, c, sqliteServerError)
	sc.rowCountSQL = "SELECT changes()"
	sc.timeArg = sqliteTimeArg
	return sc, nil
}

// sqliteTimeArg binds a time as SQLite's own text form of its UTC wall
// clock (the time policy; see the package doc), which compares equal to
// what CURRENT_TIMESTAMP and datetime() write.
func sqliteTimeArg(t time.Time) driver.Value { return litedialect.TimeText(t) }
