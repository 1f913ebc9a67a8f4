package engine

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
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
	return sc, nil
}
