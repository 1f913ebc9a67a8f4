package engine

import (
	"context"
	"fmt"
)

// SQLite cancellation: modernc.org/sqlite interrupts the running statement
// (sqlite3_interrupt) when the context ends; the connection is destroyed
// afterwards like on every driver.

func (db *DB) setupSQLite() error {
	c, err := db.rt.Connector(&db.cfg)
	if err != nil {
		return fmt.Errorf("engine: open %s: %w", &db.cfg, err)
	}
	db.connector = c
	db.connect = db.connectSQLite
	return nil
}

func (db *DB) connectSQLite(ctx context.Context, pc *conn) (driverConn, error) {
	c, err := db.connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newSQLConn(db, pc, c), nil
}
